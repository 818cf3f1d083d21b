using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Resident;

/// <summary>Reads and writes column values in a row's bytes. Called by the generated row codecs.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TableCodec
{
    /// <summary>Writes a 64-bit integer at <paramref name="offset"/>.</summary>
    public static void WriteInt64(Span<byte> row, int offset, long value) => MemoryMarshal.Write(row[offset..], in value);

    /// <summary>Reads a 64-bit integer at <paramref name="offset"/>.</summary>
    public static long ReadInt64(ReadOnlySpan<byte> row, int offset) => MemoryMarshal.Read<long>(row[offset..]);

    /// <summary>Writes a 32-bit integer at <paramref name="offset"/>.</summary>
    public static void WriteInt32(Span<byte> row, int offset, int value) => MemoryMarshal.Write(row[offset..], in value);

    /// <summary>Reads a 32-bit integer at <paramref name="offset"/>.</summary>
    public static int ReadInt32(ReadOnlySpan<byte> row, int offset) => MemoryMarshal.Read<int>(row[offset..]);

    /// <summary>Writes a double at <paramref name="offset"/>.</summary>
    public static void WriteDouble(Span<byte> row, int offset, double value) => MemoryMarshal.Write(row[offset..], in value);

    /// <summary>Reads a double at <paramref name="offset"/>.</summary>
    public static double ReadDouble(ReadOnlySpan<byte> row, int offset) => MemoryMarshal.Read<double>(row[offset..]);

    /// <summary>
    /// Writes <paramref name="value"/> (null as empty) as a 4-byte length and its UTF-8 bytes at <paramref name="offset"/>;
    /// the bytes after it up to <paramref name="size"/> are cleared.
    /// </summary>
    /// <exception cref="ArgumentException">The value takes more than <paramref name="size"/> UTF-8 bytes; nothing is written.</exception>
    public static void WriteString(Span<byte> row, int offset, int size, string? value, string column)
    {
        var text = value.AsSpan();
        var bytes = row.Slice(offset + sizeof(int), size);
        if (!Encoding.UTF8.TryGetBytes(text, bytes, out var length))
        {
            throw ValueTooLong(column, size, text);
        }

        bytes[length..].Clear();
        WriteInt32(row, offset, length);
    }

    /// <summary>Reads the string written by <see cref="WriteString"/>; a stored length out of range reads as empty.</summary>
    public static string ReadString(ReadOnlySpan<byte> row, int offset, int size)
    {
        var length = ReadInt32(row, offset);
        return length <= 0 || length > size ? "" : Encoding.UTF8.GetString(row.Slice(offset + sizeof(int), length));
    }

    internal static ArgumentException ValueTooLong(string column, int size, ReadOnlySpan<char> value) => new(
        $"The value for column '{column}' takes {Encoding.UTF8.GetByteCount(value)} UTF-8 bytes, more than its size of {size}; " +
        "nothing was written. Raise [Column(Size = …)] or shorten the value.",
        nameof(value));
}
