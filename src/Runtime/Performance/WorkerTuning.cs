using System.Globalization;
using System.Runtime.InteropServices;

namespace Resident.Performance;

/// <summary>
/// The settings the runtime reads only when it starts, which the supervised master therefore gives its workers through
/// their environment, and the CPU pinning of Swoole's one-worker-per-core model.
/// </summary>
internal static partial class WorkerTuning
{
    /// <summary>Socket completions on the epoll thread (read once by System.Net.Sockets).</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Whether this process started with socket completions on the epoll thread.</summary>
    public static bool InlineCompletionsInThisProcess => Environment.GetEnvironmentVariable(InlineCompletionsVariable) == "1";

    /// <summary>The CPU a worker pins itself to (set by the master with <c>PinWorkers</c>).</summary>
    public const string CpuVariable = "RESIDENT_WORKER_CPU";

    private const string ProcessorCountVariable = "DOTNET_PROCESSOR_COUNT";
    private const string ServerGcVariable = "DOTNET_gcServer";
    private const string ConcurrentGcVariable = "DOTNET_gcConcurrent";
    private const string DatasVariable = "DOTNET_GCDynamicAdaptationMode";

    /// <summary>Bytes of a CPU mask: room for 1024 CPUs, the kernel's default CONFIG_NR_CPUS range.</summary>
    private const int MaskBytes = 128;

    /// <summary>Sets the start-time settings of <paramref name="settings"/> in a worker's environment.</summary>
    /// <param name="environment">The worker's environment (its <c>ProcessStartInfo.Environment</c>).</param>
    /// <param name="settings">The resolved <c>Resident:Performance</c> settings.</param>
    /// <param name="workerId">The worker's id, 0 to WorkerNum − 1: picks its CPU.</param>
    /// <param name="cpus">The CPUs the master may run on, in order (<see cref="AllowedCpus"/>).</param>
    public static void Apply(IDictionary<string, string?> environment, PerformanceSettings settings, int workerId, IReadOnlyList<int> cpus)
    {
        if (settings.InlineSocketCompletions)
        {
            environment[InlineCompletionsVariable] = "1";
        }

        switch (settings.GarbageCollector)
        {
            case GarbageCollectorMode.Workstation:
                environment[ServerGcVariable] = "0";
                environment[ConcurrentGcVariable] = "0";
                break;
            case GarbageCollectorMode.WorkstationConcurrent:
                environment[ServerGcVariable] = "0";
                environment[ConcurrentGcVariable] = "1";
                break;
            case GarbageCollectorMode.Server:
                environment[ServerGcVariable] = "1";
                environment[DatasVariable] = "0";
                break;
            case GarbageCollectorMode.ServerDatas:
                environment[ServerGcVariable] = "1";
                environment[DatasVariable] = "1";
                break;
        }

        if (settings.PinWorkers && cpus.Count > 0)
        {
            environment[CpuVariable] = cpus[workerId % cpus.Count].ToString(CultureInfo.InvariantCulture);

            // The worker pins itself after the runtime started, which sized itself for the master's CPUs by then.
            environment[ProcessorCountVariable] = "1";
        }
        else
        {
            environment.Remove(CpuVariable);
        }
    }

    /// <summary>The CPUs this process may run on, ascending; empty where that cannot be read (not Linux).</summary>
    public static IReadOnlyList<int> AllowedCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var mask = new byte[MaskBytes];
        if (sched_getaffinity(0, MaskBytes, ref mask[0]) != 0)
        {
            return [];
        }

        var cpus = new List<int>();
        for (var cpu = 0; cpu < MaskBytes * 8; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    /// <summary>
    /// In a worker the master asked to pin (<see cref="CpuVariable"/>): pins every thread of this process to that CPU.
    /// A thread starts with its creator's CPUs, so the threads started later stay there too. Returns the CPU, null
    /// when not asked; throws <see cref="InvalidOperationException"/> when the kernel refuses.
    /// </summary>
    public static int? PinThisProcess()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(CpuVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)
            || !OperatingSystem.IsLinux() || cpu >= MaskBytes * 8)
        {
            return null;
        }

        var mask = new byte[MaskBytes];
        mask[cpu / 8] = (byte)(1 << (cpu % 8));

        // sched_setaffinity takes one thread; a thread that ends between the listing and the call is no loss.
        var pinned = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var threadId)
                && sched_setaffinity(threadId, MaskBytes, ref mask[0]) == 0)
            {
                pinned++;
            }
        }

        if (pinned == 0)
        {
            throw new InvalidOperationException($"Could not pin worker to CPU {cpu} (sched_setaffinity failed with errno {Marshal.GetLastPInvokeError()}).");
        }

        return cpu;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, ref byte mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, ref byte mask);
}
