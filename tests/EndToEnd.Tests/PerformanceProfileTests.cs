using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>
/// Resident:Performance in the supervised mode: the master gives its workers the settings the runtime reads only when
/// it starts (through their environment) and pins each to a CPU, and without the profile it gives them nothing.
/// </summary>
public sealed class PerformanceProfileTests
{
    [Fact]
    public async Task With_the_throughput_profile_the_master_gives_each_worker_the_start_time_settings_and_pins_it_to_its_CPU()
    {
        await using var server = await SupervisedServer.StartAsync("--Resident:Performance:Profile=Throughput", "--Resident:WorkerNum=2");
        var allowed = AllowedCpus(Environment.ProcessId);
        var workers = await WorkersAsync(server);
        Assert.Equal(2, workers.Count);
        foreach (var (id, pid) in workers)
        {
            var environment = EnvironmentOf(pid);
            var cpu = allowed[id % allowed.Count];
            Assert.Equal("1", environment.GetValueOrDefault("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"));
            Assert.Equal("1", environment.GetValueOrDefault("DOTNET_PROCESSOR_COUNT"));
            Assert.Equal(cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), environment.GetValueOrDefault("RESIDENT_WORKER_CPU"));

            // Every thread of the worker, the ones started before it pinned itself included (a thread that ended
            // between the listing and the read is skipped: the thread pool retires idle threads).
            var threads = Directory.GetDirectories($"/proc/{pid}/task").Select(ThreadCpus).OfType<List<int>>().ToList();
            Assert.NotEmpty(threads);
            Assert.All(threads, threadCpus => Assert.Equal([cpu], threadCpus));
        }

        // Pinned workers still serve.
        var serving = await server.WhoAsync();
        Assert.Contains(serving.ProcessId, workers.Select(worker => worker.ProcessId));
        // The workers have inline completions, so the profile's inline scheduling is on in them.
        Assert.Contains("Performance profile Throughput: inline scheduling True, inline socket completions True", server.Log, StringComparison.Ordinal);
        // And, with the app's own logging configuration, hosting starts no Activity for requests nothing traces.
        Assert.Contains("request Activity for logging False.", server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_profile_workers_get_no_tuning_and_keep_the_masters_CPUs()
    {
        await using var server = await SupervisedServer.StartAsync();
        var (_, pid) = Assert.Single(await WorkersAsync(server));
        var environment = EnvironmentOf(pid);
        Assert.False(environment.ContainsKey("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"));
        Assert.False(environment.ContainsKey("RESIDENT_WORKER_CPU"));
        Assert.False(environment.ContainsKey("DOTNET_gcServer"));
        Assert.Equal(AllowedCpus(Environment.ProcessId), AllowedCpus(pid));
        Assert.DoesNotContain("Performance profile", server.Log, StringComparison.Ordinal);
    }

    private static async Task<List<(int Id, int ProcessId)>> WorkersAsync(SupervisedServer server)
    {
        var (exitCode, json) = await server.RunAsync("info", "--json");
        Assert.True(exitCode == 0, json);
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("workers").EnumerateArray()
            .Select(worker => (worker.GetProperty("id").GetInt32(), worker.GetProperty("pid").GetInt32()))];
    }

    private static Dictionary<string, string> EnvironmentOf(int processId) =>
        File.ReadAllText($"/proc/{processId}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Last()[1], StringComparer.Ordinal);

    private static List<int> AllowedCpus(int processId) => AllowedCpus($"/proc/{processId}");

    private static List<int>? ThreadCpus(string threadDirectory)
    {
        try
        {
            return AllowedCpus(threadDirectory);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The CPUs of a process or thread directory under /proc (its Cpus_allowed_list, e.g. "0-1,4").</summary>
    private static List<int> AllowedCpus(string procDirectory)
    {
        var list = File.ReadLines(Path.Combine(procDirectory, "status")).First(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))["Cpus_allowed_list:".Length..].Trim();
        var cpus = new List<int>();
        foreach (var range in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = range.Split('-');
            var first = int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
            var last = bounds.Length > 1 ? int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) : first;
            cpus.AddRange(Enumerable.Range(first, last - first + 1));
        }

        return cpus;
    }
}
