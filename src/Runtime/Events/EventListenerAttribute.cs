namespace Resident;

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
