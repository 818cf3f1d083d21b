using System.Reflection;
using Microsoft.Extensions.Logging;
using Resident.Hosting;
using Xunit;

namespace Resident.Tests;

/// <summary>Every log message of the runtime has an id of its own, inside its area's block, and a name.</summary>
public sealed class LoggingCatalogueTests
{
    // The one logging class of each area and the first id of its block; a new area adds its class here.
    private static readonly Dictionary<string, int> BlockOfClass = new()
    {
        ["Resident.Hosting.HostingLog"] = LogEventIds.Hosting,
        ["Resident.Http.HttpLog"] = LogEventIds.Http,
        ["Resident.WebSockets.WebSocketLog"] = LogEventIds.WebSockets,
        ["Resident.Tasks.TaskLog"] = LogEventIds.Tasks,
        ["Resident.Timers.CronLog"] = LogEventIds.Timers,
        ["Resident.Processes.ProcessLog"] = LogEventIds.Processes,
        ["Resident.Sockets.SocketLog"] = LogEventIds.Sockets,
        ["Resident.Tables.TableLog"] = LogEventIds.Tables,
        ["Resident.Supervision.MasterLog"] = LogEventIds.Master,
        ["Resident.Supervision.SupervisionLog"] = LogEventIds.Supervision,
        ["Resident.Metrics.MetricsLog"] = LogEventIds.Metrics,
        ["Resident.Performance.PerformanceLog"] = LogEventIds.Performance,
    };

    private static List<(MethodInfo Method, LoggerMessageAttribute Message)> Messages() =>
        typeof(LogEventIds).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Message: method.GetCustomAttribute<LoggerMessageAttribute>()!))
            .Where(pair => pair.Message is not null)
            .ToList();

    private static string Describe(MethodInfo method) => method.DeclaringType!.FullName + "." + method.Name;

    [Fact]
    public void The_catalogue_finds_every_logging_class()
    {
        var classes = Messages().Select(pair => pair.Method.DeclaringType!.FullName!).Distinct().Order().ToArray();

        Assert.Equal(BlockOfClass.Keys.Order().ToArray(), classes);
        Assert.True(Messages().Count >= 40, $"only {Messages().Count} messages found");
    }

    [Fact]
    public void Every_message_has_an_id_of_its_own()
    {
        var duplicates = Messages().GroupBy(pair => pair.Message.EventId).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(pair => Describe(pair.Method)))}").ToArray();

        Assert.True(duplicates.Length == 0, "Duplicate event ids: " + string.Join("; ", duplicates));
    }

    [Fact]
    public void Every_message_has_an_event_name_of_its_own()
    {
        var unnamed = Messages().Where(pair => string.IsNullOrWhiteSpace(pair.Message.EventName)).Select(pair => Describe(pair.Method)).ToArray();
        var duplicates = Messages().Where(pair => !string.IsNullOrWhiteSpace(pair.Message.EventName))
            .GroupBy(pair => pair.Message.EventName, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key).ToArray();

        Assert.True(unnamed.Length == 0, "Messages without an EventName: " + string.Join(", ", unnamed));
        Assert.True(duplicates.Length == 0, "Duplicate event names: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void Every_id_lies_in_its_areas_block()
    {
        var outside = Messages()
            .Where(pair => !BlockOfClass.TryGetValue(pair.Method.DeclaringType!.FullName!, out var first)
                || pair.Message.EventId < first || pair.Message.EventId >= first + LogEventIds.BlockSize)
            .Select(pair => $"{Describe(pair.Method)} ({pair.Message.EventId})").ToArray();

        Assert.True(outside.Length == 0, "Event ids outside their class's block: " + string.Join(", ", outside));
    }

    [Fact]
    public void The_blocks_do_not_overlap()
    {
        var firsts = new[]
        {
            LogEventIds.Hosting, LogEventIds.Http, LogEventIds.WebSockets, LogEventIds.Tasks, LogEventIds.Events,
            LogEventIds.Timers, LogEventIds.Processes, LogEventIds.Sockets, LogEventIds.Tables, LogEventIds.Supervision, LogEventIds.Master, LogEventIds.Metrics,
        };

        Assert.All(firsts, first => Assert.Equal(0, first % LogEventIds.BlockSize));
        Assert.Equal(firsts.Length, firsts.Distinct().Count());
    }
}
