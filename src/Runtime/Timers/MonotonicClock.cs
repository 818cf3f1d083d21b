using System.Diagnostics;

namespace Resident.Timers;

/// <summary>
/// Wakes waiters at Stopwatch moments from one dedicated thread. The runtime's timers count whole milliseconds of
/// <see cref="Environment.TickCount64"/>, so a 10 ms wait can end up to 2 ms late; this thread waits on the
/// monotonic clock itself and wakes within about a millisecond, never early.
/// </summary>
internal sealed class MonotonicClock : IDisposable
{
    private readonly object _gate = new();
    private readonly PriorityQueue<TaskCompletionSource<bool>, long> _waiters = new();
    private readonly Thread _thread;
    private bool _disposed;

    public MonotonicClock(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Completes with true at or after <paramref name="dueTimestamp"/>, or with false once cancelled or disposed.</summary>
    public Task<bool> WhenAsync(long dueTimestamp, CancellationToken cancellationToken)
    {
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
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }
    }
}
