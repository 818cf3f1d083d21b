using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Presence;
using Resident.WebSockets;
using StackExchange.Redis;

namespace Resident.Redis.Presence;

/// <summary>
/// Cluster-wide presence on Redis (see <see cref="PresenceScripts"/> for the keys). Each process is one presence
/// instance with its own lease of <c>Resident:Redis:NodeTimeout</c>, beaten every third of it: connection ids start
/// again at 1 when a process restarts, so liveness has to be per process, not per NodeId. Memberships of a process
/// that dies disappear from listings once its lease ends, at most NodeTimeout after its last beat. The process also
/// keeps its own connections' memberships in memory (<see cref="PresenceBook"/>) and republishes them whenever Redis
/// lost them (a restart, or a partition longer than the lease) or a write failed.
/// </summary>
internal sealed class RedisPresence : PresencePushes, IPresence
{
    /// <summary>The longest a presence call waits for Redis before it throws <see cref="PresenceUnavailableException"/>.</summary>
    internal static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly RedisConnection _redis;
    private readonly ILogger _logger;
    private readonly PresenceBook _book = new();
    private readonly SemaphoreSlim _resyncGate = new(1, 1);
    private readonly RedisValue _base;
    private readonly long _leaseMilliseconds;

    // Set when a write may not have reached Redis: the next beat republishes this process's record.
    private volatile bool _dirty;
    private int _failedCalls;
    private int _outageReported;

    public RedisPresence(RedisConnection redis, WebSocketServer server, IOptions<ResidentOptions> options, ILogger<RedisPresence> logger)
        : base(server)
    {
        _redis = redis;
        _logger = logger;
        _base = (string?)redis.Key("presence:");
        _leaseMilliseconds = (long)redis.Options.NodeTimeout.TotalMilliseconds;
        Instance = string.Create(CultureInfo.InvariantCulture, $"{options.Value.NodeId}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        server.ConnectionClosed += OnConnectionClosed;
    }

    /// <summary>This process's presence instance: node id, process id and a random part.</summary>
    public string Instance { get; }

    public TimeSpan HeartbeatInterval => _redis.Options.NodeTimeout / 3;

    public async ValueTask<bool> JoinAsync(string group, long connectionId)
    {
        PresenceFeature.CheckName(group, nameof(group));
        if (!PresenceFeature.IsServedHere(Server, connectionId))
        {
            return false;
        }

        var added = _book.Join(group, connectionId);
        try
        {
            await WriteAsync(PresenceScripts.Join, Id(connectionId), group).ConfigureAwait(false);
        }
        catch (PresenceUnavailableException)
        {
            if (added)
            {
                _book.Leave(group, connectionId);
            }

            throw;
        }

        return StillServed(connectionId);
    }

    public async ValueTask<bool> LeaveAsync(string group, long connectionId)
    {
        PresenceFeature.CheckName(group, nameof(group));
        var removed = _book.Leave(group, connectionId);
        await WriteAsync(PresenceScripts.Leave, Id(connectionId), group, resyncWhenUnregistered: false).ConfigureAwait(false);
        return removed;
    }

    public async ValueTask<bool> BindUserAsync(string user, long connectionId)
    {
        PresenceFeature.CheckName(user, nameof(user));
        if (!PresenceFeature.IsServedHere(Server, connectionId))
        {
            return false;
        }

        var previous = _book.SetUser(connectionId, user);
        try
        {
            await WriteAsync(PresenceScripts.Bind, Id(connectionId), user).ConfigureAwait(false);
        }
        catch (PresenceUnavailableException)
        {
            _book.SetUser(connectionId, previous);
            throw;
        }

        return StillServed(connectionId);
    }

    public override async ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string group)
    {
        PresenceFeature.CheckName(group, nameof(group));
        var flat = (RedisResult[])(await EvaluateAsync(PresenceScripts.Members, [_base, group]).ConfigureAwait(false))!;
        var members = new PresenceMember[flat.Length / 2];
        for (var i = 0; i < members.Length; i++)
        {
            var user = (string?)flat[(2 * i) + 1];
            members[i] = new PresenceMember((long)flat[2 * i], string.IsNullOrEmpty(user) ? null : user);
        }

        Array.Sort(members, (left, right) => left.ConnectionId.CompareTo(right.ConnectionId));
        return members;
    }

    public async ValueTask<IReadOnlyList<string>> GroupsOfAsync(long connectionId)
    {
        var groups = (RedisResult[])(await EvaluateAsync(PresenceScripts.GroupsOf, [_base, Id(connectionId)]).ConfigureAwait(false))!;
        return [.. groups.Select(group => (string)group!).Order(StringComparer.Ordinal)];
    }

    public override async ValueTask<IReadOnlyList<long>> ConnectionsOfUserAsync(string user)
    {
        PresenceFeature.CheckName(user, nameof(user));
        var ids = (RedisResult[])(await EvaluateAsync(PresenceScripts.ConnectionsOfUser, [_base, user]).ConfigureAwait(false))!;
        return [.. ids.Select(id => (long)id).Order()];
    }

    /// <summary>Renews this process's lease; republishes its record when Redis lost it or a write failed.</summary>
    internal async Task BeatAsync()
    {
        try
        {
            var alive = (int)await EvaluateAsync(PresenceScripts.Heartbeat, [_base, Instance, _leaseMilliseconds]).ConfigureAwait(false) == 1;
            if (!alive || _dirty)
            {
                await ResyncAsync(alive ? "after failed calls" : "Redis did not hold this node's presence").ConfigureAwait(false);
            }
        }
        catch (PresenceUnavailableException)
        {
            _dirty = true;
        }
    }

