using System.Globalization;
using Resident.EndToEnd.Tests;
using Xunit;

namespace Resident.Redis.Tests;

/// <summary>Durable tasks across node processes of tests/Apps/ClusterApp, one of them killed with SIGKILL mid-run.</summary>
public sealed class DurableTaskProcessTests(SharedRedis redis) : IClassFixture<SharedRedis>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Durable_tasks_survive_kill_9_of_the_node_running_them_each_completed_once_per_idempotency_key_none_lost()
    {
        var prefix = SharedRedis.NewPrefix();
        var journal = Directory.CreateTempSubdirectory("resident-durable-");
        try
        {
            string[] Node(int id) =>
            [
                $"--Resident:NodeId={id}", $"--Resident:Redis:Configuration={redis.Server.Configuration}", $"--Resident:Redis:KeyPrefix={prefix}",
                "--Resident:Redis:Tasks:VisibilityTimeout=2", "--Resident:TaskWorkerNum=2", $"--ClusterApp:TaskJournal={journal.FullName}",
            ];

            await using var survivor = await ShowcaseProcess.StartAsync(Repository.ClusterAppAssembly, Repository.ClusterAppProject, Node(1));
            var victim = await ShowcaseProcess.StartAsync(Repository.ClusterAppAssembly, Repository.ClusterAppProject, Node(2));
            using var client = new HttpClient { BaseAddress = survivor.BaseAddress, Timeout = Patience };

            const int Count = 200;
            var response = await client.PostAsync($"/tasks/deliver?count={Count}&milliseconds=50&prefix=k", null);
            Assert.Equal(Count.ToString(CultureInfo.InvariantCulture), await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());

            // Mid-run, once the victim has completed some: SIGKILL, with the deliveries it holds unacknowledged.
            var victimJournal = Path.Combine(journal.FullName, $"2-{victim.ProcessId}.log");
            await WaitAsync(() => Completions(journal).Count >= Count / 4 && File.Exists(victimJournal), "the victim to complete a first task", Patience);
            await victim.DisposeAsync();
            var atKill = Completions(journal).Select(line => line.Label).Distinct().Count();
            Assert.True(atKill < Count, "Every task was done before the kill: the test proves nothing.");

            await WaitAsync(() => Completions(journal).Select(line => line.Label).Distinct().Count() == Count, "every task to complete", Patience);
            var completions = Completions(journal);

            // None lost: every label completed, and each delivery kept one key across every run of it.
            Assert.Equal(Count, completions.Select(line => line.Label).Distinct().Count());
            Assert.Equal(Count, completions.Select(line => line.Key).Distinct().Count());
            Assert.All(completions.GroupBy(line => line.Label), group => Assert.Single(group.Select(line => line.Key).Distinct()));

            // At least once: a run the kill cut off after its effect but before its acknowledgement runs again; the
            // key lets a handler make that effectively-once. Such repeats are few: at most what the victim held
            // (TaskWorkerNum × PrefetchPerWorker).
            var repeats = completions.Count - Count;
            Assert.InRange(repeats, 0, 2 * ResidentLimits.DurableTasks.PrefetchPerWorker);
            var counters = await client.GetStringAsync("/tasks/counters");
            Assert.True(Counter(counters, "reclaimed") > 0, $"The survivor reclaimed nothing from the killed node: {counters}");
            Assert.Equal(0, Counter(counters, "dead"));
            Assert.Contains("Reclaimed", survivor.Output, StringComparison.Ordinal);
        }
        finally
        {
            journal.Delete(recursive: true);
        }
    }

    private static long Counter(string counters, string name) =>
        long.Parse(counters.Split('\n').Single(line => line.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);

    private sealed record Completion(string Key, string Label, int Attempt);

    // Each process appends to its own file; a line the kill cut short is not a completion.
    private static List<Completion> Completions(DirectoryInfo journal) =>
        [.. journal.GetFiles("*.log")
            .SelectMany(file => File.ReadAllText(file.FullName).Split('\n'))
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length == 3 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(parts => new Completion(parts[0], parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture)))];

    private static async Task WaitAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited {timeout.TotalSeconds} s for {what}.");
            await Task.Delay(20);
        }
    }
}
