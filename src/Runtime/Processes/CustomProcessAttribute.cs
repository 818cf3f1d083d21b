namespace Resident;

/// <summary>
/// Declares a custom process (LaravelS <c>CustomProcess</c>): a long-running <see cref="ICustomProcess.RunAsync"/>
/// that Resident supervises — if it returns or throws, it is logged and started again after
/// <see cref="RestartInterval"/>. Inline mode runs it as a background loop in the server process; the supervised
/// mode backs the same API with a child process.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CustomProcessAttribute(string name) : Attribute
{
    /// <summary>The process name: <c>IResidentServer.Processes[name]</c> and <c>Resident:CustomProcesses:{name}</c>.</summary>
    public string Name { get; } = name;

    /// <summary>How many instances run, 1–64. Default 1.</summary>
    public int Num { get; set; } = ResidentLimits.CustomProcess.DefaultNum;

    /// <summary>Seconds to wait before restarting an instance that returned or threw, 0–3600. Default 5.</summary>
    public int RestartInterval { get; set; } = ResidentLimits.CustomProcess.DefaultRestartIntervalSeconds;
}
