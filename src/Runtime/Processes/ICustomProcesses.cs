namespace Resident;

/// <summary>The app's custom processes by name (<c>IResidentServer.Processes</c>).</summary>
public interface ICustomProcesses : IReadOnlyCollection<ICustomProcessPipe>
{
    /// <summary>The process named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No [CustomProcess] has that name.</exception>
    ICustomProcessPipe this[string name] { get; }
}
