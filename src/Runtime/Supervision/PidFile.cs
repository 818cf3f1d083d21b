using Microsoft.Extensions.Hosting;

namespace Resident.Supervision;

/// <summary>
/// The supervised server's pid file: the master's pid on the first line (what LaravelS and every init script
/// expect), its control socket on the second. A server "is running" when that pid is alive and its control socket
/// answers; anything else is stale.
/// </summary>
internal sealed record PidFile(string Path)
{
    /// <summary>The pid file of the app's settings: <c>Resident:PidFile</c>, or <c>resident.pid</c> in the content root.</summary>
    public static PidFile Of(ResidentOptions options, IHostEnvironment? environment) =>
        new(System.IO.Path.GetFullPath(options.PidFile is { Length: > 0 } path
            ? System.IO.Path.Combine(environment?.ContentRootPath ?? Environment.CurrentDirectory, path)
            : System.IO.Path.Combine(environment?.ContentRootPath ?? Environment.CurrentDirectory, "resident.pid")));

    /// <summary>The master's pid and control socket, or null when the file is missing or unreadable.</summary>
    public (int ProcessId, string ControlSocket)? Read()
    {
        try
        {
            var lines = File.ReadAllLines(Path);
            return lines.Length >= 2 && int.TryParse(lines[0], out var pid) && pid > 0 ? (pid, lines[1]) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the file atomically (a reader never sees half of it).</summary>
    public void Write(int processId, string controlSocket)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, $"{processId}\n{controlSocket}\n");
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Removes the file if it still names <paramref name="processId"/>.</summary>
    public void Delete(int processId)
    {
        if (Read() is { } content && content.ProcessId == processId)
        {
            File.Delete(Path);
        }
    }

    /// <summary>Whether the process <paramref name="processId"/> exists.</summary>
    public static bool IsAlive(int processId) => Directory.Exists($"/proc/{processId}") || ProbeByHandle(processId);

    private static bool ProbeByHandle(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
