namespace Resident.Metrics;

/// <summary>How Prometheus sees a family: a counter (monotonic sum), a gauge, or a histogram.</summary>
internal enum MetricKind : byte
{
    Counter = 1,
    Gauge = 2,
    Histogram = 3,
}

/// <summary>One series at a scrape: its labels and value, or a histogram's buckets (not cumulative) and sum.</summary>
internal sealed record MetricPoint(KeyValuePair<string, string>[] Labels, double Value, double[]? Bounds = null, long[]? Buckets = null, double Sum = 0, double Created = double.NaN)
{
    /// <summary>The same point with <paramref name="label"/> added first (unless the point has that label already).</summary>
    public MetricPoint WithLabel(KeyValuePair<string, string> label) =>
        Labels.Any(existing => existing.Key == label.Key) ? this : this with { Labels = [label, .. Labels] };
}

/// <summary>
/// A metric family in Prometheus terms: <see cref="Name"/> is the base name (a counter's without <c>_total</c>),
/// <see cref="Unit"/> the unit word its name ends with (<c>seconds</c>, <c>bytes</c>) or empty.
/// </summary>
internal sealed class MetricFamily(string name, MetricKind kind, string unit, string help)
{
    public string Name { get; } = name;

    public MetricKind Kind { get; } = kind;

    public string Unit { get; } = unit;

    public string Help { get; } = help;

    public List<MetricPoint> Points { get; } = [];
}

/// <summary>
/// What one process measured at a scrape, or the merge of several processes' (supervised mode): families by name,
/// one HELP/TYPE each. It crosses the control socket in a small binary form (<see cref="Write"/>/<see cref="Read"/>).
/// </summary>
internal sealed class MetricsSnapshot
{
    private readonly Dictionary<string, MetricFamily> _byName = new(StringComparer.Ordinal);

    public List<MetricFamily> Families { get; } = [];

    /// <summary>The family named <paramref name="name"/>, made if new; null when it exists with another kind (its points are then dropped).</summary>
    public MetricFamily? Family(string name, MetricKind kind, string unit, string help)
    {
        if (_byName.TryGetValue(name, out var existing))
        {
            return existing.Kind == kind ? existing : null;
        }

        var family = new MetricFamily(name, kind, unit, help);
        _byName.Add(name, family);
        Families.Add(family);
        return family;
    }

    /// <summary>Merges the processes' snapshots, each point labelled with its process (e.g. <c>worker="1"</c>).</summary>
    public static MetricsSnapshot Merge(IEnumerable<(KeyValuePair<string, string> Label, MetricsSnapshot Snapshot)> parts)
    {
        var merged = new MetricsSnapshot();
        foreach (var (label, snapshot) in parts)
        {
            foreach (var family in snapshot.Families)
            {
                if (merged.Family(family.Name, family.Kind, family.Unit, family.Help) is { } target)
                {
                    foreach (var point in family.Points)
                    {
                        target.Points.Add(point.WithLabel(label));
                    }
                }
            }
        }

        return merged;
    }

    public byte[] Write()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Families.Count);
            foreach (var family in Families)
            {
                writer.Write(family.Name);
                writer.Write((byte)family.Kind);
                writer.Write(family.Unit);
                writer.Write(family.Help);
                writer.Write(family.Points.Count);
                foreach (var point in family.Points)
                {
                    writer.Write(point.Labels.Length);
                    foreach (var (key, value) in point.Labels)
                    {
                        writer.Write(key);
                        writer.Write(value);
                    }

                    writer.Write(point.Value);
                    writer.Write(point.Created);
                    if (family.Kind == MetricKind.Histogram)
                    {
                        writer.Write(point.Bounds!.Length);
                        foreach (var bound in point.Bounds)
                        {
                            writer.Write(bound);
                        }

                        foreach (var count in point.Buckets!)
                        {
                            writer.Write(count);
                        }

                        writer.Write(point.Sum);
                    }
                }
            }
        }

        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not a snapshot.</exception>
    public static MetricsSnapshot Read(ReadOnlyMemory<byte> bytes)
    {
        var snapshot = new MetricsSnapshot();
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8);
            int Count() => reader.ReadInt32() is var count && count >= 0 && count <= stream.Length - stream.Position
                ? count
                : throw new InvalidDataException("A count in the metrics snapshot is out of range.");

            var families = Count();
            for (var f = 0; f < families; f++)
            {
                var name = reader.ReadString();
                var kind = (MetricKind)reader.ReadByte();
                var family = snapshot.Family(name, kind, reader.ReadString(), reader.ReadString())
                    ?? throw new InvalidDataException($"The family {name} appears twice.");
                var points = Count();
                for (var p = 0; p < points; p++)
                {
                    var labels = new KeyValuePair<string, string>[Count()];
                    for (var l = 0; l < labels.Length; l++)
                    {
                        labels[l] = new(reader.ReadString(), reader.ReadString());
                    }

                    var value = reader.ReadDouble();
                    var created = reader.ReadDouble();
                    if (kind == MetricKind.Histogram)
                    {
                        var bounds = new double[Count()];
                        for (var b = 0; b < bounds.Length; b++)
                        {
                            bounds[b] = reader.ReadDouble();
                        }

                        var buckets = new long[bounds.Length + 1];
                        for (var b = 0; b < buckets.Length; b++)
                        {
                            buckets[b] = reader.ReadInt64();
                        }

                        family.Points.Add(new MetricPoint(labels, value, bounds, buckets, reader.ReadDouble(), created));
                    }
                    else
                    {
                        family.Points.Add(new MetricPoint(labels, value, Created: created));
                    }
                }
            }
        }
        catch (Exception exception) when (exception is EndOfStreamException or IOException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException("The metrics snapshot is malformed.", exception);
        }

        return snapshot;
    }
}
