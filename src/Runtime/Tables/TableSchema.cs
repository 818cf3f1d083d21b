using System.ComponentModel;

namespace Resident;

/// <summary>The type of a table column as stored in shared memory.</summary>
public enum TableColumnType
{
    /// <summary>A 64-bit integer (<see cref="long"/>), 8 bytes.</summary>
    Int64 = 0,

    /// <summary>A 32-bit integer (<see cref="int"/>), 4 bytes.</summary>
    Int32 = 1,

    /// <summary>A 64-bit floating-point number (<see cref="double"/>), 8 bytes.</summary>
    Float = 2,

    /// <summary>A UTF-8 string of at most <see cref="TableColumn.Size"/> bytes, stored after a 4-byte length.</summary>
    String = 3,
}

/// <summary>One column of a table row: its name, type, byte offset inside the row and size in bytes (for strings, the most UTF-8 bytes).</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Type">How the value is stored.</param>
/// <param name="Offset">The byte offset of the value in the row (for a string, of its 4-byte length, followed by its bytes).</param>
/// <param name="Size">8 or 4 for numbers; the most UTF-8 bytes for a string.</param>
public sealed record TableColumn(string Name, TableColumnType Type, int Offset, int Size);

/// <summary>The fixed layout of a table's rows, generated at compile time from the row struct.</summary>
public sealed class TableSchema
{
    /// <summary>Creates a schema; called by generated code.</summary>
    /// <param name="name">The table name.</param>
    /// <param name="size">The most rows.</param>
    /// <param name="rowSize">Bytes per row.</param>
    /// <param name="columns">The columns in declaration order.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TableSchema(string name, int size, int rowSize, TableColumn[] columns)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(columns);
        Name = name;
        Size = size;
        RowSize = rowSize;
        Columns = columns;
    }

    /// <summary>The table's name (<c>ws</c> for LaravelS's <c>wsTable</c>).</summary>
    public string Name { get; }

    /// <summary>The most rows the table holds.</summary>
    public int Size { get; }

    /// <summary>The bytes one row's columns take.</summary>
    public int RowSize { get; }

    /// <summary>The columns, in declaration order.</summary>
    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>A text form of the layout: two processes share a table only when theirs are equal.</summary>
    internal string Layout =>
        $"{Size}|{RowSize}|" + string.Join(";", Columns.Select(column => $"{column.Name}:{column.Type}:{column.Offset}:{column.Size}"));
}

/// <summary>
/// Implemented by the generator on every <see cref="SwooleTableAttribute">[SwooleTable]</see> struct: its layout and
/// the codec between the struct and its bytes in shared memory. Not meant to be implemented by hand.
/// </summary>
/// <typeparam name="TSelf">The row struct.</typeparam>
public interface ITableRow<TSelf> where TSelf : struct, ITableRow<TSelf>
{
    /// <summary>The table's generated layout.</summary>
    static abstract TableSchema Schema { get; }

    /// <summary>Writes <paramref name="row"/> into <paramref name="destination"/> (exactly <see cref="TableSchema.RowSize"/> bytes).</summary>
    /// <exception cref="ArgumentException">A string value is longer than its column's size in UTF-8 bytes.</exception>
    static abstract void Write(in TSelf row, Span<byte> destination);

    /// <summary>Reads a row from <paramref name="source"/> (exactly <see cref="TableSchema.RowSize"/> bytes).</summary>
    static abstract TSelf Read(ReadOnlySpan<byte> source);
}
