namespace Resident.Timers;

/// <summary>
/// Decides which node runs a planned firing of a cluster-scoped cron job. The runtime's own
/// (<see cref="SingleNodeCronLock"/>) grants every firing: one node is the whole cluster. Resident.Redis replaces it
/// with a claim in Redis keyed by job and planned time.
/// </summary>
internal interface ICronClusterLock
{
    /// <summary>
    /// Whether other nodes claim the same firings. When true, interval jobs are planned on instants every node
    /// computes alike (multiples of the interval since the Unix epoch) instead of from this node's start.
    /// </summary>
    bool Shared { get; }

    /// <summary>
    /// Claims the firing of <paramref name="job"/> planned at <paramref name="plannedAt"/> for this node, holding the claim
    /// for <paramref name="lease"/>. Never throws for an unreachable store: it answers <see cref="CronClaimOutcome.Unavailable"/>.
    /// </summary>
    ValueTask<CronClaim> TryClaimAsync(string job, DateTimeOffset plannedAt, TimeSpan lease, CancellationToken cancellationToken);
}

/// <summary>What a claim came to.</summary>
internal enum CronClaimOutcome
{
    /// <summary>This node runs the firing.</summary>
    Granted,

    /// <summary>Another node claimed it (or a later firing already): this node skips it.</summary>
    Elsewhere,

    /// <summary>The claim could not be made (Redis away): nobody can be sure to be alone, so this node skips it.</summary>
    Unavailable,
}

/// <summary>The answer to a claim: the outcome and, when granted by a shared lock, the fencing token.</summary>
internal readonly record struct CronClaim(CronClaimOutcome Outcome, long? FencingToken = null)
{
    public static CronClaim GrantedWithoutToken { get; } = new(CronClaimOutcome.Granted);

    public static CronClaim Elsewhere { get; } = new(CronClaimOutcome.Elsewhere);

    public static CronClaim Unavailable { get; } = new(CronClaimOutcome.Unavailable);
}

/// <summary>One node is the whole cluster: every firing is this node's, without a fencing token.</summary>
internal sealed class SingleNodeCronLock : ICronClusterLock
{
    public static SingleNodeCronLock Instance { get; } = new();

    public bool Shared => false;

    public ValueTask<CronClaim> TryClaimAsync(string job, DateTimeOffset plannedAt, TimeSpan lease, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CronClaim.GrantedWithoutToken);
}
