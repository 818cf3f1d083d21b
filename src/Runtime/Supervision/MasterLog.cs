using Microsoft.Extensions.Logging;

namespace Resident.Supervision;

/// <summary>The supervised master's log messages (ids 2000–2099).</summary>
internal static partial class MasterLog
{
    [LoggerMessage(EventId = 2000, EventName = "MasterStarted", Level = LogLevel.Information, Message = "{Message}")]
    public static partial void Started(ILogger logger, string message);

    [LoggerMessage(EventId = 2001, EventName = "MasterStopping", Level = LogLevel.Information, Message = "The master is stopping the server ({Reason}).")]
    public static partial void Stopping(ILogger logger, string reason);

    [LoggerMessage(EventId = 2002, EventName = "MasterStopped", Level = LogLevel.Information, Message = "Resident stopped: every worker has exited (master pid {ProcessId}).")]
    public static partial void Stopped(ILogger logger, int processId);

    [LoggerMessage(EventId = 2003, EventName = "WorkerStarted", Level = LogLevel.Information, Message = "Worker {WorkerId} started (pid {ProcessId}, generation {Generation}).")]
    public static partial void WorkerStarted(ILogger logger, int workerId, int processId, int generation);

    [LoggerMessage(EventId = 2004, EventName = "WorkerExited", Level = LogLevel.Information, Message = "Worker {WorkerId} (pid {ProcessId}, generation {Generation}) exited with status {ExitCode}.")]
    public static partial void WorkerExited(ILogger logger, int workerId, int processId, int generation, int exitCode);

    [LoggerMessage(EventId = 2005, EventName = "WorkerDied", Level = LogLevel.Error, Message = "Worker {WorkerId} (pid {ProcessId}) died with status {ExitCode}; starting a new one.")]
    public static partial void WorkerDied(ILogger logger, int workerId, int processId, int exitCode);

    [LoggerMessage(EventId = 2006, EventName = "WorkerKilled", Level = LogLevel.Warning, Message = "Worker {WorkerId} (pid {ProcessId}) was still running {Seconds} s after it was told to stop; killed.")]
    public static partial void WorkerKilled(ILogger logger, int workerId, int processId, double seconds);

    [LoggerMessage(EventId = 2007, EventName = "WorkerErrorHookFailed", Level = LogLevel.Error, Message = "The WorkerError hook {Hook} threw.")]
    public static partial void HookFailed(ILogger logger, string hook, Exception exception);

    [LoggerMessage(EventId = 2008, EventName = "Reloading", Level = LogLevel.Information, Message = "Reloading: starting generation {Generation}.")]
    public static partial void Reloading(ILogger logger, int generation);

    [LoggerMessage(EventId = 2009, EventName = "Reloaded", Level = LogLevel.Information, Message = "Reload: {Message}")]
    public static partial void Reloaded(ILogger logger, string message);

    [LoggerMessage(EventId = 2010, EventName = "ReloadResult", Level = LogLevel.Information, Message = "Reload requested by {Source}: {Result}")]
    public static partial void ReloadResult(ILogger logger, string source, (bool Succeeded, string Message) result);

    [LoggerMessage(EventId = 2011, EventName = "Recycling", Level = LogLevel.Information, Message = "Worker {WorkerId} (pid {ProcessId}) served MaxRequest ({MaxRequest}) requests; pid {Replacement} replaces it.")]
    public static partial void Recycling(ILogger logger, int workerId, int processId, int maxRequest, int replacement);

    [LoggerMessage(EventId = 2012, EventName = "RecycleFailed", Level = LogLevel.Error, Message = "Worker {WorkerId} was not recycled: {Failure}")]
    public static partial void RecycleFailed(ILogger logger, int workerId, string failure);

    [LoggerMessage(EventId = 2013, EventName = "HandOverLost", Level = LogLevel.Error, Message = "Worker {WorkerId} handed over {Bytes} bytes of tasks, but its successor is gone; they are lost.")]
    public static partial void HandOverLost(ILogger logger, int workerId, int bytes);

    [LoggerMessage(EventId = 2014, EventName = "MasterGone", Level = LogLevel.Warning, Message = "The master's control connection closed: this worker stops.")]
    public static partial void MasterGone(ILogger logger);

    [LoggerMessage(EventId = 2015, EventName = "NoProjectToWatch", Level = LogLevel.Error, Message = "start --watch found no project file (*.csproj) above {ContentRoot} or the app's directory; watch mode is off.")]
    public static partial void NoProjectToWatch(ILogger logger, string contentRoot);
}
