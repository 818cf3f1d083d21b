using Resident.Analyzers.Tests.Infrastructure;
using Xunit;
using static Resident.Analyzers.Tests.Infrastructure.ShapeAnalyzerTest;

namespace Resident.Analyzers.Tests;

/// <summary>
/// RES100 on the declaration kinds beyond cleaners, hooks and WebSocket handlers: [EventListener], [CronJob],
/// [CustomProcess] and [SocketHandler] classes the factory cannot build, and [BackgroundTask]/[AsyncEvent] data types
/// the generator cannot name.
/// </summary>
public sealed class DeclarationShapeNewKindsTests
{
    private const string CronBody = MisuseAnalyzerTest.CronBody;
    private const string ProcessBody = MisuseAnalyzerTest.ProcessBody;
    private const string TcpBody = MisuseAnalyzerTest.TcpBody;
    private const string TaskBody = MisuseAnalyzerTest.TaskBody;
    private const string PaidEvent = "[AsyncEvent] public sealed class Paid { public int Id { get; set; } }";
    private const string ListenerBody = "public ValueTask<Propagation> HandleAsync(Paid @event, TaskContext context) => new(Propagation.Continue);";

    public static TheoryData<string, string, string, string> Flagged => new()
    {
        { $$"""[{|#0:CronJob(1000)|}] public abstract class Bad : ICronJob { {{CronBody}} }""", "CronJob", "Bad", "is abstract and cannot be constructed" },
        { $$"""[{|#0:CronJob("@daily")|}] public sealed class Bad { {{CronBody}} }""", "CronJob", "Bad", "does not implement Resident.ICronJob" },
        { $$"""[{|#0:CustomProcess("w")|}] public sealed class Bad : ICustomProcess { private Bad() { } {{ProcessBody}} }""", "CustomProcess", "Bad", "has no public or internal constructor" },
        { $$"""[{|#0:CustomProcess("w")|}] public sealed class Bad<T> : ICustomProcess { {{ProcessBody}} }""", "CustomProcess", "Bad", "is generic, and the factory cannot choose its type arguments" },
        { $$"""[{|#0:SocketHandler("tcp")|}] public sealed class Bad : ICleaner { public ValueTask CleanAsync(HttpContext context) => default; }""", "SocketHandler", "Bad", "does not implement Resident.ITcpHandler or Resident.IUdpHandler" },
        { $$"""[{|#0:SocketHandler("tcp")|}] public sealed class Bad : ITcpHandler { public Bad(int a) { } public Bad(long b) { } {{TcpBody}} }""", "SocketHandler", "Bad", "has several public or internal constructors with the most parameters; mark one [ActivatorUtilitiesConstructor]" },
        { $$"""[{|#0:EventListener|}] public sealed class Bad { {{ListenerBody}} }""", "EventListener", "Bad", "does not implement Resident.IEventListener<TEvent>" },
        { $$"""public sealed class Refund; [{|#0:EventListener|}] public sealed class Bad : IEventListener<Paid>, IEventListener<Refund> { {{ListenerBody}} public ValueTask<Propagation> HandleAsync(Refund @event, TaskContext context) => new(Propagation.Continue); }""", "EventListener", "Bad", "implements IEventListener<TEvent> for several events; declare one listener class per event" },
        { $$"""public static class Outer { private sealed class Hidden; [{|#0:EventListener|}] public sealed class Bad : IEventListener<Hidden> { ValueTask<Propagation> IEventListener<Hidden>.HandleAsync(Hidden @event, TaskContext context) => new(Propagation.Continue); } }""", "EventListener", "Bad", "listens to an event type generated code cannot name; use a public or internal class" },
        { $$"""[{|#0:BackgroundTask|}] public sealed class Bad { {{TaskBody}} }""", "BackgroundTask", "Bad", "does not implement Resident.IBackgroundTask" },
        { $$"""[{|#0:BackgroundTask|}] public abstract class Bad : IBackgroundTask { {{TaskBody}} }""", "BackgroundTask", "Bad", "is abstract and cannot be constructed" },
        { """[{|#0:AsyncEvent|}] public sealed class Bad<T> { public int Id { get; set; } }""", "AsyncEvent", "Bad", "is generic, and the factory cannot choose its type arguments" },
        { """public sealed class Outer { [{|#0:AsyncEvent|}] private sealed class Bad { public int Id { get; set; } } }""", "AsyncEvent", "Bad", "must be public or internal, not file-local, and not nested in a private or protected type" },
    };

    [Theory]
    [MemberData(nameof(Flagged))]
    public async Task Declaration_the_generator_skips_is_flagged(string declaration, string attribute, string typeName, string explanation)
    {
        await new ShapeAnalyzerTest($"namespace App;\n{PaidEvent}\n{declaration}", Res100(0, attribute, typeName, explanation)).RunAsync();
    }

    public static TheoryData<string> Quiet => new()
    {
        $$"""[CronJob("@hourly")] public sealed class Good(IServiceProvider services) : ICronJob { public object State => services; {{CronBody}} }""",
        $$"""[CustomProcess("w", Num = 2)] internal sealed class Good : ICustomProcess { {{ProcessBody}} }""",
        $$"""[SocketHandler("tcp", Port = 9502)] public sealed class Good : ITcpHandler { {{TcpBody}} }""",
        $$"""[EventListener(Order = 1)] public sealed class Good : IEventListener<Paid> { {{ListenerBody}} }""",
        $$"""public abstract class ListenerBase : IEventListener<Paid> { public abstract ValueTask<Propagation> HandleAsync(Paid @event, TaskContext context); } [EventListener] public sealed class Good : ListenerBase { public override ValueTask<Propagation> HandleAsync(Paid @event, TaskContext context) => new(Propagation.Continue); }""",
        // A data type has no services: its constructors are the codec's business (RES107), not RES100's.
        $$"""[BackgroundTask(Tries = 3)] public sealed class Good : IBackgroundTask { private Good() { } {{TaskBody}} }""",
        """[AsyncEvent] public sealed class Good { public Good(int id) => Id = id; public int Id { get; } }""",
        """[AsyncEvent] public sealed record Good(int Id);""",
    };

    [Theory]
    [MemberData(nameof(Quiet))]
    public async Task Declaration_the_generator_lists_is_not_flagged(string declaration)
    {
        await new ShapeAnalyzerTest($"namespace App;\n{PaidEvent}\n{declaration}").RunAsync();
    }
}
