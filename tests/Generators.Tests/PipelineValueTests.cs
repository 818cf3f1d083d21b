using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Resident.Generators.Declarations;
using Resident.Generators.Declarations.Cleaners;
using Resident.Generators.Declarations.CronJobs;
using Resident.Generators.Declarations.Events;
using Resident.Generators.Declarations.LifecycleHooks;
using Resident.Generators.Declarations.Processes;
using Resident.Generators.Declarations.RequestHooks;
using Resident.Generators.Declarations.Tasks;
using Resident.Generators.Declarations.WebSockets;
using Resident.Generators.Model;
using Resident.Generators.Tests.Infrastructure;
using Resident.TestSupport;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// What the pipeline caches must be plain data. A symbol, syntax node or compilation held by a step output would
/// keep old compilations alive in the IDE and defeat caching (values are compared by equality).
/// </summary>
public sealed class PipelineValueTests
{
    private const string EveryDeclarationKind = """
        using Microsoft.Extensions.DependencyInjection;

        namespace App;

        public interface IClock;

        [Cleaner(Order = 2)]
        public sealed class ClockCleaner(IClock clock, IServiceProvider services, IClock? spare = null) : ICleaner
        {
            public object State { get; } = (clock, services, spare);
            public ValueTask CleanAsync(HttpContext context) => default;
        }

        [RequestHook(Order = 1)]
        public sealed class BothHooks : IRequestReceivedHook, IResponseGeneratedHook
        {
            public BothHooks(IClock clock, IClock other) { }

            [ActivatorUtilitiesConstructor]
            public BothHooks(IClock clock) { }

            public ValueTask OnRequestReceivedAsync(HttpContext context) => default;
            public ValueTask OnResponseGeneratedAsync(HttpContext context) => default;
        }

        [LifecycleHook(LifecycleEvent.ServerStart)]
        [LifecycleHook(LifecycleEvent.WorkerError, Order = 3)]
        public sealed class Hooks : ILifecycleHook
        {
            public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken) => default;
        }

        [WebSocketHandler("/ws", SubProtocols = new[] { "chat.v1" })]
        [WebSocketHandler("/ws/plain")]
        public sealed class Socket(IClock clock, IServiceProvider services) : IWebSocketHandler
        {
            public object State { get; } = (clock, services);
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
        }

        public enum Priority : long { Low, High }

        [BackgroundTask(Tries = 3)]
        public sealed record SendMail(string To, Priority Priority = Priority.High) : IBackgroundTask
        {
            public int[]? Attachments { get; init; }
            public DateTimeOffset? At { get; set; }
            public required Guid Id { get; set; }
            public ValueTask HandleAsync(TaskContext context) => default;
            public ValueTask FinishAsync(TaskContext context) => default;
        }

        [AsyncEvent]
        public sealed class Broken { public System.IO.Stream? Body { get; set; } }

        [EventListener(Order = 1)]
        public sealed class OnBroken(IClock clock) : IEventListener<Broken>
        {
            public object State { get; } = clock;
            public ValueTask<Propagation> HandleAsync(Broken @event, TaskContext context) => default;
        }

        [CronJob("* * * * *", TimeZone = "UTC")]
        public sealed class Job(IClock clock) : ICronJob
        {
            public object State { get; } = clock;
            public ValueTask RunAsync(CronJobContext context) => default;
        }

        [CustomProcess("p")]
        public sealed class Process : ICustomProcess
        {
            public Task RunAsync(CustomProcessContext context) => Task.CompletedTask;
        }

        [SocketHandler("tcp", Port = 5291, Framing = SocketFraming.Eof, PackageEof = "\r\n")]
        public sealed class Lines(IClock clock) : ITcpHandler
        {
            public object State { get; } = clock;
            public ValueTask OnReceiveAsync(ITcpConnection connection, System.Buffers.ReadOnlySequence<byte> message) => default;
        }

        [SwooleTable("ws", Size = 64)]
        public partial struct WsRow
        {
            public long Uid;
            [Column(Size = 8)]
            public string Name;
        }
        """;

    private static readonly string[] GeneratorStepNames = typeof(ManifestGenerator.Steps)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral)
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void No_tracked_step_output_holds_a_Roslyn_object()
    {
        var result = GeneratorHarness.Run(TestReferences.Compile([EveryDeclarationKind])).Result;
        var graph = new ObjectGraph();

        Assert.Equal(16, GeneratorStepNames.Length);
        foreach (var name in GeneratorStepNames)
        {
            Assert.True(result.TrackedSteps.TryGetValue(name, out var steps), $"Step {name} was not tracked.");
            foreach (var (step, stepIndex) in steps.Select((step, index) => (step, index)))
            {
                foreach (var (value, outputIndex) in step.Outputs.Select((output, index) => (output.Value, index)))
                {
                    // Roslyn's own CompilationProvider input is tracked under the same name; its value is the compilation itself.
                    if (name == ManifestGenerator.Steps.Compilation && value is Compilation && step.Inputs.IsEmpty)
                    {
                        continue;
                    }

                    graph.Walk(value, $"{name}[{stepIndex}].Outputs[{outputIndex}]");
                }
            }
        }

        // Not walked: the source-output step, whose values are Roslyn's own generated texts and diagnostics; its input
        // is the Manifest step's output, walked above.
        Assert.Empty(graph.RoslynObjects);

        // The walk covered the whole model, including the Compilation step's own output.
        Assert.Subset(graph.TypesSeen.ToHashSet(), new HashSet<Type>
        {
            typeof(CompilationSpec),
            typeof(CleanerSpec),
            typeof(LifecycleHookSpec),
            typeof(RequestHookSpec),
            typeof(WebSocketHandlerSpec),
            typeof(ManifestSpec),
            typeof(FactorySpec),
            typeof(ArgumentSpec),
            typeof(BackgroundTaskSpec),
            typeof(AsyncEventSpec),
            typeof(EventListenerSpec),
            typeof(CronJobSpec),
            typeof(CustomProcessSpec),
            typeof(AttributeSpec),
            typeof(NamedArgumentSpec),
            typeof(TableRead),
            typeof(TableDeclarationSpec),
            typeof(PayloadSpec),
            typeof(PayloadCodecSpec),
            typeof(PayloadMemberSpec),
            typeof(PayloadValueSpec),
            typeof(TableSpec),
            typeof(TableColumnSpec),
        });
    }

    [Fact]
    public void The_walk_finds_Roslyn_objects_nested_in_records_and_collections()
    {
        var tree = CSharpSyntaxTree.ParseText("class C { }");
        var holder = new { Name = "x", Items = new List<object> { 1, new[] { tree.GetRoot().GetLocation() } }, Tree = tree };

        var graph = new ObjectGraph().Walk(holder, "holder");

        Assert.Contains(graph.RoslynObjects, path => path.StartsWith("holder.<Items>i__Field[1][0]: Location", StringComparison.Ordinal));
        Assert.Contains(graph.RoslynObjects, path => path.StartsWith("holder.<Tree>i__Field: SyntaxTree", StringComparison.Ordinal));
    }
}
