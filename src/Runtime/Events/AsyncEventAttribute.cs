namespace Resident;

/// <summary>
/// Declares an async event type (LaravelS <c>Event</c>): its public properties are the payload, written by
/// generated JSON code under the same rules as <see cref="BackgroundTaskAttribute"/>. Fire it with
/// <see cref="IEventDispatcher"/>; its <see cref="EventListenerAttribute">[EventListener]</see> classes run on the task workers.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AsyncEventAttribute : Attribute
{
}

/// <summary>
/// Declares a listener of the event <c>TEvent</c> of the <see cref="IEventListener{TEvent}"/> it implements. Each
/// firing builds a fresh instance with the generated factory (constructor parameters come from DI).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class EventListenerAttribute : Attribute
{
    /// <summary>Listeners run in ascending order, then by type name. Default 0.</summary>
    public int Order { get; set; }

    /// <summary>Tries in all for this listener, 1–100, unless the firing says otherwise. Default 1.</summary>
    public int Tries { get; set; } = ResidentLimits.Retry.DefaultTries;

    /// <summary>How long to wait before a retry. Default <see cref="TaskBackoff.Exponential"/>.</summary>
    public TaskBackoff Backoff { get; set; } = (TaskBackoff)ResidentLimits.Retry.DefaultBackoff;

    /// <summary>The fixed delay, or the first exponential delay, in milliseconds. Default 100.</summary>
    public int BackoffMilliseconds { get; set; } = ResidentLimits.Retry.DefaultBackoffMilliseconds;

    /// <summary>The longest exponential delay, in milliseconds. Default 60,000.</summary>
    public int MaxBackoffMilliseconds { get; set; } = ResidentLimits.Retry.DefaultMaxBackoffMilliseconds;
}

/// <summary>Whether the listeners after this one still run.</summary>
public enum Propagation
{
    /// <summary>Run the next listener.</summary>
    Continue = 0,

    /// <summary>Stop here (LaravelS: a listener's <c>handle()</c> returned false).</summary>
    Stop = 1,
}

/// <summary>Handles an <see cref="AsyncEventAttribute">[AsyncEvent]</see> of type <typeparamref name="TEvent"/>.</summary>
public interface IEventListener<in TEvent> where TEvent : class
{
    /// <summary>Handles the event. Throwing fails this try; the listener is retried while it has tries left, then logged and skipped.</summary>
    ValueTask<Propagation> HandleAsync(TEvent @event, TaskContext context);
}

/// <summary>Fires async events (LaravelS <c>Event::fire</c>): returns at once; the listeners run on the task workers, in order.</summary>
public interface IEventDispatcher
{
    /// <summary>
    /// Queues <paramref name="event"/> for its listeners; false when it was not accepted (the queue stayed full, or
    /// the server is stopping). An event without listeners is accepted and does nothing.
    /// </summary>
    /// <param name="event">The event; hand it over and do not change it afterwards.</param>
    /// <param name="delay">Start the listeners no earlier than this from now.</param>
    /// <param name="tries">Tries per listener, 1–100; 0 (the default) takes each listener's <see cref="EventListenerAttribute.Tries"/>.</param>
    /// <param name="cancellationToken">Stops waiting for room in a full queue.</param>
    /// <exception cref="InvalidOperationException"><typeparamref name="TEvent"/> is not marked [AsyncEvent].</exception>
    ValueTask<bool> FireAsync<TEvent>(TEvent @event, TimeSpan delay = default, int tries = 0, CancellationToken cancellationToken = default)
        where TEvent : class;
}
