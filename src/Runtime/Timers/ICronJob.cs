namespace Resident;

/// <summary>A timer job declared with <see cref="CronJobAttribute">[CronJob]</see>.</summary>
public interface ICronJob
{
    /// <summary>One run. Exceptions are logged and the job keeps its schedule.</summary>
    ValueTask RunAsync(CronJobContext context);
}
