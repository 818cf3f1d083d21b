namespace Resident;

/// <summary>Whether the listeners after this one still run.</summary>
public enum Propagation
{
    /// <summary>Run the next listener.</summary>
    Continue = 0,

    /// <summary>Stop here (LaravelS: a listener's <c>handle()</c> returned false).</summary>
    Stop = 1,
}
