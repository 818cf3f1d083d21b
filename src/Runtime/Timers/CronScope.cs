namespace Resident;

/// <summary>Where a cron job's firings run when several nodes share one Redis (<c>AddRedis()</c>).</summary>
public enum CronScope
{
    /// <summary>
    /// Each planned firing runs on exactly one node of the cluster (the default): the nodes claim it in Redis and one
    /// wins. Without <c>AddRedis()</c> there is one node, so this is the same as <see cref="Node"/>.
    /// </summary>
    Cluster = 0,

    /// <summary>Every node runs every firing (for per-node work: local caches, local files, this node's tables).</summary>
    Node = 1,
}
