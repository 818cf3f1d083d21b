using System.Text.Json;
using System.Text.Json.Serialization;

namespace Showcase;

/// <summary>Request state kept in a singleton, the way a LaravelS app keeps it in a static: a cleaner must reset it.</summary>
public sealed class VisitCounter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Touch() => Interlocked.Increment(ref _count);

    public void Reset() => Interlocked.Exchange(ref _count, 0);
}

/// <summary>Measures the managed heap after a full collection and remembers the previous measurement.</summary>
public sealed class MemoryProbe
{
    private long _previous;

    public MemoryReport Measure()
    {
        var current = GC.GetTotalMemory(forceFullCollection: true);
        var previous = Interlocked.Exchange(ref _previous, current);
        return new MemoryReport(current, previous, current - previous);
    }
}

public sealed record Message(string message);

public sealed record CounterReport(int Count);

public sealed record MemoryReport(long Current, long Previous, long Difference);

public sealed record ClientReport(string? RemoteIp, int RemotePort, string Scheme);

public sealed record ServerReport(int ProcessId, int WorkerId, DateTimeOffset StartTime, long RequestCount, long ActiveConnections, string[] ListenAddresses);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(CounterReport))]
[JsonSerializable(typeof(MemoryReport))]
[JsonSerializable(typeof(ServerReport))]
[JsonSerializable(typeof(ClientReport))]
[JsonSerializable(typeof(ChatEvent))]
[JsonSerializable(typeof(ChatMember[]))]
[JsonSerializable(typeof(PushReport))]
[JsonSerializable(typeof(DeliveryReport))]
[JsonSerializable(typeof(BackgroundReport))]
[JsonSerializable(typeof(ProcessReport))]
[JsonSerializable(typeof(TableCounterReport))]
internal sealed partial class ShowcaseJson : JsonSerializerContext;
