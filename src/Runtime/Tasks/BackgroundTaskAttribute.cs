namespace Resident;

/// <summary>
/// Declares a background task type (LaravelS <c>Task</c>): its public properties are the payload, its
/// <see cref="IBackgroundTask.HandleAsync"/> runs on a task worker. Deliver instances with <see cref="ITaskQueue"/>.
/// </summary>
/// <remarks>
/// The payload is written and read by generated System.Text.Json code (no reflection), so a later process or
/// Redis can carry it. Payload members are public properties with a setter or <c>init</c>, or constructor
/// parameters named like properties, of these types: string, bool, the integer and floating-point types,
/// decimal, char, Guid, DateTime, DateTimeOffset, TimeSpan, enums, <c>byte[]</c>, their nullable forms, and
/// arrays or lists of them. A type with another member type fails the start naming the member.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BackgroundTaskAttribute : Attribute
{
    /// <summary>How many times a delivery is attempted in all, 1–100, unless the delivery says otherwise. Default 1.</summary>
    public int Tries { get; set; } = 1;

    /// <summary>How long to wait before a retry. Default <see cref="TaskBackoff.Exponential"/>.</summary>
    public TaskBackoff Backoff { get; set; } = TaskBackoff.Exponential;

    /// <summary>The fixed delay, or the first exponential delay, in milliseconds. Default 100.</summary>
    public int BackoffMilliseconds { get; set; } = 100;

    /// <summary>The longest exponential delay, in milliseconds. Default 60,000.</summary>
    public int MaxBackoffMilliseconds { get; set; } = 60_000;

    /// <summary>
    /// Whether deliveries survive the node: they go to a durable transport (Redis Streams, with
    /// <c>AddRedis()</c> from the Resident.Redis package) instead of this process's memory, run at least once on some
    /// node of the cluster, and carry an idempotency key (<see cref="TaskContext.IdempotencyKey"/>).
    /// <c>Resident:Tasks:{name}:Durable</c> overrides it. Default false: in memory.
    /// </summary>
    public bool Durable { get; set; }
}
