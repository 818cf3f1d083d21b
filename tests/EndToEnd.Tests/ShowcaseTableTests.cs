using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Showcase's [SwooleTable]s: created at start in /dev/shm, counting, and released when it stops.</summary>
public sealed class ShowcaseTableTests
{
    [Fact]
    public async Task The_table_counter_increments_across_requests_and_its_shared_memory_is_released_at_stop()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        using var client = new HttpClient { BaseAddress = showcase.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        for (var expected = 1; expected <= 3; expected++)
        {
            using var report = JsonDocument.Parse(await client.GetStringAsync("/table/counter"));
            Assert.Equal("hits", report.RootElement.GetProperty("key").GetString());
            Assert.Equal(expected, report.RootElement.GetProperty("value").GetInt64());
            Assert.Equal(1, report.RootElement.GetProperty("rows").GetInt32());
        }

        var opened = showcase.Output.Split('\n').SkipWhile(line => !line.Contains("Table counter: 1024 rows", StringComparison.Ordinal)).Take(2);
        var path = System.Text.RegularExpressions.Regex.Match(string.Join(' ', opened), @"at (\S+/resident\.\S+\.counter)").Groups[1].Value;
        Assert.True(File.Exists(path), $"no shared memory at '{path}'; output:\n{showcase.Output}");

        Assert.Equal(0, await showcase.TerminateAsync());
        Assert.False(File.Exists(path));
    }
}
