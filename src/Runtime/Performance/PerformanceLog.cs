using Microsoft.Extensions.Logging;

namespace Resident.Performance;

/// <summary>The <c>Resident:Performance</c> settings log here; ids 2300–2399 (see <see cref="Resident.Hosting.LogEventIds"/>).</summary>
internal static partial class PerformanceLog
{
    [LoggerMessage(EventId = 2300, EventName = "PerformanceSettings", Level = LogLevel.Information, Message = "Performance profile {Profile}: inline scheduling {InlineScheduling}, inline socket completions {InlineSocketCompletions}, pinned to CPU {Cpu}, request Activity for logging {RequestActivityForLogging}.")]
    public static partial void InEffect(ILogger logger, PerformanceProfile profile, bool inlineScheduling, bool inlineSocketCompletions, string cpu, bool requestActivityForLogging);

    [LoggerMessage(EventId = 2301, EventName = "StartTimeSettingMissing", Level = LogLevel.Warning, Message = "{Key} is on, but the runtime reads it only when it starts: set {Variable} in the environment of this process (the supervised mode's master sets it for its workers).")]
    public static partial void StartTimeSettingMissing(ILogger logger, string key, string variable);

    [LoggerMessage(EventId = 2302, EventName = "PinningFailed", Level = LogLevel.Warning, Message = "Resident:Performance:PinWorkers is on, but this worker could not pin itself: {Reason}")]
    public static partial void PinningFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2303, EventName = "InlineSchedulingWaitsForCompletions", Level = LogLevel.Warning, Message = "The Throughput profile's inline scheduling stays off in this process: it pays only with inline socket completions, which need {Variable} in the environment when the process starts (set Resident:Performance:InlineScheduling to decide yourself).")]
    public static partial void InlineSchedulingWaitsForCompletions(ILogger logger, string variable);

    [LoggerMessage(EventId = 2304, EventName = "RequestActivityStillForLogging", Level = LogLevel.Warning, Message = "Resident:Performance:RequestActivityForLogging is off, but logging still has {Category} on, so ASP.NET Core still starts an Activity for every request: a level set for one provider outranks Resident's rule, and a logger factory of its own (Serilog's, say) ignores it; set {Category} to None there.")]
    public static partial void RequestActivityStillForLogging(ILogger logger, string category);
}
