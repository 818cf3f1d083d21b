using System.Diagnostics;

namespace Resident.Tests.Infrastructure;

/// <summary>
/// What the test assembly's tasks, listeners, cron jobs and processes saw, per host. The generated manifest puts every
/// declaration in every test host; a declaration acts only in a host whose probe enables it, so tests never mix.
/// </summary>
public sealed class BackgroundProbe(params string[] enabled)
{
    private readonly HashSet<string> _enabled = new(enabled, StringComparer.Ordinal);
    private readonly Recorder _entries = new();
    private readonly Lock _gate = new();
    private readonly List<(string Entry, long Timestamp)> _timestamps = [];

    /// <summary>Released by tests to let blocking declarations go on.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs of the overlap jobs going on right now, and the most seen at once.</summary>
    public int Concurrent;

    public int MaxConcurrent;

    /// <summary>Planned start and lag of each run of the lag job.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset Planned, TimeSpan Lag)> Ticks { get; } = new();

    public bool Enables(string declaration) => _enabled.Contains(declaration);

    public IReadOnlyList<string> Events => _entries.Events;

    /// <summary>The Stopwatch timestamp of the first entry equal to <paramref name="entry"/>.</summary>
    public long TimestampOf(string entry) => TimestampsOf(entry)[0];

    public IReadOnlyList<long> TimestampsOf(string entry)
    {
        lock (_gate)
        {
            return [.. _timestamps.Where(e => e.Entry == entry).Select(e => e.Timestamp)];
        }
    }

    public void Add(string entry)
    {
        lock (_gate)
        {
            _timestamps.Add((entry, Stopwatch.GetTimestamp()));
        }

        _entries.Add(entry);
    }

    public int Count(string entry) => Events.Count(e => e == entry);

    /// <summary>Waits until the events satisfy <paramref name="condition"/>; fails after a generous timeout.</summary>
    public Task<IReadOnlyList<string>> WaitForAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan? timeout = null) =>
        _entries.WaitForAsync(condition, timeout);

    public Task WaitForCountAsync(string entry, int count, TimeSpan? timeout = null) =>
        WaitForAsync(events => events.Count(e => e == entry) >= count, timeout);
}
