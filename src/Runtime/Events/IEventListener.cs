namespace Resident;

/// <summary>Handles an <see cref="AsyncEventAttribute">[AsyncEvent]</see> of type <typeparamref name="TEvent"/>.</summary>
public interface IEventListener<in TEvent> where TEvent : class
{
    /// <summary>Handles the event. Throwing fails this try; the listener is retried while it has tries left, then logged and skipped.</summary>
    ValueTask<Propagation> HandleAsync(TEvent @event, TaskContext context);
}
