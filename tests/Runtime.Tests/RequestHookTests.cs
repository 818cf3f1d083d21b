using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class RequestHookTests
{
    private static void Routes(WebApplication app)
    {
        app.MapGet("/echo", (HttpContext context) =>
            $"name={context.Request.Query["name"]};hooked={context.Request.Headers["X-Hooked"]}");
        app.MapPost("/form", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            return string.Join(";", form.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
        });
        app.MapGet("/stream", async (HttpContext context) =>
        {
            await context.Response.WriteAsync("part one;");
            await context.Response.Body.FlushAsync();
            await context.Response.WriteAsync("part two");
        });
    }

    [Fact]
    public async Task RequestReceived_runs_before_the_app_and_can_change_the_query_and_headers()
    {
        await using var server = await TestServer.StartAsync(routes: Routes);

        var plain = await server.Client.SendAsync(CleanerTests.Get("/echo?name=original", "plain"));
        Assert.Equal("name=original;hooked=", await plain.Content.ReadAsStringAsync());

        var rewritten = await server.Client.SendAsync(CleanerTests.Get("/echo?name=original&rewrite=1", "rewrite"));
        Assert.Equal("name=rewritten;hooked=yes", await rewritten.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RequestReceived_can_change_the_form()
    {
        await using var server = await TestServer.StartAsync(routes: Routes);

        var request = CleanerTests.Get("/form", "form");
        request.Method = HttpMethod.Post;
        request.Content = new FormUrlEncodedContent([new("sent", "by-client")]);
        var response = await server.Client.SendAsync(request);

        Assert.Equal("added=by-hook;sent=by-client", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ResponseGenerated_sees_the_final_status_and_can_change_status_and_headers()
    {
        await using var server = await TestServer.StartAsync(routes: Routes);

        var ok = await server.Client.SendAsync(CleanerTests.Get("/plaintext", "ok"));
        Assert.Equal("200", Assert.Single(ok.Headers.GetValues("X-Generated-Status")));

        var missing = await server.Client.SendAsync(CleanerTests.Get("/nowhere", "missing"));
        Assert.Equal("404", Assert.Single(missing.Headers.GetValues("X-Generated-Status")));

        var changed = CleanerTests.Get("/plaintext", "changed");
        changed.Headers.Add("X-Change-Status", "299");
        var response = await server.Client.SendAsync(changed);
        Assert.Equal(299, (int)response.StatusCode);
        Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ResponseGenerated_runs_once_before_a_streamed_body()
    {
        await using var server = await TestServer.StartAsync(routes: Routes);

        var response = await server.Client.SendAsync(CleanerTests.Get("/stream", "stream"));
        Assert.Equal("part one;part two", await response.Content.ReadAsStringAsync());
        Assert.Equal("200", Assert.Single(response.Headers.GetValues("X-Generated-Status")));
        Assert.Single(server.Recorder.For("stream"), e => e == "generated");
    }

    [Fact]
    public async Task Throwing_request_hooks_are_logged_and_contained()
    {
        await using var server = await TestServer.StartAsync(routes: Routes, arrange: recorder => recorder.ThrowInRequestHooks = true);

        var response = await server.Client.SendAsync(CleanerTests.Get("/echo?rewrite=1", "throwing"));

        // The other hooks still ran and the app answered normally.
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("name=rewritten;hooked=yes", await response.Content.ReadAsStringAsync());
        Assert.Equal("200", Assert.Single(response.Headers.GetValues("X-Generated-Status")));

        var failures = server.Logs.Entries.Where(e => e.Message.Contains("Resident.Tests.ThrowingRequestHook", StringComparison.Ordinal)).ToList();
        Assert.Contains(failures, e => e.Exception?.Message == "received hook exploded" && e.Message.Contains("RequestReceived", StringComparison.Ordinal));
        Assert.Contains(failures, e => e.Exception?.Message == "generated hook exploded" && e.Message.Contains("ResponseGenerated", StringComparison.Ordinal));
    }
}
