using System.Buffers;
using System.Collections;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Resident.Metrics;
using Resident.Tables;

namespace Resident;

/// <summary>
/// A <see cref="SwooleTableAttribute">[SwooleTable]</see>: a fixed-size hash table of <typeparamref name="TRow"/> rows
/// in shared memory, seen alike by every thread and every process of the server. Inject it as
/// <c>SwooleTable&lt;TRow&gt;</c> or find it by name with <see cref="IResidentServer.Tables"/>. Keys are strings of 1 to 63
/// UTF-8 bytes. Every operation is atomic per row; reads never block writers.
/// </summary>
/// <typeparam name="TRow">The generated row struct.</typeparam>
public sealed class SwooleTable<TRow> : ISwooleTable, IEnumerable<KeyValuePair<string, TRow>>
    where TRow : struct, ITableRow<TRow>
{
    private const int StackRowBytes = 512;
    private static readonly TimeSpan FullLogInterval = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger;
    private SharedTable? _table;
    private long _lastFullLog;
    private ResidentMetrics? _metrics;
    private KeyValuePair<string, object?> _tableTag;

    internal SwooleTable(ILogger logger)
    {
        _logger = logger;
        Schema = TRow.Schema;
    }

    /// <inheritdoc/>
    public string Name => Schema.Name;

    /// <inheritdoc/>
    public TableSchema Schema { get; }

    /// <inheritdoc/>
    public int Size => Schema.Size;

    /// <inheritdoc/>
    public int Count => Table.Count;

    /// <inheritdoc/>
    public long MemorySize => SharedTable.BytesFor(Schema.Size, Schema.RowSize);

    /// <inheritdoc/>
    public string Path { get; private set; } = "";

    internal SharedTable Table => Volatile.Read(ref _table) ?? throw NotOpen();

    /// <summary>Rows, capacity and memory size now; null while the table is not open.</summary>
    internal TableFigures? Figures => Volatile.Read(ref _table) is { } table ? new TableFigures(table.Count, Size, MemorySize) : null;

    /// <summary>Counts refused writes on <paramref name="metrics"/> from now on (set once, before the table opens).</summary>
    internal void Measure(ResidentMetrics metrics)
    {
        _tableTag = ResidentMetrics.TableTag(Name);
        _metrics = metrics;
    }

    internal void Attach(SharedTable? table, string path)
    {
        Path = path;
        Volatile.Write(ref _table, table);
    }

    /// <summary>Inserts or replaces the row of <paramref name="key"/> (Swoole <c>set</c>).</summary>
    /// <returns>False when the key is new and the table already holds <see cref="Size"/> rows (logged at most every 10 s).</returns>
    /// <exception cref="ArgumentException">The key is empty or over 63 UTF-8 bytes, or a string is longer than its column; nothing was written.</exception>
    [SkipLocalsInit]
    public bool Set(string key, in TRow row)
    {
        TableKey.Encode(key, Name, out var encoded);
        var rowSize = Schema.RowSize;
        byte[]? rented = null;
        var rowBytes = (rowSize <= StackRowBytes ? stackalloc byte[StackRowBytes] : (rented = ArrayPool<byte>.Shared.Rent(rowSize)))[..rowSize];
        try
        {
            rowBytes.Clear();
            TRow.Write(row, rowBytes);
            return Table.Write(encoded, rowBytes) || Full();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Reads the row of <paramref name="key"/> (Swoole <c>get</c>); a consistent copy even while others write it.</summary>
    /// <exception cref="ArgumentException">The key is empty or over 63 UTF-8 bytes.</exception>
    [SkipLocalsInit]
    public bool TryGet(string key, out TRow row)
    {
        TableKey.Encode(key, Name, out var encoded);
        return Table.TryRead(encoded, out row);
    }

    /// <inheritdoc/>
    [SkipLocalsInit]
    public bool Exists(string key)
    {
        TableKey.Encode(key, Name, out var encoded);
        return Table.Contains(encoded);
    }

    /// <inheritdoc/>
    [SkipLocalsInit]
    public bool Delete(string key)
    {
        TableKey.Encode(key, Name, out var encoded);
        return Table.Delete(encoded);
    }

    /// <summary>
    /// Atomically adds <paramref name="by"/> to an integer column and returns the new value (Swoole <c>incr</c>); a missing
    /// row is created with every column zero first. An <see cref="int"/> column wraps around at its range.
    /// </summary>
    /// <param name="key">The row's key.</param>
    /// <param name="column">The column's index in <see cref="TableSchema.Columns"/> (the generated <c>Increment…</c> methods pass it).</param>
    /// <param name="by">The amount to add; negative subtracts.</param>
    /// <exception cref="ArgumentException">The key is invalid or the column is not an integer column.</exception>
    /// <exception cref="InvalidOperationException">The row is new and the table is full.</exception>
    [SkipLocalsInit]
    public long Increment(string key, int column, long by = 1)
    {
        var definition = Column(column);
        TableKey.Encode(key, Name, out var encoded);
        var result = definition.Type switch
        {
            TableColumnType.Int64 => Table.AddInt64(encoded, definition.Offset, by),
            TableColumnType.Int32 => Table.AddInt32(encoded, definition.Offset, unchecked((int)by)),
            _ => throw WrongType(definition, "an integer"),
        };
        return result ?? throw FullForIncr(key);
    }

    /// <summary>Atomically adds <paramref name="by"/> to a <see cref="double"/> column and returns the new value; a missing row is created first.</summary>
    /// <exception cref="ArgumentException">The key is invalid or the column is not a <see cref="double"/> column.</exception>
    /// <exception cref="InvalidOperationException">The row is new and the table is full.</exception>
    [SkipLocalsInit]
    public double Increment(string key, int column, double by)
    {
        var definition = Column(column);
        if (definition.Type != TableColumnType.Float)
        {
            throw WrongType(definition, "a double");
        }

        TableKey.Encode(key, Name, out var encoded);
        return Table.AddDouble(encoded, definition.Offset, by) ?? throw FullForIncr(key);
    }

    /// <summary>Atomically subtracts <paramref name="by"/> from an integer column and returns the new value (Swoole <c>decr</c>).</summary>
    public long Decrement(string key, int column, long by = 1) => Increment(key, column, unchecked(-by));

    /// <summary>Atomically subtracts <paramref name="by"/> from a <see cref="double"/> column and returns the new value.</summary>
    public double Decrement(string key, int column, double by) => Increment(key, column, -by);

    /// <summary><see cref="Increment(string, int, long)"/> by its Swoole name, <c>incr</c>.</summary>
    public long Incr(string key, int column, long by = 1) => Increment(key, column, by);

    /// <summary><see cref="Increment(string, int, double)"/> by its Swoole name, <c>incr</c>.</summary>
    public double Incr(string key, int column, double by) => Increment(key, column, by);

    /// <summary><see cref="Decrement(string, int, long)"/> by its Swoole name, <c>decr</c>.</summary>
    public long Decr(string key, int column, long by = 1) => Decrement(key, column, by);

    /// <summary><see cref="Decrement(string, int, double)"/> by its Swoole name, <c>decr</c>.</summary>
    public double Decr(string key, int column, double by) => Decrement(key, column, by);

    /// <summary>Reads one integer column without copying the row; false when the key has no row.</summary>
    [SkipLocalsInit]
    public bool TryGetInt64(string key, int column, out long value)
    {
        var definition = Column(column);
        TableKey.Encode(key, Name, out var encoded);
        Span<byte> bytes = stackalloc byte[8];
        switch (definition.Type)
        {
            case TableColumnType.Int64:
                var found = Table.TryReadAt(encoded, definition.Offset, bytes);
                value = found ? TableCodec.ReadInt64(bytes, 0) : 0;
                return found;
            case TableColumnType.Int32:
                found = Table.TryReadAt(encoded, definition.Offset, bytes[..4]);
                value = found ? TableCodec.ReadInt32(bytes, 0) : 0;
                return found;
            default:
                throw WrongType(definition, "an integer");
        }
    }

    /// <summary>Reads one <see cref="double"/> column without copying the row; false when the key has no row.</summary>
    [SkipLocalsInit]
    public bool TryGetDouble(string key, int column, out double value)
    {
        var definition = Column(column);
        if (definition.Type != TableColumnType.Float)
        {
            throw WrongType(definition, "a double");
        }

        TableKey.Encode(key, Name, out var encoded);
        Span<byte> bytes = stackalloc byte[8];
        var found = Table.TryReadAt(encoded, definition.Offset, bytes);
        value = found ? TableCodec.ReadDouble(bytes, 0) : 0;
        return found;
    }

    /// <summary>Reads one string column without copying the row; false when the key has no row.</summary>
    [SkipLocalsInit]
    public bool TryGetString(string key, int column, out string value)
    {
        var definition = Column(column);
        if (definition.Type != TableColumnType.String)
        {
            throw WrongType(definition, "a string");
        }

        TableKey.Encode(key, Name, out var encoded);
        var length = sizeof(int) + definition.Size;
        byte[]? rented = null;
        var bytes = (length <= StackRowBytes ? stackalloc byte[StackRowBytes] : (rented = ArrayPool<byte>.Shared.Rent(length)))[..length];
        try
        {
            var found = Table.TryReadAt(encoded, definition.Offset, bytes);
            value = found ? TableCodec.ReadString(bytes, 0, definition.Size) : "";
            return found;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Sets one integer column without touching the others; a missing row is created first. False when the table is full.</summary>
    [SkipLocalsInit]
    public bool SetInt64(string key, int column, long value)
    {
        var definition = Column(column);
        Span<byte> bytes = stackalloc byte[8];
        switch (definition.Type)
        {
            case TableColumnType.Int64:
                TableCodec.WriteInt64(bytes, 0, value);
                return SetColumn(key, definition, bytes);
            case TableColumnType.Int32:
                TableCodec.WriteInt32(bytes, 0, unchecked((int)value));
                return SetColumn(key, definition, bytes[..4]);
            default:
                throw WrongType(definition, "an integer");
        }
    }

    /// <summary>Sets one <see cref="double"/> column without touching the others; a missing row is created first. False when the table is full.</summary>
    [SkipLocalsInit]
    public bool SetDouble(string key, int column, double value)
    {
        var definition = Column(column);
        if (definition.Type != TableColumnType.Float)
        {
            throw WrongType(definition, "a double");
        }

        Span<byte> bytes = stackalloc byte[8];
        TableCodec.WriteDouble(bytes, 0, value);
        return SetColumn(key, definition, bytes);
    }

    /// <summary>Sets one string column without touching the others; a missing row is created first. False when the table is full.</summary>
    /// <exception cref="ArgumentException">The value is longer than the column's size in UTF-8 bytes; nothing was written.</exception>
    [SkipLocalsInit]
    public bool SetString(string key, int column, string? value)
    {
        var definition = Column(column);
        if (definition.Type != TableColumnType.String)
        {
            throw WrongType(definition, "a string");
        }

        var length = sizeof(int) + definition.Size;
        byte[]? rented = null;
        var bytes = (length <= StackRowBytes ? stackalloc byte[StackRowBytes] : (rented = ArrayPool<byte>.Shared.Rent(length)))[..length];
        try
        {
            TableCodec.WriteString(bytes, 0, definition.Size, value, definition.Name);
            return SetColumn(key, definition, bytes);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The index of the column named <paramref name="name"/>, or -1.</summary>
    public int ColumnIndex(string name)
    {
        for (var i = 0; i < Schema.Columns.Count; i++)
        {
            if (string.Equals(Schema.Columns[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Every row, each read consistently (never half-written) while others keep writing. Rows added or removed during
    /// the walk may or may not be seen; each row present throughout is seen once.
    /// </summary>
    public IEnumerator<KeyValuePair<string, TRow>> GetEnumerator()
    {
        var first = Table;
        var buffer = new byte[first.EntrySize * 4];
        var rows = new List<KeyValuePair<string, TRow>>();
        for (var bucket = 0; bucket < first.BucketCount; bucket++)
        {
            // Looked up per bucket: a walk still going when the server stops gets an exception, not unmapped memory.
            var table = Table;
            var count = table.ReadBucket(bucket, ref buffer);
            if (count == 0)
            {
                continue;
            }

            rows.Clear();
            Decode(buffer, count, table.EntrySize, rows);
            foreach (var row in rows)
            {
                yield return row;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static void Decode(byte[] buffer, int count, int entrySize, List<KeyValuePair<string, TRow>> rows)
    {
        for (var i = 0; i < count; i++)
        {
            var entry = buffer.AsSpan(i * entrySize, entrySize);
            var keyLength = Math.Min((int)entry[0], SharedTable.MaxKeyBytes);
            rows.Add(new(Encoding.UTF8.GetString(entry.Slice(1, keyLength)), TRow.Read(entry[(1 + SharedTable.MaxKeyBytes)..])));
        }
    }

    [SkipLocalsInit]
    private bool SetColumn(string key, TableColumn column, ReadOnlySpan<byte> value)
    {
        TableKey.Encode(key, Name, out var encoded);
        return Table.WriteAt(encoded, column.Offset, value) || Full();
    }

    private TableColumn Column(int index) =>
        (uint)index < (uint)Schema.Columns.Count
            ? Schema.Columns[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"Table '{Name}' has {Schema.Columns.Count} columns.");

    private bool Full()
    {
        _metrics?.TableSetRefused(_tableTag);
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastFullLog);
        if ((last == 0 || now - last >= FullLogInterval.TotalMilliseconds) && Interlocked.CompareExchange(ref _lastFullLog, now, last) == last)
        {
            TableLog.TableFull(_logger, Name, Size);
        }

        return false;
    }

    private InvalidOperationException FullForIncr(string key)
    {
        Full();
        return new InvalidOperationException($"Table '{Name}' is full ({Size} rows): no row could be created for the key '{key}'. Raise [SwooleTable(Size = …)].");
    }

    private ArgumentException WrongType(TableColumn column, string expected) =>
        new($"Column '{column.Name}' of table '{Name}' is {column.Type}, not {expected} column.", "column");

    private InvalidOperationException NotOpen() =>
        new($"Table '{Name}' is not open: tables are created when the Resident server starts and released when it stops.");
}
