using System.Diagnostics.Metrics;

namespace Resident.Metrics;

/// <summary>
/// Owns the <c>Resident</c> meter and every instrument on it, so names, units and descriptions are written in one
/// class (one partial file per area: <c>ResidentMetrics.Tasks.cs</c>, <c>ResidentMetrics.WebSockets.cs</c> …).
/// Durations are in seconds (unit <c>s</c>), as OpenTelemetry's conventions ask. Each instrument is a field created
/// once; its <c>Record…</c> method takes the value and tags the caller built once, so recording allocates nothing.
/// </summary>
internal sealed partial class ResidentMetrics
{
    /// <summary>The meter Resident's own instruments are on (<c>AddMeter("Resident")</c> in OpenTelemetry).</summary>
    public const string MeterName = "Resident";

    /// <summary>Histogram of how late each cron job run started, planned versus actual; tag <c>job</c>.</summary>
    public const string CronLagName = "resident.cron.lag";

    // Lags range from sub-millisecond (interval jobs on the monotonic clock) to seconds (a busy machine): the default
    // buckets, meant for milliseconds, would put every run in the first one.
    private static readonly IReadOnlyList<double> LagBuckets =
        [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _cronLag;

    public ResidentMetrics(IMeterFactory meterFactory)
    {
        // The factory owns the meter and disposes it with the service provider.
        Meter = meterFactory.Create(MeterName);
        _cronLag = Meter.CreateHistogram(CronLagName, "s", "How late each cron job run started, planned versus actual.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
        CreateHttpInstruments();
        CreateWebSocketInstruments();
        CreateSocketInstruments();
        CreateTableInstruments();
        CreateTaskInstruments();
        CreateEventInstruments();
        CreateCronInstruments();
        CreateProcessInstruments();
        CreateSupervisionInstruments();
    }

    // Each area's partial file creates its instruments here (fields assigned once, from the constructor).
    partial void CreateHttpInstruments();

    partial void CreateWebSocketInstruments();

    partial void CreateSocketInstruments();

    partial void CreateTableInstruments();

    partial void CreateTaskInstruments();

    partial void CreateEventInstruments();

    partial void CreateCronInstruments();

    partial void CreateProcessInstruments();

    partial void CreateSupervisionInstruments();

    /// <summary>The <c>Resident</c> meter.</summary>
    public Meter Meter { get; }

    /// <summary>Records a cron run's start lag; <paramref name="job"/> is the job's <c>job</c> tag, made once per job.</summary>
    public void RecordCronLag(TimeSpan lag, in KeyValuePair<string, object?> job) => _cronLag.Record(lag.TotalSeconds, job);

    /// <summary>The <c>job</c> tag of a cron job's measurements; made once per job and passed to every record.</summary>
    public static KeyValuePair<string, object?> JobTag(string job) => new("job", job);
}
