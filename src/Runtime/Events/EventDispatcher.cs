using Resident.Hosting;
using Resident.Tasks;

namespace Resident.Events;

/// <summary>
/// Fires the app's [AsyncEvent]s: each firing becomes one delivery of the event's listener route, handed to the task
/// workers through the queue's internal API (so events share the workers, the capacity and the stop with tasks).
/// </summary>
internal sealed class EventDispatcher : IEventDispatcher
{
    private readonly TaskQueue _queue;
    private readonly HashSet<Type> _events;
    private readonly IReadOnlyDictionary<Type, WorkRunner> _routes;

    public EventDispatcher(ResidentRuntime runtime, TaskQueue queue)
    {
        var background = runtime.Declarations.Background;
        _queue = queue;
        _events = [.. background.Events.Select(@event => @event.Type)];
        _routes = queue.EventRoutes;
    }

    public ValueTask<bool> FireAsync<TEvent>(TEvent @event, TimeSpan delay = default, int tries = 0, CancellationToken cancellationToken = default)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(@event);
        TaskQueue.CheckDelivery(delay, tries);
        if (!_events.Contains(typeof(TEvent)))
        {
            throw new InvalidOperationException(
                $"{typeof(TEvent).FullName} is not an async event: mark the class [AsyncEvent] so Resident generates its registration and payload codec.");
        }

        if (!_routes.TryGetValue(typeof(TEvent), out var route))
        {
            return ValueTask.FromResult(_queue.IsAccepting);
        }

        return _queue.EnqueueAsync(route, @event, delay, tries, cancellationToken);
    }
}
