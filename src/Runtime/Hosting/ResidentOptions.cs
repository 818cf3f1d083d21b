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
    public string ListenIp
    {
        get => _listenIp;
        set
        {
            _listenIp = value;
            ListenAddressSet = true;
        }
    }

    /// <summary>
    /// The TCP port to listen on, 0–65535; 0 lets the operating system choose. Default 5200. When neither this nor
    /// <see cref="ListenIp"/> is set (in configuration or code) and ASP.NET Core's own addresses are (<c>urls</c>,
    /// <c>ASPNETCORE_URLS</c>, <c>--urls</c> or <c>Kestrel:Endpoints</c>), Kestrel listens on those instead.
    /// </summary>
    public int ListenPort
    {
        get => _listenPort;
        set
        {
            _listenPort = value;
            ListenAddressSet = true;
        }
    }

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
    public int TaskQueueCapacity { get; set; } = ResidentLimits.Server.DefaultTaskQueueCapacity;

    /// <summary>What a delivery does while the task queue is full. Default <see cref="Resident.TaskQueueFullMode.Wait"/>.</summary>
    public TaskQueueFullMode TaskQueueFullMode { get; set; } = TaskQueueFullMode.Wait;

    /// <summary>
    /// How long a delivery waits for room in a full queue before it is refused, 0 to 1 hour. Default 1 second.
    /// Configuration takes milliseconds (<c>1000</c>) or a time span (<c>00:00:01</c>).
    /// </summary>
    public TimeSpan TaskQueueFullTimeout { get; set; } = TimeSpan.FromMilliseconds(ResidentLimits.Server.DefaultTaskQueueFullTimeoutMilliseconds);

    /// <summary>
    /// Per-job overrides by job name (section <c>Resident:CronJobs:{Name}</c>): <c>Enabled</c>, <c>Interval</c>
    /// (milliseconds or a time span) or <c>Expression</c>, and <c>TimeZone</c>.
    /// </summary>
    public IDictionary<string, CronJobOptions> CronJobs { get; set; } = new Dictionary<string, CronJobOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Per-task overrides by task class name (section <c>Resident:Tasks:{Name}</c>; the full name works too):
    /// <c>Durable</c>.
    /// </summary>
    public IDictionary<string, BackgroundTaskOptions> Tasks { get; set; } = new Dictionary<string, BackgroundTaskOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Per-process overrides by process name (section <c>Resident:CustomProcesses:{Name}</c>): <c>Enabled</c> and <c>Num</c>.</summary>
    public IDictionary<string, CustomProcessOptions> CustomProcesses { get; set; } = new Dictionary<string, CustomProcessOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Per-port overrides by [SocketHandler] name (section <c>Resident:Sockets:{Name}</c>): <c>Enabled</c>, <c>Host</c>,
    /// <c>Port</c>, <c>Type</c> and the framing settings, over what the attribute says.
    /// </summary>
    public IDictionary<string, SocketOptions> Sockets { get; set; } = new Dictionary<string, SocketOptions>(StringComparer.Ordinal);

    /// <summary>
    /// The supervised mode's pid file (LaravelS <c>laravels.pid</c>): the master's pid and its control socket. Default
    /// <c>resident.pid</c> in the content root. The verbs <c>stop</c>, <c>reload</c> and <c>info</c> find the server through it.
    /// </summary>
    public string? PidFile { get; set; }

    /// <summary>Where <c>start -d</c> writes the server's output. Default <c>resident.log</c> in the content root.</summary>
    public string? LogFile { get; set; }

    /// <summary>Requests after which a worker is recycled in supervised mode; 0 (the default) never recycles.</summary>
    public int MaxRequest { get; set; }

    /// <summary>
    /// How long a stopping or reloading server waits for in-flight work, 1 second to 1 hour. Default 60 seconds.
    /// Configuration takes seconds (<c>60</c>) or a time span (<c>00:01:00</c>).
    /// </summary>
    public TimeSpan MaxWaitTime { get; set; } = TimeSpan.FromSeconds(ResidentLimits.Server.DefaultMaxWaitTimeSeconds);

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
    /// How long a WebSocket connection may send nothing before the server closes it (Swoole <c>heartbeat_idle_time</c>),
    /// up to a day. Zero (the default) means twice <see cref="HeartbeatCheckInterval"/>, or no idle limit when that is
    /// zero too. Configuration takes seconds or a time span.
    /// </summary>
    public TimeSpan HeartbeatIdleTime { get; set; }

    /// <summary>
    /// Time between idle checks (Swoole <c>heartbeat_check_interval</c>), up to a day. Zero (the default) means half of
    /// <see cref="HeartbeatIdleTime"/> (at least 1 second), or no checks when that is zero too. Configuration takes
    /// seconds or a time span.
    /// </summary>
    public TimeSpan HeartbeatCheckInterval { get; set; }

    // The feature sections below are bound and checked by their feature folders (WebSockets/, Tables/, Timers/,
    // Processes/, Sockets/); they hang off this class so IOptions<ResidentOptions> gives the whole configuration.

    /// <summary>WebSocket limits and keep-alive (section <c>Resident:WebSocket</c>).</summary>
    public ResidentWebSocketOptions WebSocket { get; set; } = new();

    /// <summary>Shared-memory table settings (section <c>Resident:Tables</c>).</summary>
    public ResidentTableOptions Tables { get; set; } = new();

    /// <summary>The Prometheus endpoint (section <c>Resident:Metrics</c>).</summary>
    public Resident.Metrics.ResidentMetricsOptions Metrics { get; set; } = new();

    /// <summary>The liveness and readiness endpoints (section <c>Resident:Health</c>).</summary>
    public Resident.Metrics.ResidentHealthOptions Health { get; set; } = new();

    /// <summary>Transport and runtime settings for CPU per request (section <c>Resident:Performance</c>; docs/performance.md).</summary>
    public ResidentPerformanceOptions Performance { get; set; } = new();

    /// <summary>Errors met while reading configuration, reported with every other start-up error.</summary>
    internal List<string> BindingErrors { get; } = [];

    /// <summary>
    /// Whether <see cref="ListenIp"/> or <see cref="ListenPort"/> was set (by configuration or code); only then does
    /// Resident's address win over ASP.NET Core's <c>urls</c> and <c>Kestrel:Endpoints</c>.
    /// </summary>
    internal bool ListenAddressSet { get; private set; }

    private string _listenIp = "127.0.0.1";
    private int _listenPort = ResidentLimits.Server.DefaultListenPort;
}


