using Microsoft.Extensions.Logging;

namespace Resident.Timers;

/// <summary>The cron scheduler and its jobs log here; ids 1500–1599 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class CronLog
{
    [LoggerMessage(EventId = 1500, EventName = "CronScheduled", Level = LogLevel.Information, Message = "Scheduled {Count} cron job(s): {Jobs}.")]
    public static partial void Started(ILogger logger, int count, string jobs);

    [LoggerMessage(EventId = 1501, EventName = "CronRunFailed", Level = LogLevel.Error, Message = "Cron job {Name} failed in run {Run}; it keeps its schedule.")]
    public static partial void RunFailed(ILogger logger, string name, long run, Exception exception);
}
