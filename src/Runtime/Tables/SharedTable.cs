using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Resident.Tables;

/// <summary>
/// A fixed-capacity hash table over a block of shared memory, safe across threads and processes.
/// </summary>
/// <remarks>
/// <para>Layout: a 128-byte header and the registry of attached processes (<see cref="TableAttachments"/>), then <see cref="BucketCount"/> buckets and <see cref="Capacity"/> overflow slots,
/// all of one slot size — a lock word and a sequence number (used in buckets only), the chain link, the hash, the key
/// length, the row, and the first 16 bytes of the zero-padded key — then, for every slot in the same order, the other
/// 48 key bytes. Buckets are the next power of two at or above the capacity. A row lives in its bucket when that is
/// free, so most lookups of a key of up to 16 bytes read one slot and nothing else (a chained table reads a bucket
/// first, then the slot it points to: one more dependent cache miss); longer keys read their tail too, at an address
/// known as early. Slots are kept small because random reads over more memory than the TLB covers cost a page walk
/// each. Collisions chain into the overflow slots. There are as many overflow slots as rows allowed, so collisions
/// never cost capacity: exactly <see cref="Capacity"/> rows always fit, whatever the keys. A row count in the header
/// enforces the capacity.</para>
/// <para>Writers take their bucket's lock word with a compare-and-swap of their process id, and make the bucket's
/// sequence number odd while they write. Readers take no lock: they retry until they read the same even sequence
/// number before and after (a seqlock). A writer that finds the lock held by a process that no longer exists takes
/// it over and makes the sequence number even again: a killed process never wedges a bucket. A row is published or
/// removed by one aligned 4-byte store (the bucket's key length, or a chain link), so a writer killed at any point
/// leaves the table well-formed; the row it was writing may hold a mix of old and new column values, and a row it was
/// adding or removing may stay counted (and its slot unused) until restart.</para>
/// <para>Free overflow slots form a lock-free stack (a 32-bit index and a 32-bit tag against ABA) plus a bump pointer
/// over never-used slots.</para>
/// </remarks>
internal sealed unsafe class SharedTable
{
    /// <summary>The bytes of the header every table file starts with.</summary>
    public const int HeaderBytes = HeaderSize;

    /// <summary>The bytes at the start of a table file of any format version: its magic number and holder.</summary>
    public const int FixedHeaderBytes = FixedHeaderSize;

    /// <summary>The longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 63;

    private const long MagicValue = 0x0033_4C42_5453_4552; // "RESTBL3" little-endian: the format's version is the 7th byte
    private const long MagicPrefixMask = 0x0000_FFFF_FFFF_FFFF; // "RESTBL", any version
    private const int HeaderSize = FixedHeaderSize + TableAttachments.EntryBytes;
    private const int FixedHeaderSize = 128;
    private const int MagicOffset = 0;
    private const int LayoutOffset = 8;

    /// <summary>The holder's (at first the creator's) process id; keeps its offset in every format version.</summary>
    internal const int CreatorOffset = 16;

    /// <summary>The holder's start time; keeps its offset in every format version.</summary>
    internal const int CreatorStartOffset = 48;

    private const int CapacityOffset = 20;
    private const int BucketCountOffset = 24;
    private const int SlotSizeOffset = 28;
    private const int NextUnusedOffset = 32;
    private const int FreeHeadOffset = 40;
    private const int RowCountOffset = 56;

    private const int LockOffset = 0;
    private const int SeqOffset = 4;
    private const int NextOffset = 8;
    private const int HashOffset = 12;
    private const int KeyLengthOffset = 16;
    private const int RowOffset = 24;
    private const int InlineKeyWords = 2;
    private const int TailKeyBytes = (TableKey.MaxWords - InlineKeyWords) * sizeof(ulong);

    private static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromMilliseconds(20);

    private readonly byte* _base;
    private readonly byte* _buckets;
    private readonly byte* _overflow;
    private readonly byte* _tails;
    private readonly int _capacity;
    private readonly int _bucketMask;
    private readonly int _slotSize;
    private readonly int _rowSize;
    private readonly int _keyOffset;
    private readonly int _pid = Environment.ProcessId;
    private int _recoveries;

