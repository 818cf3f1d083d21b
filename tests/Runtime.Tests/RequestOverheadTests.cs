using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Http;
using Resident.Metrics;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// A request pays only for what the app declared and the request can reach (issue 21), and what it still uses keeps
/// working; hooks and cleaners that throw are counted on <c>resident.http.hook.errors</c>.
/// </summary>
public sealed class RequestOverheadTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_throwing_cleaner_is_counted_once_per_request_with_its_name_and_kind()
    {
        await using var server = await TestServer.StartAsync(arrange: recorder => recorder.ThrowInCleaner = true);
        using var errors = HookErrors(server);

        var response = await server.Client.SendAsync(CleanerTests.Get("/plaintext", "counted"));
        Assert.True(response.IsSuccessStatusCode);
        await server.Recorder.WaitForAsync(events => Recorder.Select(events, "counted").Contains("clean:B"));
        await errors.WaitForMeasurementsAsync(1, Patience);

        var error = Assert.Single(errors.GetMeasurementSnapshot());
        Assert.Equal(1, error.Value);
        Assert.Equal("Resident.Tests.ThrowingCleaner", error.Tags["hook"]);
        Assert.Equal("cleaner", error.Tags["hook.kind"]);
        Assert.Equal(2, error.Tags.Count);
        Assert.Equal("{error}", errors.Instrument?.Unit);
    }

    [Fact]
    public async Task Throwing_request_hooks_are_counted_by_stage_and_a_quiet_request_counts_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var errors = HookErrors(server);

        // Nothing throws: nothing is counted (the cleaners have run once the request's last cleaner is recorded).
        await server.Client.SendAsync(CleanerTests.Get("/plaintext", "quiet"));
        await server.Recorder.WaitForAsync(events => Recorder.Select(events, "quiet").Contains("clean:B"));
        Assert.Empty(errors.GetMeasurementSnapshot());

        server.Recorder.ThrowInRequestHooks = true;
        var response = await server.Client.SendAsync(CleanerTests.Get("/plaintext", "loud"));
        Assert.True(response.IsSuccessStatusCode);
        await errors.WaitForMeasurementsAsync(2, Patience);

        var measured = errors.GetMeasurementSnapshot();
        Assert.Equal(2, measured.Count);
        Assert.All(measured, error => Assert.Equal(1, error.Value));
        Assert.All(measured, error => Assert.Equal("Resident.Tests.ThrowingRequestHook", error.Tags["hook"]));
        Assert.Equal(["request_received", "response_generated"], measured.Select(error => (string?)error.Tags["hook.kind"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_no_cleaners_hooks_or_Server_header_a_request_registers_no_response_callbacks()
    {
        var (app, _, _) = TestServer.Build(manifests: []);
        await using (app)
        {
            await app.StartAsync();
            var (starting, completed, reachedApp) = await InvokeMiddlewareAsync(app.Services);
            Assert.True(reachedApp);
            Assert.Equal(0, starting);
            Assert.Equal(0, completed);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Declared_cleaners_and_hooks_register_one_callback_each_and_a_Server_header_alone_needs_OnStarting()
    {
        await using (var declared = await TestServer.StartAsync())
        {
            var (starting, completed, reachedApp) = await InvokeMiddlewareAsync(declared.App.Services);
            Assert.True(reachedApp);
            Assert.Equal(1, starting);
            Assert.Equal(1, completed);
        }

        var (app, _, _) = TestServer.Build(new() { ["Resident:Server"] = "R" }, manifests: []);
        await using (app)
        {
            await app.StartAsync();
            var (starting, completed, _) = await InvokeMiddlewareAsync(app.Services);
            Assert.Equal(1, starting);
            Assert.Equal(0, completed);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Only_an_upgrade_request_goes_through_the_WebSocket_middleware()
    {
        await using var server = await TestServer.StartAsync(routes: app =>
            app.MapGet("/feature", (HttpContext context) => context.Features.Get<IHttpWebSocketFeature>() is null ? "none" : "websocket"));

        // The test app declares WebSocket handlers, so the middleware is in the pipeline: a plain request skips it.
        Assert.Equal("none", await server.Client.GetStringAsync("/feature"));

        var upgrade = new HttpRequestMessage(HttpMethod.Get, "/feature");
        upgrade.Headers.Connection.Add("Upgrade");
        upgrade.Headers.Upgrade.Add(new("websocket"));
        Assert.Equal("websocket", await (await server.Client.SendAsync(upgrade)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Each_forwarded_header_from_a_trusted_proxy_applies_on_its_own()
    {
        await using var server = await TestServer.StartAsync(routes: app =>
            app.MapGet("/whoami", (HttpContext context) =>
                $"{context.Connection.RemoteIpAddress}|{context.Connection.RemotePort}|{context.Request.Scheme}"));

        var plain = await server.Client.GetStringAsync("/whoami");
        Assert.StartsWith("127.0.0.1|", plain, StringComparison.Ordinal);
        Assert.EndsWith("|http", plain, StringComparison.Ordinal);
        var clientPort = plain.Split('|')[1];

        var schemeOnly = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        schemeOnly.Headers.Add("X-Forwarded-Proto", "https");
        Assert.Equal($"127.0.0.1|{clientPort}|https", await (await server.Client.SendAsync(schemeOnly)).Content.ReadAsStringAsync());

        var portOnly = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        portOnly.Headers.Add("X-Real-PORT", "4444");
        Assert.Equal("127.0.0.1|4444|http", await (await server.Client.SendAsync(portOnly)).Content.ReadAsStringAsync());

        var forwardedFor = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        forwardedFor.Headers.Add("X-Forwarded-For", "198.51.100.1");
        Assert.Equal($"198.51.100.1|{clientPort}|http", await (await server.Client.SendAsync(forwardedFor)).Content.ReadAsStringAsync());

        // An unparsable X-Real-IP falls back to X-Forwarded-For, as before.
        var fallback = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        fallback.Headers.TryAddWithoutValidation("X-Real-IP", "not an address");
        fallback.Headers.Add("X-Forwarded-For", "203.0.113.9");
        Assert.StartsWith("203.0.113.9|", await (await server.Client.SendAsync(fallback)).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Names match in any case, among other headers of the same lengths (Accept, Accept-Language, an unknown one).
        var mixed = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        mixed.Headers.TryAddWithoutValidation("accept", "text/plain");
        mixed.Headers.TryAddWithoutValidation("Accept-Language", "en");
        mixed.Headers.TryAddWithoutValidation("X-Forwarded-Fox", "198.51.100.99");
        mixed.Headers.TryAddWithoutValidation("x-real-ip", "198.51.100.7");
        mixed.Headers.TryAddWithoutValidation("x-real-port", "4321");
        mixed.Headers.TryAddWithoutValidation("SCHEME", "https");
        Assert.Equal("198.51.100.7|4321|https", await (await server.Client.SendAsync(mixed)).Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_static_file_index_answers_for_files_and_default_documents_and_not_for_other_paths_or_methods()
    {
        var root = Directory.CreateTempSubdirectory("resident-index-");
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "chat.html"), "chat");
            File.WriteAllText(Path.Combine(root.FullName, "app.js"), "js");
            Directory.CreateDirectory(Path.Combine(root.FullName, "docs"));
            File.WriteAllText(Path.Combine(root.FullName, "docs", "index.html"), "docs");
            using var files = new PhysicalFileProvider(root.FullName);
            using var index = new StaticFileIndex(files);

            foreach (var path in new[] { "/chat.html", "/app.js", "/docs/index.html", "/docs/", "/docs" })
            {
                Assert.True(index.MayServe(new PathString(path)), path);
            }

            // Same length and last character as a file, a prefix of one, the root without a default document, and
            // paths no file ends like.
            foreach (var path in new[] { "/chxt.html", "/chat.htm", "/", "/plaintext", "/app.json", "" })
            {
                Assert.False(index.MayServe(new PathString(path)), path);
            }

            Assert.True(index.MayServe(Request("GET", "/chat.html")));
            Assert.True(index.MayServe(Request("HEAD", "/chat.html")));
            Assert.False(index.MayServe(Request("POST", "/chat.html")));
            Assert.False(index.MayServe(Request("GET", "/plaintext")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_static_file_is_served_to_GET_and_HEAD_and_a_POST_to_its_path_reaches_the_app()
    {
        var root = Directory.CreateTempSubdirectory("resident-static-post-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "wwwroot"));
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "wwwroot", "form.txt"), "static form");
            await using var server = await TestServer.StartAsync(
                new() { ["Resident:HandleStatic"] = "true" },
                routes: app => app.MapPost("/form.txt", () => "posted"),
                contentRoot: root.FullName);

            Assert.Equal("static form", await server.Client.GetStringAsync("/form.txt"));
            var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/form.txt"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal("static form".Length, head.Content.Headers.ContentLength);
            Assert.Equal("posted", await (await server.Client.PostAsync("/form.txt", null)).Content.ReadAsStringAsync());
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static MetricCollector<long> HookErrors(TestServer server) =>
        new(server.App.Services.GetRequiredService<ResidentMetrics>().Meter, ResidentMetrics.HookErrorsName);

    private static HttpRequest Request(string method, string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        return context.Request;
    }

    // Runs Resident's middleware, built from the started host's own services, on a context whose response feature
    // counts the callbacks registered on it.
    private static async Task<(int Starting, int Completed, bool ReachedApp)> InvokeMiddlewareAsync(IServiceProvider services)
    {
        var reachedApp = false;
        var middleware = new ResidentRequestMiddleware(
            _ =>
            {
                reachedApp = true;
                return Task.CompletedTask;
            },
            RequestBranches.None,
            services.GetRequiredService<ResidentServer>(),
            services.GetRequiredService<ResidentRuntime>(),
            services.GetRequiredService<IOptions<ResidentOptions>>().Value,
            services.GetRequiredService<ConnectionDrain>(),
            services.GetRequiredService<ResidentMetrics>(),
            NullLogger.Instance);
        var response = new CountingResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Request.Method = "GET";
        context.Request.Path = "/plaintext";
        context.Request.Headers["X-Test-Id"] = "middleware";
        await middleware.InvokeAsync(context);
        return (response.Starting, response.Completed, reachedApp);
    }

    private sealed class CountingResponseFeature : HttpResponseFeature
    {
        public int Starting { get; private set; }

        public int Completed { get; private set; }

        public override void OnStarting(Func<object, Task> callback, object state) => Starting++;

        public override void OnCompleted(Func<object, Task> callback, object state) => Completed++;
    }
}
