using System.Diagnostics;

namespace Resident.Timers;

/// <summary>
/// Wakes waiters at moments of a <see cref="TimeProvider"/>'s monotonic clock. For <see cref="TimeProvider.System"/>
/// (production) one dedicated thread does it: the runtime's timers count whole milliseconds of
/// <see cref="Environment.TickCount64"/>, so a 10 ms wait can end up to 2 ms late, while this thread waits on the
/// monotonic clock itself and wakes within about a millisecond, never early. Any other provider (a test's
/// FakeTimeProvider) is waited on through its own timers.
/// </summary>
internal sealed class MonotonicClock : IDisposable
{
    private readonly object _gate = new();
    private readonly PriorityQueue<TaskCompletionSource<bool>, long> _waiters = new();
    private readonly CancellationTokenSource _disposing = new();
    private bool _disposed;

    public MonotonicClock(string name, TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        if (ReferenceEquals(Time, TimeProvider.System))
        {
            // TimeProvider.System's timestamps are Stopwatch timestamps, which the thread compares against.
            new Thread(Run) { IsBackground = true, Name = name }.Start();
        }
    }

    /// <summary>The clock the timestamps are read from.</summary>
    public TimeProvider Time { get; }

    /// <summary>Completes with true at or after <paramref name="dueTimestamp"/>, or with false once cancelled or disposed.</summary>
    public Task<bool> WhenAsync(long dueTimestamp, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(Time, TimeProvider.System))
        {
            return WhenOnProviderAsync(dueTimestamp, cancellationToken);
        }

        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellationToken.IsCancellationRequested)
        {
            waiter.TrySetResult(false);
            return waiter.Task;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                waiter.TrySetResult(false);
                return waiter.Task;
            }

            _waiters.Enqueue(waiter, dueTimestamp);
            Monitor.Pulse(_gate);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // A cancelled waiter completes now; its queue entry is dropped when it comes due.
            var registration = cancellationToken.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetResult(false), waiter);
            _ = waiter.Task.ContinueWith(static (_, state) => ((CancellationTokenRegistration)state!).Dispose(), registration, TaskScheduler.Default);
        }

        return waiter.Task;
    }

    private async Task<bool> WhenOnProviderAsync(long dueTimestamp, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        return await PreciseDelay.UntilAsync(Time, dueTimestamp, either.Token).ConfigureAwait(false);
    }

    private void Run()
    {
        var due = new List<TaskCompletionSource<bool>>();
        while (true)
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        while (_waiters.TryDequeue(out var waiter, out _))
                        {
                            waiter.TrySetResult(false);
                        }

                        return;
                    }

                    var now = Stopwatch.GetTimestamp();
                    while (_waiters.TryPeek(out var waiter, out var dueTimestamp) && dueTimestamp <= now)
                    {
                        _waiters.Dequeue();
                        due.Add(waiter);
                    }

                    if (due.Count > 0)
                    {
                        break;
                    }

                    if (_waiters.TryPeek(out _, out var next))
                    {
                        // Round up: waking a little late is fine, waking early would need another wait.
                        var milliseconds = Math.Ceiling(Stopwatch.GetElapsedTime(now, next).TotalMilliseconds);
                        Monitor.Wait(_gate, (int)Math.Clamp(milliseconds, 1, 60_000));
                    }
                    else
                    {
                        Monitor.Wait(_gate);
                    }
                }
            }

            // Outside the lock: continuations are queued to the thread pool, not run here.
            foreach (var waiter in due)
            {
                waiter.TrySetResult(true);
            }

            due.Clear();
        }
    }

    public void Dispose()
    {
        _disposing.Cancel();
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }
    }
}
