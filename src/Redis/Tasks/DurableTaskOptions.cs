namespace Resident;

/// <summary>
/// The <c>Resident:Redis:Tasks</c> section: how this node stores, reads and reclaims durable tasks
/// (<see cref="BackgroundTaskAttribute.Durable"/>). Bound from configuration over the defaults; checked at start.
/// </summary>
public sealed class DurableTaskOptions
{
    /// <summary>The configuration section, under <c>Resident:Redis</c>.</summary>
    public const string SectionName = "Tasks";

    /// <summary>
    /// How long a delivery read by a node may go without that node renewing its claim before another node takes it
    /// over and runs it again. A live node renews the claims of what it holds every third of this, however long a
    /// task runs, so only a dead (or stalled, or cut off from Redis) node loses its deliveries. The bound on how long
    /// a dead node's deliveries wait. Default 30 s.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(ResidentLimits.DurableTasks.DefaultVisibilityTimeoutSeconds);

    /// <summary>
    /// How long <c>DeliverAsync</c> of a durable task waits for Redis (to reconnect, then to answer) before it returns
    /// false. 0 refuses at once while Redis is away. Default 1 s.
    /// </summary>
    public TimeSpan DeliverTimeout { get; set; } = TimeSpan.FromMilliseconds(ResidentLimits.DurableTasks.DefaultDeliverTimeoutMilliseconds);

    /// <summary>How many dead letters are kept (the oldest beyond it are trimmed, approximately). Default 10,000.</summary>
    public int DeadLetterMaxLength { get; set; } = ResidentLimits.DurableTasks.DefaultDeadLetterMaxLength;

    /// <summary>Problems found while binding, each naming its key.</summary>
    internal List<string> BindingErrors { get; } = [];
}
