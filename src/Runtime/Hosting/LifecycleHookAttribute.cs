namespace Resident;

/// <summary>
/// Marks a class implementing <see cref="ILifecycleHook"/> that runs on a server or worker lifecycle event.
/// Repeat the attribute to observe several events with one class; one instance serves them all.
/// </summary>
/// <remarks>Hooks of one event run in ascending <see cref="Order"/>, then by full type name. A hook that throws is logged and contained.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LifecycleHookAttribute : Attribute
{
    /// <summary>Declares a hook for <paramref name="lifecycleEvent"/>.</summary>
    public LifecycleHookAttribute(LifecycleEvent lifecycleEvent) => Event = lifecycleEvent;

    /// <summary>The event this declaration observes.</summary>
    public LifecycleEvent Event { get; }

    /// <summary>Position among hooks of the same event; lower runs first. Default 0.</summary>
    public int Order { get; set; }
}
