namespace Resident;

/// <summary>WebSocket settings, bound from <c>Resident:WebSocket</c>.</summary>
public sealed class ResidentWebSocketOptions
{
    /// <summary>The section name under <c>Resident</c>.</summary>
    public const string SectionName = "WebSocket";

    /// <summary>The largest message, in bytes, after reassembly; a larger one closes its connection with 1009. Default 1 MiB.</summary>
    public int MaxMessageSize { get; set; } = ResidentLimits.WebSocket.DefaultMaxMessageSize;

    /// <summary>Most connections open at once; a handshake beyond it is answered 503. 0 (the default) sets no limit.</summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// Bytes a connection may have queued behind the message being sent. A client that reads too slowly to keep
    /// under it is closed with 1008, so it never holds other connections up or grows memory. Default 2 MiB.
    /// </summary>
    public int SendQueueSize { get; set; } = ResidentLimits.WebSocket.DefaultSendQueueSize;

    /// <summary>
    /// Browser origins allowed to connect (<c>https://example.com</c>); a handshake from another origin is answered 403.
    /// Empty (the default) allows any. Requests without an <c>Origin</c> header (non-browser clients) are always allowed.
    /// </summary>
    public IList<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Time between protocol pings the server sends to keep idle connections alive, up to a day; zero turns them off.
    /// Default 120 seconds. Configuration takes seconds or a time span.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(ResidentLimits.WebSocket.DefaultKeepAliveIntervalSeconds);

    /// <summary>
    /// How long to wait for the pong of a keep-alive ping before dropping the connection, up to a day; zero (the
    /// default) never drops. Configuration takes seconds or a time span.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; }

    /// <summary>
    /// How long a closing connection waits for the client's close frame before it is dropped, 1 second to 1 hour.
    /// Default 5 seconds. Configuration takes seconds or a time span.
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(ResidentLimits.WebSocket.DefaultCloseTimeoutSeconds);
}
