using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Resident.Tables;

/// <summary>
/// A table key as stored: its UTF-8 bytes (1 to 63) zero-padded to whole 8-byte words, and a fixed, seedless hash of
/// those words that every process computes alike.
/// </summary>
/// <remarks>
/// Keys are encoded once per operation on the caller's stack. An ASCII key (the common case) is narrowed and hashed
/// straight from its UTF-16 characters in registers, a word at a time: the bytes are stored for the key comparison but
/// never loaded back for hashing (a load spanning several smaller stores cannot be forwarded and stalls the lookup).
/// </remarks>
internal struct TableKey
{
    /// <summary>Words of key bytes one slot holds: 64 bytes, room for the longest key and its zero padding.</summary>
    public const int MaxWords = 8;

    private const ulong Seed = 0x9E3779B97F4A7C15UL;
    private const ulong Multiplier1 = 0xBF58476D1CE4E5B9UL;
    private const ulong Multiplier2 = 0x94D049BB133111EBUL;

    /// <summary>The key's bytes; words past <see cref="WordCount"/> are undefined.</summary>
    public KeyWords Words;

    /// <summary>The key's length in UTF-8 bytes.</summary>
    public int Length;

    /// <summary>The hash of the key (see <see cref="HashOf"/>).</summary>
    public uint Hash;

    /// <summary>The number of 8-byte words the key's bytes fill.</summary>
    public readonly int WordCount => (Length + 7) >> 3;

    /// <summary>Encodes <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The key is empty or takes more than 63 UTF-8 bytes.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Encode(string key, string table, out TableKey encoded)
    {
        ArgumentNullException.ThrowIfNull(key);
        Unsafe.SkipInit(out encoded);
        var length = key.Length;
        if ((uint)(length - 1) >= SharedTable.MaxKeyBytes || !TryEncodeAscii(key, ref encoded))
        {
            EncodeSlow(key, table, ref encoded);
        }
    }

