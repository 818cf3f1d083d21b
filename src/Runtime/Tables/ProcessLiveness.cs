using System.Diagnostics;

namespace Resident.Tables;

/// <summary>Whether a process id names a running process (a zombie counts as dead: it holds nothing any more).</summary>
internal static class ProcessLiveness
{
    /// <summary>
    /// When <paramref name="pid"/> started, in an opaque unit that only needs to compare equal for the same process
    /// (clock ticks since boot on Linux); null when no such process runs. Tells a live process from a dead one whose
    /// id was reused.
    /// </summary>
    public static long? StartTime(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        if (OperatingSystem.IsLinux())
        {
            try
            {
                // Field 22 (starttime) of /proc/<pid>/stat, counted after the ')' that ends the command name.
                var stat = File.ReadAllText(pid == Environment.ProcessId ? "/proc/self/stat" : $"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return fields.Length > 19 && fields[0] is not ("Z" or "X" or "x")
                    && long.TryParse(fields[19], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
                    ? ticks
                    : null;
            }
            catch (IOException)
            {
                return null;
            }
        }

        try
        {
            using var process = pid == Environment.ProcessId ? Process.GetCurrentProcess() : Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            return true;
        }

        if (OperatingSystem.IsLinux())
        {
            try
            {
                // "pid (comm) S ...": the state follows the last ')'.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var end = stat.LastIndexOf(')');
                return end < 0 || end + 2 >= stat.Length || stat[end + 2] is not ('Z' or 'X' or 'x');
            }
            catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
            {
                return false;
            }
            catch (IOException)
            {
                return false; // The process ended while its file was read.
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
