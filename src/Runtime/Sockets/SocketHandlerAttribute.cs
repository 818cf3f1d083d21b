namespace Resident;

/// <summary>
/// Declares the handler of an extra port (LaravelS <c>sockets</c>): TCP, UDP or a Unix socket beside the HTTP server,
/// sharing the app's DI, tables, tasks and WebSocket push. The class implements <see cref="ITcpHandler"/> (Tcp, Tcp6,
/// Unix) or <see cref="IUdpHandler"/> (Udp, Udp6); one instance, built by the generated factory, serves the port.
/// Every property here can be overridden in configuration under <c>Resident:Sockets:{name}</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SocketHandlerAttribute(string name) : Attribute
{
    /// <summary>The port's name: <c>IResidentServer.Sockets[name]</c> and <c>Resident:Sockets:{name}</c>.</summary>
    public string Name { get; } = name;

    /// <summary>False leaves the port closed unless configuration enables it (<c>Resident:Sockets:{name}:Enabled</c>). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The address to listen on, or the socket path for <see cref="PortType.Unix"/>. Default <c>127.0.0.1</c>.</summary>
    public string? Host { get; set; }

    /// <summary>The port, 0–65535 (0 lets the operating system choose). Required for TCP and UDP.</summary>
    public int Port { get; set; } = ResidentLimits.Socket.UnsetPort;

    /// <summary>The socket type. Default <see cref="PortType.Tcp"/>.</summary>
    public PortType Type { get; set; } = PortType.Tcp;

    /// <summary>How a TCP byte stream is cut into messages. Default <see cref="SocketFraming.None"/>.</summary>
    public SocketFraming Framing { get; set; } = SocketFraming.None;

    /// <summary>The delimiter of <see cref="SocketFraming.Eof"/> (Swoole <c>package_eof</c>), such as "\r\n".</summary>
    public string? PackageEof { get; set; }

    /// <summary>Where the length field starts, in bytes from the message start (Swoole <c>package_length_offset</c>).</summary>
    public int LengthOffset { get; set; }

    /// <summary>The length field's size: 1, 2 or 4 bytes. Default 4.</summary>
    public int LengthSize { get; set; } = ResidentLimits.Socket.DefaultLengthSize;

    /// <summary>Whether the length field is big-endian (network order, Swoole 'N'/'n'). Default true.</summary>
    public bool LengthBigEndian { get; set; } = true;

    /// <summary>
    /// Where the body starts (Swoole <c>package_body_offset</c>): a message is this many bytes plus the length
    /// field's value. −1 (the default) means right after the length field.
    /// </summary>
    public int BodyOffset { get; set; } = ResidentLimits.Socket.DefaultBodyOffset;

    /// <summary>The message size of <see cref="SocketFraming.FixedSize"/>.</summary>
    public int FixedSize { get; set; }

    /// <summary>
    /// The largest message in bytes (Swoole <c>package_max_length</c>). A TCP connection that sends a larger one is
    /// logged and closed; a larger UDP datagram is logged and dropped. Default 2 MiB.
    /// </summary>
    public int PackageMaxLength { get; set; } = ResidentLimits.Socket.DefaultPackageMaxLength;
}
