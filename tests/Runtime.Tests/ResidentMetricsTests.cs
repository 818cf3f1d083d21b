using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Resident.Metrics;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class ResidentMetricsTests
{
    private sealed record Measurement(string Instrument, string? Unit, double Value, KeyValuePair<string, object?>[] Tags);

    // Listens only to the given meter object, so the meters of hosts other tests run at the same time never mix in.
    private static MeterListener Listen(Meter meter, ConcurrentQueue<Measurement> measurements, Action? measured = null)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, tags.ToArray()));
            measured?.Invoke();
        });
        listener.Start();
        return listener;
    }

    private static bool IsLagJob(Measurement measurement) =>
        measurement.Tags.Any(tag => tag.Key == "job" && Equals(tag.Value, nameof(LagJob)));

    [Fact]
    public void The_cron_lag_is_recorded_in_seconds_with_the_job_tag_on_the_Resident_meter()
    {
        using var services = new ServiceCollection().AddMetrics().AddSingleton<ResidentMetrics>().BuildServiceProvider();
        var metrics = services.GetRequiredService<ResidentMetrics>();
        var measurements = new ConcurrentQueue<Measurement>();
        using var listener = Listen(metrics.Meter, measurements);

        metrics.RecordCronLag(TimeSpan.FromMilliseconds(250), ResidentMetrics.JobTag("nightly"));

        var measurement = Assert.Single(measurements);
        Assert.Equal("Resident", metrics.Meter.Name);
        Assert.Equal("resident.cron.lag", measurement.Instrument);
        Assert.Equal("s", measurement.Unit);
        Assert.Equal(0.25, measurement.Value, 9);
        Assert.Equal([new KeyValuePair<string, object?>("job", "nightly")], measurement.Tags);
    }

    [Fact]
    public async Task A_running_cron_job_records_its_lag_through_the_hosts_ResidentMetrics()
    {
        var probe = new BackgroundProbe(nameof(LagJob));
        await using var server = await TestServer.StartAsync(configure: builder => builder.Services.AddSingleton(probe), mapWebSockets: false);
        var metrics = server.App.Services.GetRequiredService<ResidentMetrics>();
        var measurements = new ConcurrentQueue<Measurement>();
        var threeRuns = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = Listen(metrics.Meter, measurements, () =>
        {
            if (measurements.Count(IsLagJob) >= 3)
            {
                threeRuns.TrySetResult();
            }
        });

        // LagJob runs every 25 ms; three runs after listening starts are enough.
        await threeRuns.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var lagJob = measurements.Where(IsLagJob).ToArray();
        Assert.True(lagJob.Length >= 3);
        Assert.All(lagJob, measurement =>
        {
            Assert.Equal("resident.cron.lag", measurement.Instrument);
            Assert.Equal("s", measurement.Unit);
            Assert.InRange(measurement.Value, 0, 20);
        });
    }
}
