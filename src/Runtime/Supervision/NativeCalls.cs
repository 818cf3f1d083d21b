using System.Runtime.InteropServices;

namespace Resident.Supervision;

/// <summary>Signals to processes the master did not start through <see cref="System.Diagnostics.Process"/> APIs it can use.</summary>
internal static partial class NativeCalls
{
    /// <summary>Sends <paramref name="signal"/> to <paramref name="processId"/>; false when it is gone.</summary>
    public static bool Signal(int processId, int signal) => kill(processId, signal) == 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int processId, int signal);
}
