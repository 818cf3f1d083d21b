using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Resident.Redis;

/// <summary>
/// This process's one connection to the cluster's Redis (StackExchange.Redis multiplexes everything over it) and the
/// names of the keys and channels under <see cref="ResidentRedisOptions.KeyPrefix"/>. It never gives up: while Redis
/// is down the multiplexer keeps reconnecting, and every feature treats a failed call as "Redis is away", never as
/// a reason to crash.
/// </summary>
internal sealed class RedisConnection(IOptions<ResidentRedisOptions> options, ILogger<RedisConnection> logger) : IAsyncDisposable
{
    private readonly string _prefix = options.Value.KeyPrefix + ":";
    private ConnectionMultiplexer? _multiplexer;

    public ResidentRedisOptions Options => options.Value;

    /// <summary>The multiplexer (after <see cref="ConnectAsync"/>); it may be disconnected right now.</summary>
    public IConnectionMultiplexer Multiplexer => _multiplexer ?? throw new InvalidOperationException("Redis is not connected yet: the node service connects at start.");

    public IDatabase Database => Multiplexer.GetDatabase();

    public ISubscriber Subscriber => Multiplexer.GetSubscriber();

    public bool IsConnected => _multiplexer?.IsConnected == true;

    /// <summary>The key <c>{prefix}:{name}</c>.</summary>
    public RedisKey Key(string name) => _prefix + name;

    /// <summary>The pub/sub channel <c>{prefix}:{name}</c> (literal, not a pattern).</summary>
    public RedisChannel Channel(string name) => RedisChannel.Literal(_prefix + name);

    /// <summary>
    /// Connects, waiting up to <see cref="ResidentRedisOptions.ConnectTimeout"/>; returns whether Redis answered. Either
    /// way the multiplexer exists afterwards and keeps reconnecting in the background.
    /// </summary>
    public async Task<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_multiplexer is not null)
        {
            return _multiplexer.IsConnected;
        }

        var configuration = ConfigurationOptions.Parse(Options.Configuration!);
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= $"resident:{Options.KeyPrefix}:{Environment.ProcessId}";
        configuration.ConnectTimeout = (int)Math.Clamp(Options.ConnectTimeout.TotalMilliseconds, 100, int.MaxValue);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, args) =>
        {
            if (args.ConnectionType == ConnectionType.Interactive)
            {
                RedisLog.ConnectionLost(logger, args.EndPoint?.ToString() ?? "?", args.FailureType.ToString(), args.Exception?.Message ?? "");
            }
        };
        multiplexer.ConnectionRestored += (_, args) =>
        {
            if (args.ConnectionType == ConnectionType.Interactive)
            {
                RedisLog.ConnectionRestored(logger, args.EndPoint?.ToString() ?? "?");
            }
        };
        _multiplexer = multiplexer;
        if (!multiplexer.IsConnected)
        {
            // AbortOnConnectFail=false returns at once when Redis is down; wait the configured time for it to answer.
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            multiplexer.ConnectionRestored += (_, _) => connected.TrySetResult();
            if (!multiplexer.IsConnected)
            {
                try
                {
                    await connected.Task.WaitAsync(Options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Reported below; the multiplexer keeps trying.
                }
            }
        }

        if (!multiplexer.IsConnected)
        {
            RedisLog.NotConnectedAtStart(logger, Options.Configuration!, Options.ConnectTimeout.TotalSeconds);
        }

        return multiplexer.IsConnected;
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is { } multiplexer)
        {
            await multiplexer.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
            multiplexer.Dispose();
        }
    }
}
