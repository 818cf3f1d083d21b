using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Resident.Hosting;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Cleaner {Cleaner} failed; the other cleaners still ran.")]
    public static partial void CleanerFailed(ILogger logger, string cleaner, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "Request hook {Hook} failed in {Stage}; the request went on without it.")]
    public static partial void RequestHookFailed(ILogger logger, string hook, string stage, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "Lifecycle hook {Hook} failed on {Event}; the other hooks still ran.")]
    public static partial void LifecycleHookFailed(ILogger logger, string hook, LifecycleEvent @event, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Resident server started in inline mode (pid {ProcessId}) on {Addresses}.")]
    public static partial void ServerStarted(ILogger logger, int processId, string addresses);

    [LoggerMessage(5, LogLevel.Critical, "Worker {WorkerId} (pid {ProcessId}) is failing with an unhandled exception.")]
    public static partial void WorkerFailing(ILogger logger, int workerId, int processId, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "An unhandled exception was thrown while serving {Method} {Path}; answered 500.")]
    public static partial void UnhandledRequestException(ILogger logger, string method, PathString path, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "The app declares {Count} WebSocket handler path(s) but did not map them: call app.MapWebSocketHandlers(), or run with app.RunResidentAsync(args), which maps them.")]
    public static partial void WebSocketHandlersNotMapped(ILogger logger, int count);

    [LoggerMessage(9, LogLevel.Information, "Listening on ASP.NET Core's addresses (urls, ASPNETCORE_URLS or Kestrel:Endpoints) because Resident:ListenIp and Resident:ListenPort are not set.")]
    public static partial void UsingAspNetCoreAddresses(ILogger logger);

    [LoggerMessage(6, LogLevel.Information, "Replaced the stale Unix socket file {Path} left by an earlier run.")]
    public static partial void StaleSocketReplaced(ILogger logger, string path);
}
