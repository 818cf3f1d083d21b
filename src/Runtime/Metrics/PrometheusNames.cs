using System.Text;

namespace Resident.Metrics;

/// <summary>
/// OpenTelemetry names to Prometheus names, as OpenTelemetry's Prometheus exporters do: invalid characters become
/// '_', the unit is spelled out and appended (<c>http.server.request.duration</c> in <c>s</c> becomes
/// <c>http_server_request_duration_seconds</c>), and a counter's samples end in <c>_total</c>.
/// </summary>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds", ["By"] = "bytes", ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["KBy"] = "kilobytes", ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes", ["bit"] = "bits", ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes",
        ["J"] = "joules", ["W"] = "watts", ["g"] = "grams", ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    private static readonly string[] ReservedEndings = ["_count", "_sum", "_bucket", "_total", "_created", "_info"];

    /// <summary>The family's base name and unit word for an instrument.</summary>
    public static (string Name, string Unit) Family(string instrumentName, string? unit, MetricKind kind)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        var unitWord = UnitWord(unit, kind);
        if (kind == MetricKind.Counter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }

        if (unitWord.Length > 0 && !name.EndsWith("_" + unitWord, StringComparison.Ordinal))
        {
            name = name + "_" + unitWord;
        }

        // Prometheus keeps these endings for a histogram's or counter's own samples: a gauge such as the runtime's
        // dotnet.assembly.count would read as part of one (and fails promtool's lint), so it gets a plain ending.
        if (kind != MetricKind.Counter && ReservedEndings.Any(ending => name.EndsWith(ending, StringComparison.Ordinal)))
        {
            name += "_value";
        }

        return (name, unitWord);
    }

    /// <summary>A label name: letters, digits and '_' (dots in OpenTelemetry tag keys become '_').</summary>
    public static string Label(string key) => Sanitize(key, allowColon: false);

    private static string UnitWord(string? unit, MetricKind kind)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return "";
        }

        if (unit == "1")
        {
            return kind == MetricKind.Gauge ? "ratio" : "";
        }

        // Annotations in braces ({request}, {connection}) are not units.
        var withoutAnnotations = new StringBuilder();
        var depth = 0;
        foreach (var c in unit)
        {
            depth += c == '{' ? 1 : c == '}' && depth > 0 ? -1 : 0;
            if (depth == 0 && c != '}')
            {
                withoutAnnotations.Append(c);
            }
        }

        var plain = withoutAnnotations.ToString().Trim();
        if (plain.Length == 0)
        {
            return "";
        }

        var slash = plain.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var per = plain[(slash + 1)..];
            var perWord = per switch { "s" => "second", "m" => "minute", "h" => "hour", "d" => "day", _ => Units.GetValueOrDefault(per, per) };
            return Sanitize($"{Units.GetValueOrDefault(plain[..slash], plain[..slash])}_per_{perWord}", allowColon: false);
        }

        return Sanitize(Units.GetValueOrDefault(plain, plain), allowColon: false);
    }

    private static string Sanitize(string text, bool allowColon)
    {
        var result = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            if (valid)
            {
                result.Append(c);
            }
            else if (result.Length == 0 || result[^1] != '_')
            {
                result.Append('_');
            }
        }

        if (result.Length == 0 || char.IsAsciiDigit(result[0]))
        {
            result.Insert(0, '_');
        }

        return result.ToString();
    }
}
