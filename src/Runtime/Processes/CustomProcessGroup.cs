using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Resident;

/// <summary>The instances of one custom process and the pipe they share.</summary>
/// <remarks>
/// Asks travel as a correlation id and a string, and answers come back by id, never as object references: the
/// supervised mode carries the same messages between processes. The caller's side alone keeps who waits for which
/// id; an answer to an id nobody waits for any more (timed out, cancelled) is dropped.
/// </remarks>
internal sealed class CustomProcessGroup(string name) : ICustomProcessPipe
{
    private const int PipeCapacity = 1024;

    private readonly Channel<string> _inbox = Channel.CreateBounded<string>(new BoundedChannelOptions(PipeCapacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<string> _outbox = Channel.CreateBounded<string>(new BoundedChannelOptions(PipeCapacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<(long Id, string Message)> _requests =
        Channel.CreateBounded<(long Id, string Message)>(new BoundedChannelOptions(PipeCapacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<string>> _awaited = new();
    private long _lastRequestId;
    private volatile bool _stopped;
    private int _running;
    private int _crashes;

    public string Name { get; } = name;

    /// <summary>The <c>process</c> tag of this process's measurements, made once.</summary>
    internal KeyValuePair<string, object?> MetricTag { get; } = Resident.Metrics.ResidentMetrics.ProcessTag(name);

    public int Running => Volatile.Read(ref _running);

    public int Crashes => Volatile.Read(ref _crashes);

    public ValueTask WriteAsync(string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _inbox.Writer.WriteAsync(message, cancellationToken);
    }

    public ValueTask<string> ReadAsync(CancellationToken cancellationToken = default) => _outbox.Reader.ReadAsync(cancellationToken);

    public Task<string> AskAsync(string message, CancellationToken cancellationToken = default) =>
        AskAsync(message, Timeout.InfiniteTimeSpan, cancellationToken);

    public async Task<string> AskAsync(string message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive, or Timeout.InfiniteTimeSpan.");
        }

        var id = Interlocked.Increment(ref _lastRequestId);
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaited[id] = answer;
        using var timer = timeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(timeout);
        using var linked = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var token = linked?.Token ?? cancellationToken;
        try
        {
            // Registered before this check, failed by Stopped() after it: no ask waits on a stopped process.
            if (_stopped)
            {
                throw Stopped();
            }

            await _requests.Writer.WriteAsync((id, message), token).ConfigureAwait(false);
            return await answer.Task.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Custom process '{Name}' did not answer within {timeout.TotalMilliseconds:0} ms.");
        }
        finally
        {
            // Whatever happened, this id is no longer awaited: a late answer is dropped, never handed to another ask.
            _awaited.TryRemove(id, out _);
        }
    }

    internal async ValueTask<CustomProcessRequest> ReadRequestAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var (id, message) = await _requests.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (IsAwaited(id))
            {
                return new CustomProcessRequest(this, id, message);
            }

            // Its caller gave up before the request was read: skip it.
        }
    }

    internal bool IsAwaited(long id) => _awaited.ContainsKey(id);

    internal void Answer(long id, string? answer, string? error)
    {
        if (!_awaited.TryRemove(id, out var caller))
        {
            return; // The caller timed out or was cancelled: nobody else may get this answer.
        }

        if (error is null)
        {
            caller.TrySetResult(answer!);
        }
        else
        {
            caller.TrySetException(new InvalidOperationException($"Custom process '{Name}' failed to answer: {error}"));
        }
    }

    /// <summary>After the last instance stopped: fails the asks still waiting and refuses new ones.</summary>
    internal void Stop()
    {
        _stopped = true;
        foreach (var id in _awaited.Keys)
        {
            if (_awaited.TryRemove(id, out var caller))
            {
                caller.TrySetException(Stopped());
            }
        }
    }

    private InvalidOperationException Stopped() => new($"Custom process '{Name}' has stopped; it answers no more requests.");

    internal ValueTask<string> ReadInboxAsync(CancellationToken cancellationToken) => _inbox.Reader.ReadAsync(cancellationToken);

    internal ValueTask WriteOutboxAsync(string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _outbox.Writer.WriteAsync(message, cancellationToken);
    }

    internal void InstanceStarted() => Interlocked.Increment(ref _running);

    internal void InstanceEnded(bool crashed, bool started)
    {
        if (started)
        {
            Interlocked.Decrement(ref _running);
        }

        if (crashed)
        {
            Interlocked.Increment(ref _crashes);
        }
    }
}
