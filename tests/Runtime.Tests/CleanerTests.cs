using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class CleanerTests
{
    private static readonly string[] ExpectedOrder = ["clean:first(started=True,status=200)", "clean:throwing-quiet", "clean:A", "clean:B"];

    [Fact]
    public async Task Cleaners_run_after_every_request_by_order_then_name()
    {
        await using var server = await TestServer.StartAsync();

        foreach (var id in new[] { "one", "two" })
        {
            var response = await server.Client.SendAsync(Get("/plaintext", id));
            Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());

            await server.Recorder.WaitForAsync(events => Recorder.Select(events, id).Count(e => e.StartsWith("clean:", StringComparison.Ordinal)) == 4);
            Assert.Equal(ExpectedOrder, server.Recorder.For(id).Where(e => e.StartsWith("clean:", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Cleaners_run_after_the_request_hooks_and_also_after_a_404()
    {
        await using var server = await TestServer.StartAsync();

        var response = await server.Client.SendAsync(Get("/nowhere", "missing"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);

        await server.Recorder.WaitForAsync(events => Recorder.Select(events, "missing").Contains("clean:B"));
        var events = server.Recorder.For("missing");
        Assert.Equal("received", events[0]);
        Assert.Equal("generated", events[1]);
        Assert.Equal("clean:first(started=True,status=404)", events[2]);
    }

    [Fact]
    public async Task An_endpoint_that_throws_still_gets_its_500_stamped_and_cleaned()
    {
        await using var server = await TestServer.StartAsync(routes: app =>
            app.MapGet("/explode", string () => throw new InvalidOperationException("endpoint exploded")));

        var response = await server.Client.SendAsync(Get("/explode", "explode"));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("500", Assert.Single(response.Headers.GetValues("X-Generated-Status")));

        await server.Recorder.WaitForAsync(events => Recorder.Select(events, "explode").Contains("clean:B"));
        Assert.Contains("clean:first(started=True,status=500)", server.Recorder.For("explode"));

        var logged = Assert.Single(server.Logs.Entries, e => e.Exception?.Message == "endpoint exploded");
        Assert.Contains("GET /explode", logged.Message, StringComparison.Ordinal);

        // The server carries on.
        Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));
    }

    [Fact]
    public async Task A_throwing_cleaner_is_logged_with_its_name_and_breaks_neither_the_response_nor_the_other_cleaners()
    {
        await using var server = await TestServer.StartAsync(arrange: recorder => recorder.ThrowInCleaner = true);

        var response = await server.Client.SendAsync(Get("/plaintext", "boom"));
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());

        await server.Recorder.WaitForAsync(events => Recorder.Select(events, "boom").Contains("clean:B"));
        Assert.Equal(["clean:first(started=True,status=200)", "clean:A", "clean:B"], server.Recorder.For("boom").Where(e => e.StartsWith("clean:", StringComparison.Ordinal)));

        var error = Assert.Single(server.Logs.Entries, entry => entry.Exception?.Message == "cleaner exploded");
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("Resident.Tests.ThrowingCleaner", error.Message, StringComparison.Ordinal);

        // The connection and the server are fine: the next request works and is cleaned as well.
        var next = await server.Client.SendAsync(Get("/plaintext", "after"));
        Assert.True(next.IsSuccessStatusCode);
        await server.Recorder.WaitForAsync(events => Recorder.Select(events, "after").Contains("clean:B"));
    }

    internal static HttpRequestMessage Get(string path, string id)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Test-Id", id);
        return request;
    }
}
