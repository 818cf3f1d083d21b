using System.Runtime.InteropServices;

namespace Resident.Supervision;

/// <summary>The few POSIX calls the supervised mode needs that .NET has no API for (NativeAOT-safe imports).</summary>
internal static partial class NativeCalls
{
    private const int GetDescriptorFlags = 1; // F_GETFD
    private const int SetDescriptorFlags = 2; // F_SETFD
    private const int CloseOnExec = 1; // FD_CLOEXEC

    /// <summary>Lets <paramref name="descriptor"/> survive the exec of a child process (.NET opens everything close-on-exec).</summary>
    public static void Inherit(nint descriptor) => SetCloseOnExec(descriptor, false);

    /// <summary>Keeps <paramref name="descriptor"/> out of child processes.</summary>
    public static void DoNotInherit(nint descriptor) => SetCloseOnExec(descriptor, true);

    private static void SetCloseOnExec(nint descriptor, bool closeOnExec)
    {
        var flags = fcntl((int)descriptor, GetDescriptorFlags, 0);
        if (flags < 0 || fcntl((int)descriptor, SetDescriptorFlags, closeOnExec ? flags | CloseOnExec : flags & ~CloseOnExec) < 0)
        {
            throw new IOException($"fcntl on descriptor {descriptor} failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Starts a new session with this process as its leader, detached from the terminal.</summary>
    public static void NewSession()
    {
        if (setsid() < 0)
        {
            throw new IOException($"setsid failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Makes <paramref name="target"/> (0, 1 or 2) refer to what <paramref name="source"/> refers to.</summary>
    public static void Redirect(nint source, int target)
    {
        if (dup2((int)source, target) < 0)
        {
            throw new IOException($"dup2({source}, {target}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="processId"/>; false when it is gone.</summary>
    public static bool Signal(int processId, int signal) => kill(processId, signal) == 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int processId, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int descriptor, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup2(int source, int target);
}
