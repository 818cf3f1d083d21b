using Microsoft.Extensions.Logging;

namespace Resident.Processes;

/// <summary>The custom process supervisor logs here; ids 1600–1699 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class ProcessLog
{
    [LoggerMessage(EventId = 1600, EventName = "CustomProcessReturned", Level = LogLevel.Error, Message = "Custom process {Name}#{Index} returned while the server runs; restarting it in {RestartInterval} s.")]
    public static partial void Returned(ILogger logger, string name, int index, int restartInterval);

    [LoggerMessage(EventId = 1601, EventName = "CustomProcessFailed", Level = LogLevel.Error, Message = "Custom process {Name}#{Index} failed; restarting it in {RestartInterval} s.")]
    public static partial void Threw(ILogger logger, string name, int index, int restartInterval, Exception exception);

    [LoggerMessage(EventId = 1602, EventName = "CustomProcessNotCreated", Level = LogLevel.Error, Message = "Custom process {Name}#{Index} could not be created; trying again in {RestartInterval} s.")]
    public static partial void CouldNotCreate(ILogger logger, string name, int index, int restartInterval, Exception exception);

    [LoggerMessage(EventId = 1603, EventName = "CustomProcessHookFailed", Level = LogLevel.Error, Message = "{Hook} of custom process {Name}#{Index} failed.")]
    public static partial void HookFailed(ILogger logger, string name, int index, string hook, Exception exception);
}
