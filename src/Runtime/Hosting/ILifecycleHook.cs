namespace Resident;

/// <summary>Observes server and worker lifecycle events. Declare with <see cref="LifecycleHookAttribute"/>.</summary>
public interface ILifecycleHook
{
    /// <summary>Handles <paramref name="context"/>.<see cref="LifecycleEventContext.Event"/>.</summary>
    ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken);
}
