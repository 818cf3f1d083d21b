using Microsoft.Extensions.Logging;

namespace Resident.Hosting;

/// <summary>The server's start, lifecycle hooks and shutdown log here; ids 1000–1099 (see <see cref="LogEventIds"/>).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1000, EventName = "ServerStarted", Level = LogLevel.Information, Message = "Resident server started in {Mode} (pid {ProcessId}) on {Addresses}.")]
    public static partial void ServerStarted(ILogger logger, string mode, int processId, string addresses);

    [LoggerMessage(EventId = 1001, EventName = "LifecycleHookFailed", Level = LogLevel.Error, Message = "Lifecycle hook {Hook} failed on {Event}; the other hooks still ran.")]
    public static partial void LifecycleHookFailed(ILogger logger, string hook, LifecycleEvent @event, Exception exception);

    [LoggerMessage(EventId = 1002, EventName = "WorkerFailing", Level = LogLevel.Critical, Message = "Worker {WorkerId} (pid {ProcessId}) is failing with an unhandled exception.")]
    public static partial void WorkerFailing(ILogger logger, int workerId, int processId, Exception exception);

    [LoggerMessage(EventId = 1003, EventName = "WebSocketHandlersNotMapped", Level = LogLevel.Warning, Message = "The app declares {Count} WebSocket handler path(s) but did not map them: call app.MapWebSocketHandlers(), or run with app.RunResidentAsync(args), which maps them.")]
    public static partial void WebSocketHandlersNotMapped(ILogger logger, int count);

    [LoggerMessage(EventId = 1010, EventName = "Stopping", Level = LogLevel.Information, Message = "Stopping ({Reason}): no new connections or cron runs; waiting up to MaxWaitTime ({MaxWaitTime} s) for the requests, cron runs, custom processes and tasks in flight.")]
    public static partial void Stopping(ILogger logger, string reason, double maxWaitTime);

    [LoggerMessage(EventId = 1011, EventName = "StoppedWithWorkRunning", Level = LogLevel.Warning, Message = "{Cause} with {CronRuns} cron job run(s) and {Processes} custom process instance(s) still running; the server stops without them.")]
    public static partial void StillRunning(ILogger logger, string cause, int cronRuns, int processes);

    [LoggerMessage(EventId = 1012, EventName = "Stopped", Level = LogLevel.Information, Message = "Stopped ({Reason}) in {ElapsedMilliseconds} ms.")]
    public static partial void Stopped(ILogger logger, string reason, long elapsedMilliseconds);

    [LoggerMessage(EventId = 1040, EventName = "GenerationRetiring", Level = LogLevel.Information, Message = "Retiring this worker ({Reason}): {Listeners} listener(s) stopped accepting; keep-alive connections close after their current response and WebSockets with 1012; waiting up to {GraceSeconds} s for {Connections} open connection(s) to leave.")]
    public static partial void Retiring(ILogger logger, string reason, int listeners, long connections, double graceSeconds);

    [LoggerMessage(EventId = 1041, EventName = "GenerationConnectionsLeft", Level = LogLevel.Information, Message = "Every connection of the retiring worker has left, {ElapsedMilliseconds} ms after the retirement began.")]
    public static partial void ConnectionsLeft(ILogger logger, long elapsedMilliseconds);

    [LoggerMessage(EventId = 1042, EventName = "GenerationConnectionsStillOpen", Level = LogLevel.Information, Message = "{Connections} connection(s) of the retiring worker still open after {GraceSeconds} s; the graceful stop closes the idle ones between requests.")]
    public static partial void ConnectionsStillOpen(ILogger logger, long connections, double graceSeconds);

    [LoggerMessage(EventId = 1043, EventName = "GenerationStopAcceptingFailed", Level = LogLevel.Warning, Message = "The retiring worker's listeners could not be stopped; the graceful stop unbinds them.")]
    public static partial void StopAcceptingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1044, EventName = "MaxRequestNeedsSupervisedMode", Level = LogLevel.Warning, Message = "Resident:MaxRequest is {MaxRequest}, but workers are recycled only in the supervised mode (start); this inline server never recycles.")]
    public static partial void MaxRequestNeedsSupervisedMode(ILogger logger, int maxRequest);

    [LoggerMessage(EventId = 1045, EventName = "InlineReloadSignal", Level = LogLevel.Information, Message = "SIGUSR1: this server runs inline (no worker processes to replace), so a reload only calls OnReloadAsync of its {Processes} custom process(es); start it with the 'start' verb for reloads that take new code.")]
    public static partial void InlineReloadSignal(ILogger logger, int processes);
}
