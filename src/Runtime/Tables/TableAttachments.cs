using System.Diagnostics;

namespace Resident.Tables;

/// <summary>
/// Which processes hold a table: a registry in the table's header, so the table lives while any process is attached
/// and is removed by the last one to leave — never by its creator alone, which would split it between the processes
/// still attached and the next one to start.
/// </summary>
/// <remarks>
/// <para>The registry is <see cref="Slots"/> entries of a process id and that process's start time (a live entry is a
/// running process with that id that started at that time: a dead process whose id was reused does not count), a
/// lock word and a "closed" word. Attaching, leaving and removing a stale file all happen under the lock word (taken
/// with a compare-and-swap of the process id and taken over from a process that died holding it), which is what makes
/// "the last one leaves and deletes the file" safe against a process attaching at that moment: the leaver marks the
/// table closed and deletes the file before it lets go, and an attacher that then gets the lock sees "closed" and
/// creates the table anew. Entries of dead processes (killed with SIGKILL, crashed) are swept at every attach and
/// leave. None of this is on the per-operation path: rows never look at the registry.</para>
/// <para>The "holder" (the creator's fields at offsets 16 and 48 in every format version) is kept pointing at a live
/// attached process, so a server of an older Resident, which judges a table by that process alone, leaves a table
/// that is still held alone too.</para>
/// <para>The registry keeps its offsets in every format version from 3 on, so a newer Resident can still tell
/// whether a table of this format is held.</para>
/// </remarks>
internal static unsafe class TableAttachments
{
    /// <summary>The most processes attached to one table at a time.</summary>
    public const int Slots = 256;

    /// <summary>Bytes of the entries, which follow the fixed 128-byte header.</summary>
    public const int EntryBytes = Slots * EntrySize;

    /// <summary>The first format version with this registry.</summary>
    public const int FirstVersion = 3;

    private const int EntrySize = 16;
    private const int EntriesOffset = 128;
    private const int LockOffset = 64;
    private const int ClosedOffset = 68;
    private const int EntryPidOffset = 0;
    private const int EntryStartOffset = 8;

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromMilliseconds(20);
    private static readonly int s_pid = Environment.ProcessId;
    private static readonly long s_started = ProcessLiveness.StartTime(Environment.ProcessId) ?? 0;

    /// <summary>Makes this process the first entry and the holder of fresh memory (before the magic number is written).</summary>
    public static void RegisterCreator(byte* memory)
    {
        WriteEntry(memory, 0, s_pid, s_started);
        SetHolder(memory, s_pid, s_started);
    }

    /// <summary>A live process attached to the table (format <paramref name="version"/>), or 0 when none is.</summary>
    /// <remarks>Reads without the lock: a "held" answer may be stale by the time it is used, so only "leave it alone" decisions rest on it.</remarks>
    public static int LiveHolder(byte* memory, int version)
    {
        if (version >= FirstVersion)
        {
            for (var slot = 0; slot < Slots; slot++)
            {
                var (pid, started) = ReadEntry(memory, slot);
                if (pid != 0 && IsLive(pid, started))
                {
                    return pid;
                }
            }

            return 0;
        }

        var holder = Holder(memory);
        return IsLive(holder, Volatile.Read(ref *(long*)(memory + SharedTable.CreatorStartOffset))) ? holder : 0;
    }

    /// <summary>The holder recorded in the header: the creator, or the live process that took over from it.</summary>
    public static int Holder(byte* memory) => Volatile.Read(ref *(int*)(memory + SharedTable.CreatorOffset));

    /// <summary>The processes attached right now, dead or alive (for tests and diagnostics).</summary>
    public static int[] Entries(byte* memory)
    {
        var pids = new List<int>();
        for (var slot = 0; slot < Slots; slot++)
        {
            if (ReadEntry(memory, slot).Pid is var pid and not 0)
            {
                pids.Add(pid);
            }
        }

        return [.. pids];
    }

