using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Resident.Metrics;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>The sample Grafana dashboard asks only for series the exporter can produce, so a renamed instrument breaks a test, not a dashboard.</summary>
public sealed partial class GrafanaDashboardTests
{
    [Fact]
    public async Task Every_series_the_dashboard_queries_is_one_the_exporter_writes()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:Metrics:Enabled"] = "true" });
        var factory = server.App.Services.GetRequiredService<IMeterFactory>();

        // The supervisor's workers are observed only in a master; register them on this host's meter as a master does.
        server.App.Services.GetRequiredService<ResidentMetrics>().ObserveSupervisorWorkers(() => (1, 0, 0));
        var samples = new HashSet<string>(StringComparer.Ordinal);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, factory)
                    || !MetricsCollector.BuiltInMeters.Contains(instrument.Meter.Name))
                {
                    return;
                }

                if (InstrumentState.KindOf(instrument) is not { Kind: var kind })
                {
                    return;
                }

                var (name, _) = PrometheusNames.Family(instrument.Name, instrument.Unit, kind);
                string[] names = kind switch
                {
                    MetricKind.Histogram => [name + "_bucket", name + "_count", name + "_sum"],
                    MetricKind.Counter => [name + "_total"],
                    _ => [name],
                };
                lock (samples)
                {
                    samples.UnionWith(names);
                }
            };
            listener.Start();
        }

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TableAppProcess.RepositoryRoot(), "samples", "grafana", "resident-dashboard.json")));
        var queried = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => LabelParts().Replace(target.GetProperty("expr").GetString()!, ""))
            .SelectMany(expression => SeriesName().Matches(expression).Select(match => match.Value))
            .Distinct()
            .ToArray();

        Assert.True(queried.Length >= 20, string.Join(", ", queried));
        Assert.All(queried, name => Assert.Contains(name, samples));
    }

    [GeneratedRegex(@"\b(?:resident|http|kestrel|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex SeriesName();

    // Label matchers ({job=~"$job"}) and groupings (by (le, http_route)) name labels, not series.
    [GeneratedRegex(@"\{[^}]*\}|\bby\s*\([^)]*\)")]
    private static partial Regex LabelParts();
}
