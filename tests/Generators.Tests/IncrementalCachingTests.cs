using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Resident.Generators.Tests.Infrastructure;
using Resident.TestSupport;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// Edits that do not touch a declaration must leave every tracked step's output cached or unchanged, so the IDE does
/// not regenerate the manifest on each keystroke; an edit to a declaration must flow through to the output.
/// </summary>
public sealed class IncrementalCachingTests
{
    private const string Declarations = """
        namespace App;

        public interface ICounter { void Reset(); }

        [Cleaner(Order = 1)]
        public sealed class CounterCleaner(ICounter counter) : ICleaner
        {
            public ValueTask CleanAsync(HttpContext context)
            {
                counter.Reset();
                return default;
            }
        }

        [RequestHook]
        public sealed class Stamp : IResponseGeneratedHook
        {
            public ValueTask OnResponseGeneratedAsync(HttpContext context) => default;
        }

        [LifecycleHook(LifecycleEvent.WorkerStart)]
        public sealed class Warmup : ILifecycleHook
        {
            public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken) => default;
        }

        [WebSocketHandler("/ws/count", SubProtocols = new[] { "count.v1" })]
        public sealed class CountSocket(ICounter counter) : IWebSocketHandler
        {
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
            {
                var length = frame.Payload.Length;
                return length == 0 ? default : default;
            }

            public ICounter Counter => counter;
        }

        [BackgroundTask(Tries = 2)]
        public sealed class SendMail : IBackgroundTask
        {
            public string To { get; set; } = "";

            public ValueTask HandleAsync(TaskContext context)
            {
                var length = To.Length;
                return length == 0 ? default : default;
            }
        }

        [AsyncEvent]
        public sealed record OrderPlaced(Guid OrderId, decimal Total);

        [EventListener(Order = 1)]
        public sealed class MailOnOrder(ICounter counter) : IEventListener<OrderPlaced>
        {
            public ValueTask<Propagation> HandleAsync(OrderPlaced @event, TaskContext context)
            {
                counter.Reset();
                return new(Propagation.Continue);
            }
        }

        [CronJob(1000, Name = "tick")]
        public sealed class Tick(ICounter counter) : ICronJob
        {
            public ValueTask RunAsync(CronJobContext context)
            {
                counter.Reset();
                return default;
            }
        }

        [CustomProcess("pusher", Num = 2)]
        public sealed class Pusher : ICustomProcess
        {
            public Task RunAsync(CustomProcessContext context) => Task.Delay(-1, context.CancellationToken);
        }

        [SocketHandler("udp", Port = 5292, Type = PortType.Udp)]
        public sealed class Echo : IUdpHandler
        {
            public ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, System.Net.EndPoint remote) => default;
        }
        """;

    private const string Unrelated = """
        namespace App;

        public sealed class Calculator
        {
            public int Add(int a, int b) => a + b;
        }
        """;

    private static readonly string[] DeclarationSteps =
    [
        ManifestGenerator.Steps.Cleaners,
        ManifestGenerator.Steps.RequestHooks,
        ManifestGenerator.Steps.LifecycleHooks,
        ManifestGenerator.Steps.WebSocketHandlers,
        ManifestGenerator.Steps.BackgroundTasks,
        ManifestGenerator.Steps.AsyncEvents,
        ManifestGenerator.Steps.EventListeners,
        ManifestGenerator.Steps.CronJobs,
        ManifestGenerator.Steps.CustomProcesses,
        ManifestGenerator.Steps.SocketHandlers,
    ];

