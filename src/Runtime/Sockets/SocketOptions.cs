namespace Resident;

/// <summary>Configuration overrides of one extra port (section <c>Resident:Sockets:{Name}</c>); unset values keep the <see cref="SocketHandlerAttribute"/>'s.</summary>
public sealed class SocketOptions
{
    /// <summary>Opens (true) or leaves closed (false) the port; unset keeps the attribute's <see cref="SocketHandlerAttribute.Enabled"/>.</summary>
    public bool? Enabled { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.Host"/>.</summary>
    public string? Host { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.Port"/>.</summary>
    public int? Port { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.Type"/>.</summary>
    public PortType? Type { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.Framing"/>.</summary>
    public SocketFraming? Framing { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.PackageEof"/>.</summary>
    public string? PackageEof { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.LengthOffset"/>.</summary>
    public int? LengthOffset { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.LengthSize"/>.</summary>
    public int? LengthSize { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.LengthBigEndian"/>.</summary>
    public bool? LengthBigEndian { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.BodyOffset"/>.</summary>
    public int? BodyOffset { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.FixedSize"/>.</summary>
    public int? FixedSize { get; set; }

    /// <summary>See <see cref="SocketHandlerAttribute.PackageMaxLength"/>.</summary>
    public int? PackageMaxLength { get; set; }
}
