namespace Resident;

/// <summary>
/// The server settings, bound from the <c>Resident</c> configuration section (appsettings.json, environment
/// variables such as <c>Resident__ListenPort</c>, or the command line such as <c>--Resident:ListenPort=8080</c>)
/// over the defaults below and any set in code by <c>AddResident(options => …)</c>. Validated when the host starts.
/// </summary>
public sealed class ResidentOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Resident";

    /// <summary>The IPv4 or IPv6 address to listen on. Default <c>127.0.0.1</c>; <c>0.0.0.0</c> or <c>::</c> listens on every interface.</summary>
    public string ListenIp { get; set; } = "127.0.0.1";

    /// <summary>The TCP port to listen on, 0–65535; 0 lets the operating system choose. Default 5200.</summary>
    public int ListenPort { get; set; } = 5200;

    /// <summary>
    /// An optional Unix domain socket path to listen on as well (for an nginx <c>upstream</c>). A stale socket file
    /// from a crashed run is replaced; a socket another live server listens on is a start-up error.
    /// </summary>
    public string? Socket { get; set; }

    /// <summary>Worker processes in supervised mode, 1–256. Default 1: one .NET process already uses every core.</summary>
    public int WorkerNum { get; set; } = 1;

    /// <summary>Concurrent task workers, 1–1024. Default: the number of processors.</summary>
    public int TaskWorkerNum { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Most task deliveries and event firings waiting for a worker, 1–10,000,000 (and, counted apart, most waiting on a
    /// delay or a retry). Default 100,000. It bounds the memory a burst can take.
    /// </summary>
    public int TaskQueueCapacity { get; set; } = 100_000;

    /// <summary>What a delivery does while the task queue is full. Default <see cref="Resident.TaskQueueFullMode.Wait"/>.</summary>
    public TaskQueueFullMode TaskQueueFullMode { get; set; } = TaskQueueFullMode.Wait;

    /// <summary>Milliseconds a delivery waits for room in a full queue before it is refused, 0–3,600,000. Default 1000.</summary>
    public int TaskQueueFullTimeout { get; set; } = 1000;

    /// <summary>
    /// Per-job overrides by job name (section <c>Resident:CronJobs:{Name}</c>): <c>Enabled</c>, <c>Interval</c>
    /// (milliseconds) or <c>Expression</c>, and <c>TimeZone</c>.
    /// </summary>
    public IDictionary<string, CronJobOptions> CronJobs { get; set; } = new Dictionary<string, CronJobOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Per-process overrides by process name (section <c>Resident:CustomProcesses:{Name}</c>): <c>Enabled</c> and <c>Num</c>.</summary>
    public IDictionary<string, CustomProcessOptions> CustomProcesses { get; set; } = new Dictionary<string, CustomProcessOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Per-port overrides by [SocketHandler] name (section <c>Resident:Sockets:{Name}</c>): <c>Enabled</c>, <c>Host</c>,
    /// <c>Port</c>, <c>Type</c> and the framing settings, over what the attribute says.
    /// </summary>
    public IDictionary<string, SocketOptions> Sockets { get; set; } = new Dictionary<string, SocketOptions>(StringComparer.Ordinal);

    /// <summary>Requests after which a worker is recycled in supervised mode; 0 (the default) never recycles.</summary>
    public int MaxRequest { get; set; }

    /// <summary>Seconds a stopping or reloading server waits for in-flight work, 1–3600. Default 60.</summary>
    public int MaxWaitTime { get; set; } = 60;

    /// <summary>The value of the <c>Server</c> response header; empty (the default) sends no <c>Server</c> header.</summary>
    public string Server { get; set; } = "";

    /// <summary>Serve files under the web root (<c>wwwroot</c>) with ASP.NET Core's static-file middleware (LaravelS <c>handle_static</c>). Default false.</summary>
    public bool HandleStatic { get; set; }

    /// <summary>
    /// Apply <c>X-Real-IP</c>, <c>X-Real-PORT</c>, <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and <c>Scheme</c>
    /// from requests that come from a <see cref="TrustedProxies">trusted proxy</see> or a Unix socket. Default true.
    /// </summary>
    public bool ForwardedHeaders { get; set; } = true;

    /// <summary>Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) whose forwarded headers are believed. Default: loopback only.</summary>
    public IList<string> TrustedProxies { get; set; } = ["127.0.0.1", "::1"];

    /// <summary>
    /// This node's number in a cluster, 0–32767 (default 0). It fills the top bits of every WebSocket connection id,
    /// so ids from different nodes never collide.
    /// </summary>
    public int NodeId { get; set; }

    /// <summary>
    /// Seconds a WebSocket connection may send nothing before the server closes it (Swoole <c>heartbeat_idle_time</c>).
    /// 0 (the default) means twice <see cref="HeartbeatCheckInterval"/>, or no idle limit when that is 0 too.
    /// </summary>
    public int HeartbeatIdleTime { get; set; }

    /// <summary>
    /// Seconds between idle checks (Swoole <c>heartbeat_check_interval</c>). 0 (the default) means half of
    /// <see cref="HeartbeatIdleTime"/> (at least 1), or no checks when that is 0 too.
    /// </summary>
    public int HeartbeatCheckInterval { get; set; }

    /// <summary>WebSocket limits and keep-alive (section <c>Resident:WebSocket</c>).</summary>
    public ResidentWebSocketOptions WebSocket { get; set; } = new();

    /// <summary>Shared-memory table settings (section <c>Resident:Tables</c>).</summary>
    public ResidentTableOptions Tables { get; set; } = new();

    internal const int MinMaxWaitTime = 1;
    internal const int MaxMaxWaitTime = 3600;

    /// <summary>Errors met while reading configuration, reported by validation at start.</summary>
    internal List<string> BindingErrors { get; } = [];
}

/// <summary>What a task delivery or event firing does while the task queue is full.</summary>
public enum TaskQueueFullMode
{
    /// <summary>Wait up to <c>TaskQueueFullTimeout</c> for room, then refuse (the call returns false).</summary>
    Wait = 0,

    /// <summary>Refuse at once (the call returns false).</summary>
    Refuse = 1,
}

/// <summary>Configuration overrides of one cron job.</summary>
public sealed class CronJobOptions
{
    /// <summary>False turns the job off. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A new interval in milliseconds (makes the job an interval job).</summary>
    public int? Interval { get; set; }

    /// <summary>A new cron expression (makes the job a cron job).</summary>
    public string? Expression { get; set; }

    /// <summary>A new time zone for the cron expression.</summary>
    public string? TimeZone { get; set; }
}

/// <summary>Configuration overrides of one custom process.</summary>
public sealed class CustomProcessOptions
{
    /// <summary>False does not start the process. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A new instance count, 1–64.</summary>
    public int? Num { get; set; }
}

/// <summary>Configuration overrides of one extra port; unset values keep the <see cref="SocketHandlerAttribute"/>'s.</summary>
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

/// <summary>WebSocket settings, bound from <c>Resident:WebSocket</c>.</summary>
public sealed class ResidentWebSocketOptions
{
    /// <summary>The section name under <c>Resident</c>.</summary>
    public const string SectionName = "WebSocket";

    /// <summary>The largest message, in bytes, after reassembly; a larger one closes its connection with 1009. Default 1 MiB.</summary>
    public int MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>Most connections open at once; a handshake beyond it is answered 503. 0 (the default) sets no limit.</summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// Bytes a connection may have queued behind the message being sent. A client that reads too slowly to keep
    /// under it is closed with 1008, so it never holds other connections up or grows memory. Default 2 MiB.
    /// </summary>
    public int SendQueueSize { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// Browser origins allowed to connect (<c>https://example.com</c>); a handshake from another origin is answered 403.
    /// Empty (the default) allows any. Requests without an <c>Origin</c> header (non-browser clients) are always allowed.
    /// </summary>
    public IList<string> AllowedOrigins { get; set; } = [];

    /// <summary>Seconds between protocol pings the server sends to keep idle connections alive; 0 turns them off. Default 120.</summary>
    public int KeepAliveInterval { get; set; } = 120;

    /// <summary>Seconds to wait for the pong of a keep-alive ping before dropping the connection; 0 (the default) never drops.</summary>
    public int KeepAliveTimeout { get; set; }

    /// <summary>Seconds a closing connection waits for the client's close frame before it is dropped, 1–3600. Default 5.</summary>
    public int CloseTimeout { get; set; } = 5;
}
