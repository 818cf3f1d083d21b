namespace Resident;

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
