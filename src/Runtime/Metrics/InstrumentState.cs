using System.Diagnostics.Metrics;
using System.Globalization;

namespace Resident.Metrics;

/// <summary>
/// What the collector keeps of one instrument: its series and how a measurement changes them. The listener passes
/// this object as the instrument's state, so a measurement reaches its series with no lookup of the instrument.
/// </summary>
internal abstract class InstrumentState(Instrument instrument, MetricKind kind)
{
    private readonly (string Name, string Unit) _family = PrometheusNames.Family(instrument.Name, instrument.Unit, kind);

    public Instrument Instrument { get; } = instrument;

    public abstract void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>The series of <paramref name="tags"/>, for a caller that keeps it and records into it directly.</summary>
    public abstract Series SeriesOf(ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Observable instruments forget the last scrape's values before their callbacks run again.</summary>
    public virtual void BeginObservation()
    {
    }

    /// <summary>Adds this instrument's series to <paramref name="snapshot"/>.</summary>
    public void Collect(MetricsSnapshot snapshot)
    {
        var help = string.IsNullOrEmpty(Instrument.Description) ? $"{Instrument.Name} ({Instrument.Meter.Name})" : Instrument.Description;
        if (snapshot.Family(_family.Name, kind, _family.Unit, help) is { } family)
        {
            AddPoints(family.Points);
        }
    }

    protected abstract void AddPoints(List<MetricPoint> points);

    /// <summary>
    /// How Prometheus shows <paramref name="instrument"/>, and whether it keeps the last value (gauges, observables)
    /// and is read at scrapes; null for a kind Prometheus cannot show. The generic definition tells the kind; no
    /// member is reached by reflection.
    /// </summary>
    internal static (MetricKind Kind, bool LastValue, bool Observable)? KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : null;
        return definition switch
        {
            _ when definition == typeof(Counter<>) => (MetricKind.Counter, false, false),
            _ when definition == typeof(UpDownCounter<>) => (MetricKind.Gauge, false, false),
            _ when definition == typeof(Gauge<>) => (MetricKind.Gauge, true, false),
            _ when definition == typeof(ObservableCounter<>) => (MetricKind.Counter, true, true),
            _ when definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) => (MetricKind.Gauge, true, true),
            _ when definition == typeof(Histogram<>) => (MetricKind.Histogram, false, false),
            _ => null,
        };
    }

    /// <summary>The state for <paramref name="instrument"/>, or null for a kind Prometheus cannot show.</summary>
    public static InstrumentState? For(Instrument instrument, int maxSeries, Func<ReadOnlySpan<KeyValuePair<string, object?>>, bool>? skip) =>
        KindOf(instrument) switch
        {
            null => null,
            (MetricKind.Histogram, _, _) => new HistogramState(instrument, maxSeries, BucketBounds(instrument), skip),
            var (kind, lastValue, observable) => new SumState(instrument, kind, maxSeries, lastValue, observable),
        };

    /// <summary>The instrument's advised buckets, else OpenTelemetry's defaults for seconds or for other units.</summary>
    private static double[] BucketBounds(Instrument instrument)
    {
        var advised = instrument switch
        {
            Histogram<double> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => bound),
            Histogram<float> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            Histogram<long> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            Histogram<int> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            _ => null,
        };
        if (advised?.ToArray() is { Length: > 0 } bounds)
        {
            return [.. bounds.Order().Distinct()];
        }

        return instrument.Unit == "s" ? SecondBuckets : DefaultBuckets;
    }

    private static readonly double[] SecondBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    protected static KeyValuePair<string, string>[] Labels(KeyValuePair<string, object?>[] tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var label = PrometheusNames.Label(key);
            if (labels.Any(existing => existing.Key == label))
            {
                continue;
            }

            labels.Add(new(label, value switch
            {
                null => "",
                string text => text,
                bool flag => flag ? "true" : "false",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString() ?? "",
            }));
        }

        return [.. labels];
    }

    /// <summary>Counters, up-down counters and gauges: a sum per series, or the last value for gauges and observables.</summary>
    private sealed class SumState(Instrument instrument, MetricKind kind, int maxSeries, bool lastValue = false, bool observable = false)
        : InstrumentState(instrument, kind)
    {
        private SeriesTable<SumSeries> _series = new(maxSeries, static tags => new SumSeries(tags));

        public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _series.Get(tags);
            if (lastValue)
            {
                series.Set(value);
            }
            else
            {
                series.Add(value);
            }
        }

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _series.Get(tags);
            if (lastValue)
            {
                series.Set(value);
            }
            else
            {
                series.Add(value);
            }
        }

        public override Series SeriesOf(ReadOnlySpan<KeyValuePair<string, object?>> tags) => _series.Get(tags);

        public override void BeginObservation()
        {
            if (observable)
            {
                // Series a callback no longer reports (a table dropped, a process gone) disappear from the scrape.
                _series = new SeriesTable<SumSeries>(maxSeries, static tags => new SumSeries(tags));
            }
        }

        protected override void AddPoints(List<MetricPoint> points)
        {
            foreach (var series in _series.All())
            {
                points.Add(new MetricPoint(Labels(series.Tags), series.Value, Created: observable ? double.NaN : series.CreatedAt));
            }
        }
    }

    private sealed class HistogramState(Instrument instrument, int maxSeries, double[] bounds, Func<ReadOnlySpan<KeyValuePair<string, object?>>, bool>? skip)
        : InstrumentState(instrument, MetricKind.Histogram)
    {
        private readonly SeriesTable<HistogramSeries> _series = new(maxSeries, tags => new HistogramSeries(tags, bounds));

        public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

        public override Series SeriesOf(ReadOnlySpan<KeyValuePair<string, object?>> tags) => _series.Get(tags);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (skip is not null && skip(tags))
            {
                return;
            }

            _series.Get(tags).Record(value);
        }

        protected override void AddPoints(List<MetricPoint> points)
        {
            foreach (var series in _series.All())
            {
                var (buckets, sum) = series.Read();
                points.Add(new MetricPoint(Labels(series.Tags), buckets.Sum(), bounds, buckets, sum, series.CreatedAt));
            }
        }
    }
}
