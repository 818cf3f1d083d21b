namespace Resident.Metrics;

/// <summary>
/// One instrument's series, one per distinct tag set, found without allocating or locking: an open-addressing
/// array each slot of which is written once. A new tag set is added under a lock (rare: tag sets repeat); a reader
/// that raced with the growth of the array misses and takes the lock, which finds the series in the new array.
/// </summary>
internal sealed class SeriesTable<TSeries>(int maxSeries, Func<KeyValuePair<string, object?>[], TSeries> create)
    where TSeries : Series
{
    private static readonly KeyValuePair<string, object?>[] OverflowTags = [new("otel.metric.overflow", true)];

    private readonly Lock _gate = new();
    private TSeries?[] _slots = new TSeries?[16];
    private int _count;
    private TSeries? _overflow;
    private TSeries? _last;

    /// <summary>The series of <paramref name="tags"/> (in any order), made on first use.</summary>
    public TSeries Get(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Measurements mostly repeat the last tag set (one route, one status): a few reference compares, no hash.
        var last = Volatile.Read(ref _last);
        if (last is not null && last.MatchesInOrder(tags))
        {
            return last;
        }

        var found = Find(tags);
        Volatile.Write(ref _last, found);
        return found;
    }

    private TSeries Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = Series.Hash(tags);
        var slots = Volatile.Read(ref _slots);
        var mask = slots.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var series = Volatile.Read(ref slots[i]);
            if (series is null)
            {
                break;
            }

            if (series.HashCode == hash && series.Matches(tags))
            {
                return series;
            }
        }

        return Add(tags, hash);
    }

    private TSeries Add(ReadOnlySpan<KeyValuePair<string, object?>> tags, int hash)
    {
        lock (_gate)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            var index = hash & mask;
            for (; slots[index] is { } existing; index = (index + 1) & mask)
            {
                if (existing.HashCode == hash && existing.Matches(tags))
                {
                    return existing;
                }
            }

            if (_count >= maxSeries)
            {
                return _overflow ??= Created(create(OverflowTags));
            }

            var series = Created(create(tags.ToArray()));
            if ((_count + 1) * 2 > slots.Length)
            {
                // Grow before publishing: readers see either the old array (and miss, then come here) or the whole new one.
                var grown = new TSeries?[slots.Length * 2];
                foreach (var entry in slots)
                {
                    if (entry is not null)
                    {
                        Place(grown, entry);
                    }
                }

                Place(grown, series);
                Volatile.Write(ref _slots, grown);
            }
            else
            {
                Volatile.Write(ref slots[index], series);
            }

            _count++;
            return series;
        }
    }

    private static TSeries Created(TSeries series)
    {
        series.CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        return series;
    }

    private static void Place(TSeries?[] slots, TSeries series)
    {
        var mask = slots.Length - 1;
        var index = series.HashCode & mask;
        while (slots[index] is not null)
        {
            index = (index + 1) & mask;
        }

        slots[index] = series;
    }

    /// <summary>Every series, for a scrape.</summary>
    public List<TSeries> All()
    {
        var all = new List<TSeries>();
        foreach (var series in Volatile.Read(ref _slots))
        {
            if (series is not null)
            {
                all.Add(series);
            }
        }

        lock (_gate)
        {
            if (_overflow is { } overflow)
            {
                all.Add(overflow);
            }
        }

        return all;
    }
}

/// <summary>One tag set's figures within an instrument.</summary>
internal abstract class Series(KeyValuePair<string, object?>[] tags)
{
    public KeyValuePair<string, object?>[] Tags { get; } = tags;

    public int HashCode { get; } = Hash(tags);

    /// <summary>When the series was first measured (Unix seconds): OpenMetrics' <c>_created</c>, which marks a reset.</summary>
    public double CreatedAt { get; set; }

    /// <summary>
    /// A hash of the tags that ignores their order and is cheap to compute per measurement: key lengths and each
    /// value's hash (a string's from its length and end characters). Equal tag sets hash equally; clashes are
    /// settled by <see cref="Matches"/>.
    /// </summary>
    public static int Hash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = tags.Length;
        foreach (var tag in tags)
        {
            var value = tag.Value switch
            {
                null => 0,
                string { Length: 0 } => 1,
                string text => (text.Length * 31 + text[0]) * 31 + text[^1],
                var other => other.GetHashCode(),
            };
            hash += (tag.Key.Length * 7919) ^ (value * 16777619);
        }

        return hash & int.MaxValue;
    }

    /// <summary>Adds to a double without a lock (compare-and-swap until no other writer came in between).</summary>
    protected static void AddAtomically(ref double target, double value)
    {
        var current = Volatile.Read(ref target);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref target, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Whether <paramref name="tags"/> are this series' tags in the same order.</summary>
    public bool MatchesInOrder(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var own = Tags;
        if (own.Length != tags.Length)
        {
            return false;
        }

        for (var i = 0; i < own.Length; i++)
        {
            if (!(ReferenceEquals(own[i].Key, tags[i].Key) || own[i].Key == tags[i].Key)
                || !(ReferenceEquals(own[i].Value, tags[i].Value) || Equals(own[i].Value, tags[i].Value)))
            {
                return false;
            }
        }

        return true;
    }

    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var own = Tags;
        if (own.Length != tags.Length)
        {
            return false;
        }

        // A call site passes its tags in the same order every time: try that first, one compare per tag.
        if (MatchesInOrder(tags))
        {
            return true;
        }

        foreach (var tag in tags)
        {
            var found = false;
            foreach (var candidate in own)
            {
                if ((ReferenceEquals(candidate.Key, tag.Key) || candidate.Key == tag.Key)
                    && (ReferenceEquals(candidate.Value, tag.Value) || Equals(candidate.Value, tag.Value)))
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A counter's or up-down counter's sum: whole numbers on one field, fractions on another, no lock.</summary>
internal sealed class SumSeries(KeyValuePair<string, object?>[] tags) : Series(tags)
{
    private long _whole;
    private double _fraction;

    public void Add(long value) => Interlocked.Add(ref _whole, value);

    public void Add(double value)
    {
        AddAtomically(ref _fraction, value);
    }

    /// <summary>Replaces the value (an observable instrument reports totals, not increments).</summary>
    public void Set(double value)
    {
        Interlocked.Exchange(ref _whole, 0);
        Interlocked.Exchange(ref _fraction, value);
    }

    public double Value => Interlocked.Read(ref _whole) + Volatile.Read(ref _fraction);
}

/// <summary>A histogram's bucket counts and sum; the count is the buckets' total, so the two always agree.</summary>
internal sealed class HistogramSeries(KeyValuePair<string, object?>[] tags, double[] bounds) : Series(tags)
{
    private readonly long[] _buckets = new long[bounds.Length + 1];
    private double _sum;

    public double[] Bounds => bounds;

    public void Record(double value)
    {
        // Prometheus buckets are inclusive ("le"): a value equal to a bound counts in that bound's bucket.
        var index = 0;
        while (index < bounds.Length && value > bounds[index])
        {
            index++;
        }

        Interlocked.Increment(ref _buckets[index]);
        AddAtomically(ref _sum, value);
    }

    /// <summary>The count in each bucket (not cumulative; the last is above every bound) and the sum.</summary>
    public (long[] Buckets, double Sum) Read()
    {
        var buckets = new long[_buckets.Length];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = Interlocked.Read(ref _buckets[i]);
        }

        return (buckets, Volatile.Read(ref _sum));
    }
}
