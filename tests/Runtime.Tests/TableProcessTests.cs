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
}
