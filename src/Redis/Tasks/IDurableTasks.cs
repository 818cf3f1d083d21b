namespace Resident;

/// <summary>
/// The cluster's durable task queue (Resident.Redis): its dead letters (deliveries whose last try failed), what it
/// holds, and this node's counters. From DI once <c>AddRedis()</c> is called.
/// </summary>
public interface IDurableTasks
{
    /// <summary>The oldest <paramref name="count"/> dead letters (at most), oldest first.</summary>
    Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(int count = 100);

    /// <summary>
    /// Puts the dead letter <paramref name="id"/> back in the queue with fresh tries (attempt 1) and the same
    /// idempotency key. False when there is no such dead letter.
    /// </summary>
    Task<bool> RequeueAsync(string id);

    /// <summary>Deletes the dead letter <paramref name="id"/>. False when there is no such dead letter.</summary>
    Task<bool> DeleteAsync(string id);

    /// <summary>What the queue holds right now, cluster-wide.</summary>
    Task<DurableTaskBacklog> BacklogAsync();

    /// <summary>This node's counters since its start.</summary>
    DurableTaskCounters Counters { get; }
}

/// <summary>A durable delivery whose last try failed (or that could not run at all).</summary>
/// <param name="Id">The dead letter's id (its stream entry id), for <see cref="IDurableTasks.RequeueAsync"/> and <see cref="IDurableTasks.DeleteAsync"/>.</param>
/// <param name="TaskName">The task type's full name.</param>
/// <param name="IdempotencyKey">The delivery's idempotency key.</param>
/// <param name="Attempts">The tries it had.</param>
/// <param name="Reason">Why it ended here: the last exception (type and message), or why it could not run.</param>
/// <param name="Node">The node that gave up on it (its consumer name).</param>
/// <param name="FailedAt">When, in Redis's clock.</param>
/// <param name="Payload">The payload as its generated codec wrote it (UTF-8 JSON).</param>
public sealed record DeadLetter(string Id, string TaskName, string IdempotencyKey, int Attempts, string Reason, string Node, DateTimeOffset FailedAt, string Payload);

/// <summary>What the durable queue holds, cluster-wide.</summary>
/// <param name="Queued">Deliveries in the stream, read or not (running, or waiting for a node).</param>
/// <param name="Running">Of those, the ones a node has read and not yet settled.</param>
/// <param name="Delayed">Deliveries and retries waiting for their due time.</param>
/// <param name="DeadLetters">Dead letters kept.</param>
public sealed record DurableTaskBacklog(long Queued, long Running, long Delayed, long DeadLetters);

/// <summary>One node's durable task counters since its start.</summary>
/// <param name="Sent">Deliveries stored in Redis (DeliverAsync returned true).</param>
/// <param name="Refused">Deliveries refused because Redis was away or too slow (DeliverAsync returned false).</param>
/// <param name="Received">Deliveries this node read to run (reclaimed ones included).</param>
/// <param name="Reclaimed">Deliveries this node took over from a node that stopped renewing its claim.</param>
/// <param name="Completed">Runs acknowledged after success.</param>
/// <param name="Retried">Failed tries sent back for another try.</param>
/// <param name="DeadLettered">Deliveries this node moved to the dead letters.</param>
/// <param name="Abandoned">Deliveries this node let go unsettled (stopped, or Redis away at the end): another node runs them again.</param>
/// <param name="ClaimsLost">Held deliveries another node reclaimed first (this node could not renew its claim in time).</param>
public sealed record DurableTaskCounters(long Sent, long Refused, long Received, long Reclaimed, long Completed, long Retried, long DeadLettered, long Abandoned, long ClaimsLost);
