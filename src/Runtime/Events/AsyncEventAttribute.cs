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
