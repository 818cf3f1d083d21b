using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>Two real processes on one table: tests/Apps/TableApp opens the test process's tables by instance name.</summary>
public sealed class TableProcessTests
{
    [Fact]
    public async Task A_second_process_reads_what_the_first_wrote()
    {
        using var tables = TestTables.Open();
        tables.Counters.Set("greeting", new CounterRow { Hits = 12, Small = -3, Score = 2.5, Label = "from process 1" });

        await using var other = TableAppProcess.Start(tables.InstanceName, "read", "greeting");
        Assert.Equal($"ready {other.ProcessId} {tables.Counters.Path}", await other.WaitForLineAsync("ready"));
        Assert.Equal("row 12 -3 2.5 from process 1", await other.WaitForLineAsync("row"));
        Assert.Equal(0, await other.WaitForExitAsync());

        // The second process only attached: the table is still there, with its row.
        Assert.True(File.Exists(tables.Counters.Path));
        Assert.True(tables.Counters.Exists("greeting"));
    }

    [Fact]
    public async Task Increments_from_two_processes_at_once_end_at_the_exact_total()
    {
        using var tables = TestTables.Open();
        const int Times = 100_000;
        await using var other = TableAppProcess.Start(tables.InstanceName, "incr", "total", Times);
        await other.WaitForLineAsync("waiting");

        await other.SendLineAsync("go");
        await Task.Run(() =>
        {
            for (var i = 0; i < Times; i++)
            {
                tables.Counters.IncrHits("total");
            }
        }).WaitAsync(TimeSpan.FromMinutes(2));
        await other.WaitForLineAsync("done");
        Assert.Equal(0, await other.WaitForExitAsync());

        Assert.True(tables.Counters.TryGetHits("total", out var total));
        Assert.Equal(2 * Times, total);
    }

