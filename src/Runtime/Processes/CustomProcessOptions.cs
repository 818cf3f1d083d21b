namespace Resident;

/// <summary>Configuration overrides of one custom process (section <c>Resident:CustomProcesses:{Name}</c>).</summary>
public sealed class CustomProcessOptions
{
    /// <summary>False does not start the process. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A new instance count, 1–64.</summary>
    public int? Num { get; set; }
}
