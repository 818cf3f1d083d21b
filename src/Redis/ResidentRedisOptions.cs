namespace Resident;

/// <summary>
/// The <c>Resident:Redis</c> section: where the cluster's Redis is and how this node uses it. Bound from configuration
/// over the defaults (and over <see cref="RedisExtensions.AddRedis{TBuilder}"/>'s code defaults); checked at start.
/// </summary>
public sealed class ResidentRedisOptions
{
    /// <summary>The configuration section, under <c>Resident</c>.</summary>
    public const string SectionName = "Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, such as <c>localhost:6379</c> or
    /// <c>redis1:6379,redis2:6379,password=…,ssl=true</c>. Required.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Prefix of every key and channel this server uses, so several apps can share one Redis. Default: the
    /// application name. Nodes of one cluster must use the same prefix.
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>
    /// How long a node stays listed after its last heartbeat (it beats every third of this). A node that dies is
    /// gone from the cluster, with its WebSocket connections and presence, at most this long after. Default 10 s.
    /// </summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the start waits for Redis before going on without it (it keeps trying; cluster features work once it
    /// answers). Default 5 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Problems found while binding, each naming its key; the start-up check reports them.</summary>
    internal List<string> BindingErrors { get; } = [];
}
