using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Showcase's background work through its endpoints: cron ticks, a task, an event, a custom process.</summary>
public sealed class ShowcaseBackgroundTests
{
    [Fact]
    public async Task The_showcase_ticks_runs_a_task_and_two_listeners_and_answers_through_its_process()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = showcase.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/task?name=alice", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/event?name=bob", null)).StatusCode);

        var report = await PollAsync(http, root =>
            Recent(root).Any(line => line.EndsWith("task: finished welcoming alice", StringComparison.Ordinal))
            && Recent(root).Any(line => line.EndsWith("listener 2: audited the sign-up of bob", StringComparison.Ordinal))
            && root.GetProperty("ticks").GetInt64() >= 2);

        var recent = Recent(report);
        Assert.Contains(recent, line => line.EndsWith("task: welcomed alice (try 1 of 3)", StringComparison.Ordinal));
        var greeted = Array.FindIndex(recent, line => line.EndsWith("listener 1: greeted bob", StringComparison.Ordinal));
        var audited = Array.FindIndex(recent, line => line.EndsWith("listener 2: audited the sign-up of bob", StringComparison.Ordinal));
        Assert.InRange(greeted, 0, audited - 1);

        var jobs = report.GetProperty("cronJobs").EnumerateArray().Select(job => job.GetProperty("name").GetString()).ToArray();
        Assert.Contains("TickJob", jobs);
        Assert.Contains("every-ten-seconds", jobs);

        var answer = JsonDocument.Parse(await http.GetStringAsync("/process?message=resident")).RootElement;
        Assert.Equal("tnediser", answer.GetProperty("received").GetString());
    }

    private static string[] Recent(JsonElement root) => [.. root.GetProperty("recent").EnumerateArray().Select(line => line.GetString()!)];

    private static async Task<JsonElement> PollAsync(HttpClient http, Func<JsonElement, bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (true)
        {
            var root = JsonDocument.Parse(await http.GetStringAsync("/background")).RootElement;
            if (condition(root))
            {
                return root;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, "The showcase's background work never showed up: " + root);
            await Task.Delay(100);
        }
    }
}