    /// <summary>Takes the registry's lock; dispose the result to release it.</summary>
    /// <exception cref="TimeoutException">A live process has held it too long.</exception>
    public static RegistryLock Lock(byte* memory, string path)
    {
        ref var word = ref *(int*)(memory + LockOffset);
        if (Interlocked.CompareExchange(ref word, s_pid, 0) == 0)
        {
            return new RegistryLock(memory);
        }

        var spinner = default(SpinWait);
        var started = Stopwatch.GetTimestamp();
        var lastCheck = 0L;
        while (true)
        {
            var owner = Volatile.Read(ref word);
            if (owner == 0)
            {
                if (Interlocked.CompareExchange(ref word, s_pid, 0) == 0)
                {
                    return new RegistryLock(memory);
                }
            }
            else if (owner != s_pid && Stopwatch.GetElapsedTime(lastCheck) >= OwnerCheckInterval)
            {
                // Whatever a dead owner was doing is one store per field: entries it half wrote are swept as dead.
                lastCheck = Stopwatch.GetTimestamp();
                if (!ProcessLiveness.IsAlive(owner) && Interlocked.CompareExchange(ref word, s_pid, owner) == owner)
                {
                    return new RegistryLock(memory);
                }
            }

            if (Stopwatch.GetElapsedTime(started) > LockTimeout)
            {
                throw new TimeoutException(
                    $"The attachment registry of the shared table at {path} has been locked for over {LockTimeout.TotalSeconds:0} s by process {owner}, which is still running.");
            }

            spinner.SpinOnce();
        }
    }

    /// <summary>The registry's lock, held; every operation below needs it.</summary>
    public readonly ref struct RegistryLock
    {
        private readonly byte* _memory;

        internal RegistryLock(byte* memory) => _memory = memory;

        /// <summary>Whether the last process already left and deleted the file (open it again from its path).</summary>
        public bool IsClosed => Volatile.Read(ref *(int*)(_memory + ClosedOffset)) != 0;

        /// <summary>Clears the entries of processes that are gone; returns how many live entries remain.</summary>
        public int SweepDead()
        {
            var live = 0;
            var holderIsLive = false;
            var holder = Holder(_memory);
            var replacement = (Pid: 0, Started: 0L);
            for (var slot = 0; slot < Slots; slot++)
            {
                var (pid, started) = ReadEntry(_memory, slot);
                if (pid == 0)
                {
                    continue;
                }

                if (!IsLive(pid, started))
                {
                    WriteEntry(_memory, slot, 0, 0);
                    continue;
                }

                live++;
                holderIsLive |= pid == holder && started == Volatile.Read(ref *(long*)(_memory + SharedTable.CreatorStartOffset));
                replacement = (pid, started);
            }

            if (!holderIsLive && live > 0)
            {
                SetHolder(_memory, replacement.Pid, replacement.Started);
            }

            return live;
        }

        /// <summary>Adds this process; false when every entry is taken by a live process.</summary>
        public bool Claim()
        {
            for (var slot = 0; slot < Slots; slot++)
            {
                if (ReadEntry(_memory, slot).Pid == 0)
                {
                    WriteEntry(_memory, slot, s_pid, s_started);
                    return true;
                }
            }

            return false;
        }

        /// <summary>Removes one entry of this process (a process may attach more than once).</summary>
        public void Release()
        {
            for (var slot = 0; slot < Slots; slot++)
            {
                var (pid, started) = ReadEntry(_memory, slot);
                if (pid == s_pid && started == s_started)
                {
                    WriteEntry(_memory, slot, 0, 0);
                    return;
                }
            }
        }

        /// <summary>Marks the table closed: whoever attaches next must create it anew. Delete the file before releasing the lock.</summary>
        public void Close() => Volatile.Write(ref *(int*)(_memory + ClosedOffset), 1);

        public void Dispose() => Volatile.Write(ref *(int*)(_memory + LockOffset), 0);
    }

    private static bool IsLive(int pid, long started) =>
        pid == s_pid ? started == s_started : pid > 0 && ProcessLiveness.StartTime(pid) is { } actual && actual == started;

    private static (int Pid, long Started) ReadEntry(byte* memory, int slot)
    {
        var entry = memory + EntriesOffset + (slot * EntrySize);
        return (Volatile.Read(ref *(int*)(entry + EntryPidOffset)), Volatile.Read(ref *(long*)(entry + EntryStartOffset)));
    }

    // The start time first: an entry whose process id is set is complete (a writer killed in between leaves a free entry).
    private static void WriteEntry(byte* memory, int slot, int pid, long started)
    {
        var entry = memory + EntriesOffset + (slot * EntrySize);
        if (pid == 0)
        {
            Volatile.Write(ref *(int*)(entry + EntryPidOffset), 0);
            Volatile.Write(ref *(long*)(entry + EntryStartOffset), 0);
            return;
        }

        Volatile.Write(ref *(long*)(entry + EntryStartOffset), started);
        Volatile.Write(ref *(int*)(entry + EntryPidOffset), pid);
    }

    private static void SetHolder(byte* memory, int pid, long started)
    {
        Volatile.Write(ref *(long*)(memory + SharedTable.CreatorStartOffset), started);
        Volatile.Write(ref *(int*)(memory + SharedTable.CreatorOffset), pid);
    }
}