    [Fact]
    public void Adding_an_unrelated_file_keeps_every_step_cached()
    {
        var (first, second) = RunTwice(compilation =>
            compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public sealed class Extra;", TestReferences.ParseOptions, path: "Extra.cs")));

        AssertNothingRegenerated(first, second);
    }

    [Fact]
    public void Editing_an_unrelated_class_keeps_every_step_cached()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "public int Add(int a, int b) => a + b;", "public int Add(int a, int b) => b + a + 0;"));

        AssertNothingRegenerated(first, second);
    }

    [Fact]
    public void Editing_a_method_body_inside_a_cleaner_keeps_every_step_cached()
    {
        // The cleaner's file is parsed again, so its step runs again, but its spec is equal: Unchanged, not Modified.
        var (first, second) = RunTwice(compilation => Edit(compilation, "counter.Reset();", "counter.Reset(); counter.Reset();"));

        AssertNothingRegenerated(first, second);
        Assert.Contains(
            StepOutputReasons(second, ManifestGenerator.Steps.Cleaners),
            reason => reason == IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void Editing_a_node_scoped_cron_job_class_without_changing_its_attribute_keeps_every_step_cached()
    {
        // The scope is part of the cron job's equatable spec: an equal spec after the class's file changes is Unchanged.
        Compilation compilation = Edit(TestReferences.Compile([Declarations, Unrelated]), "[CronJob(1000, Name = \"tick\")]", "[CronJob(1000, Name = \"tick\", Scope = CronScope.Node)]");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        driver = driver.RunGenerators(Edit(compilation, "Tick(ICounter counter) : ICronJob", "Tick(ICounter counter) : ICronJob // every second"));
        var second = driver.GetRunResult().Results.Single();

        AssertNothingRegenerated(first, second);
        Assert.Contains(StepOutputReasons(second, ManifestGenerator.Steps.CronJobs), reason => reason == IncrementalStepRunReason.Unchanged);
        Assert.Contains("Scope = global::Resident.CronScope.Node }", ManifestText(second), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_cleaner_order_regenerates_the_manifest_with_the_new_order()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "[Cleaner(Order = 1)]", "[Cleaner(Order = 2)]"));

        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(second, ManifestGenerator.Steps.Cleaners));
        Assert.Equal([IncrementalStepRunReason.Modified], StepOutputReasons(second, ManifestGenerator.Steps.Manifest));
        Assert.Contains("builder.AddCleaner(\"App.CounterCleaner\", new global::Resident.CleanerAttribute() { Order = 1 },", ManifestText(first), StringComparison.Ordinal);
        Assert.Contains("builder.AddCleaner(\"App.CounterCleaner\", new global::Resident.CleanerAttribute() { Order = 2 },", ManifestText(second), StringComparison.Ordinal);
    }

    [Fact]
    public void Editing_a_method_body_inside_a_websocket_handler_keeps_every_step_cached()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "var length = frame.Payload.Length;", "var length = frame.Payload.Length + 0;"));

        AssertNothingRegenerated(first, second);
        Assert.Contains(
            StepOutputReasons(second, ManifestGenerator.Steps.WebSocketHandlers),
            reason => reason == IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void Changing_a_websocket_path_regenerates_the_manifest_with_the_new_path()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "[WebSocketHandler(\"/ws/count\"", "[WebSocketHandler(\"/ws/tally\""));

        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(second, ManifestGenerator.Steps.WebSocketHandlers));
        Assert.Equal([IncrementalStepRunReason.Modified], StepOutputReasons(second, ManifestGenerator.Steps.Manifest));
        Assert.Contains("builder.AddWebSocketHandler(\"App.CountSocket\", new global::Resident.WebSocketHandlerAttribute(\"/ws/count\")", ManifestText(first), StringComparison.Ordinal);
        Assert.Contains("builder.AddWebSocketHandler(\"App.CountSocket\", new global::Resident.WebSocketHandlerAttribute(\"/ws/tally\")", ManifestText(second), StringComparison.Ordinal);
        Assert.DoesNotContain("/ws/count", ManifestText(second), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_websocket_sub_protocols_regenerates_the_manifest_with_the_new_list()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "new[] { \"count.v1\" }", "new[] { \"count.v2\", \"count.v1\" }"));

        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(second, ManifestGenerator.Steps.WebSocketHandlers));
        Assert.Equal([IncrementalStepRunReason.Modified], StepOutputReasons(second, ManifestGenerator.Steps.Manifest));
        Assert.Contains("{ SubProtocols = new string[] { \"count.v1\" } },", ManifestText(first), StringComparison.Ordinal);
        Assert.Contains("{ SubProtocols = new string[] { \"count.v2\", \"count.v1\" } },", ManifestText(second), StringComparison.Ordinal);
    }

    [Fact]
    public void Editing_a_method_body_inside_a_background_task_keeps_every_step_cached()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "var length = To.Length;", "var length = To.Length + 0;"));

        AssertNothingRegenerated(first, second);
        Assert.Contains(
            StepOutputReasons(second, ManifestGenerator.Steps.BackgroundTasks),
            reason => reason == IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void Editing_a_durable_task_body_keeps_every_step_cached_and_turning_durability_off_regenerates()
    {
        const string task = """
            namespace App;

            [BackgroundTask(Durable = true, Tries = 4)]
            public sealed class Charge : IBackgroundTask
            {
                public decimal Amount { get; set; }

                public ValueTask HandleAsync(TaskContext context) => context.IdempotencyKey is null ? default : default;
            }
            """;
        Compilation compilation = TestReferences.Compile([task, Unrelated]);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        var edited = Edit(compilation, "context.IdempotencyKey is null ? default : default", "context.IdempotencyKey is { } ? default : default");
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Unchanged, StepOutputReasons(second, ManifestGenerator.Steps.BackgroundTasks));
        Assert.All(StepOutputReasons(second, ManifestGenerator.Steps.Manifest), reason => Assert.True(
            reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Manifest output was {reason}"));
        Assert.Contains("new global::Resident.BackgroundTaskAttribute() { Durable = true, Tries = 4 }, hasFinish: false, codec: new ResidentPayloadCodec_App_Charge()",
            ManifestText(second), StringComparison.Ordinal);

        driver = driver.RunGenerators(Edit(edited, "Durable = true, ", ""));
        var third = driver.GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(third, ManifestGenerator.Steps.BackgroundTasks));
        Assert.Contains("new global::Resident.BackgroundTaskAttribute() { Tries = 4 }, hasFinish: false,", ManifestText(third), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_payload_member_type_regenerates_the_codec()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "public string To { get; set; } = \"\";", "public int To { get; set; }"));

        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(second, ManifestGenerator.Steps.BackgroundTasks));
        Assert.Equal([IncrementalStepRunReason.Modified], StepOutputReasons(second, ManifestGenerator.Steps.Manifest));
        Assert.Contains("ResidentPayloadJson.WriteString(writer, value.To);", ManifestText(first), StringComparison.Ordinal);
        Assert.Contains("writer.WriteNumberValue(value.To);", ManifestText(second), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_record_event_member_regenerates_the_codec()
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, "OrderPlaced(Guid OrderId, decimal Total)", "OrderPlaced(Guid OrderId, decimal Total, string Note)"));

        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(second, ManifestGenerator.Steps.AsyncEvents));
        Assert.DoesNotContain("\"note\"u8", ManifestText(first), StringComparison.Ordinal);
        Assert.Contains("\"note\"u8", ManifestText(second), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_payload_base_class_in_another_file_regenerates_the_codec()
    {
        const string task = """
            namespace App;

            [BackgroundTask]
            public sealed class Resize : ResizeBase, IBackgroundTask
            {
                public ValueTask HandleAsync(TaskContext context) => default;
            }
            """;
        const string baseClass = """
            namespace App;

            public abstract class ResizeBase
            {
                public int Width { get; set; }
            }
            """;
        Compilation compilation = TestReferences.Compile([task, baseClass]);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        driver = driver.RunGenerators(Edit(compilation, "public int Width { get; set; }", "public int Width { get; set; }\n    public long Height { get; set; }"));
        var second = driver.GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(second, ManifestGenerator.Steps.BackgroundTasks));
        Assert.DoesNotContain("\"height\"u8", ManifestText(first), StringComparison.Ordinal);
        Assert.Contains("\"height\"u8", ManifestText(second), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[CronJob(1000, Name = \"tick\")]", "[CronJob(\"*/5 * * * * *\", Name = \"tick\")]", "CronJobs", "builder.AddCronJob(\"App.Tick\", new global::Resident.CronJobAttribute(\"*/5 * * * * *\") { Name = \"tick\" },")]
    [InlineData("[CronJob(1000, Name = \"tick\")]", "[CronJob(1000, Name = \"tick\", Scope = CronScope.Node)]", "CronJobs", "builder.AddCronJob(\"App.Tick\", new global::Resident.CronJobAttribute(1000) { Name = \"tick\", Scope = global::Resident.CronScope.Node },")]
    [InlineData("[SocketHandler(\"udp\", Port = 5292, Type = PortType.Udp)]", "[SocketHandler(\"udp\", Port = 6000, Type = PortType.Udp)]", "SocketHandlers", "builder.AddSocketHandler(\"App.Echo\", new global::Resident.SocketHandlerAttribute(\"udp\") { Port = 6000, Type = global::Resident.PortType.Udp }, tcp: false, udp: true,")]
    [InlineData("[CustomProcess(\"pusher\", Num = 2)]", "[CustomProcess(\"pusher\", Num = 3)]", "CustomProcesses", "builder.AddCustomProcess(\"App.Pusher\", new global::Resident.CustomProcessAttribute(\"pusher\") { Num = 3 },")]
    [InlineData("[EventListener(Order = 1)]", "[EventListener(Order = 1, Tries = 4)]", "EventListeners", "builder.AddEventListener<global::App.OrderPlaced>(\"App.MailOnOrder\", new global::Resident.EventListenerAttribute() { Order = 1, Tries = 4 },")]
    [InlineData("[BackgroundTask(Tries = 2)]", "[BackgroundTask(Tries = 2, Backoff = TaskBackoff.Fixed)]", "BackgroundTasks", "new global::Resident.BackgroundTaskAttribute() { Tries = 2, Backoff = global::Resident.TaskBackoff.Fixed }, hasFinish: false,")]
    [InlineData("[BackgroundTask(Tries = 2)]", "[BackgroundTask(Tries = 2, Durable = true)]", "BackgroundTasks", "new global::Resident.BackgroundTaskAttribute() { Tries = 2, Durable = true }, hasFinish: false,")]
    public void Changing_an_attribute_argument_regenerates_the_manifest(string before, string after, string step, string expected)
    {
        var (first, second) = RunTwice(compilation => Edit(compilation, before, after));

        Assert.Contains(IncrementalStepRunReason.Modified, StepOutputReasons(second, step));
        Assert.Equal([IncrementalStepRunReason.Modified], StepOutputReasons(second, ManifestGenerator.Steps.Manifest));
        Assert.DoesNotContain(expected, ManifestText(first), StringComparison.Ordinal);
        Assert.Contains(expected, ManifestText(second), StringComparison.Ordinal);
    }

    /// <summary>Runs one driver over the compilation, then again over <paramref name="change"/>d compilation.</summary>
    private static (GeneratorRunResult First, GeneratorRunResult Second) RunTwice(Func<Compilation, Compilation> change)
    {
        Compilation compilation = TestReferences.Compile([Declarations, Unrelated]);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();

        driver = driver.RunGenerators(change(compilation));
        var second = driver.GetRunResult().Results.Single();
        return (first, second);
    }

    private static Compilation Edit(Compilation compilation, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(candidate => candidate.ToString().Contains(oldText, StringComparison.Ordinal));
        var edited = tree.WithChangedText(tree.GetText().Replace(tree.ToString().IndexOf(oldText, StringComparison.Ordinal), oldText.Length, newText));
        return compilation.ReplaceSyntaxTree(tree, edited);
    }

    private static void AssertNothingRegenerated(GeneratorRunResult first, GeneratorRunResult second)
    {
        foreach (var step in DeclarationSteps)
        {
            var reasons = StepOutputReasons(second, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} output was {reason}"));
        }

        Assert.All(StepOutputReasons(second, ManifestGenerator.Steps.Manifest), reason => Assert.True(
            reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Manifest output was {reason}"));
        Assert.All(second.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs), output => Assert.Equal(
            IncrementalStepRunReason.Cached, output.Reason));
        Assert.Equal(ManifestText(first), ManifestText(second));
    }

    private static IReadOnlyList<IncrementalStepRunReason> StepOutputReasons(GeneratorRunResult result, string stepName) =>
        result.TrackedSteps.TryGetValue(stepName, out var steps)
            ? steps.SelectMany(step => step.Outputs).Select(output => output.Reason).ToList()
            : throw new Xunit.Sdk.XunitException($"Step {stepName} was not tracked; tracked: {string.Join(", ", result.TrackedSteps.Keys)}");

    private static string ManifestText(GeneratorRunResult result) => result.GeneratedSources.Single().SourceText.ToString();
}
