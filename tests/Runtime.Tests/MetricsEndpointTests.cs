using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Resident.Metrics;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed partial class MetricsEndpointTests
{
    private static readonly Dictionary<string, string?> MetricsOn = new() { ["Resident:Metrics:Enabled"] = "true" };

    private static Dictionary<string, string?> With(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>(MetricsOn);
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    /// <summary>The value of the one sample named <paramref name="name"/> whose labels include all of <paramref name="labels"/>; 0 when absent.</summary>
    internal static double Sample(string exposition, string name, params string[] labels)
    {
        var values = exposition.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        return values.Length switch
        {
            0 => 0,
            1 => values[0],
            _ => throw new Xunit.Sdk.XunitException($"{values.Length} samples of {name} match {string.Join(", ", labels)}:\n{exposition}"),
        };
    }

    [Fact]
    public async Task The_endpoint_is_off_unless_enabled()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Requests_are_counted_exactly_by_route_and_status_and_the_output_passes_promtool()
    {
        await using var server = await TestServer.StartAsync(MetricsOn, routes: app => app.MapGet("/items/{id}", (int id) => id));
        for (var i = 0; i < 7; i++)
        {
            (await server.Client.GetAsync($"/items/{i}")).EnsureSuccessStatusCode();
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/nothing-here")).StatusCode);
        }

        using var response = await server.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(7, Sample(text, "http_server_request_duration_seconds_count", "http_route=\"/items/{id}\"", "http_response_status_code=\"200\""));
        Assert.Equal(3, Sample(text, "http_server_request_duration_seconds_count", "http_response_status_code=\"404\""));
        Assert.Equal(7, Sample(text, "http_server_request_duration_seconds_bucket", "http_route=\"/items/{id}\"", "le=\"+Inf\""));
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", text, StringComparison.Ordinal);
        Assert.Equal("", await Promtool.CheckMetricsAsync(text));
    }

    [Fact]
    public async Task Every_family_has_one_HELP_and_one_TYPE()
    {
        await using var server = await TestServer.StartAsync(MetricsOn);
        await server.Client.GetStringAsync("/plaintext");

        var text = await server.Client.GetStringAsync("/metrics");

        var types = text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]).ToArray();
        var helps = text.Split('\n').Where(line => line.StartsWith("# HELP ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]).ToArray();
        Assert.NotEmpty(types);
        Assert.Equal(types.Length, types.Distinct().Count());
        Assert.Equal(types.Order(), helps.Order());
    }

    [Fact]
    public async Task OpenMetrics_is_served_when_the_scraper_asks_for_it()
    {
        await using var server = await TestServer.StartAsync(MetricsOn);
        await server.Client.GetStringAsync("/plaintext");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");

        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.EndsWith("\n# EOF\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_gc_collections counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# UNIT http_server_request_duration_seconds seconds\n", text, StringComparison.Ordinal);
        Assert.Matches(CreatedSample(), text);
        Assert.Contains("le=\"+Inf\"", text, StringComparison.Ordinal);
        Assert.Contains("le=\"1.0\"", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\nhttp_server_request_duration_seconds_created\{[^}]*http_route=""/plaintext""[^}]*\} \d+\.\d+\n")]
    private static partial Regex CreatedSample();

    [Fact]
    public async Task Counts_are_exact_under_concurrent_load()
    {
        await using var server = await TestServer.StartAsync(MetricsOn);
        const int Clients = 8;
        const int RequestsEach = 250;

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            for (var i = 0; i < RequestsEach; i++)
            {
                (await client.GetAsync("/plaintext")).EnsureSuccessStatusCode();
            }
        }));
        var text = await server.Client.GetStringAsync("/metrics");

        Assert.Equal(Clients * RequestsEach, Sample(text, "http_server_request_duration_seconds_count", "http_route=\"/plaintext\""));
    }

    [Fact]
    public async Task Ignored_status_codes_stay_out_of_the_request_figures()
    {
        await using var server = await TestServer.StartAsync(With(("Resident:Metrics:IgnoredStatusCodes:0", "404")));
        await server.Client.GetAsync("/missing");
        await server.Client.GetAsync("/missing");
        await server.Client.GetStringAsync("/plaintext");

        var text = await server.Client.GetStringAsync("/metrics");

        Assert.Equal(1, Sample(text, "http_server_request_duration_seconds_count", "http_route=\"/plaintext\""));
        Assert.DoesNotContain(text.Split('\n'), line => line.StartsWith("http_server_", StringComparison.Ordinal) && line.Contains("\"404\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_servers_in_one_process_never_mix_their_figures()
    {
        await using var first = await TestServer.StartAsync(MetricsOn);
        await using var second = await TestServer.StartAsync(MetricsOn);
        for (var i = 0; i < 5; i++)
        {
            await first.Client.GetStringAsync("/plaintext");
        }

        await second.Client.GetStringAsync("/plaintext");

        Assert.Equal(5, Sample(await first.Client.GetStringAsync("/metrics"), "http_server_request_duration_seconds_count", "http_route=\"/plaintext\""));
        Assert.Equal(1, Sample(await second.Client.GetStringAsync("/metrics"), "http_server_request_duration_seconds_count", "http_route=\"/plaintext\""));
    }

    [Fact]
    public async Task A_port_of_its_own_serves_the_metrics_and_probes_and_nothing_else()
    {
        await using var server = await TestServer.StartAsync(With(("Resident:Metrics:ListenPort", "0")));
        var port = server.App.Services.GetRequiredService<ResidentEndpoints>().MetricsPort;
        Assert.True(port > 0 && port != server.BaseAddress.Port, $"metrics port {port}");
        using var metricsClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await server.Client.GetStringAsync("/plaintext");

        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await metricsClient.GetAsync("/plaintext")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await metricsClient.GetAsync("/health/ready")).StatusCode);
        var text = await metricsClient.GetStringAsync("/metrics");
        Assert.Equal(1, Sample(text, "http_server_request_duration_seconds_count", "http_route=\"/plaintext\""));
    }

    [Fact]
    public async Task An_apps_own_meter_is_exported_when_listed_and_its_series_are_capped()
    {
        await using var server = await TestServer.StartAsync(
            With(("Resident:Metrics:Meters:0", "Shop.*"), ("Resident:Metrics:MaxSeriesPerInstrument", "10")),
            routes: app => app.MapGet("/order/{customer}", (string customer, IMeterFactory meters) =>
            {
                // The factory hands back the same meter and counter for the same names.
                meters.Create("Shop.Orders").CreateCounter<long>("shop.orders", "{order}", "Orders placed.").Add(1, new KeyValuePair<string, object?>("customer", customer));
                return "ok";
            }));
        for (var i = 0; i < 25; i++)
        {
            await server.Client.GetStringAsync($"/order/c{i}");
        }

        var text = await server.Client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE shop_orders_total counter\n", text, StringComparison.Ordinal);
        Assert.Equal(1, Sample(text, "shop_orders_total", "customer=\"c0\""));
        Assert.Equal(15, Sample(text, "shop_orders_total", "otel_metric_overflow=\"true\""));
        Assert.Equal(11, text.Split('\n').Count(line => line.StartsWith("shop_orders_total{", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Excluded_instruments_are_left_out_by_name_or_prefix_and_the_rest_of_their_meters_stay()
    {
        await using (var all = await TestServer.StartAsync(With(("Resident:Metrics:AspNetCoreRequestMetrics", "true"))))
        {
            await all.Client.GetStringAsync("/plaintext");
            var text = await all.Client.GetStringAsync("/metrics");
            Assert.Contains("# TYPE http_server_active_requests gauge\n", text, StringComparison.Ordinal);
            Assert.Contains("# TYPE aspnetcore_routing_match_attempts_total counter\n", text, StringComparison.Ordinal);
        }

        // One value listing several entries, as an environment variable gives it: a name and a prefix.
        await using var lean = await TestServer.StartAsync(With(
            ("Resident:Metrics:AspNetCoreRequestMetrics", "true"), ("Resident:Metrics:ExcludedInstruments", "http.server.active_requests, aspnetcore.routing.*")));
        await lean.Client.GetStringAsync("/plaintext");
        var leanText = await lean.Client.GetStringAsync("/metrics");

        Assert.DoesNotContain("http_server_active_requests", leanText, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_routing_", leanText, StringComparison.Ordinal);
        Assert.Equal(1, Sample(leanText, "http_server_request_duration_seconds_count", "http_route=\"/plaintext\""));
    }

    [Fact]
    public async Task Resident_measures_the_request_instruments_with_the_series_ASP_NET_Core_would_give()
    {
        static void Routes(WebApplication app)
        {
            app.MapGet("/items/{id}", (int id) => id);
            app.MapPost("/items", () => Results.Created("/items/1", 1));
            app.MapGet("/boom", string () => throw new InvalidOperationException("boom"));
            app.MapGet("/quiet", () => "not measured").DisableHttpMetrics();
        }

        static async Task<string> SendAllAsync(TestServer server)
        {
            for (var i = 0; i < 3; i++)
            {
                (await server.Client.GetAsync($"/items/{i}")).EnsureSuccessStatusCode();
            }

            Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/items", null)).StatusCode);

            // One endpoint, its status changing from request to request (Resident keeps each endpoint's last series).
            Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.GetAsync("/items/x")).StatusCode);
            (await server.Client.GetAsync("/items/4")).EnsureSuccessStatusCode();
            Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.GetAsync("/items/y")).StatusCode);
            Assert.Equal(HttpStatusCode.InternalServerError, (await server.Client.GetAsync("/boom")).StatusCode);
            Assert.Equal(HttpStatusCode.InternalServerError, (await server.Client.GetAsync("/boom")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/nothing-here")).StatusCode);
            (await server.Client.GetAsync("/quiet")).EnsureSuccessStatusCode();
            using var odd = new HttpRequestMessage(new HttpMethod("FOO"), "/items/1");
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await server.Client.SendAsync(odd)).StatusCode);
            return await server.Client.GetStringAsync("/metrics");
        }

        // Each sample line with its labels in one order, and its value unless the value depends on timing.
        static string[] Series(string text, string family, bool withValues) =>
        [
            .. text.Split('\n')
                .Where(line => line.StartsWith(family + "{", StringComparison.Ordinal))
                .Select(line =>
                {
                    var labels = line[(line.IndexOf('{') + 1)..line.LastIndexOf('}')].Split("\",", StringSplitOptions.None).Order(StringComparer.Ordinal);
                    return $"{line[..line.IndexOf('{')]}{{{string.Join(',', labels)}}}" + (withValues ? line[line.LastIndexOf(' ')..] : "");
                })
                .Order(StringComparer.Ordinal),
        ];

        string ours, theirs;
        await using (var resident = await TestServer.StartAsync(MetricsOn, routes: Routes))
        {
            ours = await SendAllAsync(resident);
        }

        await using (var aspNetCore = await TestServer.StartAsync(With(("Resident:Metrics:AspNetCoreRequestMetrics", "true")), routes: Routes))
        {
            theirs = await SendAllAsync(aspNetCore);
        }

        Assert.DoesNotContain("aspnetcore_routing_match_attempts", ours, StringComparison.Ordinal);
        Assert.Contains("aspnetcore_routing_match_attempts", theirs, StringComparison.Ordinal);
        var counts = Series(ours, "http_server_request_duration_seconds_count", withValues: true);
        Assert.Equal(Series(theirs, "http_server_request_duration_seconds_count", withValues: true), counts);
        Assert.Equal(Series(theirs, "http_server_request_duration_seconds_bucket", withValues: false), Series(ours, "http_server_request_duration_seconds_bucket", withValues: false));
        Assert.Equal(Series(theirs, "http_server_active_requests", withValues: false), Series(ours, "http_server_active_requests", withValues: false));
        string[] families = ["# HELP http_server_request_duration_seconds ", "# TYPE http_server_request_duration_seconds ", "# HELP http_server_active_requests ", "# TYPE http_server_active_requests "];
        foreach (var header in families)
        {
            Assert.Equal(theirs.Split('\n').Single(line => line.StartsWith(header, StringComparison.Ordinal)), ours.Split('\n').Single(line => line.StartsWith(header, StringComparison.Ordinal)));
        }

        // What the comparison covers: routes, statuses (one endpoint's changing), the unhandled 404, _OTHER, and /quiet left out.
        Assert.Equal(4, Sample(ours, "http_server_request_duration_seconds_count", "http_route=\"/items/{id}\"", "http_request_method=\"GET\"", "http_response_status_code=\"200\""));
        Assert.Equal(2, Sample(ours, "http_server_request_duration_seconds_count", "http_route=\"/items/{id}\"", "http_request_method=\"GET\"", "http_response_status_code=\"400\""));
        Assert.Equal(2, Sample(ours, "http_server_request_duration_seconds_count", "http_response_status_code=\"500\""));
        Assert.Equal(1, Sample(ours, "http_server_request_duration_seconds_count", "aspnetcore_request_is_unhandled=\"true\""));
        Assert.Equal(1, Sample(ours, "http_server_request_duration_seconds_count", "http_request_method=\"_OTHER\""));
        Assert.DoesNotContain(counts, line => line.Contains("/quiet", StringComparison.Ordinal));
        Assert.Equal(11, counts.Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("", await Promtool.CheckMetricsAsync(ours));
    }

    [Fact]
    public async Task A_request_in_flight_is_an_active_request_until_it_ends()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(MetricsOn, routes: app => app.MapPost("/slow", async () =>
        {
            entered.TrySetResult();
            await release.Task;
            return "done";
        }));

        var slow = server.Client.PostAsync("/slow", null);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var during = await server.Client.GetStringAsync("/metrics");
        release.TrySetResult();
        (await slow).EnsureSuccessStatusCode();
        var after = await server.Client.GetStringAsync("/metrics");

        Assert.Equal(1, Sample(during, "http_server_active_requests", "http_request_method=\"POST\""));
        Assert.Equal(0, Sample(during, "http_server_request_duration_seconds_count", "http_route=\"/slow\""));
        Assert.Equal(0, Sample(after, "http_server_active_requests", "http_request_method=\"POST\""));
        Assert.Equal(1, Sample(after, "http_server_request_duration_seconds_count", "http_route=\"/slow\"", "http_request_method=\"POST\""));
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_and_a_failing_check_makes_the_server_not_ready()
    {
        var healthy = true;
        await using var server = await TestServer.StartAsync(configure: builder =>
            builder.Services.AddHealthChecks().AddCheck("database", () => healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("connection refused")));

        using (var live = await server.Client.GetAsync("/health/live"))
        using (var ready = await server.Client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Healthy\n", await ready.Content.ReadAsStringAsync());
        }

        healthy = false;
        using (var live = await server.Client.GetAsync("/health/live"))
        using (var ready = await server.Client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("Unhealthy\ndatabase: Unhealthy - connection refused\n", await ready.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_draining_server_is_not_ready()
    {
        await using var server = await TestServer.StartAsync();
        var drain = server.App.Services.GetRequiredService<Resident.Hosting.GenerationDrain>();
        drain.ConnectionGrace = TimeSpan.FromSeconds(60);
        (await server.Client.GetAsync("/plaintext")).EnsureSuccessStatusCode();

        // Begin the retirement and ask at once, on the connection already open (a retiring server accepts no new
        // ones), whether or not the retirement has begun to drain connections yet: the answer closes the connection
        // either way, so the retirement, which waits for connections to leave, ends well within its 60 s grace.
        var retirement = drain.RetireAsync("reload", CancellationToken.None);
        using var ready = await server.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("resident: Unhealthy - draining", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(ready.Headers.ConnectionClose, "a draining answer closes its keep-alive connection");
        await retirement.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_worker_that_stopped_accepting_is_not_ready_before_it_retires()
    {
        // A supervised worker's reload stops accepting first and retires only once its timers are handed over.
        await using var server = await TestServer.StartAsync();
        (await server.Client.GetAsync("/plaintext")).EnsureSuccessStatusCode();
        var drain = server.App.Services.GetRequiredService<Resident.Hosting.GenerationDrain>();
        Assert.False(drain.IsRetiring);

        await drain.StopAcceptingAsync().WaitAsync(TimeSpan.FromSeconds(30));
        using var ready = await server.Client.GetAsync("/health/ready");

        Assert.True(drain.IsRetiring);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("resident: Unhealthy - draining", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(ready.Headers.ConnectionClose, "a draining answer closes its keep-alive connection");
    }

    [Fact]
    public async Task The_probes_can_be_turned_off_or_moved()
    {
        await using (var off = await TestServer.StartAsync(new() { ["Resident:Health:Enabled"] = "false" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await off.Client.GetAsync("/health/ready")).StatusCode);
        }

        await using var moved = await TestServer.StartAsync(new() { ["Resident:Health:ReadyPath"] = "/ready", ["Resident:Health:LivePath"] = "/alive" });
        Assert.Equal(HttpStatusCode.OK, (await moved.Client.GetAsync("/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await moved.Client.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await moved.Client.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("Resident:Metrics:Path", "metrics", "Resident:Metrics:Path must be a path such as /metrics")]
    [InlineData("Resident:Metrics:ListenPort", "70000", "Resident:Metrics:ListenPort must be from 0 to 65535")]
    [InlineData("Resident:Metrics:ListenIp", "localhost", "Resident:Metrics:ListenIp must be an IPv4 or IPv6 address")]
    [InlineData("Resident:Metrics:IgnoredStatusCodes:0", "abc", "Resident:Metrics:IgnoredStatusCodes:0 must be an HTTP status code")]
    [InlineData("Resident:Metrics:IgnoredStatusCodes:0", "42", "Resident:Metrics:IgnoredStatusCodes:0 must be from 100 to 599")]
    [InlineData("Resident:Metrics:MaxSeriesPerInstrument", "1", "Resident:Metrics:MaxSeriesPerInstrument must be from 10 to 100000")]
    [InlineData("Resident:Metrics:Meters:0", "*", "Resident:Metrics:Meters:0 must be a meter name")]
    [InlineData("Resident:Metrics:ExcludedInstruments:0", " ", "Resident:Metrics:ExcludedInstruments:0 must be an instrument name")]
    [InlineData("Resident:Metrics:ExcludedInstruments:0", "*", "Resident:Metrics:ExcludedInstruments:0 must be an instrument name")]
    [InlineData("Resident:Health:ReadyPath", "/metrics", "Resident:Health:ReadyPath must differ from Resident:Metrics:Path")]
    [InlineData("Resident:Metrics:Enabled", "yes", "Resident:Metrics:Enabled must be true or false")]
    [InlineData("Resident:Metrics:AspNetCoreRequestMetrics", "maybe", "Resident:Metrics:AspNetCoreRequestMetrics must be true or false")]
    public async Task A_bad_metrics_or_health_setting_fails_the_start_naming_the_key(string key, string value, string expected)
    {
        var exception = await TestServer.StartFailureAsync(With((key, value)));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }
}
