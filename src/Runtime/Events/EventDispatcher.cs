using Resident.Hosting;
using Resident.Metrics;
using Resident.Tasks;

namespace Resident.Events;

/// <summary>
/// Fires the app's [AsyncEvent]s: each firing becomes one delivery of the event's listener route, handed to the task
/// workers through the queue's internal API (so events share the workers, the capacity and the stop with tasks).
/// </summary>
internal sealed class EventDispatcher : IEventDispatcher
{
    private readonly TaskQueue _queue;

    // Each declared event type, with the `event` tag its firings without listeners are counted with (made once).
    private readonly Dictionary<Type, KeyValuePair<string, object?>> _events;
    private readonly IReadOnlyDictionary<Type, WorkRunner> _routes;

    public EventDispatcher(ResidentRuntime runtime, TaskQueue queue)
    {
        var background = runtime.Declarations.Background;
        _queue = queue;
        _events = [];
        foreach (var @event in background.Events)
        {
            _events.TryAdd(@event.Type, ResidentMetrics.EventTag(@event.Name));
        }

        _routes = queue.EventRoutes;
    }

    public ValueTask<bool> FireAsync<TEvent>(TEvent @event, TimeSpan delay = default, int tries = 0, CancellationToken cancellationToken = default)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(@event);
        TaskQueue.CheckDelivery(delay, tries);
        if (!_events.TryGetValue(typeof(TEvent), out var eventTag))
        {
            throw new InvalidOperationException(
                $"{typeof(TEvent).FullName} is not an async event: mark the class [AsyncEvent] so Resident generates its registration and payload codec.");
        }

        if (!_routes.TryGetValue(typeof(TEvent), out var route))
        {
            // Nothing to queue; a firing with listeners is counted by the queue when it accepts it.
            var accepted = _queue.IsAccepting;
            if (accepted)
            {
                _queue.Metrics.AddEventFired(eventTag);
            }

            return ValueTask.FromResult(accepted);
        }

        return _queue.EnqueueAsync(route, @event, delay, tries, cancellationToken);
    }
}
