using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Supervision;
using Resident.Tables;
using StackExchange.Redis;

namespace Resident.Redis;

/// <summary>
/// This node's membership of the cluster: the claim on its <c>Resident:NodeId</c> (key <c>{prefix}:node:{id}</c>,
/// holding who owns it, with a lease of <see cref="ResidentRedisOptions.NodeTimeout"/>) and the list of live nodes
/// (sorted set <c>{prefix}:nodes</c>, scored by lease expiry in Redis's own clock, so node clocks never matter).
/// Every process of a node beats the same claim: in supervised mode the owner is the master, so the workers of one
/// node agree and a reload never looks like a new node.
/// </summary>
internal sealed class NodeRegistry
{
    // KEYS: claim, nodes. ARGV: owner, lease ms, node id, a dead owner to replace (or ''). Returns nil when claimed
    // (or renewed), else the current owner.
    private const string ClaimScript = """
        local current = redis.call('GET', KEYS[1])
        if current and current ~= ARGV[1] and current ~= ARGV[4] then
          return current
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
        return false
        """;

    // KEYS: nodes. Returns the ids whose lease has not expired (and forgets the expired ones).
    private const string AliveScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        return redis.call('ZRANGE', KEYS[1], 0, -1)
        """;

    // KEYS: claim, nodes. ARGV: owner, node id. Releases the claim if this node still holds it.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('ZREM', KEYS[2], ARGV[2])
        end
        return false
        """;

    private readonly RedisConnection _redis;
    private readonly ILogger _logger;

    public NodeRegistry(RedisConnection redis, IOptions<ResidentOptions> options, ILogger<NodeRegistry> logger)
    {
        _redis = redis;
        _logger = logger;
        NodeId = options.Value.NodeId;
        var worker = WorkerIdentity.OfThisProcess;
        Supervised = worker is not null;
        var ownerProcessId = Supervised ? ParentProcessId() : Environment.ProcessId;

        // The workers of one master share its control socket's name; an inline host (tests run several in one
        // process) is its own owner.
        var instance = worker?.ControlSocket ?? Guid.NewGuid().ToString("N");
        Owner = $"{Environment.MachineName}/{ownerProcessId.ToString(CultureInfo.InvariantCulture)}/{Path.GetFileName(instance)}";
    }

    /// <summary>This node's <c>Resident:NodeId</c>.</summary>
    public int NodeId { get; }

    /// <summary>Who holds this node's claim: <c>{machine}/{pid of the master, or of this process inline}/{instance}</c>.</summary>
    public string Owner { get; }

    /// <summary>Whether this process is one of a supervised node's workers.</summary>
    public bool Supervised { get; }

    public TimeSpan Lease => _redis.Options.NodeTimeout;

    /// <summary>The beat: a third of the lease, so two beats can fail before the node looks dead.</summary>
    public TimeSpan HeartbeatInterval => Lease / 3;

    private RedisKey ClaimKey => _redis.Key("node:" + NodeId.ToString(CultureInfo.InvariantCulture));

    private RedisKey NodesKey => _redis.Key("nodes");

    /// <summary>
    /// Claims (or renews) this node's id; returns null when this node holds it, else the other owner. A claim left by a
    /// dead process of this machine is taken over at once; another machine's expires after its lease.
    /// </summary>
    public async Task<string?> ClaimAsync()
    {
        var other = await ClaimAsync(replacing: "").ConfigureAwait(false);
        return other is not null && IsDeadOwnerOnThisMachine(other)
            ? await ClaimAsync(replacing: other).ConfigureAwait(false)
            : other;
    }

    private async Task<string?> ClaimAsync(string replacing)
    {
        var result = await _redis.Database.ScriptEvaluateAsync(ClaimScript, [ClaimKey, NodesKey], [Owner, (long)Lease.TotalMilliseconds, NodeId, replacing]).ConfigureAwait(false);
        return result.IsNull ? null : (string)result!;
    }

    /// <summary>The ids of the nodes whose lease runs (this one included once it has claimed).</summary>
    public async Task<IReadOnlyList<int>> AliveNodesAsync()
    {
        var result = await _redis.Database.ScriptEvaluateAsync(AliveScript, [NodesKey]).ConfigureAwait(false);
        return [.. ((RedisResult[])result!).Select(member => int.Parse((string)member!, CultureInfo.InvariantCulture)).Order()];
    }

    /// <summary>Gives the id back (inline mode, at stop) so a restart on another machine need not wait for the lease.</summary>
    public Task ReleaseAsync() =>
        _redis.Database.ScriptEvaluateAsync(ReleaseScript, [ClaimKey, NodesKey], [Owner, NodeId]);

    private static bool IsDeadOwnerOnThisMachine(string owner)
    {
        var parts = owner.Split('/');
        return parts.Length == 3
            && parts[0] == Environment.MachineName
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && ProcessLiveness.StartTime(pid) is null;
    }

    // Workers are the master's direct children: /proc/self/stat's fourth field is the parent's pid.
    private static int ParentProcessId()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return Environment.ProcessId;
        }
    }
}
