using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Resident.Tables;

/// <summary>
/// A fixed-capacity hash table over a block of shared memory, safe across threads and processes.
/// </summary>
/// <remarks>
/// <para>Layout: a 128-byte header, then <see cref="BucketCount"/> buckets of 16 bytes (lock word, sequence number,
/// chain head, row count), then <see cref="Capacity"/> slots (next index, hash, key length, 63 key bytes, the row).
/// Buckets are the next power of two at or above the capacity, so the load factor stays at or below 1; rows live in
/// the slot pool, chained from their bucket, so collisions lengthen a chain but never cost capacity: exactly
/// <see cref="Capacity"/> rows always fit.</para>
/// <para>Writers take their bucket's lock word with a compare-and-swap of their process id, and make the bucket's
/// sequence number odd while they write. Readers take no lock: they retry until they read the same even sequence
/// number before and after (a seqlock). A writer that finds the lock held by a process that no longer exists takes
/// it over, makes the sequence number even again and recounts the chain: a killed process never wedges a bucket.
/// Chains change by one aligned 4-byte store, so a writer killed at any point leaves them well-formed; the row it was
/// writing may hold a mix of old and new column values, and a slot it had just taken may stay unused until restart.</para>
/// <para>Free slots form a lock-free stack (a 32-bit index and a 32-bit tag against ABA) plus a bump pointer over
/// never-used slots.</para>
/// </remarks>
internal sealed unsafe class SharedTable
{
    /// <summary>The bytes of the header every table file starts with.</summary>
    public const int HeaderBytes = HeaderSize;

    /// <summary>The longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 63;

    private const long MagicValue = 0x0031_4C42_5453_4552; // "RESTBL1" little-endian
    private const int HeaderSize = 128;
    private const int MagicOffset = 0;
    private const int LayoutOffset = 8;
    private const int CreatorOffset = 16;
    private const int CapacityOffset = 20;
    private const int BucketCountOffset = 24;
    private const int SlotSizeOffset = 28;
    private const int NextUnusedOffset = 32;
    private const int FreeHeadOffset = 40;
    private const int CreatorStartOffset = 48;

    private const int BucketSize = 16;
    private const int SeqOffset = 4;
    private const int HeadOffset = 8;
    private const int CountOffset = 12;

    private const int SlotHashOffset = 4;
    private const int SlotKeyLengthOffset = 8;
    private const int SlotKeyOffset = 9;
    private const int SlotRowOffset = 72;

    private static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromMilliseconds(20);

    private readonly byte* _base;
    private readonly byte* _buckets;
    private readonly byte* _slots;
    private readonly int _capacity;
    private readonly int _bucketMask;
    private readonly int _slotSize;
    private readonly int _rowSize;
    private readonly int _pid = Environment.ProcessId;
    private int _recoveries;

    private SharedTable(byte* memory, int capacity, int rowSize)
    {
        _base = memory;
        _capacity = capacity;
        _rowSize = rowSize;
        BucketCount = BucketsFor(capacity);
        _bucketMask = BucketCount - 1;
        _slotSize = SlotSizeFor(rowSize);
        _buckets = memory + HeaderSize;
        _slots = _buckets + ((long)BucketCount * BucketSize);
    }

    /// <summary>The most rows.</summary>
    public int Capacity => _capacity;

    /// <summary>The number of buckets: the next power of two at or above <see cref="Capacity"/>.</summary>
    public int BucketCount { get; }

    /// <summary>Bytes of one row's columns.</summary>
    public int RowSize => _rowSize;

    /// <summary>How long a writer waits for a lock held by a live process before it gives up.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Locks this process took over from dead processes.</summary>
    public int Recoveries => Volatile.Read(ref _recoveries);

    /// <summary>Called (with the dead process id) after a lock held by a dead process was taken over.</summary>
    public Action<int>? Recovered { get; set; }

