using Microsoft.Extensions.Logging;

namespace Resident.Metrics;

/// <summary>The metrics endpoint and the health probes log here; ids 2200–2299 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 2201, EventName = "NotReady", Level = LogLevel.Debug, Message = "{Path} answered 503: {Report}")]
    public static partial void NotReady(ILogger logger, string path, string report);

    [LoggerMessage(EventId = 2202, EventName = "WorkerScrapeTimedOut", Level = LogLevel.Warning, Message = "Worker {Slot} did not send its metrics within {Timeout}; the scrape goes without them.")]
    public static partial void WorkerScrapeTimedOut(ILogger logger, int slot, TimeSpan timeout);

    [LoggerMessage(EventId = 2203, EventName = "MalformedWorkerMetrics", Level = LogLevel.Warning, Message = "Worker {Slot} sent malformed metrics; the scrape goes without them.")]
    public static partial void MalformedWorkerMetrics(ILogger logger, int slot, Exception exception);
}
