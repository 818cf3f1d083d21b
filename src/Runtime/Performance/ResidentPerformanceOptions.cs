namespace Resident;

/// <summary>
/// Transport and runtime settings that trade safety margins for CPU per request (section <c>Resident:Performance</c>).
/// <see cref="Profile"/> picks a set; each other key, when set, overrides what the profile picks. The measured effect of
/// each, and when not to use them, is in <c>docs/performance.md</c>.
/// </summary>
public sealed class ResidentPerformanceOptions
{
    /// <summary>The section name under <c>Resident</c>.</summary>
    public const string SectionName = "Performance";

    /// <summary>
    /// <see cref="PerformanceProfile.Default"/> (the default) changes nothing; <see cref="PerformanceProfile.Throughput"/>
    /// turns on the settings measured to cut server CPU per request (see <c>docs/performance.md</c>).
    /// </summary>
    public PerformanceProfile Profile { get; set; }

    /// <summary>
    /// Kestrel's <c>SocketTransportOptions.UnsafePreferInlineScheduling</c>: request code runs on the socket's I/O
    /// thread instead of being queued to the thread pool, and Resident holds the app's response flushes until it
    /// returns or awaits, so a response leaves in one send. Unset: the profile's choice (on with
    /// <see cref="PerformanceProfile.Throughput"/>). Never with handlers that block (analyzer RES005 flags blocking
    /// calls): one blocked request stalls every connection of that I/O thread.
    /// </summary>
    public bool? InlineScheduling { get; set; }

    /// <summary>
    /// Sets <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> for the workers the supervised master starts: socket
    /// completions run on the epoll thread. The runtime reads it only when it starts, so in single-process mode set the
    /// environment variable yourself (Resident logs a warning when it is asked for but missing). Unset: the profile's choice.
    /// </summary>
    public bool? InlineSocketCompletions { get; set; }

    /// <summary>
    /// Kestrel's <c>SocketTransportOptions.IOQueueCount</c>, 0–1024 (0 schedules I/O on the thread pool). Unset:
    /// the profile's choice, else Kestrel's default (the processor count, at most 16).
    /// </summary>
    public int? IOQueueCount { get; set; }

    /// <summary>
    /// Kestrel's <c>SocketTransportOptions.WaitForDataBeforeAllocatingBuffer</c> (Kestrel's default true: an idle
    /// connection holds no buffer). Unset: the profile's choice, else Kestrel's default.
    /// </summary>
    public bool? WaitForDataBeforeAllocatingBuffer { get; set; }

    /// <summary>
    /// The garbage collector of the workers the supervised master starts (environment variables the runtime reads
    /// when it starts; in single-process mode use the project's <c>ServerGarbageCollector</c> property or
    /// <c>DOTNET_gcServer</c>). Unset: the profile's choice, else <see cref="GarbageCollectorMode.Runtime"/>.
    /// </summary>
    public GarbageCollectorMode? GarbageCollector { get; set; }

    /// <summary>
    /// Supervised mode: pins worker <c>i</c> to the <c>i</c>-th CPU the master may run on (wrapping around), with
    /// <c>DOTNET_PROCESSOR_COUNT=1</c> so its thread pool and Kestrel size themselves for one core — Swoole's model of
    /// one worker per core. Pair it with <c>WorkerNum</c> = the number of cores. Unset: the profile's choice.
    /// </summary>
    public bool? PinWorkers { get; set; }

    /// <summary>
    /// The thread pool's minimum worker threads, 0–32767 (0 leaves the runtime's default: the processor count).
    /// Unset: the profile's choice.
    /// </summary>
    public int? MinThreads { get; set; }

    /// <summary>
    /// Whether ASP.NET Core starts an <see cref="System.Diagnostics.Activity"/> for every request when nothing traces
    /// (its default, true: the Activity gives log scopes a trace id and outgoing calls a <c>traceparent</c>). Hosting
    /// starts one whenever its log category <c>Microsoft.AspNetCore.Hosting.Diagnostics</c> is on, so false turns that
    /// category off (its lines are the Information-level "Request starting/finished"). An <c>ActivityListener</c>
    /// (OpenTelemetry tracing) or a <c>DiagnosticListener</c> still gets its Activity. Unset: the profile's choice
    /// (off with <see cref="PerformanceProfile.Throughput"/>).
    /// </summary>
    public bool? RequestActivityForLogging { get; set; }
}

/// <summary>The sets of settings <see cref="ResidentPerformanceOptions.Profile"/> can pick.</summary>
public enum PerformanceProfile
{
    /// <summary>ASP.NET Core's and the runtime's defaults: nothing is changed.</summary>
    Default,

    /// <summary>The settings measured to cut server CPU per request, for handlers that never block.</summary>
    Throughput,
}

/// <summary>The garbage collector a supervised worker runs with.</summary>
public enum GarbageCollectorMode
{
    /// <summary>Whatever the app's runtime configuration says (web apps: server GC with DATAS).</summary>
    Runtime,

    /// <summary>Workstation GC, non-concurrent (<c>DOTNET_gcServer=0</c>, <c>DOTNET_gcConcurrent=0</c>): no background GC thread.</summary>
    Workstation,

    /// <summary>Workstation GC with background collections (<c>DOTNET_gcServer=0</c>, <c>DOTNET_gcConcurrent=1</c>).</summary>
    WorkstationConcurrent,

    /// <summary>Server GC without dynamic adaptation (<c>DOTNET_gcServer=1</c>, <c>DOTNET_GCDynamicAdaptationMode=0</c>).</summary>
    Server,

    /// <summary>Server GC with DATAS, dynamic adaptation to the application's size (<c>DOTNET_gcServer=1</c>, <c>DOTNET_GCDynamicAdaptationMode=1</c>).</summary>
    ServerDatas,
}