    /// <summary>The bytes a table of <paramref name="capacity"/> rows of <paramref name="rowSize"/> bytes takes.</summary>
    public static long BytesFor(int capacity, int rowSize) =>
        HeaderSize + ((long)BucketsFor(capacity) * BucketSize) + ((long)capacity * SlotSizeFor(rowSize));

    /// <summary>Formats fresh zeroed memory as an empty table; the magic number is written last.</summary>
    public static SharedTable Initialize(byte* memory, int capacity, int rowSize, long layoutHash)
    {
        var table = new SharedTable(memory, capacity, rowSize);
        *(long*)(memory + LayoutOffset) = layoutHash;
        *(int*)(memory + CreatorOffset) = Environment.ProcessId;
        *(long*)(memory + CreatorStartOffset) = ProcessLiveness.StartTime(Environment.ProcessId) ?? 0;
        *(int*)(memory + CapacityOffset) = capacity;
        *(int*)(memory + BucketCountOffset) = table.BucketCount;
        *(int*)(memory + SlotSizeOffset) = table._slotSize;
        Volatile.Write(ref *(long*)(memory + MagicOffset), MagicValue);
        return table;
    }

    /// <summary>Whether the memory holds an initialized table.</summary>
    public static bool IsInitialized(byte* memory) => Volatile.Read(ref *(long*)(memory + MagicOffset)) == MagicValue;

    /// <summary>The process that created the table in <paramref name="memory"/>.</summary>
    public static int CreatorOf(byte* memory) => Volatile.Read(ref *(int*)(memory + CreatorOffset));

    /// <summary>Whether the process that created the table in <paramref name="memory"/> still runs (the same process, not one that reuses its id).</summary>
    public static bool CreatorIsAlive(byte* memory)
    {
        var creator = CreatorOf(memory);
        var started = ProcessLiveness.StartTime(creator);
        return started is not null && started == Volatile.Read(ref *(long*)(memory + CreatorStartOffset));
    }

    /// <summary>Attaches to an initialized table; null when its layout is not the expected one.</summary>
    public static SharedTable? Attach(byte* memory, int capacity, int rowSize, long layoutHash)
    {
        var table = new SharedTable(memory, capacity, rowSize);
        return *(long*)(memory + LayoutOffset) == layoutHash
            && *(int*)(memory + CapacityOffset) == capacity
            && *(int*)(memory + BucketCountOffset) == table.BucketCount
            && *(int*)(memory + SlotSizeOffset) == table._slotSize
            ? table
            : null;
    }

    /// <summary>Rows in the table: the sum of the bucket counts, kept under the bucket locks.</summary>
    public int Count
    {
        get
        {
            long total = 0;
            for (var i = 0; i < BucketCount; i++)
            {
                total += Volatile.Read(ref *(int*)(_buckets + ((long)i * BucketSize) + CountOffset));
            }

            return (int)total;
        }
    }