    [Fact]
    public async Task A_process_killed_while_holding_a_row_lock_does_not_wedge_the_table()
    {
        using var tables = TestTables.Open();
        tables.Counters.Set("contended", new CounterRow { Hits = 10 });
        await using var other = TableAppProcess.Start(tables.InstanceName, "hold", "contended");
        await other.WaitForLineAsync("holding");
        var holder = other.ProcessId;

        await other.KillAsync();

        Assert.Equal(11, await Task.Run(() => tables.Counters.IncrHits("contended")).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(tables.Counters.TryGet("contended", out var row));
        Assert.Equal(11, row.Hits);
        Assert.Contains(tables.Logs.Entries, entry => entry.Message.Contains($"process {holder} died holding a row lock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stale_table_left_by_a_crashed_server_is_replaced_at_start()
    {
        // A folder of its own: every start sweeps stale tables from its folder, and other tests start servers in parallel.
        var directory = TestTables.PrivateDirectory();
        try
        {
            var instance = TestTables.NewInstanceName();
            await using (var crashed = TableAppProcess.Start(instance, "crash", "orphan", directory: directory.FullName))
            {
                await crashed.WaitForLineAsync("crashing");
                await crashed.WaitForExitAsync();
            }

            var path = Path.Combine(directory.FullName, $"resident.{instance}.counters");
            Assert.True(File.Exists(path)); // what a crash leaves behind

            using var tables = TestTables.Open(instance, directory.FullName);
            Assert.False(tables.Counters.Exists("orphan"));
            Assert.Equal(0, tables.Counters.Count);
            Assert.Equal(path, tables.Counters.Path);
            Assert.Contains(tables.Logs.Entries, entry => entry.Message.StartsWith($"Removed the stale shared memory {path}", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Stale_tables_of_any_instance_are_removed_when_a_server_starts()
    {
        var directory = TestTables.PrivateDirectory();
        try
        {
            var crashedInstance = TestTables.NewInstanceName();
            await using (var crashed = TableAppProcess.Start(crashedInstance, "crash", "orphan", directory: directory.FullName))
            {
                await crashed.WaitForLineAsync("crashing");
                await crashed.WaitForExitAsync();
            }

            var path = Path.Combine(directory.FullName, $"resident.{crashedInstance}.counters");
            Assert.True(File.Exists(path));

            // Another instance's start removes it; a live server's tables are left alone.
            using var live = TestTables.Open(directory: directory.FullName);
            using var other = TestTables.Open(directory: directory.FullName);
            Assert.False(File.Exists(path));
            Assert.Contains(live.Logs.Entries, entry => entry.Message.StartsWith($"Removed the stale shared memory {path}", StringComparison.Ordinal));
            Assert.True(File.Exists(live.Counters.Path));
            Assert.True(File.Exists(other.Counters.Path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_table_outlives_its_creator_stopping_gracefully_while_another_process_is_attached()
    {
        await SharedWhileTheCreatorGoesAsync(creator => creator.TerminateAsync(), expectedExitCode: 0);
    }

    [Fact]
    public async Task A_table_outlives_its_creator_killed_while_another_process_is_attached()
    {
        await SharedWhileTheCreatorGoesAsync(async creator =>
        {
            await creator.KillAsync();
            return 137;
        }, expectedExitCode: 137);
    }

    [Fact]
    public async Task A_killed_attached_process_is_swept_from_the_registry_and_the_last_graceful_leaver_removes_the_table()
    {
        var directory = TestTables.PrivateDirectory();
        try
        {
            var instance = TestTables.NewInstanceName();
            var path = Path.Combine(directory.FullName, $"resident.{instance}.counters");
            await using var creator = await StartServingAsync(instance, directory);
            await using var killed = await StartServingAsync(instance, directory);
            await killed.AskAsync("set before 5", "set before");
            using (var third = TestTables.Open(instance, directory.FullName))
            {
                await killed.KillAsync();
                Assert.Equal(0, await creator.TerminateAsync());

                // The creator left gracefully, but this process still holds the table: it stays, rows and all, and the
                // killed process's entry was swept on the way out.
                Assert.True(File.Exists(path));
                Assert.Equal([Environment.ProcessId], third.Tables.AttachedProcesses("counters"));
                Assert.True(third.Counters.TryGetHits("before", out var hits));
                Assert.Equal(5, hits);
            }

            // The last process left (the killed one's entry does not hold the table): the file is gone.
            Assert.False(File.Exists(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Attaching_and_leaving_at_once_from_many_threads_never_splits_or_leaks_a_table()
    {
        var directory = TestTables.PrivateDirectory();
        try
        {
            var instance = TestTables.NewInstanceName();
            var path = Path.Combine(directory.FullName, $"resident.{instance}.counters");

            // While one holder stays attached, everyone who comes and goes joins its table and sees its row.
            using (var holder = TestTables.Open(instance, directory.FullName))
            {
                holder.Counters.Set("anchor", new CounterRow { Hits = 1 });
                await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
                {
                    for (var i = 0; i < 25; i++)
                    {
                        using var visitor = TestTables.Open(instance, directory.FullName);
                        Assert.True(visitor.Counters.TryGetHits("anchor", out _));
                        visitor.Counters.IncrementHits("anchor");
                    }
                }))).WaitAsync(TimeSpan.FromMinutes(2));

                Assert.True(holder.Counters.TryGetHits("anchor", out var hits));
                Assert.Equal(101, hits);
                Assert.Equal([Environment.ProcessId], holder.Tables.AttachedProcesses("counters"));
            }

            Assert.False(File.Exists(path));

            // With no holder, the last to leave deletes while others create and attach: no start fails, nothing leaks.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
            {
                for (var i = 0; i < 25; i++)
                {
                    using var visitor = TestTables.Open(instance, directory.FullName);
                    visitor.Counters.IncrementHits("churn");
                }
            }))).WaitAsync(TimeSpan.FromMinutes(2));

            Assert.Empty(directory.GetFiles());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // Process A creates the table, B attaches and writes, A goes; C (this process) must join the same table: it sees
    // B's row, B sees C's writes, and the table is removed only when the last of them leaves.
    private static async Task SharedWhileTheCreatorGoesAsync(Func<TableAppProcess, Task<int>> stopCreator, int expectedExitCode)
    {
        var directory = TestTables.PrivateDirectory();
        try
        {
            var instance = TestTables.NewInstanceName();
            var path = Path.Combine(directory.FullName, $"resident.{instance}.counters");
            await using var creator = await StartServingAsync(instance, directory);
            await using var attached = await StartServingAsync(instance, directory);
            await attached.AskAsync("set shared 7", "set shared");

            Assert.Equal(expectedExitCode, await stopCreator(creator));
            Assert.True(File.Exists(path));

            using (var third = TestTables.Open(instance, directory.FullName))
            {
                Assert.DoesNotContain(third.Logs.Entries, entry => entry.Message.Contains("stale", StringComparison.Ordinal));
                Assert.Contains(third.Logs.Entries, entry => entry.Message.StartsWith(
                    $"Table counters: 1024 rows of 40 bytes in {third.Counters.MemorySize} bytes of shared memory at {path} (attached to the table of process {attached.ProcessId})",
                    StringComparison.Ordinal));
                Assert.True(third.Counters.TryGetHits("shared", out var hits));
                Assert.Equal(7, hits);

                third.Counters.Set("from-third", new CounterRow { Hits = 9 });
                Assert.Equal("got from-third 9", await attached.AskAsync("get from-third", "got from-third"));
                Assert.Equal(8, third.Counters.IncrHits("shared"));
                Assert.Equal("incremented shared 9", await attached.AskAsync("incr shared", "incremented shared"));
                Assert.True(third.Counters.TryGetHits("shared", out hits));
                Assert.Equal(9, hits);
            }

            Assert.True(File.Exists(path)); // still held by the attached process
            await attached.SendLineAsync("exit");
            Assert.Equal(0, await attached.WaitForExitAsync());
            Assert.False(File.Exists(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<TableAppProcess> StartServingAsync(string instance, DirectoryInfo directory)
    {
        var app = TableAppProcess.Start(instance, "serve", "", directory: directory.FullName);
        await app.WaitForLineAsync("serving");
        return app;
    }
}
