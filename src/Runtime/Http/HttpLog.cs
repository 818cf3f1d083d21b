using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Resident.Http;

/// <summary>Requests, their hooks and cleaners, and the listening setup log here; ids 1100–1199 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 1100, EventName = "CleanerFailed", Level = LogLevel.Error, Message = "Cleaner {Cleaner} failed; the other cleaners still ran.")]
    public static partial void CleanerFailed(ILogger logger, string cleaner, Exception exception);

    [LoggerMessage(EventId = 1101, EventName = "RequestHookFailed", Level = LogLevel.Error, Message = "Request hook {Hook} failed in {Stage}; the request went on without it.")]
    public static partial void RequestHookFailed(ILogger logger, string hook, string stage, Exception exception);

    [LoggerMessage(EventId = 1102, EventName = "UnhandledRequestException", Level = LogLevel.Error, Message = "An unhandled exception was thrown while serving {Method} {Path}; answered 500.")]
    public static partial void UnhandledRequestException(ILogger logger, string method, PathString path, Exception exception);

    [LoggerMessage(EventId = 1103, EventName = "UsingAspNetCoreAddresses", Level = LogLevel.Information, Message = "Listening on ASP.NET Core's addresses (urls, ASPNETCORE_URLS or Kestrel:Endpoints) because Resident:ListenIp and Resident:ListenPort are not set.")]
    public static partial void UsingAspNetCoreAddresses(ILogger logger);

    [LoggerMessage(EventId = 1104, EventName = "StaleSocketReplaced", Level = LogLevel.Information, Message = "Replaced the stale Unix socket file {Path} left by an earlier run.")]
    public static partial void StaleSocketReplaced(ILogger logger, string path);

    [LoggerMessage(EventId = 1120, EventName = "MaxRequestReached", Level = LogLevel.Information, Message = "This worker has served MaxRequest ({MaxRequest}) requests; it asks to be recycled.")]
    public static partial void MaxRequestReached(ILogger logger, long maxRequest);
}
