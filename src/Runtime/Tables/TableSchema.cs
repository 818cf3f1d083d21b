using System.ComponentModel;

namespace Resident;

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
