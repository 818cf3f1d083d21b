namespace Resident;

/// <summary>How a stream is cut into messages.</summary>
public enum SocketFraming
{
    /// <summary>No framing: each read's bytes, as they come.</summary>
    None = 0,

    /// <summary>Messages end with <c>PackageEof</c> (the delimiter is not part of the message).</summary>
    Eof = 1,

    /// <summary>Messages carry their length in a 1-, 2- or 4-byte field (Swoole <c>open_length_check</c>).</summary>
    Length = 2,

    /// <summary>Every message is <c>FixedSize</c> bytes.</summary>
    FixedSize = 3,
}