    /// <summary>At a graceful stop: this process's memberships go now rather than when its lease ends.</summary>
    internal async Task RetireAsync()
    {
        try
        {
            await EvaluateAsync(PresenceScripts.Retire, [_base, Instance], TimeSpan.FromSeconds(2), count: false).ConfigureAwait(false);
        }
        catch (PresenceUnavailableException exception)
        {
            PresenceLog.RetireFailed(_logger, exception.InnerException?.Message ?? exception.Message);
        }
    }

    // Deletes what Redis holds for this instance, registers it afresh and republishes the book.
    private async Task ResyncAsync(string reason)
    {
        await _resyncGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _dirty = false;
            await EvaluateAsync(PresenceScripts.Register, [_base, Instance, _leaseMilliseconds]).ConfigureAwait(false);
            var before = _book.Snapshot();
            await Task.WhenAll(before.Select(record => EvaluateAsync(PresenceScripts.Restore, RestoreArguments(record)))).ConfigureAwait(false);

            // What left while the record was being republished must not come back.
            var after = _book.Snapshot().ToDictionary(record => record.Id);
            var undo = new List<Task<RedisResult>>();
            foreach (var record in before)
            {
                if (!after.TryGetValue(record.Id, out var now))
                {
                    undo.Add(EvaluateAsync(PresenceScripts.Forget, [_base, Instance, Id(record.Id)]));
                    continue;
                }

                undo.AddRange(record.Groups.Except(now.Groups, StringComparer.Ordinal)
                    .Select(group => EvaluateAsync(PresenceScripts.Leave, [_base, Instance, Id(record.Id), group])));
                if (now.User is not null && now.User != record.User)
                {
                    undo.Add(EvaluateAsync(PresenceScripts.Bind, [_base, Instance, Id(record.Id), now.User]));
                }
            }

            await Task.WhenAll(undo).ConfigureAwait(false);
            var failed = Interlocked.Exchange(ref _failedCalls, 0);
            Volatile.Write(ref _outageReported, 0);
            PresenceLog.Republished(_logger, before.Length, reason, failed);
        }
        catch (PresenceUnavailableException)
        {
            _dirty = true;
            throw;
        }
        finally
        {
            _resyncGate.Release();
        }
    }

    private RedisValue[] RestoreArguments(ConnectionRecord record)
    {
        var arguments = new RedisValue[4 + record.Groups.Length];
        arguments[0] = _base;
        arguments[1] = Instance;
        arguments[2] = Id(record.Id);
        arguments[3] = record.User ?? "";
        for (var i = 0; i < record.Groups.Length; i++)
        {
            arguments[4 + i] = record.Groups[i];
        }

        return arguments;
    }

    // A join or bind answers 0 when this instance is not registered (yet, or any more): the resync publishes the
    // book, this write included. A leave answers 0 when the connection had nothing here: nothing to do.
    private async Task WriteAsync(string script, RedisValue connectionId, RedisValue name, bool resyncWhenUnregistered = true)
    {
        try
        {
            var result = (int)await EvaluateAsync(script, [_base, Instance, connectionId, name]).ConfigureAwait(false);
            if (result == 0 && resyncWhenUnregistered)
            {
                await ResyncAsync("first write of this process").ConfigureAwait(false);
            }
        }
        catch (PresenceUnavailableException)
        {
            // The write may have reached Redis even so: the next beat sets Redis to the book.
            _dirty = true;
            throw;
        }
    }

    // The connection closed while the write was under way: its close may have come first, so forget it again.
    private bool StillServed(long connectionId)
    {
        if (PresenceFeature.IsServedHere(Server, connectionId))
        {
            return true;
        }

        OnConnectionClosed(connectionId);
        return false;
    }

    // Raised by the WebSocket server when a connection of this process closes, before its handler's OnClose. The
    // script is queued on the multiplexer before this returns, so later calls of this process see it done.
    private void OnConnectionClosed(long connectionId)
    {
        if (_book.Forget(connectionId))
        {
            _ = ForgetAsync(connectionId);
        }
    }

    private async Task ForgetAsync(long connectionId)
    {
        try
        {
            await EvaluateAsync(PresenceScripts.Forget, [_base, Instance, Id(connectionId)]).ConfigureAwait(false);
        }
        catch (PresenceUnavailableException)
        {
            _dirty = true;
        }
    }

    private Task<RedisResult> EvaluateAsync(string script, RedisValue[] arguments) => EvaluateAsync(script, arguments, CallTimeout, count: true);

    private async Task<RedisResult> EvaluateAsync(string script, RedisValue[] arguments, TimeSpan timeout, bool count)
    {
        // Fails at once while the multiplexer knows Redis is away, rather than queueing behind a reconnect.
        if (!_redis.IsConnected)
        {
            throw Unavailable(null, count);
        }

        try
        {
            return await _redis.Database.ScriptEvaluateAsync(script, keys: null, values: arguments).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
        {
            throw Unavailable(exception, count);
        }
    }

    private PresenceUnavailableException Unavailable(Exception? cause, bool count)
    {
        if (count)
        {
            Interlocked.Increment(ref _failedCalls);
        }

        var reason = cause?.Message ?? "not connected";
        if (Interlocked.Exchange(ref _outageReported, 1) == 0)
        {
            PresenceLog.Unavailable(_logger, reason);
        }

        var message = $"Presence could not reach Redis ({_redis.Options.Configuration}) within {CallTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: {reason}";
        return cause is null ? new PresenceUnavailableException(message) : new PresenceUnavailableException(message, cause);
    }

    private static RedisValue Id(long connectionId) => connectionId;
}
