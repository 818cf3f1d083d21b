using Resident.Metrics;
using Xunit;

namespace Resident.Tests;

public sealed class PrometheusFormatTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", MetricKind.Histogram, "http_server_request_duration_seconds", "seconds")]
    [InlineData("dotnet.gc.collections", "{collection}", MetricKind.Counter, "dotnet_gc_collections", "")]
    [InlineData("resident.task.runs_total", "{run}", MetricKind.Counter, "resident_task_runs", "")]
    [InlineData("dotnet.process.memory.working_set", "By", MetricKind.Gauge, "dotnet_process_memory_working_set_bytes", "bytes")]
    [InlineData("kestrel.connection.duration", "s", MetricKind.Histogram, "kestrel_connection_duration_seconds", "seconds")]
    [InlineData("net.throughput", "By/s", MetricKind.Gauge, "net_throughput_bytes_per_second", "bytes_per_second")]
    [InlineData("cache.hit_ratio", "1", MetricKind.Gauge, "cache_hit_ratio", "ratio")]
    [InlineData("dotnet.assembly.count", "{assembly}", MetricKind.Gauge, "dotnet_assembly_count_value", "")]
    [InlineData("9lives-x", "", MetricKind.Gauge, "_9lives_x", "")]
    internal void Instrument_names_become_Prometheus_names(string instrument, string unit, MetricKind kind, string expectedName, string expectedUnit)
    {
        Assert.Equal((expectedName, expectedUnit), PrometheusNames.Family(instrument, unit, kind));
    }

    [Fact]
    public void Label_names_and_values_are_escaped()
    {
        var snapshot = new MetricsSnapshot();
        snapshot.Family("odd", MetricKind.Gauge, "", "Help with \\ and\nnewline")!.Points.Add(
            new MetricPoint([new(PrometheusNames.Label("http.route"), "a\"b\\c\nd")], 1.5));

        var text = PrometheusWriter.Write(snapshot, openMetrics: false);

        Assert.Equal("# HELP odd Help with \\\\ and\\nnewline\n# TYPE odd gauge\nodd{http_route=\"a\\\"b\\\\c\\nd\"} 1.5\n", text);
    }

    [Fact]
    public void Histograms_are_cumulative_with_sum_and_count()
    {
        var snapshot = new MetricsSnapshot();
        snapshot.Family("lat_seconds", MetricKind.Histogram, "seconds", "Latency.")!.Points.Add(
            new MetricPoint([], 6, [0.1, 1], [1, 2, 3], 9.5, Created: 100));

        Assert.Equal(
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n" +
            "lat_seconds_bucket{le=\"0.1\"} 1\nlat_seconds_bucket{le=\"1\"} 3\nlat_seconds_bucket{le=\"+Inf\"} 6\n" +
            "lat_seconds_sum 9.5\nlat_seconds_count 6\n",
            PrometheusWriter.Write(snapshot, openMetrics: false));
        Assert.Equal(
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n# UNIT lat_seconds seconds\n" +
            "lat_seconds_bucket{le=\"0.1\"} 1.0\nlat_seconds_bucket{le=\"1.0\"} 3.0\nlat_seconds_bucket{le=\"+Inf\"} 6.0\n" +
            "lat_seconds_sum 9.5\nlat_seconds_count 6.0\nlat_seconds_created 100.0\n# EOF\n",
            PrometheusWriter.Write(snapshot, openMetrics: true));
    }

    [Fact]
    public void Counters_end_in_total_and_OpenMetrics_names_the_family_without_it()
    {
        var snapshot = new MetricsSnapshot();
        snapshot.Family("jobs", MetricKind.Counter, "", "Jobs.")!.Points.Add(new MetricPoint([new("job", "a")], 3, Created: 5));

        Assert.Equal("# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total{job=\"a\"} 3\n", PrometheusWriter.Write(snapshot, openMetrics: false));
        Assert.Equal("# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total{job=\"a\"} 3.0\njobs_created{job=\"a\"} 5.0\n# EOF\n",
            PrometheusWriter.Write(snapshot, openMetrics: true));
    }

    [Fact]
    public void Snapshots_cross_the_control_socket_and_merge_with_a_worker_label()
    {
        var worker = new MetricsSnapshot();
        worker.Family("jobs", MetricKind.Counter, "", "Jobs.")!.Points.Add(new MetricPoint([new("job", "a")], 3, Created: 5));
        worker.Family("lat_seconds", MetricKind.Histogram, "seconds", "Latency.")!.Points.Add(new MetricPoint([], 6, [0.1, 1], [1, 2, 3], 9.5, 7));
        var master = new MetricsSnapshot();
        master.Family("jobs", MetricKind.Counter, "", "Jobs.")!.Points.Add(new MetricPoint([new("job", "a")], 1));
        master.Family("lat_seconds", MetricKind.Gauge, "", "Not the same kind.")!.Points.Add(new MetricPoint([], 1));

        var read = MetricsSnapshot.Read(worker.Write());
        var merged = MetricsSnapshot.Merge([(new("worker", "master"), master), (new("worker", "0"), read), (new("worker", "1"), MetricsSnapshot.Read(worker.Write()))]);

        Assert.Equal(PrometheusWriter.Write(worker, true), PrometheusWriter.Write(read, true));
        var text = PrometheusWriter.Write(merged, openMetrics: false);
        Assert.Equal(1, text.Split('\n').Count(line => line == "# TYPE jobs_total counter"));
        Assert.Contains("jobs_total{worker=\"master\",job=\"a\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("jobs_total{worker=\"0\",job=\"a\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("jobs_total{worker=\"1\",job=\"a\"} 3\n", text, StringComparison.Ordinal);

        // The first process to name a family decides its kind; a clashing one's points are left out, not mislabelled.
        Assert.Contains("# TYPE lat_seconds gauge\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("lat_seconds_bucket", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_snapshot_is_refused()
    {
        var bytes = new MetricsSnapshot().Write();
        var truncated = new byte[] { 1, 0, 0, 0, 4, (byte)'j' };

        Assert.Empty(MetricsSnapshot.Read(bytes).Families);
        Assert.Throws<InvalidDataException>(() => MetricsSnapshot.Read(truncated));
        Assert.Throws<InvalidDataException>(() => MetricsSnapshot.Read(new byte[] { 1, 0, 0, 0, 1, (byte)'j', 1, 0, 0, 255, 255, 255, 255 }));
    }
}
