using System.Net;
using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Showcase as a user runs it: a real process, real HTTP.</summary>
public sealed class ShowcaseTests
{
    [Fact]
    public async Task Showcase_serves_plaintext_json_hooks_cleaner_static_and_stops_gracefully_on_SIGTERM()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        using var client = new HttpClient { BaseAddress = showcase.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var plaintext = await client.GetAsync("/plaintext");
        Assert.Equal("Hello, World!", await plaintext.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", plaintext.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Resident", Assert.Single(plaintext.Headers.GetValues("Server")));

        // The ResponseGenerated hook turns the RequestReceived stamp into a header.
        var elapsed = Assert.Single(plaintext.Headers.GetValues("X-Response-Time-Ms"));
        Assert.True(double.Parse(elapsed, System.Globalization.CultureInfo.InvariantCulture) >= 0);

        var json = await client.GetAsync("/json");
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"message":"Hello, World!"}""", await json.Content.ReadAsStringAsync());

        // The next request on the same keep-alive connection gets its own time as well.
        Assert.True(double.Parse(Assert.Single(json.Headers.GetValues("X-Response-Time-Ms")), System.Globalization.CultureInfo.InvariantCulture) >= 0);

        // The cleaner resets the per-request counter after every response, so each request starts from zero.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("""{"count":3}""", await client.GetStringAsync("/counter?times=3"));
        }

        using (var first = JsonDocument.Parse(await client.GetStringAsync("/debug-memory-leak")))
        using (var second = JsonDocument.Parse(await client.GetStringAsync("/debug-memory-leak")))
        {
            var current = second.RootElement.GetProperty("current").GetInt64();
            var previous = second.RootElement.GetProperty("previous").GetInt64();
            Assert.Equal(first.RootElement.GetProperty("current").GetInt64(), previous);
            Assert.Equal(current - previous, second.RootElement.GetProperty("difference").GetInt64());
            Assert.True(current > 0);
        }

        using (var server = JsonDocument.Parse(await client.GetStringAsync("/server")))
        {
            Assert.Equal(showcase.ProcessId, server.RootElement.GetProperty("processId").GetInt32());
            Assert.True(server.RootElement.GetProperty("requestCount").GetInt64() >= 8);
        }

        // HandleStatic serves wwwroot.
        var index = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Contains("Resident showcase", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(0, await showcase.TerminateAsync());
        Assert.Contains("ServerStart: worker 0", showcase.Output, StringComparison.Ordinal);
        Assert.Contains("WorkerStop: worker 0", showcase.Output, StringComparison.Ordinal);
        Assert.Contains("ServerStop: worker 0", showcase.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Showcase_refuses_a_bad_setting_at_start_naming_the_key()
    {
        var (exitCode, output) = await Repository.DotnetAsync(Repository.ShowcaseProject, null, Repository.ShowcaseAssembly, "--Resident:ListenPort=99999");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Resident:ListenPort must be from 0 to 65535, but is '99999'.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Showcase_explains_a_verb_it_cannot_run_and_exits_2()
    {
        var (exitCode, output) = await Repository.DotnetAsync(Repository.ShowcaseProject, null, Repository.ShowcaseAssembly, "--Resident:ListenPort=0", "frobnicate");

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown verb 'frobnicate'", output, StringComparison.Ordinal);
    }
}
