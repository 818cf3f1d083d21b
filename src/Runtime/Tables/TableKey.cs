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
        if (key.Length == 0 || !Encoding.UTF8.TryGetBytes(key, buffer[..SharedTable.MaxKeyBytes], out var length))
        {
            throw Invalid(key, table);
        }

        return length;
    }

    /// <summary>A 32-bit hash of the key bytes (a splitmix-style mix of 8-byte words).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(ReadOnlySpan<byte> key)
    {
        var hash = 0x9E3779B97F4A7C15UL ^ (ulong)key.Length;
        while (key.Length >= 8)
        {
            hash = (hash ^ MemoryMarshal.Read<ulong>(key)) * 0xBF58476D1CE4E5B9UL;
            hash ^= hash >> 31;
            key = key[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < key.Length; i++)
        {
            tail |= (ulong)key[i] << (i * 8);
        }

        hash = (hash ^ tail) * 0x94D049BB133111EBUL;
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
