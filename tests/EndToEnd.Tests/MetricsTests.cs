using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Prometheus endpoint as an operator meets it: scraped by a real Prometheus, and in supervised mode.</summary>
public sealed partial class MetricsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_real_Prometheus_scrapes_the_Showcase_and_PromQL_counts_what_the_test_sent()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        await using var prometheus = await PrometheusServer.StartAsync(showcase.BaseAddress.Authority);
        using var http = new HttpClient { BaseAddress = showcase.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        const int Requests = 40;
        for (var i = 0; i < Requests; i++)
        {
            (await http.GetAsync("/plaintext")).EnsureSuccessStatusCode();
        }

        const int Tasks = 6;
        for (var i = 0; i < Tasks; i++)
        {
            (await http.PostAsync($"/task?name=metrics{i}", null)).EnsureSuccessStatusCode();
        }

        const int Messages = 5;
        using (var chat = new ClientWebSocket())
        {
            using var timeout = new CancellationTokenSource(Generous);
            await chat.ConnectAsync(new Uri($"ws://{showcase.BaseAddress.Authority}/ws?name=metrics"), timeout.Token);
            for (var i = 0; i < Messages; i++)
            {
                await chat.SendAsync(Encoding.UTF8.GetBytes($"message {i}"), WebSocketMessageType.Text, true, timeout.Token);
            }

            await chat.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        var requests = await prometheus.WaitForAsync("sum(http_server_request_duration_seconds_count{http_route=\"/plaintext\"})", Requests, Generous);
        Assert.True(requests == Requests, $"PromQL saw {requests} requests, not {Requests}. Targets: {await prometheus.TargetsAsync()}");
        var tasks = await prometheus.WaitForAsync("sum(resident_task_runs_total{outcome=\"completed\"})", Tasks, Generous);
        Assert.True(tasks == Tasks, $"PromQL saw {tasks} completed tasks, not {Tasks}.");
        var messages = await prometheus.WaitForAsync("sum(resident_websocket_messages_received_total{path=\"/ws\"})", Messages, Generous);
        Assert.True(messages == Messages, $"PromQL saw {messages} WebSocket messages, not {Messages}.");
        var closed = await prometheus.WaitForAsync("sum(resident_websocket_connections_closed_total{websocket_close_status=\"1000\"})", 1, Generous);
        Assert.True(closed == 1, $"PromQL saw {closed} normal WebSocket closes, not 1.");
        Assert.Equal(1, await prometheus.QueryAsync("up"));
    }

    [Fact]
    public async Task Supervised_one_scrape_shows_every_worker_and_the_master_once_labelled_and_the_sum_is_the_server()
    {
        await using var server = await SupervisedServer.StartAsync("--Resident:WorkerNum=2", "--Resident:Metrics:Enabled=true");
        const int Requests = 60;
        var workersSeen = new HashSet<int>();
        for (var i = 0; i < Requests; i++)
        {
            // A new connection each time, so the kernel hands them to both workers.
            using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = server.BaseAddress };
            client.DefaultRequestHeaders.ConnectionClose = true;
            workersSeen.Add((await server.WhoAsync(client)).WorkerId);
        }

        using var scraper = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var text = await scraper.GetStringAsync("/metrics");

        Assert.Equal("", await Resident.Tests.Infrastructure.Promtool.CheckMetricsAsync(text));
        var perWorker = Samples(text, "http_server_request_duration_seconds_count", "http_route=\"/who\"");
        Assert.Equal(Requests, perWorker.Sum(sample => sample.Value));
        Assert.Equal(perWorker.Count, perWorker.Select(sample => sample.Worker).Distinct().Count());
        if (workersSeen.Count == 2)
        {
            Assert.Equal(2, perWorker.Count);
        }

        // Every process's runtime series, once each: two workers and the master.
        var processes = Samples(text, "dotnet_gc_collections_total", "gc_heap_generation=\"gen0\"").Select(sample => sample.Worker).Order().ToArray();
        Assert.Equal(["0", "1", "master"], processes);
        Assert.Equal(1, text.Split('\n').Count(line => line == "# TYPE http_server_request_duration_seconds histogram"));
    }

    [Fact]
    public async Task After_a_reload_the_new_workers_series_start_fresh_with_a_later_created_time()
    {
        await using var server = await SupervisedServer.StartAsync("--Resident:Metrics:Enabled=true");
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < 10; i++)
        {
            await client.GetStringAsync("/plaintext");
        }

        var before = Samples(await client.GetStringAsync("/metrics"), "http_server_request_duration_seconds_count", "http_route=\"/plaintext\"");
        var oldWorker = Assert.Single(before);
        Assert.Equal(10, oldWorker.Value);
        var reloadedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var (exitCode, output) = await server.RunAsync("reload");
        Assert.True(exitCode == 0, output);

        // The old worker leaves the scrape; the new one (another slot) counts from zero, and OpenMetrics' _created
        // says when its series began, so Prometheus sees a reset rather than a counter going backwards.
        IReadOnlyList<(string Worker, double Value)> after = [];
        var sentSinceReload = 0;
        Assert.True(await SupervisedServer.EventuallyAsync(async () =>
        {
            sentSinceReload++;
            using var fresh = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = server.BaseAddress };
            fresh.DefaultRequestHeaders.ConnectionClose = true;
            await fresh.GetStringAsync("/plaintext");
            after = Samples(await fresh.GetStringAsync("/metrics"), "http_server_request_duration_seconds_count", "http_route=\"/plaintext\"");
            return after.Count == 1 && after[0].Worker != oldWorker.Worker;
        }, Generous), "the old worker's series stayed: " + string.Join(", ", after));
        Assert.InRange(after[0].Value, 1, sentSinceReload);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text; version=1.0.0");
        using var fresh2 = new HttpClient { BaseAddress = server.BaseAddress };
        var openMetrics = await (await fresh2.SendAsync(request)).Content.ReadAsStringAsync();
        var created = Created().Matches(openMetrics).Select(match => (match.Groups[1].Value, double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var (worker, createdAt) = Assert.Single(created);
        Assert.Equal(after[0].Worker, worker);
        Assert.True(createdAt >= reloadedAt - 1, $"created {createdAt}, reloaded at {reloadedAt}");
    }

    [GeneratedRegex(@"\nhttp_server_request_duration_seconds_created\{worker=""([^""]+)""[^}]*http_route=""/plaintext""[^}]*\} ([0-9.]+)\n")]
    private static partial Regex Created();

    /// <summary>Every sample named <paramref name="name"/> whose labels include <paramref name="label"/>, with its worker label.</summary>
    private static List<(string Worker, double Value)> Samples(string exposition, string name, string label) =>
        [.. exposition.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Select(line => (
                WorkerLabel().Match(line).Groups[1].Value,
                double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"worker=""([^""]*)""")]
    private static partial Regex WorkerLabel();
}
