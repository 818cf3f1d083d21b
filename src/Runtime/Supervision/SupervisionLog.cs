using Microsoft.Extensions.Logging;

namespace Resident.Supervision;

/// <summary>The supervised mode (master, systemd notifications, watch mode) logs here; ids 1900–1999 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class SupervisionLog
{
    [LoggerMessage(EventId = 1900, EventName = "NotifySocketUnsupported", Level = LogLevel.Warning, Message = "NOTIFY_SOCKET is {SocketPath}, neither an absolute path nor an abstract socket ('@name') on Linux; systemd notifications are off.")]
    public static partial void NotifySocketUnsupported(ILogger logger, string socketPath);

    [LoggerMessage(EventId = 1901, EventName = "NotifyFailed", Level = LogLevel.Warning, Message = "Could not send {Notification} to systemd through {SocketPath}; later failures are not logged.")]
    public static partial void NotifyFailed(ILogger logger, string notification, string socketPath, Exception exception);

    [LoggerMessage(EventId = 1910, EventName = "WatchStarted", Level = LogLevel.Information, Message = "Watch mode: watching {Paths}; a source change runs `{BuildCommand}` and reloads when it succeeds.")]
    public static partial void WatchStarted(ILogger logger, string paths, string buildCommand);

    [LoggerMessage(EventId = 1911, EventName = "WatchPathMissing", Level = LogLevel.Warning, Message = "Watch mode: {Path} does not exist; it is not watched.")]
    public static partial void WatchPathMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 1912, EventName = "WatchLimitReached", Level = LogLevel.Error, Message = "Watch mode cannot watch {Path}: the inotify limit is reached (sysctl fs.inotify.max_user_watches, one watch per directory, or fs.inotify.max_user_instances). Changes there will not rebuild or reload; the server keeps serving. Raise it, e.g. `sysctl -w fs.inotify.max_user_watches=524288`, and restart.")]
    public static partial void WatchLimitReached(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1913, EventName = "WatchFailed", Level = LogLevel.Error, Message = "Watch mode: watching {Path} failed; changes there may not rebuild.")]
    public static partial void WatchFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1914, EventName = "WatchOverflow", Level = LogLevel.Warning, Message = "Watch mode: too many changes at once under {Path} (events were lost); rebuilding to be safe.")]
    public static partial void WatchOverflow(ILogger logger, string path);

    [LoggerMessage(EventId = 1915, EventName = "WatchBuildStarted", Level = LogLevel.Information, Message = "Watch mode: {Count} change(s), first {FirstChange}; running `{BuildCommand}`.")]
    public static partial void WatchBuildStarted(ILogger logger, int count, string firstChange, string buildCommand);

    [LoggerMessage(EventId = 1916, EventName = "WatchBuildSucceeded", Level = LogLevel.Information, Message = "Watch mode: build succeeded in {ElapsedMilliseconds} ms; reloading.")]
    public static partial void WatchBuildSucceeded(ILogger logger, long elapsedMilliseconds);

    [LoggerMessage(EventId = 1917, EventName = "WatchBuildFailed", Level = LogLevel.Error, Message = "Watch mode: build failed (exit code {ExitCode}) in {ElapsedMilliseconds} ms; the running generation keeps serving.\n{Errors}")]
    public static partial void WatchBuildFailed(ILogger logger, int exitCode, long elapsedMilliseconds, string errors);

    [LoggerMessage(EventId = 1918, EventName = "WatchBuildNotStarted", Level = LogLevel.Error, Message = "Watch mode: could not start `{BuildCommand}`; is the .NET SDK on PATH?")]
    public static partial void WatchBuildNotStarted(ILogger logger, string buildCommand, Exception exception);

    [LoggerMessage(EventId = 1919, EventName = "WatchReloadFailed", Level = LogLevel.Error, Message = "Watch mode: the build succeeded but the reload failed; the running generation keeps serving.")]
    public static partial void WatchReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1920, EventName = "WatchObserverFailed", Level = LogLevel.Error, Message = "Watch mode: a BuildFinished handler threw.")]
    public static partial void WatchObserverFailed(ILogger logger, Exception exception);
}
