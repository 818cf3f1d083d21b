using Resident.Hosting;
using Resident.Metrics;
using Resident.Tasks;

namespace Resident.Events;

/// <summary>A listener route, told its event's declaration (with the payload codec) once the routes are built.</summary>
internal interface IEventRoute
{
    /// <summary>Takes the declaration of this route's event type from <paramref name="events"/>, if there is one.</summary>
    void Bind(EventDeclaration[] events);
}

/// <summary>Runs the listeners of one [AsyncEvent] type, in order.</summary>
internal sealed class ListenerRoute<TEvent>(ListenerDeclaration<TEvent>[] listeners)
    : WorkRunner(ResidentMetrics.EventTag(typeof(TEvent).FullName ?? typeof(TEvent).Name)), IEventRoute where TEvent : class
{
    private EventDeclaration<TEvent>? _event;

    // The `listener` tag of each listener's runs, made once.
    private readonly KeyValuePair<string, object?>[] _listenerTags = [.. listeners.Select(listener => ResidentMetrics.ListenerTag(listener.Name))];

    public ListenerDeclaration<TEvent>[] Listeners { get; } = listeners;

    public override bool IsEventRoute => true;

    public override string NameAt(int next) => Listeners[Math.Min(next, Listeners.Length - 1)].Name;

    public void Bind(EventDeclaration[] events)
    {
        // A type test inside the generic route finds the typed declaration without reflection.
        foreach (var declaration in events)
        {
            if (declaration is EventDeclaration<TEvent> typed)
            {
                _event = typed;
                MetricTag = ResidentMetrics.EventTag(typed.Name);
            }
        }
    }

    public override string HandOverKind => HandOverEnvelope.EventKind;

    public override string HandOverName => _event?.Name ?? typeof(TEvent).FullName ?? typeof(TEvent).Name;

    public override bool CanHandOver => _event?.Codec is not null;

    public override byte[] SerializePayload(object payload) => Codec.Serialize((TEvent)payload);

    public override object DeserializePayload(ReadOnlySpan<byte> json) => Codec.Deserialize(json);

    // A queued or retrying firing always has a listener left to run.
    public override (string Name, int Order)? ListenerAt(int next) => (Listeners[next].Name, Listeners[next].Order);

    public override int ResumeAt(string? listener, int order, out bool sameListener)
    {
        // Listeners run by (Order, Name), the order the manifest builder sorts them in.
        for (var index = 0; index < Listeners.Length; index++)
        {
            var candidate = Listeners[index];
            var comparison = candidate.Order != order ? candidate.Order.CompareTo(order) : string.CompareOrdinal(candidate.Name, listener ?? "");
            if (comparison >= 0)
            {
                sameListener = comparison == 0;
                return index;
            }
        }

        sameListener = false;
        return Listeners.Length;
    }

    private PayloadCodec<TEvent> Codec => _event?.Codec ?? throw new InvalidOperationException($"{HandOverName} has no payload codec.");

    /// <summary>
    /// Runs the listeners from the item's next one on, in order, each built fresh. A listener that fails with tries
    /// left is retried after its backoff, and the ones after it run after that; one that fails its last try is skipped.
    /// </summary>
    public override async ValueTask RunAsync(TaskQueue queue, WorkerCounters worker, WorkItem item)
    {
        var @event = (TEvent)item.Payload;
        var next = item.Next;
        var attempt = item.Attempt;
        while (next < Listeners.Length && !queue.Aborted.IsCancellationRequested)
        {
            var declaration = Listeners[next];
            var tries = item.Tries > 0 ? item.Tries : declaration.Retry.Tries;
            var context = worker.Context.Begin(declaration.Name, attempt, tries);
            Propagation propagation;
            try
            {
                var listener = declaration.Factory(context.Services);
                propagation = await listener.HandleAsync(@event, context).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                await context.DisposeAsync().ConfigureAwait(false);
                var retried = queue.TryFailed(item with { Next = next, Attempt = attempt + 1 }, declaration.Name, attempt, tries, declaration.Retry, exception);
                queue.Metrics.AddListenerRun(retried ? ResidentMetrics.RunOutcome.Retried : ResidentMetrics.RunOutcome.Failed, _listenerTags[next]);
                if (retried)
                {
                    return; // The retry carries the delivery on.
                }

                next++;
                attempt = 1;
                continue;
            }

            await context.DisposeAsync().ConfigureAwait(false);
            queue.Metrics.AddListenerRun(ResidentMetrics.RunOutcome.Completed, _listenerTags[next]);
            Volatile.Write(ref worker.Completed, worker.Completed + 1);
            if (propagation == Propagation.Stop)
            {
                break;
            }

            next++;
            attempt = 1;
        }

        queue.Release(worker);
    }
}
