namespace Resident.Tests.Infrastructure;

/// <summary>
/// What the test assembly's cleaners and hooks saw, per host. Every host registers its own recorder, so the
/// declarations (which the generated manifest puts in every test host) never mix hosts. Waits are signalled, not polled.
/// </summary>
public sealed class Recorder
{
    private readonly Lock _gate = new();
    private readonly List<string> _events = [];
    private readonly List<(Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Makes the test declarations that honour it throw.</summary>
    public bool ThrowInCleaner { get; set; }

    public bool ThrowInRequestHooks { get; set; }

    public bool ThrowInLifecycleHooks { get; set; }

    /// <summary>Set by a ServerStart hook: how many listen addresses the server had at that moment.</summary>
    public int? AddressesAtServerStart { get; set; }

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public void Add(string entry)
    {
        lock (_gate)
        {
#pragma warning disable RES002 // One recorder per test server, which lives for one test: growth is bounded by the test.
            _events.Add(entry);
#pragma warning restore RES002
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(_events))
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Waits until the events satisfy <paramref name="condition"/>; fails after a generous timeout.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_events))
            {
                return [.. _events];
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

    /// <summary>Events that mention <paramref name="requestId"/>, in order, with the id removed.</summary>
    public IReadOnlyList<string> For(string requestId) => Select(Events, requestId);

    /// <summary>The entries of <paramref name="events"/> that mention <paramref name="requestId"/>, with the id removed.</summary>
    public static IReadOnlyList<string> Select(IReadOnlyList<string> events, string requestId) =>
        [.. events.Where(e => e.EndsWith("#" + requestId, StringComparison.Ordinal)).Select(e => e[..e.LastIndexOf('#')])];
}
