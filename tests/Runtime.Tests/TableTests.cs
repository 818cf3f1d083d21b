using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>The shared-memory table in one process: codec, limits, capacity, atomicity, iteration, dead-owner recovery.</summary>
public sealed class TableTests
{
    [Fact]
    public void Every_column_type_round_trips_including_extreme_values()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        CounterRow[] rows =
        [
            new() { Hits = long.MaxValue, Small = int.MinValue, Score = double.Epsilon, Label = "" },
            new() { Hits = long.MinValue, Small = int.MaxValue, Score = double.NegativeInfinity, Label = "sixteen bytes!!!" },
            new() { Hits = -1, Small = -1, Score = -0.0, Label = "héllo wörl ✓" },
            new() { Hits = 0, Small = 0, Score = double.NaN, Label = null! },
        ];

        for (var i = 0; i < rows.Length; i++)
        {
            Assert.True(table.Set($"row{i}", rows[i]));
        }

        for (var i = 0; i < rows.Length; i++)
        {
            Assert.True(table.TryGet($"row{i}", out var read));
            Assert.Equal(rows[i].Hits, read.Hits);
            Assert.Equal(rows[i].Small, read.Small);
            Assert.Equal(BitConverter.DoubleToInt64Bits(rows[i].Score), BitConverter.DoubleToInt64Bits(read.Score));
            Assert.Equal(rows[i].Label ?? "", read.Label);
        }

