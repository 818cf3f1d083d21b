namespace Resident;

/// <summary>Configuration overrides of one [BackgroundTask] type (section <c>Resident:Tasks:{Name}</c>).</summary>
public sealed class BackgroundTaskOptions
{
    /// <summary>
    /// Overrides <see cref="BackgroundTaskAttribute.Durable"/>: true sends the type's deliveries to the durable
    /// transport (needs <c>AddRedis()</c>), false keeps them in memory. Null (not set): the attribute decides.
    /// </summary>
    public bool? Durable { get; set; }
}