    private SharedTable(byte* memory, int capacity, int rowSize)
    {
        _base = memory;
        _capacity = capacity;
        _rowSize = rowSize;
        BucketCount = BucketsFor(capacity);
        _bucketMask = BucketCount - 1;
        _keyOffset = KeyOffsetFor(rowSize);
        _slotSize = SlotSizeFor(rowSize);
        _buckets = memory + HeaderSize;
        _overflow = _buckets + ((long)BucketCount * _slotSize);
        _tails = _overflow + ((long)capacity * _slotSize);
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
        HeaderSize + (((long)BucketsFor(capacity) + capacity) * (SlotSizeFor(rowSize) + TailKeyBytes));

    /// <summary>Formats fresh zeroed memory as an empty table; the magic number is written last.</summary>
    public static SharedTable Initialize(byte* memory, int capacity, int rowSize, long layoutHash)
    {
        var table = new SharedTable(memory, capacity, rowSize);
        *(long*)(memory + LayoutOffset) = layoutHash;
        TableAttachments.RegisterCreator(memory);
        *(int*)(memory + CapacityOffset) = capacity;
        *(int*)(memory + BucketCountOffset) = table.BucketCount;
        *(int*)(memory + SlotSizeOffset) = table._slotSize;
        Volatile.Write(ref *(long*)(memory + MagicOffset), MagicValue);
        return table;
    }

    /// <summary>Whether the memory holds an initialized table of this format.</summary>
    public static bool IsInitialized(byte* memory) => Volatile.Read(ref *(long*)(memory + MagicOffset)) == MagicValue;

    /// <summary>Whether the memory holds an initialized table of any format version (its creator can then be read).</summary>
    public static bool IsTableOfAnyVersion(byte* memory) =>
        (Volatile.Read(ref *(long*)(memory + MagicOffset)) & MagicPrefixMask) == (MagicValue & MagicPrefixMask);

    /// <summary>The format version of a table of any version (the digit after "RESTBL").</summary>
    public static int FormatVersion(byte* memory) => (int)((Volatile.Read(ref *(long*)(memory + MagicOffset)) >> 48) & 0xFF) - '0';

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

    /// <summary>Rows in the table (counted when a row is added or removed).</summary>
    public int Count => Math.Clamp(Volatile.Read(ref RowCount), 0, _capacity);

    private ref int RowCount => ref *(int*)(_base + RowCountOffset);

    /// <summary>Decodes the row of <paramref name="key"/> straight from shared memory; false when there is none.</summary>
    /// <remarks>
    /// A row decoded while a writer changes it is thrown away and read again; decoding torn bytes is harmless (string
    /// lengths are bounds-checked, invalid UTF-8 becomes U+FFFD).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead<TRow>(in TableKey key, out TRow row) where TRow : struct, ITableRow<TRow>
    {
        // Read's first try, written out: decoding straight into the caller's row saves a copy on the hottest path.
        var bucket = Bucket(key.Hash);
        ref var seq = ref Seq(bucket);
        var before = Volatile.Read(ref seq);
        var slot = Find(bucket, key, out _);
        row = slot is null ? default : TRow.Read(new ReadOnlySpan<byte>(slot + RowOffset, _rowSize));
        LoadLoadBarrier();
        return (before & 1) == 0 && Volatile.Read(ref seq) == before
            ? slot is not null
            : ReadRowContended(key, out row);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReadRowContended<TRow>(in TableKey key, out TRow row) where TRow : struct, ITableRow<TRow>
    {
        var reader = new RowReader<TRow>(_rowSize);
        var found = ReadContended(key, ref reader);
        row = reader.Row;
        return found;
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes at <paramref name="offset"/> of the row of <paramref name="key"/>.</summary>
    public bool TryReadAt(in TableKey key, int offset, Span<byte> destination)
    {
        var reader = new BytesReader(offset, destination);
        return Read(key, ref reader);
    }

    /// <summary>Whether <paramref name="key"/> has a row.</summary>
    public bool Contains(in TableKey key) => TryReadAt(key, 0, []);

    /// <summary>Inserts or replaces the row of <paramref name="key"/>; false when the key is new and the table full.</summary>
    public bool Write(in TableKey key, ReadOnlySpan<byte> row) => WriteAt(key, 0, row);

    /// <summary>Writes <paramref name="value"/> at <paramref name="offset"/> of the row of <paramref name="key"/>, creating a zeroed row first if needed.</summary>
    public bool WriteAt(in TableKey key, int offset, ReadOnlySpan<byte> value)
    {
        var bucket = Bucket(key.Hash);
        Lock(bucket);
        try
        {
            var slot = FindOrInsert(bucket, key);
            if (slot is null)
            {
                return false;
            }

            value.CopyTo(new Span<byte>(slot + RowOffset + offset, value.Length));
            return true;
        }
        finally
        {
            Unlock(bucket);
        }
    }

    /// <summary>Adds <paramref name="delta"/> to the 64-bit integer at <paramref name="offset"/>; null when the row is new and the table full.</summary>
    public long? AddInt64(in TableKey key, int offset, long delta) => Add(key, offset, delta);

    /// <summary>Adds <paramref name="delta"/> to the 32-bit integer at <paramref name="offset"/>; null when the row is new and the table full.</summary>
    public int? AddInt32(in TableKey key, int offset, int delta) => Add(key, offset, delta);

    /// <summary>Adds <paramref name="delta"/> to the double at <paramref name="offset"/>; null when the row is new and the table full.</summary>
    public double? AddDouble(in TableKey key, int offset, double delta) => Add(key, offset, delta);

    // Integers wrap around on overflow, as Swoole's do.
    private T? Add<T>(in TableKey key, int offset, T delta) where T : unmanaged, System.Numerics.INumber<T>
    {
        var bucket = Bucket(key.Hash);
        Lock(bucket);
        try
        {
            var slot = FindOrInsert(bucket, key);
            if (slot is null)
            {
                return null;
            }

            ref var value = ref *(T*)(slot + RowOffset + offset);
            return value += delta;
        }
        finally
        {
            Unlock(bucket);
        }
    }

    /// <summary>Removes the row of <paramref name="key"/>; false when there was none.</summary>
    public bool Delete(in TableKey key)
    {
        var bucket = Bucket(key.Hash);
        var freed = -1;
        Lock(bucket);
        try
        {
            var slot = Find(bucket, key, out var previous);
            if (slot is null)
            {
                return false;
            }

            // One aligned store removes the row: the bucket's key length, or the link that leads to the slot.
            if (slot == bucket)
            {
                Volatile.Write(ref *(int*)(bucket + KeyLengthOffset), 0);
            }
            else
            {
                Volatile.Write(ref *(int*)(previous + NextOffset), Volatile.Read(ref *(int*)(slot + NextOffset)));
                freed = OverflowIndex(slot);
            }

            Interlocked.Decrement(ref RowCount);
        }
        finally
        {
            Unlock(bucket);
        }

        // Only after the sequence number moved on: a reader still on the slot sees the change and retries.
        if (freed >= 0)
        {
            Free(freed);
        }

        return true;
    }

    /// <summary>
    /// Copies every row of one bucket, each as a key-length byte, 63 key bytes and the row, into
    /// <paramref name="buffer"/> (grown as needed), consistently with respect to writers; returns the number of rows.
    /// </summary>
    public int ReadBucket(int index, ref byte[] buffer)
    {
        var reader = new BucketReader(this, index, buffer);
        VisitConsistently(_buckets + ((long)index * _slotSize), ref reader);
        buffer = reader.Buffer;
        return reader.Rows;
    }

    /// <summary>Bytes of one entry written by <see cref="ReadBucket"/>.</summary>
    public int EntrySize => 1 + MaxKeyBytes + _rowSize;

    /// <summary>For tests and the recovery demo: takes the lock of <paramref name="key"/>'s bucket and leaves it held, mid-write.</summary>
    internal void LockForTesting(in TableKey key) => Lock(Bucket(key.Hash));

    /// <summary>For tests: the lock word of the bucket of <paramref name="hash"/>.</summary>
    internal ref int LockWordForTesting(uint hash) => ref *(int*)(Bucket(hash) + LockOffset);

    /// <summary>For tests: the sequence number of the bucket of <paramref name="hash"/>.</summary>
    internal ref int SeqForTesting(uint hash) => ref Seq(Bucket(hash));

    // The lock-free read: find the key, let the reader copy what it needs, and keep the copy only if no writer touched
    // the bucket meanwhile. The first try is inlined; waiting and retrying is not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Read<TReader>(in TableKey key, ref TReader reader) where TReader : ISlotReader, allows ref struct
    {
        var bucket = Bucket(key.Hash);
        ref var seq = ref Seq(bucket);
        var before = Volatile.Read(ref seq);
        var slot = Find(bucket, key, out _);
        reader.Read(slot is null ? null : slot + RowOffset);
        LoadLoadBarrier();
        return (before & 1) == 0 && Volatile.Read(ref seq) == before
            ? slot is not null
            : ReadContended(key, ref reader);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReadContended<TReader>(in TableKey key, ref TReader reader) where TReader : ISlotReader, allows ref struct
    {
        var lookup = new Lookup<TReader>(this, key, reader);
        VisitConsistently(Bucket(key.Hash), ref lookup);
        reader = lookup.Reader;
        return lookup.Found;
    }

    // Runs the visitor over the bucket until one run saw no writer in it, before or during: the seqlock's read side,
    // waiting out (or repairing after) a writer.
    private void VisitConsistently<TVisitor>(byte* bucket, ref TVisitor visitor) where TVisitor : IBucketVisitor, allows ref struct
    {
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

            visitor.Visit(bucket);
            LoadLoadBarrier();
            if (Volatile.Read(ref seq) == before)
            {
                return;
            }
        }
    }

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

    // Rows are a multiple of 8 bytes; rounded anyway so the key words stay aligned.
    private static int KeyOffsetFor(int rowSize) => (RowOffset + rowSize + 7) & ~7;

    private static int SlotSizeFor(int rowSize) => KeyOffsetFor(rowSize) + (InlineKeyWords * sizeof(ulong));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Bucket(uint hash) => _buckets + ((long)BucketNumber(hash) * _slotSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Overflow(int index) => _overflow + ((long)index * _slotSize);

    private int OverflowIndex(byte* slot) => (int)((slot - _overflow) / _slotSize);

    private static ref int Seq(byte* bucket) => ref *(int*)(bucket + SeqOffset);

    // The bucket's own row first, then its chain. Readers may see a chain mid-change: indexes are bounds-checked and the
    // walk is bounded; the seqlock discards the result. An empty bucket (key length 0) never matches, but its chain is
    // still walked: deleting a bucket's own row leaves the chain in place.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Find(byte* bucket, in TableKey key, out byte* previous)
    {
        previous = bucket;
        if (Holds(bucket, BucketNumber(key.Hash), key))
        {
            return bucket;
        }

        var next = Volatile.Read(ref *(int*)(bucket + NextOffset));
        for (var steps = 0; next > 0 && next <= _capacity && steps < _capacity; steps++)
        {
            var slot = Overflow(next - 1);
            if (Holds(slot, OverflowNumber(next - 1), key))
            {
                return slot;
            }

            previous = slot;
            next = Volatile.Read(ref *(int*)(slot + NextOffset));
        }

        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Holds(byte* slot, int number, in TableKey key)
    {
        if (*(uint*)(slot + HashOffset) != key.Hash || *(int*)(slot + KeyLengthOffset) != key.Length)
        {
            return false;
        }

        var stored = (ulong*)(slot + _keyOffset);
        ReadOnlySpan<ulong> words = key.Words;
        var differences = stored[0] ^ words[0];
        if (key.Length > sizeof(ulong))
        {
            differences |= stored[1] ^ words[1];
            if (key.Length > InlineKeyWords * sizeof(ulong))
            {
                var tail = (ulong*)Tail(number);
                for (var i = InlineKeyWords; i < key.WordCount; i++)
                {
                    differences |= tail[i - InlineKeyWords] ^ words[i];
                }
            }
        }

        return differences == 0;
    }

    // Slot numbers index the key tails: the buckets first, then the overflow slots.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BucketNumber(uint hash) => (int)(hash & (uint)_bucketMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int OverflowNumber(int index) => BucketCount + index;

    // The key bytes after the first 16 of slot <paramref name="number"/>.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Tail(int number) => _tails + ((long)number * TailKeyBytes);

    // Under the bucket lock.
    private byte* FindOrInsert(byte* bucket, in TableKey key)
    {
        var slot = Find(bucket, key, out _);
        if (slot is not null)
        {
            return slot;
        }

        if (!ReserveRow())
        {
            return null;
        }

        if (Volatile.Read(ref *(int*)(bucket + KeyLengthOffset)) == 0)
        {
            // The bucket's own place is free: fill it, then publish it with one store of the key length.
            Fill(bucket, BucketNumber(key.Hash), key);
            Volatile.Write(ref *(int*)(bucket + KeyLengthOffset), key.Length);
            return bucket;
        }

        var index = Allocate();
        if (index < 0)
        {
            // Only when slots were lost to processes killed mid-insert: the count allowed a row no slot can hold.
            Interlocked.Decrement(ref RowCount);
            return null;
        }

        // Fill the slot completely, then publish it with one store of the chain head.
        slot = Overflow(index);
        Fill(slot, OverflowNumber(index), key);
        *(int*)(slot + KeyLengthOffset) = key.Length;
        *(int*)(slot + NextOffset) = Volatile.Read(ref *(int*)(bucket + NextOffset));
        Volatile.Write(ref *(int*)(bucket + NextOffset), index + 1);
        return slot;
    }

    private void Fill(byte* slot, int number, in TableKey key)
    {
        *(uint*)(slot + HashOffset) = key.Hash;
        ReadOnlySpan<ulong> words = key.Words;
        var stored = (ulong*)(slot + _keyOffset);
        stored[0] = words[0];
        stored[1] = key.WordCount > 1 ? words[1] : 0;
        if (key.WordCount > InlineKeyWords)
        {
            words[InlineKeyWords..key.WordCount].CopyTo(new Span<ulong>(Tail(number), TableKey.MaxWords - InlineKeyWords));
        }

        new Span<byte>(slot + RowOffset, _rowSize).Clear();
    }

    private bool ReserveRow()
    {
        ref var count = ref RowCount;
        while (true)
        {
            var current = Volatile.Read(ref count);
            if (current >= _capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref count, current + 1, current) == current)
            {
                return true;
            }
        }
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

            var next = Volatile.Read(ref *(int*)(Overflow(top - 1) + NextOffset));
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
        var slot = Overflow(index);
        while (true)
        {
            var current = Volatile.Read(ref head);
            Volatile.Write(ref *(int*)(slot + NextOffset), (int)(uint)current);
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
        if (Interlocked.CompareExchange(ref *(int*)(bucket + LockOffset), _pid, 0) != 0)
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
        Volatile.Write(ref *(int*)(bucket + LockOffset), 0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LockContended(byte* bucket)
    {
        ref var word = ref *(int*)(bucket + LockOffset);
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

    // Under the lock taken over from a dead process: end its write. Every change it could have made is one store, so
    // the bucket and its chain are well-formed already.
    private void Repair(byte* bucket, int deadOwner)
    {
        ref var seq = ref Seq(bucket);
        if ((Volatile.Read(ref seq) & 1) != 0)
        {
            Volatile.Write(ref seq, seq + 1);
        }

        Interlocked.Increment(ref _recoveries);
        Recovered?.Invoke(deadOwner);
    }

    /// <summary>What a consistent read does with a bucket; it may run more than once, the last run counts.</summary>
    private interface IBucketVisitor
    {
        void Visit(byte* bucket);
    }

    /// <summary>Finds a key in the bucket and hands its row to a slot reader (the contended path: the key is copied).</summary>
    private ref struct Lookup<TReader>(SharedTable table, TableKey key, TReader reader) : IBucketVisitor where TReader : ISlotReader, allows ref struct
    {
        private readonly SharedTable _table = table;
        private readonly TableKey _key = key;
        public TReader Reader = reader;
        public bool Found;

        public void Visit(byte* bucket)
        {
            var slot = _table.Find(bucket, _key, out _);
            Reader.Read(slot is null ? null : slot + RowOffset);
            Found = slot is not null;
        }
    }

    /// <summary>What a lock-free read copies out of the row it found (<c>null</c> when the key has none).</summary>
    private interface ISlotReader
    {
        void Read(byte* row);
    }

    private struct RowReader<TRow>(int size) : ISlotReader where TRow : struct, ITableRow<TRow>
    {
        public TRow Row;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Read(byte* row) => Row = row is null ? default : TRow.Read(new ReadOnlySpan<byte>(row, size));
    }

    private readonly ref struct BytesReader(int offset, Span<byte> destination) : ISlotReader
    {
        private readonly Span<byte> _destination = destination;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Read(byte* row)
        {
            if (row is not null)
            {
                new ReadOnlySpan<byte>(row + offset, _destination.Length).CopyTo(_destination);
            }
        }
    }

    /// <summary>Collects a bucket's rows (its own, then its chain's) as ReadBucket entries.</summary>
    private struct BucketReader(SharedTable table, int index, byte[] buffer) : IBucketVisitor
    {
        public byte[] Buffer = buffer;
        public int Rows;

        public void Visit(byte* bucket)
        {
            Rows = 0;
            Add(bucket, index);
            var next = Volatile.Read(ref *(int*)(bucket + NextOffset));
            for (var steps = 0; next > 0 && next <= table._capacity && steps < table._capacity; steps++)
            {
                var slot = table.Overflow(next - 1);
                Add(slot, table.OverflowNumber(next - 1));
                next = Volatile.Read(ref *(int*)(slot + NextOffset));
            }
        }

        private void Add(byte* slot, int number)
        {
            var keyLength = Volatile.Read(ref *(int*)(slot + KeyLengthOffset));
            if ((uint)(keyLength - 1) >= MaxKeyBytes)
            {
                return; // An empty bucket, or a torn read the seqlock will discard.
            }

            var entry = table.EntrySize;
            if ((Rows + 1) * entry > Buffer.Length)
            {
                Array.Resize(ref Buffer, Math.Max(Buffer.Length * 2, (Rows + 1) * entry));
            }

            var destination = Buffer.AsSpan(Rows * entry, entry);
            destination[0] = (byte)keyLength;
            const int inline = InlineKeyWords * sizeof(ulong);
            new ReadOnlySpan<byte>(slot + table._keyOffset, Math.Min(keyLength, inline)).CopyTo(destination[1..]);
            if (keyLength > inline)
            {
                new ReadOnlySpan<byte>(table.Tail(number), keyLength - inline).CopyTo(destination[(1 + inline)..]);
            }

            new ReadOnlySpan<byte>(slot + RowOffset, table._rowSize).CopyTo(destination[(1 + MaxKeyBytes)..]);
            Rows++;
        }
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
                    $"A shared-table row lock has been held for over {table.LockTimeout.TotalSeconds:0} s by process {Volatile.Read(ref *(int*)(bucket + LockOffset))}, which is still running.");
            }

            _spinner.SpinOnce();
        }

        // A reader met an odd sequence number: wait, and if the writer's process is gone, repair the bucket.
        public void WaitForWriter(byte* bucket)
        {
            ref var word = ref *(int*)(bucket + LockOffset);
            var owner = Volatile.Read(ref word);
            if (owner != 0 && OwnerIsDead(owner) && Interlocked.CompareExchange(ref word, table._pid, owner) == owner)
            {
                table.Repair(bucket, owner);
                Volatile.Write(ref word, 0);
                return;
            }

            Spin(bucket);
        }
    }
}
