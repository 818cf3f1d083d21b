namespace Resident;

/// <summary>What a lifecycle hook is told about the event it observes.</summary>
public sealed class LifecycleEventContext
{
    internal LifecycleEventContext(LifecycleEvent lifecycleEvent, IResidentServer server, IServiceProvider services, Exception? exception = null,
        (int WorkerId, int ProcessId, int ExitCode)? exitedWorker = null)
    {
        _exitedWorker = exitedWorker;
        ExitCode = exitedWorker?.ExitCode;
        Event = lifecycleEvent;
        Server = server;
        Services = services;
        Exception = exception;
    }

    /// <summary>The event being observed.</summary>
    public LifecycleEvent Event { get; }

    /// <summary>The server (LaravelS's <c>$server</c>).</summary>
    public IResidentServer Server { get; }

    /// <summary>The worker's id; 0 in inline mode.</summary>
    public int WorkerId => _exitedWorker?.WorkerId ?? Server.WorkerId;

    /// <summary>The worker's process id.</summary>
    public int WorkerProcessId => _exitedWorker?.ProcessId ?? Server.ProcessId;

    /// <summary>
    /// For <see cref="LifecycleEvent.WorkerError"/> in supervised mode (where the hook runs in the master): the exit
    /// status of the worker that died (a signal shows as 128 + its number); null otherwise.
    /// </summary>
    public int? ExitCode { get; }

    /// <summary>The app's root service provider.</summary>
    public IServiceProvider Services { get; }

    /// <summary>For <see cref="LifecycleEvent.WorkerError"/>: the exception that failed the worker; otherwise null.</summary>
    public Exception? Exception { get; }

    private readonly (int WorkerId, int ProcessId, int ExitCode)? _exitedWorker;
}
