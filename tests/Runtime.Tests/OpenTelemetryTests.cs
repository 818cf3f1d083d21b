using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// OpenTelemetry's SDK listens to every meter of a name in the process, not only this host's: these tests run
/// alone (after the parallel ones), so the counts are this test's own.
/// </summary>
[CollectionDefinition(nameof(OpenTelemetryTests), DisableParallelization = true)]
public sealed class OpenTelemetryCollection;

[Collection(nameof(OpenTelemetryTests))]
public sealed class OpenTelemetryTests
{
    [Fact]
    public async Task An_apps_OpenTelemetry_pipeline_takes_Residents_instruments_with_one_line()
    {
        var exported = new List<Metric>();
        await using var server = await TestServer.StartAsync(configure: builder =>
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(ResidentTelemetry.MeterName)
                .AddInMemoryExporter(exported)));
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}/ws/echo"), CancellationToken.None);
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        var provider = server.App.Services.GetRequiredService<MeterProvider>();
        var opened = 0L;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (opened == 0 && DateTime.UtcNow < deadline)
        {
            exported.Clear();
            provider.ForceFlush();
            opened = exported.Where(metric => metric.Name == "resident.websocket.connections.opened")
                .SelectMany(metric =>
                {
                    var sums = new List<long>();
                    foreach (ref readonly var point in metric.GetMetricPoints())
                    {
                        sums.Add(point.GetSumLong());
                    }

                    return sums;
                })
                .Sum();
        }

        Assert.Equal(1, opened);
        Assert.All(exported, metric => Assert.Equal(ResidentTelemetry.MeterName, metric.MeterName));
        Assert.Equal("{connection}", exported.First(metric => metric.Name == "resident.websocket.connections.opened").Unit);
    }
}
