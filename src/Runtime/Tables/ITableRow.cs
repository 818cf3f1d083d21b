using System.ComponentModel;

namespace Resident;

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
