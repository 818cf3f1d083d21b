using System.Globalization;
using System.Text;

namespace Resident.Metrics;

/// <summary>
/// Writes a snapshot in the Prometheus text format 0.0.4 or in OpenMetrics 1.0 (chosen by the scraper's
/// <c>Accept</c>): one HELP and TYPE per family, counters' samples ending in <c>_total</c>, histograms as cumulative
/// <c>_bucket{le}</c> with <c>_sum</c> and <c>_count</c>. OpenMetrics adds <c>UNIT</c>, counters' and histograms'
/// <c>_created</c> (so a worker's restart shows as a reset) and the closing <c># EOF</c>.
/// </summary>
internal static class PrometheusWriter
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>Whether the scraper asked for OpenMetrics (Prometheus does by default).</summary>
    public static bool WantsOpenMetrics(string? accept) =>
        accept is not null && accept.Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase);

    public static string Write(MetricsSnapshot snapshot, bool openMetrics)
    {
        var text = new StringBuilder(16 * 1024);
        foreach (var family in snapshot.Families)
        {
            if (family.Points.Count == 0)
            {
                continue;
            }

            var counter = family.Kind == MetricKind.Counter;

            // In the text format the family is named as its samples (with _total); in OpenMetrics without.
            var familyName = counter && !openMetrics ? family.Name + "_total" : family.Name;
            text.Append("# HELP ").Append(familyName).Append(' ');
            AppendEscaped(text, family.Help, escapeQuote: openMetrics);
            text.Append('\n');
            text.Append("# TYPE ").Append(familyName).Append(' ').Append(family.Kind switch
            {
                MetricKind.Counter => "counter",
                MetricKind.Histogram => "histogram",
                _ => "gauge",
            }).Append('\n');
            if (openMetrics && family.Unit.Length > 0)
            {
                text.Append("# UNIT ").Append(familyName).Append(' ').Append(family.Unit).Append('\n');
            }

            foreach (var point in family.Points)
            {
                switch (family.Kind)
                {
                    case MetricKind.Histogram:
                        WriteHistogram(text, family.Name, point, openMetrics);
                        break;
                    case MetricKind.Counter:
                        Sample(text, family.Name + "_total", point.Labels, null, point.Value, openMetrics);
                        if (openMetrics && !double.IsNaN(point.Created))
                        {
                            Sample(text, family.Name + "_created", point.Labels, null, point.Created, openMetrics);
                        }

                        break;
                    default:
                        Sample(text, family.Name, point.Labels, null, point.Value, openMetrics);
                        break;
                }
            }
        }

        if (openMetrics)
        {
            text.Append("# EOF\n");
        }

        return text.ToString();
    }

    private static void WriteHistogram(StringBuilder text, string name, MetricPoint point, bool openMetrics)
    {
        long cumulative = 0;
        for (var i = 0; i < point.Buckets!.Length; i++)
        {
            cumulative += point.Buckets[i];
            var bound = i < point.Bounds!.Length ? Number(point.Bounds[i], openMetrics) : "+Inf";
            Sample(text, name + "_bucket", point.Labels, bound, cumulative, openMetrics);
        }

        Sample(text, name + "_sum", point.Labels, null, point.Sum, openMetrics);
        Sample(text, name + "_count", point.Labels, null, cumulative, openMetrics);
        if (openMetrics && !double.IsNaN(point.Created))
        {
            Sample(text, name + "_created", point.Labels, null, point.Created, openMetrics);
        }
    }

    private static void Sample(StringBuilder text, string name, KeyValuePair<string, string>[] labels, string? le, double value, bool openMetrics)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{');
            var first = true;
            foreach (var (key, labelValue) in labels)
            {
                if (!first)
                {
                    text.Append(',');
                }

                first = false;
                text.Append(key).Append("=\"");
                AppendEscaped(text, labelValue, escapeQuote: true);
                text.Append('"');
            }

            if (le is not null)
            {
                text.Append(first ? "" : ",").Append("le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        text.Append(' ').Append(Number(value, openMetrics)).Append('\n');
    }

    /// <summary>A sample value or bound as Prometheus writes it (OpenMetrics wants <c>1.0</c> rather than <c>1</c> for bounds).</summary>
    internal static string Number(double value, bool openMetrics)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return openMetrics && double.IsInteger(value) && !text.Contains('E', StringComparison.Ordinal) ? text + ".0" : text;
    }

    private static void AppendEscaped(StringBuilder text, string value, bool escapeQuote)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '"' when escapeQuote:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }
}