    /// <summary>
    /// The hash of <paramref name="key"/>'s bytes: the bytes zero-padded to whole little-endian 8-byte words, each
    /// mixed in with a multiply and a shift (splitmix style), seeded with the length, then avalanched.
    /// </summary>
    public static uint HashOf(ReadOnlySpan<byte> key)
    {
        Span<ulong> words = stackalloc ulong[MaxWords];
        words.Clear();
        key.CopyTo(MemoryMarshal.AsBytes(words));
        var hash = Seed ^ (ulong)key.Length;
        for (var i = 0; i < (key.Length + 7) >> 3; i++)
        {
            hash = Mix(hash, words[i]);
        }

        return Finish(hash);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong hash, ulong word)
    {
        hash = (hash ^ word) * Multiplier1;
        return hash ^ (hash >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(ulong hash)
    {
        hash = (hash ^ (hash >> 29)) * Multiplier2;
        return (uint)(hash ^ (hash >> 32));
    }

    // 1 to 63 UTF-16 characters, narrowed 8 at a time and hashed as each word is made: 9 to 16 (the usual key) from two
    // overlapping loads, longer ones in a loop with the tail from an overlapping load of the last 8, shorter ones from
    // 4 + 4 or 1 + 1 + 1 loads. False, with nothing promised, when a character is not ASCII.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryEncodeAscii(string key, ref TableKey encoded)
    {
        var length = key.Length;
        ref var chars = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(key.AsSpan()));
        ref var words = ref Unsafe.As<KeyWords, ulong>(ref encoded.Words);
        var hash = Seed ^ (ulong)length;
        var nonAscii = Vector128.Create((ushort)0xFF80);
        if ((uint)(length - 9) <= 16 - 9)
        {
            var first = Vector128.LoadUnsafe(ref chars);
            var last = Vector128.LoadUnsafe(ref chars, (nuint)(length - 8));
            if (((first | last) & nonAscii) != Vector128<ushort>.Zero)
            {
                return false;
            }

            var bytes = NarrowAscii(first, last).AsUInt64();
            var word0 = bytes.ToScalar();
            var word1 = bytes.GetElement(1) >> ((16 - length) * 8);
            words = word0;
            Unsafe.Add(ref words, 1) = word1;
            hash = Mix(Mix(hash, word0), word1);
        }
        else if (length >= 8)
        {
            var full = length >> 3;
            var all = Vector128<ushort>.Zero;
            for (var i = 0; i < full; i++)
            {
                var vector = Vector128.LoadUnsafe(ref chars, (nuint)(i * 8));
                all |= vector;
                var word = NarrowAscii(vector, vector).AsUInt64().ToScalar();
                Unsafe.Add(ref words, i) = word;
                hash = Mix(hash, word);
            }

            var rest = length & 7;
            if (rest != 0)
            {
                var last = Vector128.LoadUnsafe(ref chars, (nuint)(length - 8));
                all |= last;
                var word = NarrowAscii(last, last).AsUInt64().ToScalar() >> ((8 - rest) * 8);
                Unsafe.Add(ref words, full) = word;
                hash = Mix(hash, word);
            }

            if ((all & nonAscii) != Vector128<ushort>.Zero)
            {
                return false;
            }
        }
        else
        {
            ulong word;
            ulong seen; // every character ORed together, in the low 16 bits
            if (length >= 4)
            {
                var head = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref chars));
                var tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref chars, length - 4)));
                seen = head | tail;
                seen |= seen >> 32;
                seen |= seen >> 16;
                // The two 4-character halves overlap when the key is shorter than 8; overlapping bytes are equal.
                word = Narrow4(head) | (Narrow4(tail) << ((length - 4) * 8));
            }
            else
            {
                ulong first = chars;
                ulong middle = Unsafe.Add(ref chars, length >> 1);
                ulong final = Unsafe.Add(ref chars, length - 1);
                seen = first | middle | final;
                word = first | (middle << ((length >> 1) * 8)) | (final << ((length - 1) * 8));
            }

            if ((seen & 0xFF80) != 0)
            {
                return false;
            }

            words = word;
            hash = Mix(hash, word);
        }

        encoded.Length = length;
        encoded.Hash = Finish(hash);
        return true;
    }

    // ASCII UTF-16 code units → bytes: the first vector's in the low half, the second's in the high half. Saturating packs
    // are exact for ASCII and need no masking first.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> NarrowAscii(Vector128<ushort> low, Vector128<ushort> high) =>
        System.Runtime.Intrinsics.X86.Sse2.IsSupported
            ? System.Runtime.Intrinsics.X86.Sse2.PackUnsignedSaturate(low.AsInt16(), high.AsInt16())
            : Vector128.Narrow(low, high);

    // Four UTF-16 code units (ASCII) in a word → their four bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Narrow4(ulong chars)
    {
        var vector = Vector128.CreateScalar(chars).AsUInt16();
        return NarrowAscii(vector, vector).AsUInt32().ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EncodeSlow(string key, string table, ref TableKey encoded)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes((Span<ulong>)encoded.Words);
        bytes.Clear();
        if (key.Length == 0 || !Encoding.UTF8.TryGetBytes(key, bytes[..SharedTable.MaxKeyBytes], out var length))
        {
            throw Invalid(key, table);
        }

        encoded.Length = length;
        encoded.Hash = HashOf(bytes[..length]);
    }

    private static ArgumentException Invalid(string key, string table) => key.Length == 0
        ? new ArgumentException($"Table '{table}': a key must not be empty.", nameof(key))
        : new ArgumentException(
            $"Table '{table}': the key \"{Shown(key)}\" takes {Encoding.UTF8.GetByteCount(key)} UTF-8 bytes; keys may take at most {SharedTable.MaxKeyBytes}.",
            nameof(key));

    // Enough of the key to recognise it in the error, without pasting a whole payload into the log.
    private static string Shown(string key)
    {
        const int Shown = 32;
        if (key.Length <= Shown)
        {
            return key;
        }

        var cut = char.IsHighSurrogate(key[Shown - 1]) ? Shown - 1 : Shown;
        return key[..cut] + "…";
    }
}

/// <summary>Eight words of key bytes, inline.</summary>
[InlineArray(TableKey.MaxWords)]
internal struct KeyWords
{
    private ulong _word;
}
