namespace Resident;

/// <summary>What a lifecycle hook is told about the event it observes.</summary>
public sealed class LifecycleEventContext
{
    internal LifecycleEventContext(LifecycleEvent lifecycleEvent, IResidentServer server, IServiceProvider services, Exception? exception = null)
    {
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
    public int WorkerId => Server.WorkerId;

    /// <summary>The worker's process id.</summary>
    public int WorkerProcessId => Server.ProcessId;

    /// <summary>The app's root service provider.</summary>
    public IServiceProvider Services { get; }

    /// <summary>For <see cref="LifecycleEvent.WorkerError"/>: the exception that failed the worker; otherwise null.</summary>
    public Exception? Exception { get; }
}
