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

    [LoggerMessage(EventId = 1307, EventName = "TasksHandedOver", Level = LogLevel.Information, Message = "Handed {Count} pending delivery(ies) over to the next generation ({Waiting} of them delayed, waiting for a retry or for room).")]
    public static partial void HandedOver(ILogger logger, int count, int waiting);

    [LoggerMessage(EventId = 1308, EventName = "TasksKeptAtHandOver", Level = LogLevel.Warning, Message = "{Count} pending delivery(ies) cannot be handed over and stay to run in this worker while it drains (no payload codec, or it failed): {Names}.")]
    public static partial void HandOverKept(ILogger logger, int count, string names);

    [LoggerMessage(EventId = 1309, EventName = "TaskHandOverFailed", Level = LogLevel.Error, Message = "The payload codec of {Name} failed to write a pending delivery for the hand-over; it stays in this worker.")]
    public static partial void HandOverFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 1310, EventName = "TasksTakenOver", Level = LogLevel.Information, Message = "Took over {Count} delivery(ies) from the previous generation ({Waiting} of them not yet due); {Dropped} dropped.")]
    public static partial void TookOver(ILogger logger, int count, int waiting, int dropped);

    [LoggerMessage(EventId = 1311, EventName = "TaskTakeOverUnknown", Level = LogLevel.Warning, Message = "A handed-over {Kind} {Name} is dropped: this version declares no such type (or no listener of it).")]
    public static partial void TakeOverUnknown(ILogger logger, string kind, string name);

    [LoggerMessage(EventId = 1312, EventName = "TaskTakeOverUnreadable", Level = LogLevel.Error, Message = "A handed-over {Name} is dropped: this version's payload codec cannot read it.")]
    public static partial void TakeOverUnreadable(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 1313, EventName = "TaskHandOverRejected", Level = LogLevel.Error, Message = "The handed-over batch ({Length} bytes) is malformed and rejected as a whole; none of its deliveries were taken over: {Problem}")]
    public static partial void TakeOverRejected(ILogger logger, int length, string problem, Exception exception);

    [LoggerMessage(EventId = 1314, EventName = "DurableTaskDeadLettered", Level = LogLevel.Error, Message = "Durable {Name} failed its last try ({Attempt}); it goes to the dead letters.")]
    public static partial void DurableGaveUp(ILogger logger, string name, int attempt, Exception exception);

    [LoggerMessage(EventId = 1315, EventName = "DurableTaskAbandoned", Level = LogLevel.Warning, Message = "The stop cut durable {Name} off during try {Attempt}; it stays pending and another node runs it again after the visibility timeout.")]
    public static partial void DurableAbandoned(ILogger logger, string name, int attempt);
}
