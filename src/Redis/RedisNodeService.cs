using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Resident.Redis;

/// <summary>
/// Connects to Redis and claims this node's id before the server listens (a duplicate <c>Resident:NodeId</c> fails
/// the start, naming the other node), then beats the claim until the stop. Redis being down at start or later is
/// not fatal: the beat keeps trying, and the first successful one claims the id.
/// </summary>
internal sealed class RedisNodeService(
    RedisConnection redis,
    NodeRegistry registry,
    IHostApplicationLifetime lifetime,
    ILogger<RedisNodeService> logger) : IHostedLifecycleService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _beating = Task.CompletedTask;
    private readonly TaskCompletionSource _claimedSource = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _claimed;

    /// <summary>Completes once this node holds its id (at start, or when Redis first answers).</summary>
    public Task Claimed => _claimedSource.Task;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (await redis.ConnectAsync(cancellationToken).ConfigureAwait(false))
        {
            var (answered, other) = await TryClaimAsync().ConfigureAwait(false);
            if (other is not null)
            {
                throw new ResidentStartupException([DuplicateNodeId(other)]);
            }

            if (answered)
            {
                await JoinedAsync().ConfigureAwait(false);
            }
        }

        _beating = BeatAsync(_stopping.Token);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _beating.ConfigureAwait(false);

        // A supervised worker stops at every reload while its node goes on: only an inline node gives its id back.
        if (_claimed && !registry.Supervised && redis.IsConnected)
        {
            try
            {
                await registry.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException)
            {
                // The lease ends it anyway.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private string DuplicateNodeId(string other) =>
        $"Resident:NodeId {registry.NodeId.ToString(CultureInfo.InvariantCulture)} is already used by the node {other} "
        + $"(Redis key {redis.Options.KeyPrefix}:node:{registry.NodeId.ToString(CultureInfo.InvariantCulture)}): give each node its own Resident:NodeId. "
        + $"If that node is gone, its claim expires within Resident:Redis:NodeTimeout ({redis.Options.NodeTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s).";

    // Answered is false when Redis could not be asked; Other names the node holding this id, if another does.
    private async Task<(bool Answered, string? Other)> TryClaimAsync(bool reportFailure = true)
    {
        try
        {
            return (true, await registry.ClaimAsync().ConfigureAwait(false));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
        {
            if (reportFailure)
            {
                RedisLog.HeartbeatFailed(logger, exception.Message);
            }

            return (false, null);
        }
    }

    private async Task JoinedAsync()
    {
        _claimed = true;
        _claimedSource.TrySetResult();
        try
        {
            var nodes = await registry.AliveNodesAsync().ConfigureAwait(false);
            RedisLog.NodeJoined(logger, registry.NodeId, redis.Options.KeyPrefix!, registry.Owner, string.Join(", ", nodes));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Only the log line is lost.
        }
    }

    private async Task BeatAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(registry.HeartbeatInterval);
        try
        {
            var failing = false;
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                // One warning per outage, not one per beat.
                var (answered, other) = await TryClaimAsync(reportFailure: !failing).ConfigureAwait(false);
                failing = !answered;
                if (other is not null)
                {
                    // Another node took the id while this one could not beat (a partition longer than the lease).
                    RedisLog.NodeIdTaken(logger, registry.NodeId, other);
                    lifetime.StopApplication();
                    return;
                }

                if (answered && !_claimed)
                {
                    await JoinedAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
