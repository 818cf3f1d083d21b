using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>MapResidentDashboard on real Kestrel: off unless mapped, the page, the JSON it polls, the authorization hook.</summary>
public sealed class DashboardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_dashboard_is_absent_unless_mapped()
    {
        await using var server = await TestServer.StartAsync(mapWebSockets: false);

        foreach (var path in new[] { "/resident", "/resident/", "/resident/stats.json" })
        {
            using var response = await server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task The_page_is_one_self_contained_document_that_polls_the_json_next_to_it()
    {
        await using var server = await TestServer.StartAsync(routes: app => app.MapResidentDashboard("/ops/resident"), mapWebSockets: false);

        foreach (var path in new[] { "/ops/resident", "/ops/resident/" })
        {
            using var response = await server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);

            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("<title>Resident dashboard</title>", html, StringComparison.Ordinal);
            Assert.Contains("'/stats.json'", html, StringComparison.Ordinal);

            // Nothing from elsewhere: no external script, style, font or image.
            Assert.DoesNotContain("src=\"http", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("href=\"http", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        }

        // Read-only: nothing answers a write.
        using var post = await server.Client.PostAsync("/ops/resident/stats.json", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task The_json_reports_the_server_websockets_tasks_with_failures_cron_jobs_tables_processes_and_ports()
    {
        var probe = new BackgroundProbe(nameof(LagJob));
        await using var server = await TestServer.StartAsync(
            new()
            {
                ["Resident:Tables:InstanceName"] = TestTables.NewInstanceName(),
                ["Resident:Sockets:raw:Enabled"] = "true",
                ["Resident:TaskWorkerNum"] = "2",
            },
            routes: app => app.MapResidentDashboard(),
            configure: builder => builder.Services.AddSingleton(probe));

        using var first = await StatsAsync(server);
        var before = first.RootElement;
        var serverStats = before.GetProperty("server");
        Assert.Equal("inline", serverStats.GetProperty("mode").GetString());
        Assert.Equal(Environment.ProcessId, serverStats.GetProperty("pid").GetInt32());
        Assert.Equal(0, serverStats.GetProperty("workerId").GetInt32());
        Assert.Equal(server.Server.StartTime, serverStats.GetProperty("startTime").GetDateTimeOffset());
        Assert.Equal(server.BaseAddress.ToString().TrimEnd('/'), serverStats.GetProperty("listenAddresses")[0].GetString());
        Assert.Equal(2, before.GetProperty("tasks").GetProperty("workers").GetInt32());
        Assert.Equal(0, before.GetProperty("tasks").GetProperty("failed").GetInt64());
        Assert.Equal(0, before.GetProperty("tasks").GetProperty("recentFailures").GetArrayLength());

        // Requests, a WebSocket, tasks (one failing), a table row and a TCP connection.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));
        }

        var (webSocket, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using var openWebSocket = webSocket;
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "a" }));
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "b" }));
        Assert.True(await server.Server.Tasks.DeliverAsync(new FlakyTask { FailTimes = 99 }, tries: 1));
        server.Server.Tables["counters"].Incr("dashboard", 0);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (var connecting = new CancellationTokenSource(Timeout))
        {
            await tcp.ConnectAsync(server.Server.Sockets["raw"].LocalEndPoint!, connecting.Token);
        }

        await WaitUntilAsync(() => server.Server.Tasks.Failed == 1 && server.Server.Tasks.Completed >= 2
            && server.Server.CronJobs.Single(job => job.Name == nameof(LagJob)).Runs > 0
            && server.Server.Processes["pair"].Running == 2
            && ((ITcpPort)server.Server.Sockets["raw"]).Connections.Count == 1);

        using var second = await StatsAsync(server);
        var after = second.RootElement;

        // At least the 5 requests above plus the first stats request.
        Assert.True(after.GetProperty("server").GetProperty("requests").GetInt64() >= before.GetProperty("server").GetProperty("requests").GetInt64() + 6);
        Assert.True(after.GetProperty("server").GetProperty("connections").GetInt64() >= 1);

        var webSockets = after.GetProperty("webSockets");
        Assert.Equal(1, webSockets.GetProperty("connections").GetInt32());
        var echo = webSockets.GetProperty("paths").EnumerateArray().Single(path => path.GetProperty("path").GetString() == "/ws/echo");
        Assert.Equal(typeof(EchoHandler).FullName, echo.GetProperty("handler").GetString());
        Assert.Equal(1, echo.GetProperty("connections").GetInt32());
        var echoToo = webSockets.GetProperty("paths").EnumerateArray().Single(path => path.GetProperty("path").GetString() == "/ws/echo-too");
        Assert.Equal(0, echoToo.GetProperty("connections").GetInt32());

        var tasks = after.GetProperty("tasks");
        Assert.Equal(1, tasks.GetProperty("failed").GetInt64());
        Assert.True(tasks.GetProperty("completed").GetInt64() >= 2);
        Assert.Equal(0, tasks.GetProperty("pending").GetInt32());
        var failure = Assert.Single(tasks.GetProperty("recentFailures").EnumerateArray());
        Assert.Equal(typeof(FlakyTask).FullName, failure.GetProperty("task").GetString());
        Assert.Equal(1, failure.GetProperty("attempt").GetInt32());
        Assert.Equal("System.InvalidOperationException", failure.GetProperty("exception").GetString());
        Assert.Equal("flaky failure 1", failure.GetProperty("message").GetString());

        var lagJob = after.GetProperty("cronJobs").EnumerateArray().Single(job => job.GetProperty("name").GetString() == nameof(LagJob));
        Assert.Equal("every 25 ms", lagJob.GetProperty("schedule").GetString());
        Assert.True(lagJob.GetProperty("enabled").GetBoolean());
        Assert.True(lagJob.GetProperty("runs").GetInt64() > 0);
        Assert.True(lagJob.GetProperty("lastRun").GetDateTimeOffset() > server.Server.StartTime.AddSeconds(-1));
        Assert.True(lagJob.GetProperty("lastLagMilliseconds").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.String, lagJob.GetProperty("nextRun").ValueKind);

        var counters = after.GetProperty("tables").EnumerateArray().Single(table => table.GetProperty("name").GetString() == "counters");
        Assert.Equal(1, counters.GetProperty("rows").GetInt32());
        Assert.Equal(1024, counters.GetProperty("size").GetInt32());
        Assert.Equal(server.Server.Tables["counters"].MemorySize, counters.GetProperty("memoryBytes").GetInt64());

        var pair = after.GetProperty("processes").EnumerateArray().Single(process => process.GetProperty("name").GetString() == "pair");
        Assert.Equal(2, pair.GetProperty("instances").GetInt32());
        Assert.Equal(2, pair.GetProperty("running").GetInt32());
        Assert.Equal(0, pair.GetProperty("restarts").GetInt32());

        var raw = Assert.Single(after.GetProperty("ports").EnumerateArray());
        Assert.Equal("raw", raw.GetProperty("name").GetString());
        Assert.Equal("Tcp", raw.GetProperty("type").GetString());
        Assert.Equal(server.Server.Sockets["raw"].LocalEndPoint!.ToString(), raw.GetProperty("endpoint").GetString());
        Assert.Equal(1, raw.GetProperty("connections").GetInt32());
    }

    [Fact]
    public async Task The_returned_builder_takes_an_authorization_policy()
    {
        await using var server = await TestServer.StartAsync(
            configure: builder =>
            {
                builder.Services.AddAuthentication(TestUserAuthentication.Name)
                    .AddScheme<AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.Name, null);
                builder.Services.AddAuthorizationBuilder().AddPolicy("operators", policy => policy.RequireUserName("ops"));
            },
            routes: app => app.MapResidentDashboard().RequireAuthorization("operators"),
            mapWebSockets: false);

        foreach (var path in new[] { "/resident", "/resident/stats.json" })
        {
            using var anonymous = await server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

            using var stranger = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Test-User", "mallory" } } };
            using var forbidden = await server.Client.SendAsync(stranger);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

            using var operatorRequest = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Test-User", "ops" } } };
            using var allowed = await server.Client.SendAsync(operatorRequest);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
    }

    [Fact]
    public async Task The_dashboard_needs_AddResident_and_a_path_starting_with_a_slash()
    {
        await using var plain = WebApplication.CreateBuilder().Build();
        var missing = Assert.Throws<InvalidOperationException>(() => plain.MapResidentDashboard());
        Assert.Contains("builder.AddResident()", missing.Message, StringComparison.Ordinal);

        var (app, _, _) = TestServer.Build(mapWebSockets: false);
        await using var built = app;
        var relative = Assert.Throws<ArgumentException>(() => app.MapResidentDashboard("resident"));
        Assert.Contains("must start with '/'", relative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_failure_log_keeps_the_last_failures_newest_first_and_cuts_long_messages()
    {
        var log = new Resident.Tasks.TaskFailureLog();
        Assert.Empty(log.Snapshot());
        var start = DateTimeOffset.UnixEpoch;
        for (var i = 1; i <= Resident.Tasks.TaskFailureLog.Capacity + 5; i++)
        {
            log.Add($"task{i}", 1, start.AddSeconds(i), new InvalidOperationException($"failure {i}"));
        }

        var kept = log.Snapshot();
        Assert.Equal(Resident.Tasks.TaskFailureLog.Capacity, kept.Length);
        Assert.Equal(
            Enumerable.Range(6, Resident.Tasks.TaskFailureLog.Capacity).Reverse().Select(i => $"task{i}: failure {i}"),
            kept.Select(failure => $"{failure.Task}: {failure.Message}"));
        Assert.Equal("System.InvalidOperationException", kept[0].Exception);

        log.Add("long", 2, start, new InvalidOperationException(new string('x', 2000)));
        Assert.Equal(new string('x', 500) + "…", log.Snapshot()[0].Message);
    }

    private static async Task<JsonDocument> StatsAsync(TestServer server)
    {
        using var response = await server.Client.GetAsync("/resident/stats.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "The condition never became true.");
            await Task.Delay(10);
        }
    }
}
