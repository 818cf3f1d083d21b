namespace Resident.Supervision;

/// <summary>
/// What the master tells a child process through its environment: its role, its place and the descriptors it
/// inherited. Environment variables, because they survive the exec of the same executable (JIT or NativeAOT alike)
/// and stay out of the app's own command line and configuration.
/// </summary>
internal static class SupervisorEnvironment
{
    /// <summary><c>worker</c> in a worker process; unset elsewhere.</summary>
    public const string Role = "RESIDENT_ROLE";

    /// <summary>The worker id, 0 to WorkerNum − 1.</summary>
    public const string WorkerId = "RESIDENT_WORKER_ID";

    /// <summary>The worker's slot: unique among the workers alive at once; WebSocket ids carry it.</summary>
    public const string Slot = "RESIDENT_WORKER_SLOT";

    /// <summary>The generation (1 at start, one more per reload).</summary>
    public const string Generation = "RESIDENT_GENERATION";

    /// <summary>The master's control socket path.</summary>
    public const string ControlSocket = "RESIDENT_CONTROL_SOCKET";

    /// <summary>The inherited listening sockets: <c>name=fd</c> pairs separated by ';' (<c>http</c>, <c>unix</c>, <c>port:{Name}</c>).</summary>
    public const string Listeners = "RESIDENT_LISTEN_FDS";

    /// <summary><c>1</c> when this worker runs the cron jobs and custom processes from its start.</summary>
    public const string Timers = "RESIDENT_TIMERS";

    /// <summary>The master's table instance name, so every worker maps the master's shared memory.</summary>
    public const string TablesInstance = "RESIDENT_TABLES_INSTANCE";

    /// <summary>The <c>-x</c> version.</summary>
    public const string AppVersion = "RESIDENT_APP_VERSION";

    /// <summary>Set in the re-executed daemon master: the descriptor of the pipe its starter waits on.</summary>
    public const string ReadyDescriptor = "RESIDENT_READY_FD";

    /// <summary>The name of the HTTP listener in <see cref="Listeners"/>.</summary>
    public const string HttpListener = "http";

    /// <summary>The name of the Unix-socket listener in <see cref="Listeners"/>.</summary>
    public const string UnixListener = "unix";

    /// <summary>The name of the metrics port's listener (<c>Resident:Metrics:ListenPort</c>) in <see cref="Listeners"/>.</summary>
    public const string MetricsListener = "metrics";

    /// <summary>The name of an extra port's listener in <see cref="Listeners"/>.</summary>
    public static string PortListener(string name) => "port:" + name;
}

/// <summary>Who this worker is, read from the environment the master gave it; null in any other process.</summary>
internal sealed record WorkerIdentity(int WorkerId, int Slot, int Generation, string ControlSocket, IReadOnlyDictionary<string, int> Listeners, bool RunsTimers, string? AppVersion, string? TablesInstance)
{
    private static readonly Lazy<WorkerIdentity?> Current = new(Read);

    /// <summary>This process's identity when the master started it as a worker.</summary>
    public static WorkerIdentity? OfThisProcess => Current.Value;

    private static WorkerIdentity? Read()
    {
        if (Environment.GetEnvironmentVariable(SupervisorEnvironment.Role) != "worker")
        {
            return null;
        }

        var listeners = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in (Environment.GetEnvironmentVariable(SupervisorEnvironment.Listeners) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.LastIndexOf('=');
            if (equals > 0 && int.TryParse(pair.AsSpan(equals + 1), out var descriptor))
            {
                listeners[pair[..equals]] = descriptor;
            }
        }

        return new WorkerIdentity(
            Number(SupervisorEnvironment.WorkerId),
            Number(SupervisorEnvironment.Slot),
            Number(SupervisorEnvironment.Generation),
            Environment.GetEnvironmentVariable(SupervisorEnvironment.ControlSocket) ?? "",
            listeners,
            Environment.GetEnvironmentVariable(SupervisorEnvironment.Timers) == "1",
            Environment.GetEnvironmentVariable(SupervisorEnvironment.AppVersion),
            Environment.GetEnvironmentVariable(SupervisorEnvironment.TablesInstance));

        static int Number(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : 0;
    }
}
