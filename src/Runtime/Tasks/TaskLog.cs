using Microsoft.Extensions.Logging;

namespace Resident.Tasks;

/// <summary>The task queue logs here; ids 1300–1399 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class TaskLog
{
    [LoggerMessage(EventId = 1300, EventName = "TaskQueueFull", Level = LogLevel.Warning, Message = "The task queue is full (TaskQueueCapacity); {Name} was not accepted.")]
    public static partial void QueueFull(ILogger logger, string name);

    [LoggerMessage(EventId = 1301, EventName = "TaskRetrying", Level = LogLevel.Warning, Message = "{Name} failed try {Attempt} of {Tries}; retrying in {DelayMilliseconds} ms.")]
    public static partial void TryFailed(ILogger logger, string name, int attempt, int tries, long delayMilliseconds, Exception exception);

    [LoggerMessage(EventId = 1302, EventName = "TaskDropped", Level = LogLevel.Error, Message = "{Name} failed its last try ({Attempt}); it is dropped.")]
    public static partial void GaveUp(ILogger logger, string name, int attempt, Exception exception);

    [LoggerMessage(EventId = 1303, EventName = "TaskFinishFailed", Level = LogLevel.Error, Message = "The finish callback of {Name} failed.")]
    public static partial void FinishFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 1304, EventName = "TaskQueueCutOff", Level = LogLevel.Warning, Message = "{Cause} before the task queue finished: {Queued} queued delivery(ies) not run, {Running} running one(s) cancelled.")]
    public static partial void CutOff(ILogger logger, string cause, int queued, int running);

    [LoggerMessage(EventId = 1305, EventName = "TaskWorkerFault", Level = LogLevel.Critical, Message = "A task worker failed on {Name}; the worker goes on.")]
    public static partial void WorkerFault(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 1306, EventName = "TaskDelayedDropped", Level = LogLevel.Warning, Message = "Stop dropped {Dropped} delayed delivery(ies) not yet due: each was due after the MaxWaitTime deadline (retries waiting on their backoff count too).")]
    public static partial void DroppedNotDue(ILogger logger, int dropped);
}