    /// <summary>Decodes the row of <paramref name="key"/> straight from shared memory; false when there is none.</summary>
    /// <remarks>
    /// A row decoded while a writer changes it is thrown away and read again; decoding torn bytes is harmless (string
    /// lengths are bounds-checked, invalid UTF-8 becomes U+FFFD).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead<TRow>(ReadOnlySpan<byte> key, uint hash, out TRow row) where TRow : struct, ITableRow<TRow>
    {
        var bucket = Bucket(hash);
        ref var seq = ref Seq(bucket);
        var before = Volatile.Read(ref seq);
        var slot = Find(bucket, key, hash, out _);
        row = slot is null ? default : TRow.Read(new ReadOnlySpan<byte>(slot + SlotRowOffset, _rowSize));
        LoadLoadBarrier();
        return (before & 1) == 0 && Volatile.Read(ref seq) == before
            ? slot is not null
            : TryReadContended(key, hash, out row);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadContended<TRow>(ReadOnlySpan<byte> key, uint hash, out TRow row) where TRow : struct, ITableRow<TRow>
    {
        var bucket = Bucket(hash);
        ref var seq = ref Seq(bucket);
        var waiter = new Waiter(this);
        while (true)
        {
            var before = Volatile.Read(ref seq);
            if ((before & 1) != 0)
            {
                waiter.WaitForWriter(bucket);
                continue;
            }

            var slot = Find(bucket, key, hash, out _);
            row = slot is null ? default : TRow.Read(new ReadOnlySpan<byte>(slot + SlotRowOffset, _rowSize));
            LoadLoadBarrier();
            if (Volatile.Read(ref seq) == before)
            {
                return slot is not null;
            }
        }
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes at <paramref name="offset"/> of the row of <paramref name="key"/>.</summary>
    public bool TryReadAt(ReadOnlySpan<byte> key, uint hash, int offset, Span<byte> destination)
    {
        var bucket = Bucket(hash);
        ref var seq = ref Seq(bucket);
        var before = Volatile.Read(ref seq);
        var slot = Find(bucket, key, hash, out _);
        if (slot is not null)
        {
            new ReadOnlySpan<byte>(slot + SlotRowOffset + offset, destination.Length).CopyTo(destination);
        }

        LoadLoadBarrier();
        return (before & 1) == 0 && Volatile.Read(ref seq) == before
            ? slot is not null
            : TryReadAtContended(key, hash, offset, destination);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadAtContended(ReadOnlySpan<byte> key, uint hash, int offset, Span<byte> destination)
    {
        var bucket = Bucket(hash);
        ref var seq = ref Seq(bucket);
        var waiter = new Waiter(this);
        while (true)
        {
            var before = Volatile.Read(ref seq);
            if ((before & 1) != 0)
            {
                waiter.WaitForWriter(bucket);
                continue;
            }

            var slot = Find(bucket, key, hash, out _);
            if (slot is not null)
            {
                new ReadOnlySpan<byte>(slot + SlotRowOffset + offset, destination.Length).CopyTo(destination);
            }

            LoadLoadBarrier();
            if (Volatile.Read(ref seq) == before)
            {
                return slot is not null;
            }
        }
    }

    /// <summary>Whether <paramref name="key"/> has a row.</summary>
    public bool Contains(ReadOnlySpan<byte> key, uint hash) => TryReadAt(key, hash, 0, []);

    /// <summary>Inserts or replaces the row of <paramref name="key"/>; false when the key is new and every slot is taken.</summary>
    public bool Write(ReadOnlySpan<byte> key, uint hash, ReadOnlySpan<byte> row) => WriteAt(key, hash, 0, row);

    /// <summary>Writes <paramref name="value"/> at <paramref name="offset"/> of the row of <paramref name="key"/>, creating a zeroed row first if needed.</summary>
    public bool WriteAt(ReadOnlySpan<byte> key, uint hash, int offset, ReadOnlySpan<byte> value)
    {
        var bucket = Bucket(hash);
        Lock(bucket);
        try
        {
            var slot = FindOrInsert(bucket, key, hash);
            if (slot is null)
            {
                return false;
            }

            value.CopyTo(new Span<byte>(slot + SlotRowOffset + offset, value.Length));
            return true;
        }
        finally
        {
            Unlock(bucket);
        }
    }

    /// <summary>Adds <paramref name="delta"/> to the 64-bit integer at <paramref name="offset"/>; null when the row is new and the table full.</summary>
    public long? AddInt64(ReadOnlySpan<byte> key, uint hash, int offset, long delta)
    {
        var bucket = Bucket(hash);
        Lock(bucket);
        try
        {
            var slot = FindOrInsert(bucket, key, hash);
            if (slot is null)
            {
                return null;
            }

            ref var value = ref *(long*)(slot + SlotRowOffset + offset);
            return value = unchecked(value + delta);
        }
        finally
        {
            Unlock(bucket);
        }
    }

    /// <summary>Adds <paramref name="delta"/> to the 32-bit integer at <paramref name="offset"/>; null when the row is new and the table full.</summary>
    public int? AddInt32(ReadOnlySpan<byte> key, uint hash, int offset, int delta)
    {
        var bucket = Bucket(hash);
        Lock(bucket);
        try
        {
            var slot = FindOrInsert(bucket, key, hash);
            if (slot is null)
            {
                return null;
            }

            ref var value = ref *(int*)(slot + SlotRowOffset + offset);
            return value = unchecked(value + delta);
        }
        finally
        {
            Unlock(bucket);
        }
    }

    /// <summary>Adds <paramref name="delta"/> to the double at <paramref name="offset"/>; null when the row is new and the table full.</summary>
    public double? AddDouble(ReadOnlySpan<byte> key, uint hash, int offset, double delta)
    {
        var bucket = Bucket(hash);
        Lock(bucket);
        try
        {
            var slot = FindOrInsert(bucket, key, hash);
            if (slot is null)
            {
                return null;
            }

            ref var value = ref *(double*)(slot + SlotRowOffset + offset);
            return value += delta;
        }
        finally
        {
            Unlock(bucket);
        }
    }

    /// <summary>Removes the row of <paramref name="key"/>; false when there was none.</summary>
    public bool Delete(ReadOnlySpan<byte> key, uint hash)
    {
        var bucket = Bucket(hash);
        int freed;
        Lock(bucket);
        try
        {
            var slot = Find(bucket, key, hash, out var previous);
            if (slot is null)
            {
                return false;
            }

            // One aligned store unlinks the row.
            var next = Volatile.Read(ref *(int*)slot);
            Volatile.Write(ref previous is null ? ref *(int*)(bucket + HeadOffset) : ref *(int*)previous, next);
            *(int*)(bucket + CountOffset) -= 1;
            freed = Index(slot);
        }
        finally
        {
            Unlock(bucket);
        }

        // Only after the sequence number moved on: a reader still on the slot sees the change and retries.
        Free(freed);
        return true;
    }

    /// <summary>
    /// Copies every row of one bucket, each as a key-length byte, 63 key bytes and the row, into
    /// <paramref name="buffer"/> (grown as needed), consistently with respect to writers; returns the number of rows.
    /// </summary>
    public int ReadBucket(int index, ref byte[] buffer)
    {
        var bucket = _buckets + ((long)index * BucketSize);
        ref var seq = ref Seq(bucket);
        var entry = EntrySize;
        var waiter = new Waiter(this);
        while (true)
        {
            var before = Volatile.Read(ref seq);
            if ((before & 1) != 0)
            {
                waiter.WaitForWriter(bucket);
                continue;
            }

            var rows = 0;
            var next = Volatile.Read(ref *(int*)(bucket + HeadOffset));
            for (var steps = 0; next > 0 && next <= _capacity && steps < _capacity; steps++)
            {
                var slot = Slot(next - 1);
                if ((rows + 1) * entry > buffer.Length)
                {
                    Array.Resize(ref buffer, Math.Max(buffer.Length * 2, (rows + 1) * entry));
                }

                new ReadOnlySpan<byte>(slot + SlotKeyLengthOffset, entry).CopyTo(buffer.AsSpan(rows * entry, entry));
                rows++;
                next = Volatile.Read(ref *(int*)slot);
            }

            LoadLoadBarrier();
            if (Volatile.Read(ref seq) == before)
            {
                return rows;
            }
        }
    }

    /// <summary>Bytes of one entry written by <see cref="ReadBucket"/>.</summary>
    public int EntrySize => 1 + MaxKeyBytes + _rowSize;

    /// <summary>For tests and the recovery demo: takes the lock of <paramref name="key"/>'s bucket and leaves it held, mid-write.</summary>
    internal void LockForTesting(ReadOnlySpan<byte> key, uint hash) => Lock(Bucket(hash));

    /// <summary>For tests: the lock word of the bucket of <paramref name="hash"/>.</summary>
    internal ref int LockWordForTesting(uint hash) => ref *(int*)Bucket(hash);

    /// <summary>For tests: the sequence number of the bucket of <paramref name="hash"/>.</summary>
    internal ref int SeqForTesting(uint hash) => ref Seq(Bucket(hash));

    // x86 and x64 never reorder a load with an earlier load, and the JIT keeps a volatile read after the copy before it:
    // no fence there (a fence would also stop the CPU overlapping the cache misses of consecutive reads). Weaker
    // memory models (Arm) need a load barrier.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadLoadBarrier()
    {
        if (!System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            Volatile.ReadBarrier();
        }
    }

    private static int BucketsFor(int capacity) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 1));

    private static int SlotSizeFor(int rowSize) => (SlotRowOffset + rowSize + 7) & ~7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Bucket(uint hash) => _buckets + ((long)(hash & (uint)_bucketMask) * BucketSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Slot(int index) => _slots + ((long)index * _slotSize);

    private int Index(byte* slot) => (int)((slot - _slots) / _slotSize);

    private static ref int Seq(byte* bucket) => ref *(int*)(bucket + SeqOffset);

    // Readers may see a chain mid-change: indexes are bounds-checked and the walk is bounded; the seqlock discards the result.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Find(byte* bucket, ReadOnlySpan<byte> key, uint hash, out byte* previous)
    {
        previous = null;
        var next = Volatile.Read(ref *(int*)(bucket + HeadOffset));
        for (var steps = 0; next > 0 && next <= _capacity && steps < _capacity; steps++)
        {
            var slot = Slot(next - 1);
            if (*(uint*)(slot + SlotHashOffset) == hash
                && slot[SlotKeyLengthOffset] == key.Length
                && new ReadOnlySpan<byte>(slot + SlotKeyOffset, key.Length).SequenceEqual(key))
            {
                return slot;
            }

            previous = slot;
            next = Volatile.Read(ref *(int*)slot);
        }

        return null;
    }

    // Under the bucket lock.
    private byte* FindOrInsert(byte* bucket, ReadOnlySpan<byte> key, uint hash)
    {
        var slot = Find(bucket, key, hash, out _);
        if (slot is not null)
        {
            return slot;
        }

        var index = Allocate();
        if (index < 0)
        {
            return null;
        }

        // Fill the slot completely, then publish it with one store of the chain head.
        slot = Slot(index);
        *(uint*)(slot + SlotHashOffset) = hash;
        slot[SlotKeyLengthOffset] = (byte)key.Length;
        var keyBytes = new Span<byte>(slot + SlotKeyOffset, MaxKeyBytes);
        key.CopyTo(keyBytes);
        keyBytes[key.Length..].Clear();
        new Span<byte>(slot + SlotRowOffset, _rowSize).Clear();
        *(int*)slot = Volatile.Read(ref *(int*)(bucket + HeadOffset));
        Volatile.Write(ref *(int*)(bucket + HeadOffset), index + 1);
        *(int*)(bucket + CountOffset) += 1;
        return slot;
    }

    private int Allocate()
    {
        ref var head = ref *(long*)(_base + FreeHeadOffset);
        while (true)
        {
            var current = Volatile.Read(ref head);
            var top = (int)(uint)current;
            if (top == 0)
            {
                break;
            }

            var next = Volatile.Read(ref *(int*)Slot(top - 1));
            var replacement = (long)((((ulong)current >> 32) + 1) << 32) | (uint)next;
            if (Interlocked.CompareExchange(ref head, replacement, current) == current)
            {
                return top - 1;
            }
        }

        ref var unused = ref *(int*)(_base + NextUnusedOffset);
        while (true)
        {
            var next = Volatile.Read(ref unused);
            if (next >= _capacity)
            {
                return -1;
            }

            if (Interlocked.CompareExchange(ref unused, next + 1, next) == next)
            {
                return next;
            }
        }
    }

    private void Free(int index)
    {
        ref var head = ref *(long*)(_base + FreeHeadOffset);
        var slot = Slot(index);
        while (true)
        {
            var current = Volatile.Read(ref head);
            Volatile.Write(ref *(int*)slot, (int)(uint)current);
            var replacement = (long)((((ulong)current >> 32) + 1) << 32) | (uint)(index + 1);
            if (Interlocked.CompareExchange(ref head, replacement, current) == current)
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Lock(byte* bucket)
    {
        if (Interlocked.CompareExchange(ref *(int*)bucket, _pid, 0) != 0)
        {
            LockContended(bucket);
        }

        Interlocked.Increment(ref Seq(bucket));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Unlock(byte* bucket)
    {
        ref var seq = ref Seq(bucket);
        Volatile.Write(ref seq, seq + 1);
        Volatile.Write(ref *(int*)bucket, 0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LockContended(byte* bucket)
    {
        ref var word = ref *(int*)bucket;
        var waiter = new Waiter(this);
        while (true)
        {
            var owner = Volatile.Read(ref word);
            if (owner == 0)
            {
                if (Interlocked.CompareExchange(ref word, _pid, 0) == 0)
                {
                    return;
                }
            }
            else if (waiter.OwnerIsDead(owner) && Interlocked.CompareExchange(ref word, _pid, owner) == owner)
            {
                Repair(bucket, owner);
                return;
            }

            waiter.Spin(bucket);
        }
    }

    // Under the lock taken over from a dead process: end its write and recount the chain.
    private void Repair(byte* bucket, int deadOwner)
    {
        ref var seq = ref Seq(bucket);
        if ((Volatile.Read(ref seq) & 1) != 0)
        {
            Volatile.Write(ref seq, seq + 1);
        }

        var rows = 0;
        var next = Volatile.Read(ref *(int*)(bucket + HeadOffset));
        for (var steps = 0; next > 0 && next <= _capacity && steps < _capacity; steps++)
        {
            rows++;
            next = *(int*)Slot(next - 1);
        }

        *(int*)(bucket + CountOffset) = rows;
        Interlocked.Increment(ref _recoveries);
        Recovered?.Invoke(deadOwner);
    }

    /// <summary>Backs off while a bucket is busy; notices a dead owner and a live one that holds on too long.</summary>
    private struct Waiter(SharedTable table)
    {
        private SpinWait _spinner;
        private long _started;
        private long _lastCheck;

        public bool OwnerIsDead(int owner)
        {
            if (owner == table._pid || _spinner.Count < 10)
            {
                return false;
            }

            var now = Stopwatch.GetTimestamp();
            if (_lastCheck != 0 && Stopwatch.GetElapsedTime(_lastCheck, now) < OwnerCheckInterval)
            {
                return false;
            }

            _lastCheck = now;
            return !ProcessLiveness.IsAlive(owner);
        }

        public void Spin(byte* bucket)
        {
            if (_started == 0)
            {
                _started = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(_started) > table.LockTimeout)
            {
                throw new TimeoutException(
                    $"A shared-table row lock has been held for over {table.LockTimeout.TotalSeconds:0} s by process {Volatile.Read(ref *(int*)bucket)}, which is still running.");
            }

            _spinner.SpinOnce();
        }

        // A reader met an odd sequence number: wait, and if the writer's process is gone, repair the bucket.
        public void WaitForWriter(byte* bucket)
        {
            var owner = Volatile.Read(ref *(int*)bucket);
            if (owner != 0 && OwnerIsDead(owner) && Interlocked.CompareExchange(ref *(int*)bucket, table._pid, owner) == owner)
            {
                table.Repair(bucket, owner);
                Volatile.Write(ref *(int*)bucket, 0);
                return;
            }

            Spin(bucket);
        }
    }
}
