using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>The HTTP server's behaviour; <see cref="HttpServerTestsWithThroughputProfile"/> runs every test again with the profile on.</summary>
public class HttpServerTests
{
    private static void EchoConnection(WebApplication app) =>
        app.MapGet("/whoami", (HttpContext context) =>
            $"{context.Connection.RemoteIpAddress}|{context.Connection.RemotePort}|{context.Request.Scheme}");

    [Fact]
    public async Task The_Server_header_is_the_configured_value_or_absent()
    {
        await using (var named = await TestServer.StartAsync(new() { ["Resident:Server"] = "Resident-Test/1.0" }))
        {
            var response = await named.Client.GetAsync("/plaintext");
            Assert.Equal("Resident-Test/1.0", Assert.Single(response.Headers.GetValues("Server")));

            var missing = await named.Client.GetAsync("/nowhere");
            Assert.Equal("Resident-Test/1.0", Assert.Single(missing.Headers.GetValues("Server")));
        }

        await using var anonymous = await TestServer.StartAsync();
        var plain = await anonymous.Client.GetAsync("/plaintext");
        Assert.False(plain.Headers.Contains("Server"));
    }

    [Fact]
    public async Task What_the_app_flushed_reaches_the_client_while_the_app_awaits()
    {
        // Under inline scheduling Resident holds the app's flushes until it returns or yields: a held flush must go
        // out as soon as the app awaits, or this client would never see "first;" and never release the app.
        var seenFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(routes: app => app.MapGet("/stream", async (HttpContext context) =>
        {
            await context.Response.WriteAsync("first;");
            await seenFirst.Task;

            // After the app yielded, through the stream and the writer: in order.
            await context.Response.Body.WriteAsync("second;"u8.ToArray());
            await context.Response.WriteAsync("third");
        }));

        using var response = await server.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var first = new byte["first;".Length];
        await body.ReadExactlyAsync(first).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("first;", System.Text.Encoding.ASCII.GetString(first));

        seenFirst.SetResult();
        Assert.Equal("second;third", await new StreamReader(body).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_large_response_flushed_piece_by_piece_arrives_whole()
    {
        // 2 MiB in 4 KiB flushes, without awaiting anything else: more than a held flush may hold back.
        const int pieces = 512;
        await using var server = await TestServer.StartAsync(routes: app => app.MapGet("/large", async (HttpContext context) =>
        {
            var piece = new byte[4096];
            for (var i = 0; i < pieces; i++)
            {
                piece.AsSpan().Fill((byte)('a' + i % 26));
                await context.Response.Body.WriteAsync(piece);
                await context.Response.BodyWriter.WriteAsync(piece.AsMemory(0, 1));
            }
        }));

        var bytes = await server.Client.GetByteArrayAsync("/large").WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(pieces * 4097, bytes.Length);
        for (var i = 0; i < pieces; i++)
        {
            var expected = (byte)('a' + i % 26);
            Assert.True(bytes.AsSpan(i * 4097, 4097).IndexOfAnyExcept(expected) < 0, $"piece {i} is not all '{(char)expected}'");
        }
    }

    [Fact]
    public async Task Forwarded_headers_from_a_trusted_proxy_set_the_client_address_port_and_scheme()
    {
        await using var server = await TestServer.StartAsync(routes: EchoConnection);

        var real = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        real.Headers.Add("X-Real-IP", "203.0.113.7");
        real.Headers.Add("X-Real-PORT", "4444");
        real.Headers.Add("Scheme", "https");
        Assert.Equal("203.0.113.7|4444|https", await (await server.Client.SendAsync(real)).Content.ReadAsStringAsync());

        var forwarded = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        forwarded.Headers.Add("X-Forwarded-For", "198.51.100.1, 203.0.113.9, 127.0.0.1");
        forwarded.Headers.Add("X-Forwarded-Proto", "http, https");
        var text = await (await server.Client.SendAsync(forwarded)).Content.ReadAsStringAsync();
        Assert.StartsWith("203.0.113.9|", text, StringComparison.Ordinal);
        Assert.EndsWith("|https", text, StringComparison.Ordinal);

        var garbage = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        garbage.Headers.TryAddWithoutValidation("X-Real-IP", "not an address");
        garbage.Headers.TryAddWithoutValidation("X-Real-PORT", "99999");
        garbage.Headers.TryAddWithoutValidation("Scheme", "gopher");
        Assert.StartsWith("127.0.0.1|", await (await server.Client.SendAsync(garbage)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Resident:TrustedProxies:0", "10.0.0.0/8")]
    [InlineData("Resident:ForwardedHeaders", "false")]
    public async Task Forwarded_headers_from_an_untrusted_peer_are_ignored(string key, string value)
    {
        await using var server = await TestServer.StartAsync(new() { [key] = value }, routes: EchoConnection);

        var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Add("X-Real-IP", "203.0.113.7");
        request.Headers.Add("Scheme", "https");
        var text = await (await server.Client.SendAsync(request)).Content.ReadAsStringAsync();

        Assert.StartsWith("127.0.0.1|", text, StringComparison.Ordinal);
        Assert.EndsWith("|http", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleStatic_serves_the_web_root_and_index_html_and_only_when_enabled()
    {
        var root = Directory.CreateTempSubdirectory("resident-static-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "wwwroot"));
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "wwwroot", "hello.txt"), "static hello");
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "wwwroot", "index.html"), "<p>index</p>");

            await using (var server = await TestServer.StartAsync(new() { ["Resident:HandleStatic"] = "true", ["Resident:Server"] = "R" }, contentRoot: root.FullName))
            {
                var file = await server.Client.GetAsync("/hello.txt");
                Assert.Equal("static hello", await file.Content.ReadAsStringAsync());
                Assert.Equal("R", Assert.Single(file.Headers.GetValues("Server")));
                Assert.Equal("<p>index</p>", await server.Client.GetStringAsync("/"));
                Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/../secret.txt")).StatusCode);
                Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));

                // A folder with an index.html is served at "/docs/"; "/docs" redirects there, as UseDefaultFiles does.
                Directory.CreateDirectory(Path.Combine(root.FullName, "wwwroot", "docs"));
                await File.WriteAllTextAsync(Path.Combine(root.FullName, "wwwroot", "docs", "index.html"), "<p>docs</p>");
                await File.WriteAllTextAsync(Path.Combine(root.FullName, "wwwroot", "late.txt"), "added while running");

                // Files added while the server runs are picked up by the web root watcher.
                Assert.Equal("added while running", await GetWhenServedAsync(server.Client, "/late.txt"));
                Assert.Equal("<p>docs</p>", await GetWhenServedAsync(server.Client, "/docs/"));
                using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
                var redirect = await noRedirects.GetAsync("/docs");
                Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
                Assert.EndsWith("/docs/", redirect.Headers.Location?.ToString(), StringComparison.Ordinal);

                // And files removed are no longer served.
                File.Delete(Path.Combine(root.FullName, "wwwroot", "late.txt"));
                await GetWhenStatusAsync(server.Client, "/late.txt", HttpStatusCode.NotFound);
            }

            await using var disabled = await TestServer.StartAsync(contentRoot: root.FullName);
            Assert.Equal(HttpStatusCode.NotFound, (await disabled.Client.GetAsync("/hello.txt")).StatusCode);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_server_listens_on_a_unix_socket_too_replacing_a_stale_one_and_removing_it_on_stop()
    {
        var path = Path.Combine(Path.GetTempPath(), $"resident-{Guid.NewGuid():N}.sock");

        // A leftover file nobody listens on, as a crashed run leaves behind.
        await File.WriteAllBytesAsync(path, []);

        var server = await TestServer.StartAsync(new() { ["Resident:Socket"] = path }, routes: EchoConnection);
        try
        {
            using var client = UnixSocketClient(path);
            Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));

            // Only local processes reach a Unix socket, so nginx's headers are believed there.
            var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
            request.Headers.Add("X-Real-IP", "198.51.100.23");
            Assert.StartsWith("198.51.100.23|", await (await client.SendAsync(request)).Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // TCP keeps working beside it.
            Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));

            // A second server on the same live socket fails to start and names the key.
            var error = await TestServer.StartFailureAsync(new() { ["Resident:Socket"] = path });
            Assert.Contains("Resident:Socket", error.Message, StringComparison.Ordinal);
            Assert.Contains("already listening", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_socket_path_that_holds_data_is_never_deleted()
    {
        var path = Path.Combine(Path.GetTempPath(), $"resident-{Guid.NewGuid():N}.sock");
        await File.WriteAllTextAsync(path, "precious");
        try
        {
            var error = await TestServer.StartFailureAsync(new() { ["Resident:Socket"] = path });
            Assert.Contains("is not a socket", error.Message, StringComparison.Ordinal);

            Assert.Equal("precious", await File.ReadAllTextAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task IResidentServer_reports_process_worker_requests_and_connections()
    {
        await using var server = await TestServer.StartAsync(routes: app =>
            app.MapGet("/connections", (IResidentServer resident) => resident.ActiveConnections.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var before = server.Server.RequestCount;
        for (var i = 0; i < 5; i++)
        {
            await server.Client.GetStringAsync("/plaintext");
        }

        Assert.Equal(before + 5, server.Server.RequestCount);
        Assert.Equal(Environment.ProcessId, server.Server.ProcessId);
        Assert.Equal(0, server.Server.WorkerId);
        Assert.InRange(server.Server.StartTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
        Assert.True(long.Parse(await server.Client.GetStringAsync("/connections"), System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // The same instance is reachable from a request, and the addresses are the bound ones.
        Assert.Equal(server.BaseAddress.ToString().TrimEnd('/'), Assert.Single(server.Server.ListenAddresses));
    }

    [Fact]
    public async Task Outside_a_Resident_host_the_server_is_a_clear_error_not_a_null()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.Services.GetResidentServer());
        Assert.Contains("AddResident", error.Message, StringComparison.Ordinal);

        var run = await Assert.ThrowsAsync<InvalidOperationException>(() => app.RunResidentAsync([]));
        Assert.Contains("AddResident", run.Message, StringComparison.Ordinal);
    }

    // The watcher reports changes a moment after they happen: ask again until it has, within a generous bound.
    private static async Task<string> GetWhenServedAsync(HttpClient client, string path)
    {
        await GetWhenStatusAsync(client, path, HttpStatusCode.OK);
        return await client.GetStringAsync(path);
    }

    private static async Task GetWhenStatusAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode last;
        do
        {
            using var response = await client.GetAsync(path);
            last = response.StatusCode;
            if (last == expected)
            {
                return;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{path} still answered {last}, not {expected}, after 30 s.");
    }

    /// <summary>An HttpClient whose connections go to the Unix socket at <paramref name="path"/>.</summary>
    /// <param name="path">The socket file.</param>
    /// <param name="idleTimeout">How long an idle pooled connection is kept; the handler's default when null.</param>
    internal static HttpClient UnixSocketClient(string path, TimeSpan? idleTimeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        if (idleTimeout is { } timeout)
        {
            handler.PooledConnectionIdleTimeout = timeout;
        }

        return new HttpClient(handler)
        {
            BaseAddress = new Uri("http://localhost"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:0")]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://127.0.0.1:0")]
    public async Task Without_Resident_ListenPort_Kestrel_listens_on_the_urls_or_endpoints_the_user_gave(string key, string value)
    {
        var (app, logs) = BuildWithoutResidentAddress(new() { [key] = value });
        await using (app)
        {
            await app.StartAsync();
            var server = app.Services.GetRequiredService<IResidentServer>();
            var address = Assert.Single(server.ListenAddresses);
            Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
            Assert.NotEqual(5200, new Uri(address).Port);

            using var client = new HttpClient { BaseAddress = new Uri(address) };
            Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
            Assert.Equal(1, server.ActiveConnections);
            Assert.DoesNotContain(logs.Entries, entry => entry.Message.Contains("Overriding address", StringComparison.Ordinal));
            Assert.Contains(logs.Entries, entry => entry.Message.StartsWith("Listening on ASP.NET Core's addresses", StringComparison.Ordinal));
            await app.StopAsync();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Resident_ListenPort_set_in_configuration_or_code_wins_over_urls(bool inConfiguration)
    {
        // The urls point at a busy port: were they used, the start would fail.
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var busy = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var settings = new Dictionary<string, string?> { ["urls"] = $"http://127.0.0.1:{busy}" };
        if (inConfiguration)
        {
            settings["Resident:ListenPort"] = "0";
        }

        var (app, _) = BuildWithoutResidentAddress(settings, inConfiguration ? null : options => options.ListenPort = 0);
        await using (app)
        {
            await app.StartAsync();
            var address = Assert.Single(app.Services.GetRequiredService<IResidentServer>().ListenAddresses);
            Assert.NotEqual(busy, new Uri(address).Port);
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Kestrel_Endpoints_are_bound_beside_Resident_ListenPort()
    {
        var (app, _) = BuildWithoutResidentAddress(new()
        {
            ["Resident:ListenPort"] = "0",
            ["Kestrel:Endpoints:Extra:Url"] = "http://127.0.0.1:0",
        });
        await using (app)
        {
            await app.StartAsync();
            var addresses = app.Services.GetRequiredService<IResidentServer>().ListenAddresses;
            Assert.Equal(2, addresses.Count);
            foreach (var address in addresses)
            {
                using var client = new HttpClient { BaseAddress = new Uri(address) };
                Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
            }

            await app.StopAsync();
        }
    }

    /// <summary>A real app with no declarations whose settings leave Resident:ListenIp and Resident:ListenPort unset.</summary>
    private static (WebApplication App, CapturedLogs Logs) BuildWithoutResidentAddress(Dictionary<string, string?> settings, Action<ResidentOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.AddResident([], configure);
        var app = builder.Build();
        app.MapGet("/plaintext", () => "Hello, World!");
        return (app, logs);
    }
}
