namespace Resident;

/// <summary>The server and worker lifecycle events a <see cref="LifecycleHookAttribute">[LifecycleHook]</see> can observe (LaravelS <c>event_handlers</c>).</summary>
public enum LifecycleEvent
{
    /// <summary>The server is starting, before it listens.</summary>
    ServerStart = 0,

    /// <summary>The server has stopped: listeners are closed and requests drained.</summary>
    ServerStop = 1,

    /// <summary>A worker is starting, before it serves its first request.</summary>
    WorkerStart = 2,

    /// <summary>A worker has stopped normally, after its last request.</summary>
    WorkerStop = 3,

    /// <summary>A worker failed: in inline mode, an exception nothing caught is about to end the process.</summary>
    WorkerError = 4,
}
