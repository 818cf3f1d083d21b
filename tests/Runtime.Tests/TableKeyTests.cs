using System.Runtime.InteropServices;
using System.Text;
using Resident.Tables;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>Key encoding (the ASCII fast path must agree byte for byte with UTF-8) and keys that collide or share prefixes.</summary>
public sealed class TableKeyTests
{
    public static TheoryData<int> Lengths() => [.. Enumerable.Range(1, SharedTable.MaxKeyBytes)];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Every_key_length_encodes_to_its_UTF8_bytes_zero_padded_with_the_hash_of_those_bytes(int length)
    {
        var random = new Random(length);
        foreach (var key in new[]
        {
            new string('a', length),
            new string([.. Enumerable.Range(0, length).Select(_ => (char)random.Next(1, 128))]), // all of ASCII, NUL aside
            length >= 2 ? new string('b', length - 2) + "é" : null, // the last character not ASCII: the slow path
            length >= 3 ? "\u007f" + new string('c', length - 3) + "\u0080" : null, // either side of the ASCII boundary
        })
        {
            if (key is null)
            {
                continue;
            }

            var utf8 = Encoding.UTF8.GetBytes(key);
            TableKey.Encode(key, "t", out var encoded);

            Assert.Equal(utf8.Length, encoded.Length);
            Assert.Equal(TableKey.HashOf(utf8), encoded.Hash);
            var words = MemoryMarshal.AsBytes((ReadOnlySpan<ulong>)encoded.Words)[..(encoded.WordCount * 8)].ToArray();
            Assert.Equal(utf8, words[..utf8.Length]);
            Assert.All(words[utf8.Length..], padding => Assert.Equal(0, padding));
        }
    }

    [Fact]
    public void The_hash_is_fixed_every_process_computes_it_alike()
    {
        // Pinned values: a change to the hash changes where rows live, so it must come with a new table magic number.
        Assert.Equal(0x9D769D30u, Encoded("k").Hash);
        Assert.Equal(0x781E954Au, Encoded("user:12345").Hash);
        Assert.Equal(0x531CADAAu, Encoded(new string('x', 63)).Hash);
        Assert.NotEqual(TableKey.HashOf("ab"u8), TableKey.HashOf("ba"u8));
        Assert.NotEqual(TableKey.HashOf("a"u8), TableKey.HashOf("a\0"u8)); // the length is hashed, not only the padded words
    }

    [Fact]
    public void Keys_that_share_a_prefix_and_differ_only_past_16_bytes_are_different_rows()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        var prefix = new string('p', 40);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i + 1, table.IncrHits(prefix + i, i + 1));
        }

        Assert.True(table.Set("short", new CounterRow { Hits = 100 }));
        Assert.True(table.Set(prefix + "é", new CounterRow { Hits = 200 }));
        for (var i = 0; i < 10; i++)
        {
            Assert.True(table.TryGet(prefix + i, out var row));
            Assert.Equal(i + 1, row.Hits);
        }

        Assert.False(table.Exists(prefix));
        Assert.False(table.Exists(prefix + "10"));
        Assert.Equal(12, table.Count);
        string[] expected = [.. Enumerable.Range(0, 10).Select(i => prefix + i), "short", prefix + "é"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), table.Select(pair => pair.Key).Order(StringComparer.Ordinal));
    }

    private static TableKey Encoded(string key)
    {
        TableKey.Encode(key, "t", out var encoded);
        return encoded;
    }

    [Fact]
    public void A_too_long_keys_error_names_the_table_and_shows_the_key_truncated()
    {
        using var tables = TestTables.Open();

        var longKey = "session:" + new string('x', 100);
        var error = Assert.Throws<ArgumentException>(() => tables.Counters.Set(longKey, default));
        Assert.StartsWith(
            $"Table 'counters': the key \"session:{new string('x', 24)}…\" takes 108 UTF-8 bytes; keys may take at most 63.",
            error.Message,
            StringComparison.Ordinal);

        // A short key of many bytes is shown whole; a cut never splits a surrogate pair.
        var emoji = string.Concat(Enumerable.Repeat("😀", 16)); // 32 characters, 64 bytes
        error = Assert.Throws<ArgumentException>(() => tables.Tiny.Exists(emoji));
        Assert.StartsWith($"Table 'tiny': the key \"{emoji}\" takes 64 UTF-8 bytes", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => tables.Tiny.Exists("a" + emoji + "😀😀"));
        Assert.StartsWith($"Table 'tiny': the key \"a{string.Concat(Enumerable.Repeat("😀", 15))}…\" takes 73 UTF-8 bytes", error.Message, StringComparison.Ordinal);
    }
}