        Assert.False(table.TryGet("absent", out var missing));
        Assert.Equal(default, missing);
    }

    [Fact]
    public void String_columns_hold_exactly_their_size_in_UTF8_bytes_and_refuse_one_more()
    {
        using var tables = TestTables.Open();
        var table = tables.Wide;
        var big = new string('x', 598) + "é"; // 600 bytes: more than the stack buffer, exactly the column
        Assert.True(table.Set("k", new WideRow { Id = 7, One = "a", Big = big }));
        Assert.True(table.TryGet("k", out var row));
        Assert.Equal(new WideRow { Id = 7, One = "a", Big = big }, row);

        var tooBig = Assert.Throws<ArgumentException>(() => table.Set("k", new WideRow { Id = 8, One = "a", Big = big + "x" }));
        Assert.Contains("'Big'", tooBig.Message, StringComparison.Ordinal);
        Assert.Contains("601", tooBig.Message, StringComparison.Ordinal);
        var multiByte = Assert.Throws<ArgumentException>(() => table.Set("k", new WideRow { Id = 9, One = "é" }));
        Assert.Contains("size of 1", multiByte.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => table.SetOne("k", "ab"));

        // Nothing was written: never truncated, never half a row.
        Assert.True(table.TryGet("k", out row));
        Assert.Equal(7, row.Id);
        Assert.Equal("a", row.One);
        Assert.Equal(big, row.Big);
    }

    [Fact]
    public void Keys_take_up_to_63_UTF8_bytes()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        var longest = new string('k', 63);
        var threeByteLongest = new string('✓', 21); // 63 bytes

        Assert.True(table.Set(longest, new CounterRow { Hits = 1 }));
        Assert.True(table.Set(threeByteLongest, new CounterRow { Hits = 2 }));
        Assert.True(table.TryGet(longest, out var row) && row.Hits == 1);
        Assert.True(table.TryGet(threeByteLongest, out row) && row.Hits == 2);

        var tooLong = Assert.Throws<ArgumentException>(() => table.Set(longest + "k", default));
        Assert.Contains("64 UTF-8 bytes", tooLong.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => table.TryGet(threeByteLongest + "✓", out _));
        Assert.Throws<ArgumentException>(() => table.IncrHits(new string('é', 32)));
        Assert.Throws<ArgumentException>(() => table.Exists(""));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Increment_and_Decrement_are_the_NET_names_and_Incr_and_Decr_keep_working()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;

        Assert.Equal(5, table.IncrementHits("both", 5));
        Assert.Equal(6, table.IncrHits("both"));
        Assert.Equal(4, table.DecrementHits("both", 2));
        Assert.Equal(3, table.DecrHits("both"));
        Assert.Equal(-1, table.DecrementSmall("both"));
        Assert.Equal(1.5, table.IncrementScore("both", 1.5));
        Assert.Equal(1.0, table.DecrementScore("both", 0.5));

        ISwooleTable untyped = table;
        var hits = table.ColumnIndex("Hits");
        Assert.Equal(13, untyped.Increment("both", hits, 10));
        Assert.Equal(14, untyped.Incr("both", hits));
        Assert.Equal(12, untyped.Decrement("both", hits, 2));
        Assert.Equal(11, untyped.Decr("both", hits));
        Assert.Equal(3.0, untyped.Increment("both", table.ColumnIndex("Score"), 2.0));
        Assert.True(table.TryGet("both", out var row));
        Assert.Equal((11L, -1, 3.0), (row.Hits, row.Small, row.Score));
    }

    [Fact]
    public void A_full_table_refuses_new_keys_logs_once_and_takes_them_again_after_a_delete()
    {
        using var tables = TestTables.Open();
        var table = tables.Tiny;
        for (var i = 0; i < 4; i++)
        {
            Assert.True(table.Set($"k{i}", new TinyRow { Value = i }));
        }

        Assert.False(table.Set("k4", new TinyRow { Value = 4 }));
        Assert.False(table.Set("k5", new TinyRow { Value = 5 }));
        Assert.False(table.SetValue("k6", 6));
        Assert.Throws<InvalidOperationException>(() => table.IncrValue("k7"));
        Assert.True(table.Set("k0", new TinyRow { Value = 100 })); // replacing still works
        Assert.Equal(4, table.Count);
        Assert.Single(tables.Logs.Entries, entry => entry.Message.Contains("Table tiny is full (4 rows)", StringComparison.Ordinal));

        Assert.True(table.Delete("k1"));
        Assert.True(table.Set("k4", new TinyRow { Value = 4 }));
        Assert.Equal(4, table.Count);
        Assert.False(table.Exists("k1"));
    }

    [Fact]
    public void Collisions_never_cost_capacity_exactly_Size_rows_fit()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        for (var i = 0; i < table.Size; i++)
        {
            Assert.True(table.Set($"user:{i}", new CounterRow { Hits = i }), $"row {i} did not fit");
        }

        Assert.False(table.Set("one-more", default));
        Assert.Equal(1024, table.Count);
        for (var i = 0; i < table.Size; i++)
        {
            Assert.True(table.TryGet($"user:{i}", out var row) && row.Hits == i);
        }
    }

    [Fact]
    public void Keys_that_all_land_in_one_bucket_still_fill_every_row_and_stay_reachable_through_deletes()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        var mask = (uint)table.Table.BucketCount - 1;
        var keys = new List<string>();
        for (var i = 0; keys.Count < table.Size + 1; i++)
        {
            var key = $"c{i}";
            if ((Resident.Tables.TableKey.HashOf(Encoding.UTF8.GetBytes(key)) & mask) == 0)
            {
                keys.Add(key);
            }
        }

        var extra = keys[^1];
        keys.RemoveAt(keys.Count - 1);
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.True(table.Set(keys[i], new CounterRow { Hits = i }), $"row {i} of one bucket did not fit");
        }

        Assert.False(table.Set(extra, default));
        Assert.Equal(table.Size, table.Count);

        // The first key holds the bucket's own place; the others chain from it. Deleting it leaves the chain reachable,
        // and so does deleting from the middle and the end of the chain.
        Assert.True(table.Delete(keys[0]));
        Assert.True(table.Delete(keys[500]));
        Assert.True(table.Delete(keys[^1]));
        Assert.Equal(table.Size - 3, table.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal(i is not (0 or 500) && i != keys.Count - 1, table.TryGet(keys[i], out var row) && row.Hits == i);
        }

        Assert.Equal(table.Size - 3, table.Select(pair => pair.Key).Distinct().Count());

        // Three places again: the bucket's own, then two slots from the free list.
        Assert.True(table.Set(extra, new CounterRow { Hits = -1 }));
        Assert.True(table.Set(keys[0], new CounterRow { Hits = 0 }));
        Assert.True(table.Set(keys[500], new CounterRow { Hits = 500 }));
        Assert.False(table.Set(keys[^1], default));
        Assert.True(table.TryGet(extra, out var again) && again.Hits == -1);
        Assert.All(Enumerable.Range(0, keys.Count - 1), i => Assert.True(table.TryGet(keys[i], out var row) && row.Hits == i));
    }

    [Fact]
    public void A_deleted_key_can_be_inserted_again_and_starts_from_zero()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        Assert.Equal(5, table.IncrHits("uid:1", 5));
        Assert.True(table.SetLabel("uid:1", "conn-9"));
        Assert.True(table.Delete("uid:1"));
        Assert.False(table.Delete("uid:1"));
        Assert.False(table.Exists("uid:1"));
        Assert.Equal(0, table.Count);

        Assert.Equal(1, table.IncrHits("uid:1"));
        Assert.True(table.TryGet("uid:1", out var row));
        Assert.Equal(new CounterRow { Hits = 1, Label = "" }, row);

        // Churn: every slot is reused many times over.
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < table.Size; i++)
            {
                Assert.True(table.SetHits($"churn:{round}:{i}", i) || i == table.Size - 1);
            }

            for (var i = 0; i < table.Size; i++)
            {
                table.Delete($"churn:{round}:{i}");
            }
        }

        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Single_columns_are_read_and_written_without_touching_the_others()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        table.Set("k", new CounterRow { Hits = 1, Small = 2, Score = 3.5, Label = "four" });

        Assert.True(table.SetSmall("k", 20));
        Assert.True(table.SetLabel("k", "forty"));
        Assert.Equal(4.0, table.IncrScore("k", 0.5));
        Assert.Equal(-1.0, table.DecrScore("k", 5));
        Assert.Equal(19, table.DecrSmall("k"));

        Assert.True(table.TryGetHits("k", out var hits) && hits == 1);
        Assert.True(table.TryGetSmall("k", out var small) && small == 19);
        Assert.True(table.TryGetScore("k", out var score) && score == -1.0);
        Assert.True(table.TryGetLabel("k", out var label) && label == "forty");
        Assert.False(table.TryGetLabel("nobody", out label));
        Assert.Equal("", label);

        // A column set on a missing key creates the row with the other columns zero, as Swoole does.
        Assert.True(table.SetLabel("new", "fresh"));
        Assert.True(table.TryGet("new", out var created));
        Assert.Equal(new CounterRow { Label = "fresh" }, created);

        var wrongType = Assert.Throws<ArgumentException>(() => table.Incr("k", table.ColumnIndex("Label")));
        Assert.Contains("Column 'Label' of table 'counters' is String", wrongType.Message, StringComparison.Ordinal);
        Assert.Equal(int.MinValue, table.IncrSmall("wrap", int.MaxValue) + table.IncrSmall("wrap", 1) - int.MaxValue);
    }

    [Fact]
    public async Task Concurrent_increments_from_many_threads_end_at_the_exact_total()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        const int Threads = 8;
        const int PerThread = 20_000;
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerThread; i++)
            {
                table.IncrHits("shared");
                table.IncrSmall($"spread:{i % 64}");
                table.IncrScore("float", 0.5);
                if (i % 2 == 0)
                {
                    table.DecrHits($"down:{t}");
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(table.TryGetHits("shared", out var total));
        Assert.Equal(Threads * PerThread, total);
        Assert.Equal(Threads * PerThread * 0.5, table.TryGet("float", out var row) ? row.Score : 0);
        Assert.Equal(Threads * PerThread, Enumerable.Range(0, 64).Sum(i => table.TryGetSmall($"spread:{i}", out var value) ? value : 0));
        Assert.All(Enumerable.Range(0, Threads), t => Assert.Equal(-PerThread / 2, table.TryGetHits($"down:{t}", out var down) ? down : 0));
    }

    [Fact]
    public async Task Reads_racing_a_writer_on_the_same_row_see_whole_rows_only()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        table.Set("hot", Consistent(0));

        // One writer rewrites the row (and deletes and re-adds a neighbour in the chain) as fast as it can; the
        // readers must see each row whole, never columns from two writes, whether they read the row or one column.
        using var stop = new CancellationTokenSource();
        var writer = Task.Factory.StartNew(() =>
        {
            for (long n = 1; !stop.IsCancellationRequested; n++)
            {
                table.Set("hot", Consistent(n));
                if (n % 16 == 0)
                {
                    table.Delete("hot");
                    table.Set("hot", Consistent(n));
                }
            }
        }, TaskCreationOptions.LongRunning);

        try
        {
            var readers = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
            {
                var whole = 0;
                for (var i = 0; i < 200_000; i++)
                {
                    if (table.TryGet("hot", out var row))
                    {
                        Assert.Equal(Consistent(row.Hits), row);
                        whole++;
                    }

                    if (table.TryGetLabel("hot", out var label))
                    {
                        Assert.StartsWith("v", label, StringComparison.Ordinal);
                    }
                }

                return whole;
            }, TaskCreationOptions.LongRunning)).ToArray();
            var seen = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.All(seen, whole => Assert.True(whole > 0));
        }
        finally
        {
            stop.Cancel();
            await writer.WaitAsync(TimeSpan.FromMinutes(1));
        }

        static CounterRow Consistent(long n) => new() { Hits = n, Small = (int)(n % 1000), Score = n / 4.0, Label = $"v{n % 100000}" };
    }

    [Fact]
    public async Task Iteration_sees_every_row_once_and_each_row_whole_while_others_write()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        const int Rows = 500;
        for (var i = 0; i < Rows; i++)
        {
            table.Set($"r{i}", Consistent(0));
        }

        // A writer rewrites every row (all columns derived from one number) and churns extra keys in and out.
        using var stop = new CancellationTokenSource();
        var writer = Task.Factory.StartNew(() =>
        {
            for (long n = 1; !stop.IsCancellationRequested; n++)
            {
                table.Set($"r{n % Rows}", Consistent(n));
                table.Set($"extra{n % 7}", Consistent(n));
                table.Delete($"extra{(n + 3) % 7}");
            }
        }, TaskCreationOptions.LongRunning);

        try
        {
            for (var pass = 0; pass < 30; pass++)
            {
                var seen = new HashSet<string>();
                foreach (var (key, row) in table)
                {
                    Assert.True(seen.Add(key), $"{key} was seen twice in one pass");
                    Assert.Equal(Consistent(row.Hits), row);
                }

                Assert.All(Enumerable.Range(0, Rows), i => Assert.Contains($"r{i}", seen));
            }
        }
        finally
        {
            stop.Cancel();
            await writer.WaitAsync(TimeSpan.FromMinutes(1));
        }

        static CounterRow Consistent(long n) => new() { Hits = n, Small = (int)(n % 1000), Score = n / 4.0, Label = $"v{n % 100000}" };
    }

    [Fact]
    public async Task A_lock_held_by_a_dead_process_is_taken_over_and_the_bucket_repaired()
    {
        using var tables = TestTables.Open();
        var table = tables.Counters;
        table.Set("victim", new CounterRow { Hits = 41 });
        table.Set("bystander", new CounterRow { Hits = 7 });
        var deadPid = await DeadProcessIdAsync();

        // As if that process had died mid-write: its pid in the lock word, the sequence number odd.
        var key = Encoding.UTF8.GetBytes("victim");
        var hash = Resident.Tables.TableKey.HashOf(key);
        table.Table.LockWordForTesting(hash) = deadPid;
        table.Table.SeqForTesting(hash) |= 1;

        // A reader and a writer both get through, within a bound.
        var read = Task.Run(() => table.TryGet("victim", out var row) ? row.Hits : -1);
        Assert.Equal(41, await read.WaitAsync(TimeSpan.FromSeconds(30)));
        table.Table.LockWordForTesting(hash) = deadPid;
        table.Table.SeqForTesting(hash) |= 1;
        Assert.Equal(42, await Task.Run(() => table.IncrHits("victim")).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(2, table.Table.Recoveries);
        Assert.Equal(0, table.Table.LockWordForTesting(hash));
        Assert.Equal(0, table.Table.SeqForTesting(hash) & 1);
        Assert.Equal(2, table.Count);
        Assert.Contains(tables.Logs.Entries, entry => entry.Message.Contains($"process {deadPid} died holding a row lock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tables_are_created_at_start_resolvable_by_type_and_by_name_and_released_at_stop()
    {
        var instance = TestTables.NewInstanceName();
        string path;
        await using (var server = await TestServer.StartAsync(new() { ["Resident:Tables:InstanceName"] = instance }))
        {
            var typed = server.App.Services.GetRequiredService<SwooleTable<CounterRow>>();
            Assert.Same(typed, server.Server.Tables["counters"]);
            Assert.Same(typed, server.Server.Tables.Get<CounterRow>("counters"));
            Assert.Equal(["counters", "tiny", "wideRow"], server.Server.Tables.Select(table => table.Name));
            Assert.Throws<KeyNotFoundException>(() => server.Server.Tables["nope"]);

            path = typed.Path;
            Assert.Equal($"/dev/shm/resident.{instance}.counters", path);
            Assert.True(File.Exists(path));
            Assert.Equal(3, typed.IncrHits("visits", 3));
            Assert.True(server.Server.Tables["counters"].Exists("visits"));
            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith(
                $"Table counters: 1024 rows of 40 bytes in {typed.MemorySize} bytes of shared memory at {path} (created)", StringComparison.Ordinal));
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_live_table_of_another_format_version_fails_the_start_and_a_dead_one_is_replaced()
    {
        var directory = TestTables.PrivateDirectory();
        try
        {
            var instance = TestTables.NewInstanceName();
            var path = Path.Combine(directory.FullName, $"resident.{instance}.counters");

            // The header of a table of format 1 (magic "RESTBL1"), created by a process that is still running: this one.
            WriteHeader(Environment.ProcessId);
            var error = Assert.Throws<InvalidOperationException>(() => TestTables.Open(instance, directory.FullName));
            Assert.Contains($"belongs to the running process {Environment.ProcessId}, which runs another version of Resident", error.Message, StringComparison.Ordinal);
            Assert.Contains("Resident:Tables:InstanceName", error.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(path)); // the other server's rows are left alone

            // The same file from a process that is gone is stale, whatever its version: replaced.
            WriteHeader(await DeadProcessIdAsync());
            using var tables = TestTables.Open(instance, directory.FullName);
            Assert.True(tables.Counters.Set("fresh", new CounterRow { Hits = 1 }));
            Assert.Contains(tables.Logs.Entries, entry => entry.Message.StartsWith($"Removed the stale shared memory {path}", StringComparison.Ordinal));

            void WriteHeader(int creator)
            {
                var header = new byte[4096];
                BitConverter.TryWriteBytes(header.AsSpan(0), 0x0031_4C42_5453_4552L);
                BitConverter.TryWriteBytes(header.AsSpan(16), creator);
                BitConverter.TryWriteBytes(header.AsSpan(48), Resident.Tables.ProcessLiveness.StartTime(creator) ?? 0);
                File.WriteAllBytes(path, header);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_instance_name_fails_the_start_naming_the_key()
    {
        var failure = await TestServer.StartFailureAsync(new() { ["Resident:Tables:InstanceName"] = "../escape" });
        Assert.Contains("Resident:Tables:InstanceName must be letters, digits", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_tables_with_one_name_from_different_assemblies_fail_the_start_naming_both()
    {
        var declarations = Resident.Hosting.ResidentManifestBuilder.Collect([new TwoTablesNamedCounters()]);
        Assert.Equal(
            ["The tables Resident.Tests.CounterRow and Resident.Tests.TableTests+ImpostorRow are both named 'counters'; give each table its own name."],
            declarations.Problems);
    }

    /// <summary>A row implemented by hand, as another assembly's generated row would be, with a name already taken.</summary>
    private struct ImpostorRow : ITableRow<ImpostorRow>
    {
        private static readonly TableSchema SchemaValue = new("counters", 8, 0, []);

        static TableSchema ITableRow<ImpostorRow>.Schema => SchemaValue;

        static void ITableRow<ImpostorRow>.Write(in ImpostorRow row, Span<byte> destination)
        {
        }

        static ImpostorRow ITableRow<ImpostorRow>.Read(ReadOnlySpan<byte> source) => default;
    }

    /// <summary>A manifest declaring the generated counters row and the impostor.</summary>
    private sealed class TwoTablesNamedCounters : Resident.Hosting.IResidentManifest
    {
        public string AssemblyName => "Impostor";

        public void Describe(Resident.Hosting.ResidentManifestBuilder builder)
        {
            builder.AddTable<CounterRow>();
            builder.AddTable<ImpostorRow>();
        }
    }

    /// <summary>The id of a process that has exited and been reaped.</summary>
    internal static async Task<int> DeadProcessIdAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return process.Id;
    }
}
