using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Tasks;
using StackExchange.Redis;

namespace Resident.Redis.Tasks;

/// <summary>
/// This node's consumer of the durable task stream (when at least one task type is durable here). Three loops:
/// reading new deliveries through the consumer group (woken by a pub/sub notification each delivery publishes, and
/// looking anyway every second in case one was missed), moving due delayed deliveries to the stream, and, every third
/// of the visibility timeout, renewing the claims of what this node holds and reclaiming what other nodes stopped
/// renewing. Reads run on the task queue's workers (<see cref="TaskQueue.AcceptDurableAsync"/>), at most
/// <c>TaskWorkerNum × 16</c> held at once, and are settled through their <see cref="IDurableReceipt"/>.
/// </summary>
/// <remarks>
/// Stopping: reading and reclaiming stop when the host's stop begins; what was read runs in the task queue's drain;
/// after the stop, whatever is still unsettled is released (its claim made idle at once) so another node reclaims
/// it without waiting out the visibility timeout. Redis away: the loops pause (logged once) and resume by themselves.
/// </remarks>
internal sealed class DurableTaskConsumer : IHostedLifecycleService, IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(ResidentLimits.DurableTasks.PollMilliseconds);
    private static readonly TimeSpan PauseRetry = TimeSpan.FromMilliseconds(500);

    private readonly RedisTaskStreams _streams;
    private readonly RedisConnection _redis;
    private readonly TaskQueue _queue;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Receipt> _held = new(StringComparer.Ordinal);

    // Let go unsettled (the stop began, or cut the run off): released to the other nodes at the stop.
    private readonly ConcurrentQueue<string> _abandoned = new();
    private readonly CancellationTokenSource _reading = new();
    private readonly CancellationTokenSource _maintaining = new();
    private readonly Signal _wake = new();
    private readonly Signal _delayWake = new();
    private readonly Signal _slotFreed = new();
    private readonly int _limit;
    private int _inFlight;
    private int _pausedLogged;
    private long _pausedSince;
    private Task _loops = Task.CompletedTask;
    private bool _active;

    public DurableTaskConsumer(RedisTaskStreams streams, RedisConnection redis, TaskQueue queue, NodeRegistry registry,
        IOptions<ResidentOptions> options, ILogger<DurableTaskConsumer> logger)
    {
        _streams = streams;
        _redis = redis;
        _queue = queue;
        _logger = logger;
        _limit = Math.Max(1, options.Value.TaskWorkerNum) * ResidentLimits.DurableTasks.PrefetchPerWorker;
        Consumer = string.Create(CultureInfo.InvariantCulture,
            $"{registry.NodeId}@{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>This process's consumer name in the group: node id, machine, pid and a random part.</summary>
    public string Consumer { get; }

    /// <summary>Deliveries read and not yet settled.</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var types = _queue.DurableTaskNames;
        if (types.Count == 0)
        {
            return; // Nothing durable here: this node never touches the stream.
        }

        _active = true;
        _streams.Sent += delayed => (delayed ? _delayWake : _wake).Set();
        try
        {
            await _redis.Subscriber.SubscribeAsync(_streams.WakeChannel, (_, message) => (message == "d" ? _delayWake : _wake).Set()).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
        {
            // The consumers look every second anyway; the client resubscribes when Redis is back.
            DurableTaskLog.MaintenanceFailed(_logger, exception.Message);
        }

        DurableTaskLog.Started(_logger, _streams.Stream.ToString(), Consumer, _streams.Options.VisibilityTimeout.TotalSeconds, _limit, string.Join(", ", types));
        _loops = Task.WhenAll(
            Task.Run(() => ReadAsync(_reading.Token)),
            Task.Run(() => MoveDueAsync(_reading.Token)),
            Task.Run(() => MaintainAsync(_maintaining.Token)));
    }

    /// <summary>The stop begins: no more reading or reclaiming (what was read still runs, in the task queue's drain).</summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _reading.Cancel();
        _wake.Set();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the drain: releases what is still unsettled to the other nodes, and leaves the group if it holds nothing.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (!_active)
        {
            return;
        }

        _maintaining.Cancel();
        await _loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var unsettled = _held.Keys.Concat(_abandoned).Distinct(StringComparer.Ordinal).ToArray();
        try
        {
            if (unsettled.Length > 0)
            {
                await _streams.ClaimAsync(Consumer, unsettled, _streams.Options.VisibilityTimeout).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }

            await _streams.ForgetConsumerAsync(Consumer).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            await _redis.Subscriber.UnsubscribeAsync(_streams.WakeChannel).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            // Redis away: the visibility timeout releases them instead.
        }

        DurableTaskLog.Stopped(_logger, unsettled.Length);
    }

    public ValueTask DisposeAsync()
    {
        _reading.Cancel();
        _maintaining.Cancel();
        return ValueTask.CompletedTask;
    }

    private async Task ReadAsync(CancellationToken stopping)
    {
        try
        {
            await _streams.EnsureGroupAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
        {
            // ReadAsync creates it once Redis answers.
        }

        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var slotFreed = _slotFreed.Arm();
                var free = _limit - InFlight;
                if (free <= 0)
                {
                    await slotFreed.WaitAsync(Poll, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                var woken = _wake.Arm();
                var entries = await _streams.ReadAsync(Consumer, free).ConfigureAwait(false);
                Answered();
                foreach (var entry in entries)
                {
                    await DispatchAsync(entry, deliveries: 1, stopping).ConfigureAwait(false);
                }

                if (entries.Length == 0)
                {
                    await woken.WaitAsync(Poll, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
            {
                Paused(exception.Message);
                await Task.Delay(PauseRetry, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task MoveDueAsync(CancellationToken stopping)
    {
        const int Batch = 100;
        while (!stopping.IsCancellationRequested)
        {
            var woken = _delayWake.Arm();
            TimeSpan wait;
            try
            {
                var (moved, nextDue) = await _streams.MoveDueAsync(Batch).ConfigureAwait(false);
                wait = moved == Batch ? TimeSpan.Zero : nextDue is { } next && next < Poll ? next : Poll;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
            {
                DurableTaskLog.MaintenanceFailed(_logger, exception.Message);
                wait = PauseRetry;
            }

            if (wait > TimeSpan.Zero)
            {
                await woken.WaitAsync(wait, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task MaintainAsync(CancellationToken stopped)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(100, _streams.Options.VisibilityTimeout.TotalMilliseconds / 3));
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopped).ConfigureAwait(false))
            {
                try
                {
                    await RenewAsync().ConfigureAwait(false);
                    if (!_reading.IsCancellationRequested)
                    {
                        await ReclaimAsync(_reading.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
                {
                    DurableTaskLog.MaintenanceFailed(_logger, exception.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RenewAsync()
    {
        var held = _held.Keys.ToArray();
        if (held.Length == 0)
        {
            return;
        }

        var lost = await _streams.ClaimAsync(Consumer, held, TimeSpan.Zero).ConfigureAwait(false);
        if (lost.Length > 0)
        {
            // Another node took them (this one could not renew in time): they run on there too; the first to settle wins.
            foreach (var id in lost)
            {
                _held.TryRemove(id, out _);
            }

            Interlocked.Add(ref _streams.ClaimsLostCount, lost.Length);
            DurableTaskLog.ClaimsLost(_logger, lost.Length);
        }
    }

    private async Task ReclaimAsync(CancellationToken stopping)
    {
        var free = _limit - InFlight;
        if (free <= 0)
        {
            return;
        }

        var reclaimed = await _streams.ReclaimAsync(Consumer, free).ConfigureAwait(false);
        var count = 0;
        foreach (var (entry, deliveries) in reclaimed)
        {
            // Its own entries idle too long (Redis was away) stay with the run already going here.
            if (_held.ContainsKey((string)entry.Id!))
            {
                continue;
            }

            count++;
            Interlocked.Increment(ref _streams.ReclaimedCount);
            await DispatchAsync(entry, deliveries, stopping).ConfigureAwait(false);
        }

        if (count > 0)
        {
            DurableTaskLog.Reclaimed(_logger, count, _streams.Options.VisibilityTimeout.TotalSeconds);
        }
    }

    private async Task DispatchAsync(StreamEntry entry, long deliveries, CancellationToken stopping)
    {
        Interlocked.Increment(ref _streams.ReceivedCount);
        var id = (string)entry.Id!;
        var message = RedisTaskStreams.Message(entry);
        var receipt = new Receipt(this, id, message ?? new DurableMessage("(malformed)", [], 0, 1, ""));
        _held[id] = receipt;
        Interlocked.Increment(ref _inFlight);
        if (message is null)
        {
            await Unrunnable(receipt, "its fields are not a durable delivery").ConfigureAwait(false);
            return;
        }

        if (deliveries - 1 > ResidentLimits.DurableTasks.MaxReclaims)
        {
            await Unrunnable(receipt, $"it was reclaimed {deliveries - 1} times: the nodes running it kept dying or losing Redis").ConfigureAwait(false);
            return;
        }

        var problem = await _queue.AcceptDurableAsync(message, receipt, stopping).ConfigureAwait(false);
        if (problem is null)
        {
            return;
        }

        if (problem.Length == 0)
        {
            receipt.Abandon(); // The stop began: left for another node.
        }
        else
        {
            await Unrunnable(receipt, $"{problem} (node {Consumer})").ConfigureAwait(false);
        }
    }

    private Task Unrunnable(Receipt receipt, string reason)
    {
        DurableTaskLog.Unrunnable(_logger, receipt.Id, receipt.Message.TaskName, reason);
        return receipt.DeadLetterAsync(receipt.Message.Attempt, reason);
    }

    private void Answered()
    {
        if (Interlocked.Exchange(ref _pausedLogged, 0) == 1)
        {
            DurableTaskLog.Resumed(_logger, TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _pausedSince)).TotalSeconds);
        }
    }

    private void Paused(string reason)
    {
        if (Interlocked.Exchange(ref _pausedLogged, 1) == 0)
        {
            Interlocked.Exchange(ref _pausedSince, Environment.TickCount64);
            DurableTaskLog.Paused(_logger, reason);
        }
    }

    /// <summary>Runs a settlement until Redis takes it (or the stop cuts it off), then lets the delivery go.</summary>
    private async Task SettleAsync(Receipt receipt, Func<Task<bool>> settle, Action settled)
    {
        var reported = false;
        while (true)
        {
            try
            {
                if (await settle().ConfigureAwait(false))
                {
                    settled(); // False: another node that reclaimed it settled it first.
                }

                break;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
            {
                if (!reported)
                {
                    reported = true;
                    DurableTaskLog.SettleFailed(_logger, receipt.Message.TaskName, receipt.Id, exception.Message);
                }

                if (_queue.Aborted.IsCancellationRequested || _maintaining.IsCancellationRequested)
                {
                    DurableTaskLog.SettleAbandoned(_logger, receipt.Message.TaskName, receipt.Id);
                    Interlocked.Increment(ref _streams.AbandonedCount);
                    break;
                }

                await Task.Delay(PauseRetry, _queue.Aborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        LetGo(receipt);
    }

    private void LetGo(Receipt receipt)
    {
        _held.TryRemove(new KeyValuePair<string, Receipt>(receipt.Id, receipt));
        Interlocked.Decrement(ref _inFlight);
        _slotFreed.Set();
    }

    /// <summary>One read delivery's settlement, made once.</summary>
    private sealed class Receipt(DurableTaskConsumer owner, string id, DurableMessage message) : IDurableReceipt
    {
        public string Id => id;

        public DurableMessage Message => message;

        public Task CompleteAsync() =>
            owner.SettleAsync(this, () => owner._streams.CompleteAsync(id), () => Interlocked.Increment(ref owner._streams.CompletedCount));

        public Task RetryAsync(int nextAttempt, TimeSpan delay) =>
            owner.SettleAsync(this, () => owner._streams.RetryAsync(id, message, nextAttempt, delay), () => Interlocked.Increment(ref owner._streams.RetriedCount));

        public Task DeadLetterAsync(int attempt, string reason) =>
            owner.SettleAsync(this, () => owner._streams.DeadLetterAsync(id, message, attempt, reason, owner.Consumer),
                () => Interlocked.Increment(ref owner._streams.DeadLetteredCount));

        public void Abandon()
        {
            Interlocked.Increment(ref owner._streams.AbandonedCount);
            owner._abandoned.Enqueue(id);
            owner.LetGo(this);
        }
    }

    /// <summary>A wake-up that is not lost: <see cref="Arm"/> before looking, wait on what it returned after.</summary>
    private sealed class Signal
    {
        private TaskCompletionSource _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arm()
        {
            var current = Volatile.Read(ref _source);
            if (current.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _source, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
            }

            return Volatile.Read(ref _source).Task;
        }

        public void Set() => Volatile.Read(ref _source).TrySetResult();
    }
}
