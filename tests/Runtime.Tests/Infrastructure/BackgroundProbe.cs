using System.Diagnostics;

namespace Resident.Tests.Infrastructure;

/// <summary>
/// What the test assembly's tasks, listeners, cron jobs and processes saw, per host. The generated manifest puts every
/// declaration in every test host; a declaration acts only in a host whose probe enables it, so tests never mix.
/// </summary>
public sealed class BackgroundProbe(params string[] enabled)
{
    private readonly HashSet<string> _enabled = new(enabled, StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<(string Entry, long Timestamp)> _events = [];
    private readonly List<(Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Released by tests to let blocking declarations go on.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs of the overlap jobs going on right now, and the most seen at once.</summary>
    public int Concurrent;

    public int MaxConcurrent;

    /// <summary>Planned start and lag of each run of the lag job.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset Planned, TimeSpan Lag)> Ticks { get; } = new();

    public bool Enables(string declaration) => _enabled.Contains(declaration);

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events.Select(e => e.Entry)];
            }
        }
    }

    /// <summary>The Stopwatch timestamp of the first entry equal to <paramref name="entry"/>.</summary>
    public long TimestampOf(string entry)
    {
        lock (_gate)
        {
            return _events.First(e => e.Entry == entry).Timestamp;
        }
    }

    public IReadOnlyList<long> TimestampsOf(string entry)
    {
        lock (_gate)
        {
            return [.. _events.Where(e => e.Entry == entry).Select(e => e.Timestamp)];
        }
    }

    public void Add(string entry)
    {
        lock (_gate)
        {
            _events.Add((entry, Stopwatch.GetTimestamp()));
            var events = _events.Select(e => e.Entry).ToList();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(events))
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public int Count(string entry) => Events.Count(e => e == entry);

    /// <summary>Waits until the events satisfy <paramref name="condition"/>; fails after a generous timeout.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition([.. _events.Select(e => e.Entry)]))
            {
                return Events;
            }

            _waiters.Add((condition, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("The expected events never came. Seen: " + string.Join(" | ", Events));
        }

        return Events;
    }

    public Task WaitForCountAsync(string entry, int count, TimeSpan? timeout = null) =>
        WaitForAsync(events => events.Count(e => e == entry) >= count, timeout);
}
