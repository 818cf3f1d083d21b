using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Resident;
using Resident.Metrics;

namespace TableBench;

/// <summary>
/// What a measurement costs once metrics are on: a request-duration histogram with ASP.NET Core's five tags and a
/// one-tag counter, recorded with no listener (metrics off, the baseline), into Resident's collector (what
/// <c>Resident:Metrics:Enabled</c> turns on), and into OpenTelemetry's SDK (<c>AddMeter</c> with a MeterProvider, the
/// peer a .NET user would otherwise reach for). 1000 measurements per invocation, reported per measurement.
/// Run: <c>dotnet run -c Release --project tests/Benchmarks/Tables -- --filter '*ExporterBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class ExporterBenchmarks
{
    public const int Measurements = 1000;

    private static readonly object Status200 = 200;

    private readonly KeyValuePair<string, object?>[] _requestTags =
    [
        new("url.scheme", "http"), new("http.request.method", "GET"), new("network.protocol.version", "1.1"),
        new("http.response.status_code", Status200), new("http.route", "/plaintext"),
    ];

    private readonly KeyValuePair<string, object?> _pathTag = new("path", "/ws");
    private ServiceProvider _services = null!;
    private MetricsCollector _collector = null!;
    private MeterProvider _openTelemetry = null!;
    private (Histogram<double> Duration, Counter<long> Messages) _off;
    private (Histogram<double> Duration, Counter<long> Messages) _resident;
    private (Histogram<double> Duration, Counter<long> Messages) _sdk;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = _services.GetRequiredService<IMeterFactory>();
        _off = Instruments(factory.Create("Bench.Off"));
        _resident = Instruments(factory.Create("Bench.Resident"));
        // OpenTelemetry's SDK listens to meters by name; a plain Meter, as most libraries make them.
        _sdk = Instruments(new Meter("Bench.OpenTelemetry"));
        var options = new ResidentOptions();
        options.Metrics.Meters = ["Bench.Resident"];
        _collector = new MetricsCollector(factory, Options.Create(options));
        _collector.Start();
        // The SDK enables instruments only when a reader will collect them: an exporter, as an app has.
        _openTelemetry = Sdk.CreateMeterProviderBuilder().AddMeter("Bench.OpenTelemetry").AddInMemoryExporter(new List<Metric>()).Build();
    }

    private static (Histogram<double>, Counter<long>) Instruments(Meter meter) =>
        (meter.CreateHistogram<double>("http.server.request.duration", "s"), meter.CreateCounter<long>("resident.websocket.messages.received", "{message}"));

    [GlobalCleanup]
    public void Cleanup()
    {
        _openTelemetry.Dispose();
        _collector.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Measurements)]
    public void Request_histogram_metrics_off() => RecordRequests(_off.Duration);

    [Benchmark(OperationsPerInvoke = Measurements)]
    public void Request_histogram_Resident() => RecordRequests(_resident.Duration);

    [Benchmark(OperationsPerInvoke = Measurements)]
    public void Request_histogram_OpenTelemetry_SDK() => RecordRequests(_sdk.Duration);

    [Benchmark(OperationsPerInvoke = Measurements)]
    public void Message_counter_metrics_off() => CountMessages(_off.Messages);

    [Benchmark(OperationsPerInvoke = Measurements)]
    public void Message_counter_Resident() => CountMessages(_resident.Messages);

    [Benchmark(OperationsPerInvoke = Measurements)]
    public void Message_counter_OpenTelemetry_SDK() => CountMessages(_sdk.Messages);

    private void RecordRequests(Histogram<double> duration)
    {
        var tags = new ReadOnlySpan<KeyValuePair<string, object?>>(_requestTags);
        for (var i = 0; i < Measurements; i++)
        {
            duration.Record(0.000_25 + (i & 7) * 0.001, tags);
        }
    }

    private void CountMessages(Counter<long> messages)
    {
        for (var i = 0; i < Measurements; i++)
        {
            messages.Add(1, _pathTag);
        }
    }
}
