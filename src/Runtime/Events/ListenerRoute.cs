using Resident.Hosting;
using Resident.Tasks;

namespace Resident.Events;

/// <summary>Runs the listeners of one [AsyncEvent] type, in order.</summary>
internal sealed class ListenerRoute<TEvent>(ListenerDeclaration<TEvent>[] listeners) : WorkRunner where TEvent : class
{
    public ListenerDeclaration<TEvent>[] Listeners { get; } = listeners;

    public override string NameAt(int next) => Listeners[Math.Min(next, Listeners.Length - 1)].Name;

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
                if (queue.TryFailed(item with { Next = next, Attempt = attempt + 1 }, declaration.Name, attempt, tries, declaration.Retry, exception))
                {
                    return; // The retry carries the delivery on.
                }

                next++;
                attempt = 1;
                continue;
            }

            await context.DisposeAsync().ConfigureAwait(false);
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
