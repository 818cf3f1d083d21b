using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Resident.Tables;

/// <summary>Table keys: UTF-8 bytes (at most 63) and a fixed, seedless hash every process computes alike.</summary>
internal static class TableKey
{
    /// <summary>Encodes <paramref name="key"/> into <paramref name="buffer"/> (63 bytes or more) and returns its length.</summary>
    /// <exception cref="ArgumentException">The key is empty or takes more than 63 UTF-8 bytes.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Encode(string key, Span<byte> buffer, string table)
    {
        ArgumentNullException.ThrowIfNull(key);
        if ((uint)(key.Length - 1) < SharedTable.MaxKeyBytes
            && System.Text.Ascii.FromUtf16(key, buffer, out var length) == System.Buffers.OperationStatus.Done)
        {
            return length; // The common case, vectorized: an ASCII key is its own UTF-8.
        }

        return EncodeSlow(key, buffer, table);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int EncodeSlow(string key, Span<byte> buffer, string table)
    {
        if (key.Length == 0 || !Encoding.UTF8.TryGetBytes(key, buffer[..SharedTable.MaxKeyBytes], out var length))
        {
            throw Invalid(key, table);
        }

        return length;
    }

    /// <summary>A 32-bit hash of the key bytes (1 to 63): a splitmix-style mix of 8-byte words, the last word read overlapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(ReadOnlySpan<byte> key)
    {
        var length = key.Length;
        var hash = 0x9E3779B97F4A7C15UL ^ (ulong)length;
        ulong last;
        if (length >= 8)
        {
            for (var i = 0; i < length - 8; i += 8)
            {
                hash = (hash ^ MemoryMarshal.Read<ulong>(key[i..])) * 0xBF58476D1CE4E5B9UL;
                hash ^= hash >> 31;
            }

            last = MemoryMarshal.Read<ulong>(key[(length - 8)..]);
        }
        else if (length >= 4)
        {
            last = MemoryMarshal.Read<uint>(key) | ((ulong)MemoryMarshal.Read<uint>(key[(length - 4)..]) << 32);
        }
        else
        {
            last = length == 0 ? 0 : key[0] | ((ulong)key[length >> 1] << 8) | ((ulong)key[length - 1] << 16);
        }

        hash = (hash ^ last) * 0x94D049BB133111EBUL;
        hash ^= hash >> 29;
        hash *= 0xBF58476D1CE4E5B9UL;
        return (uint)(hash ^ (hash >> 32));
    }

    private static ArgumentException Invalid(string key, string table) => key.Length == 0
        ? new ArgumentException($"Table '{table}': a key must not be empty.", nameof(key))
        : new ArgumentException(
            $"Table '{table}': the key takes {Encoding.UTF8.GetByteCount(key)} UTF-8 bytes; keys may take at most {SharedTable.MaxKeyBytes}.",
            nameof(key));
}
