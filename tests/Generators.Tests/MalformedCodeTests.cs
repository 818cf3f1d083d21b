using Resident.Generators.Tests.Infrastructure;
using Resident.TestSupport;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// User code the generated factory cannot use: the generator must neither throw nor report anything, and must leave
/// the bad type out of the manifest while still listing the good one beside it. (RES100 explains the omission.)
/// </summary>
public sealed class MalformedCodeTests
{
    private const string GoodCleaner = """
        namespace App;

        [Cleaner]
        public sealed class GoodCleaner : ICleaner
        {
            public ValueTask CleanAsync(HttpContext context) => default;
        }
        """;

    private const string CleanerBody = "public ValueTask CleanAsync(HttpContext context) => default;";

    private const string SocketBody = "public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;";

    private const string TaskBody = "public ValueTask HandleAsync(TaskContext context) => default;";

    private const string ListenerBody = "public ValueTask<Propagation> HandleAsync(Ev e, TaskContext context) => new(Propagation.Continue);";

    private const string CronBody = "public ValueTask RunAsync(CronJobContext context) => default;";

    private const string ProcessBody = "public Task RunAsync(CustomProcessContext context) => Task.CompletedTask;";

    public static TheoryData<string, string> BadShapes => new()
    {
        {
            "static class",
            $$"""[Cleaner] public static class BadCleaner { public static ValueTask CleanAsync(HttpContext context) => default; }"""
        },
        {
            "abstract class",
            $$"""[Cleaner] public abstract class BadCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "generic class",
            $$"""[Cleaner] public sealed class BadCleaner<T> : ICleaner { {{CleanerBody}} }"""
        },
        {
            "class nested in a private class",
            $$"""public sealed class Outer { [Cleaner] private sealed class BadCleaner : ICleaner { {{CleanerBody}} } }"""
        },
        {
            "class nested in a protected class",
            $$"""public class Outer { protected sealed class Middle { [Cleaner] public sealed class BadCleaner : ICleaner { {{CleanerBody}} } } }"""
        },
        {
            "file-local class",
            $$"""[Cleaner] file sealed class BadCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "missing interface",
            $$"""[Cleaner] public sealed class BadCleaner { {{CleanerBody}} }"""
        },
        {
            "cleaner attribute on a lifecycle hook",
            """[Cleaner] public sealed class BadCleaner : ILifecycleHook { public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default; }"""
        },
        {
            "private constructor only",
            $$"""[Cleaner] public sealed class BadCleaner : ICleaner { private BadCleaner() { } {{CleanerBody}} }"""
        },
        {
            "two widest constructors",
            $$"""[Cleaner] public sealed class BadCleaner : ICleaner { public BadCleaner(IServiceProvider a) { } public BadCleaner(string b) { } {{CleanerBody}} }"""
        },
        {
            "ref parameter",
            $$"""[Cleaner] public sealed class BadCleaner : ICleaner { public BadCleaner(ref int count) { } {{CleanerBody}} }"""
        },
        {
            "out parameter",
            $$"""[Cleaner] public sealed class BadCleaner : ICleaner { public BadCleaner(out int count) { count = 0; } {{CleanerBody}} }"""
        },
        {
            "ref struct parameter",
            $$"""[Cleaner] public sealed class BadCleaner : ICleaner { public BadCleaner(Span<byte> buffer) { } {{CleanerBody}} }"""
        },
        {
            "parameter of an unknown type",
            $$"""[Cleaner] public sealed class BadCleaner : ICleaner { public BadCleaner(NoSuchService service) { } {{CleanerBody}} }"""
        },
        {
            "attribute on a struct",
            $$"""[Cleaner] public struct BadCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "attribute on a record struct",
            $$"""[Cleaner] public record struct BadCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "misspelled class keyword",
            $$"""[Cleaner] public sealed clas BadCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "lifecycle event out of range",
            """[LifecycleHook((LifecycleEvent)99)] public sealed class BadCleaner : ILifecycleHook { public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default; }"""
        },
        {
            "lifecycle event of the wrong type",
            """[LifecycleHook("WorkerStart")] public sealed class BadCleaner : ILifecycleHook { public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default; }"""
        },
        {
            "lifecycle event missing",
            """[LifecycleHook] public sealed class BadCleaner : ILifecycleHook { public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default; }"""
        },
        {
            "websocket handler without the interface",
            $$"""[WebSocketHandler("/ws")] public sealed class BadCleaner { {{SocketBody}} }"""
        },
        {
            "abstract websocket handler",
            $$"""[WebSocketHandler("/ws")] public abstract class BadCleaner : IWebSocketHandler { {{SocketBody}} }"""
        },
        {
            "generic websocket handler",
            $$"""[WebSocketHandler("/ws")] public sealed class BadCleaner<T> : IWebSocketHandler { {{SocketBody}} }"""
        },
        {
            "websocket handler attribute on a cleaner",
            $$"""[WebSocketHandler("/ws")] public sealed class BadCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "websocket path missing",
            $$"""[WebSocketHandler] public sealed class BadCleaner : IWebSocketHandler { {{SocketBody}} }"""
        },
        {
            "websocket path of the wrong type",
            $$"""[WebSocketHandler(42)] public sealed class BadCleaner : IWebSocketHandler { {{SocketBody}} }"""
        },
        {
            "background task without the interface",
            $$"""[BackgroundTask] public sealed class BadCleaner { {{TaskBody}} }"""
        },
        {
            "abstract background task",
            $$"""[BackgroundTask] public abstract class BadCleaner : IBackgroundTask { {{TaskBody}} }"""
        },
        {
            "generic background task",
            $$"""[BackgroundTask] public sealed class BadCleaner<T> : IBackgroundTask { public T? Value { get; set; } {{TaskBody}} }"""
        },
        {
            "static background task",
            """[BackgroundTask] public static class BadCleaner { }"""
        },
        {
            "background task struct",
            $$"""[BackgroundTask] public struct BadCleaner : IBackgroundTask { {{TaskBody}} }"""
        },
        {
            "file-local background task",
            $$"""[BackgroundTask] file sealed class BadCleaner : IBackgroundTask { {{TaskBody}} }"""
        },
        {
            "background task nested in a private class",
            $$"""public sealed class Outer { [BackgroundTask] private sealed class BadCleaner : IBackgroundTask { {{TaskBody}} } }"""
        },
        {
            "async event on a record struct",
            """[AsyncEvent] public record struct BadCleaner(int Id);"""
        },
        {
            "abstract async event",
            """[AsyncEvent] public abstract class BadCleaner { public int Id { get; set; } }"""
        },
        {
            "generic async event",
            """[AsyncEvent] public sealed class BadCleaner<T> { public int Id { get; set; } }"""
        },
        {
            "listener without the interface",
            $$"""[EventListener] public sealed class BadCleaner { {{ListenerBody}} }"""
        },
        {
            "listener of two events",
            $$"""[EventListener] public sealed class BadCleaner : IEventListener<Ev>, IEventListener<string> { {{ListenerBody}} public ValueTask<Propagation> HandleAsync(string e, TaskContext context) => default; }"""
        },
        {
            "abstract listener",
            $$"""[EventListener] public abstract class BadCleaner : IEventListener<Ev> { {{ListenerBody}} }"""
        },
        {
            "listener with only a private constructor",
            $$"""[EventListener] public sealed class BadCleaner : IEventListener<Ev> { private BadCleaner() { } {{ListenerBody}} }"""
        },
        {
            "listener of an unknown event type",
            """[EventListener] public sealed class BadCleaner : IEventListener<NoSuchEvent> { public ValueTask<Propagation> HandleAsync(NoSuchEvent e, TaskContext context) => default; }"""
        },
        {
            "cron job without the interface",
            $$"""[CronJob(1000)] public sealed class BadCleaner { {{CronBody}} }"""
        },
        {
            "cron job attribute on a cleaner",
            $$"""[CronJob(1000)] public sealed class BadCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "generic cron job",
            $$"""[CronJob("* * * * *")] public sealed class BadCleaner<T> : ICronJob { {{CronBody}} }"""
        },
        {
            "cron job with two widest constructors",
            $$"""[CronJob(5)] public sealed class BadCleaner : ICronJob { public BadCleaner(string a) { } public BadCleaner(Uri b) { } {{CronBody}} }"""
        },
        {
            "cron job without a schedule",
            $$"""[CronJob] public sealed class BadCleaner : ICronJob { {{CronBody}} }"""
        },
        {
            "cron job schedule of the wrong type",
            $$"""[CronJob(1.5)] public sealed class BadCleaner : ICronJob { {{CronBody}} }"""
        },
        {
            "custom process without the interface",
            $$"""[CustomProcess("p")] public sealed class BadCleaner { {{ProcessBody}} }"""
        },
        {
            "abstract custom process",
            $$"""[CustomProcess("p")] public abstract class BadCleaner : ICustomProcess { {{ProcessBody}} }"""
        },
        {
            "custom process without a name",
            $$"""[CustomProcess] public sealed class BadCleaner : ICustomProcess { {{ProcessBody}} }"""
        },
        {
            "custom process name of the wrong type",
            $$"""[CustomProcess(7)] public sealed class BadCleaner : ICustomProcess { {{ProcessBody}} }"""
        },
        {
            "socket handler without a handler interface",
            """[SocketHandler("p", Port = 1)] public sealed class BadCleaner { }"""
        },
        {
            "socket handler without a name",
            """[SocketHandler] public sealed class BadCleaner : IUdpHandler { public ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, System.Net.EndPoint remote) => default; }"""
        },
        {
            "abstract socket handler",
            """[SocketHandler("p")] public abstract class BadCleaner : IUdpHandler { public ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, System.Net.EndPoint remote) => default; }"""
        },
        {
            "custom process with a ref struct parameter",
            $$"""[CustomProcess("p")] public sealed class BadCleaner : ICustomProcess { public BadCleaner(Span<int> span) { } {{ProcessBody}} }"""
        },
    };

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void Bad_shape_is_left_out_of_the_manifest_as_a_problem_without_an_exception_or_diagnostic(string shape, string badDeclaration)
    {
        // Ev: an event type the listener cases may name. It has no [AsyncEvent], so it adds no declaration.
        var outcome = GeneratorHarness.Run(TestReferences.Compile([GoodCleaner, "namespace App;\npublic sealed class Ev;\n" + badDeclaration]));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Equal(["Cleaner:App.GoodCleaner"], outcome.DeclaredNames.Where(name => !name.StartsWith("Problem:", StringComparison.Ordinal)));
        outcome.AssertRejected("BadCleaner", shape);
        Assert.True(outcome.ErrorsInGeneratedCode.Count == 0, $"{shape}: {string.Join(Environment.NewLine, outcome.ErrorsInGeneratedCode)}");
    }

    [Fact]
    public void Syntax_errors_elsewhere_in_a_file_do_not_hide_a_good_declaration_in_it()
    {
        const string brokenFile = """
            namespace App;

            [Cleaner(Order = 4)]
            public sealed class SurvivingCleaner : ICleaner
            {
                public ValueTask CleanAsync(HttpContext context) => default;
            }

            public sealed class HalfTyped
            {
                public void Method( { int x = ; }
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([GoodCleaner, brokenFile]));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Equal(["Cleaner:App.GoodCleaner", "Cleaner:App.SurvivingCleaner"], outcome.DeclaredNames);
        Assert.Empty(outcome.ErrorsInGeneratedCode);
    }

    [Fact]
    public void Half_typed_declaration_at_the_end_of_a_file_is_recovered_without_breaking_the_generated_code()
    {
        // The parser recovers "BadCleaner(int x" as a constructor taking an int: the class keeps a buildable shape, so
        // it may be listed; what matters is that the generator stays quiet and its own output still compiles.
        const string halfTyped = """
            namespace App;

            [Cleaner] public sealed class HalfTypedCleaner : ICleaner { public HalfTypedCleaner(int x
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([GoodCleaner, halfTyped]));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Contains("Cleaner:App.GoodCleaner", outcome.DeclaredNames);
        Assert.Empty(outcome.ErrorsInGeneratedCode);
    }

    [Fact]
    public void A_lifecycle_hook_keeps_its_valid_events_when_one_attribute_is_out_of_range()
    {
        const string hook = """
            namespace App;

            [LifecycleHook((LifecycleEvent)99)]
            [LifecycleHook(LifecycleEvent.WorkerStop)]
            public sealed class PartlyValidHook : ILifecycleHook
            {
                public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default;
            }
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([hook]));

        Assert.Null(outcome.Result.Exception);
        Assert.Equal(["LifecycleHook:App.PartlyValidHook", "Problem:App.PartlyValidHook"], outcome.DeclaredNames);
        Assert.Contains("global::Resident.LifecycleEvent.WorkerStop", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.DoesNotContain("(global::Resident.LifecycleEvent)(99)", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Contains(
            "builder.AddProblem(\"App.PartlyValidHook\", \"RES108: [LifecycleHook] on 'App.PartlyValidHook' sets the event 99; use a member of LifecycleEvent, such as LifecycleEvent.WorkerStart.\");",
            outcome.ManifestSource, StringComparison.Ordinal);
    }

    [Fact]
    public void A_websocket_handler_keeps_every_path_and_drops_null_sub_protocols()
    {
        const string handler = """
            namespace App;

            [WebSocketHandler(null!)]
            [WebSocketHandler("/live", SubProtocols = new[] { "a", null!, "b" })]
            public sealed class PartlyValidHandler : IWebSocketHandler
            {
                public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
            }
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([handler]));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Equal(["WebSocketHandler:App.PartlyValidHandler", "Problem:App.PartlyValidHandler"], outcome.DeclaredNames);
        // The attribute as written; the builder drops the null sub-protocol (ResidentManifestBuilder).
        Assert.Contains("builder.AddWebSocketHandler(\"App.PartlyValidHandler\", new global::Resident.WebSocketHandlerAttribute(\"/live\") { SubProtocols = new string[] { \"a\", null!, \"b\" } },", outcome.ManifestSource, StringComparison.Ordinal);

        // The null path is listed as a problem, so the runtime refuses to start and names the class instead of never serving it.
        Assert.Contains("builder.AddProblem(\"App.PartlyValidHandler\", \"RES104: [WebSocketHandler] path 'null' of 'App.PartlyValidHandler' does not start with '/'", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.DoesNotContain("(null", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Empty(outcome.ErrorsInGeneratedCode);
    }

    [Fact]
    public void Websocket_sub_protocols_of_the_wrong_type_do_not_break_the_generator_or_its_output()
    {
        // The attribute does not bind; whether the handler is listed matters less than a quiet generator and
        // generated code that compiles.
        const string handler = """
            namespace App;

            [WebSocketHandler("/ws", SubProtocols = new[] { 1, 2 })]
            public sealed class WrongSubProtocols : IWebSocketHandler
            {
                public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
            }

            [WebSocketHandler("/ws2", SubProtocols = "single")]
            public sealed class SingleSubProtocol : IWebSocketHandler
            {
                public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
            }
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([GoodCleaner, handler]));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Contains("Cleaner:App.GoodCleaner", outcome.DeclaredNames);
        Assert.Empty(outcome.ErrorsInGeneratedCode);
    }

    [Fact]
    public void Payload_types_the_codec_cannot_handle_are_listed_with_a_problem_and_never_break_the_generated_code()
    {
        // Each is a valid [BackgroundTask] whose payload the generated JSON cannot carry: it is still declared (the
        // start fails naming the member), with a null codec, and the generated code compiles without warnings.
        const string tasks = """
            using System.Collections.Generic;
            using System.Text.Json.Serialization;

            namespace App;

            public abstract class TaskBase : IBackgroundTask
            {
                public ValueTask HandleAsync(TaskContext context) => default;
            }

            public sealed class Nested { public int X { get; set; } }

            [BackgroundTask] public sealed class WithNested : TaskBase { public Nested? Inner { get; set; } }
            [BackgroundTask] public sealed class WithDictionary : TaskBase { public Dictionary<string, string>? Map { get; set; } }
            [BackgroundTask] public sealed class WithObject : TaskBase { public object? Anything { get; set; } }
            [BackgroundTask] public sealed class WithInterface : TaskBase { public IDisposable? Resource { get; set; } }
            [BackgroundTask] public sealed class WithGrid : TaskBase { public int[,]? Grid { get; set; } }
            [BackgroundTask] public sealed class WithJagged : TaskBase { public int[][]? Jagged { get; set; } }
            [BackgroundTask] public sealed class WithListOfLists : TaskBase { public List<List<int>>? Lists { get; set; } }
            [BackgroundTask] public sealed class WithHashSet : TaskBase { public HashSet<int>? Set { get; set; } }
            [BackgroundTask] public sealed class WithNullableStruct : TaskBase { public KeyValuePair<int, int>? Pair { get; set; } }
            [BackgroundTask] public sealed class WithUri : TaskBase { public Uri? Link { get; set; } }
            [BackgroundTask] public sealed class WithRequiredField : TaskBase { public required int Count; }
            [BackgroundTask] public sealed class WithIgnoredRequired : TaskBase { [JsonIgnore] public required string Secret { get; set; } }
            [BackgroundTask] public sealed class WithSameJsonName : TaskBase { public int Name { get; set; } public int name { get; set; } }
            [BackgroundTask] public sealed class WithoutUsableConstructor : TaskBase { public WithoutUsableConstructor(int other) { } public int Value { get; set; } }
            [BackgroundTask] public sealed class WithMismatchedParameter : TaskBase { public WithMismatchedParameter(long value) { } public int Value { get; set; } }
            [BackgroundTask] public sealed class WithPrivateConstructor : TaskBase { private WithPrivateConstructor() { } public int Value { get; set; } }
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([tasks]));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Empty(outcome.WarningsInGeneratedCode);
        Assert.Equal(16, outcome.DeclaredNames.Count);
        Assert.DoesNotContain("file sealed class ResidentPayloadCodec_", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Equal(16, System.Text.RegularExpressions.Regex.Matches(outcome.ManifestSource!, "payloadProblem: \"The payload of App\\.With\\w+ cannot be serialized: ").Count);
        Assert.Contains("member 'Inner' is of type App.Nested,", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Contains("member 'Grid' is of type int[*,*],", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Contains("its required member 'Count' cannot be set by the generated code", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Contains("members 'Name' and 'name' would both be written as \\\"name\\\"", outcome.ManifestSource, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listener_of_one_event_is_kept_beside_one_that_listens_to_two()
    {
        const string listeners = """
            namespace App;

            public sealed class Ev;
            public sealed class Other;

            [EventListener]
            public sealed class Twice : IEventListener<Ev>, IEventListener<Other>
            {
                public ValueTask<Propagation> HandleAsync(Ev e, TaskContext context) => default;
                public ValueTask<Propagation> HandleAsync(Other e, TaskContext context) => default;
            }

            public class BaseListener : IEventListener<Ev>
            {
                public ValueTask<Propagation> HandleAsync(Ev e, TaskContext context) => default;
            }

            [EventListener]
            public sealed class Inherited : BaseListener;
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([listeners]));

        Assert.Null(outcome.Result.Exception);
        Assert.Equal(["EventListener:App.Inherited", "Problem:App.Twice"], outcome.DeclaredNames);
        Assert.Contains("RES100: [EventListener] class 'App.Twice' implements IEventListener<TEvent> for several events", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Contains("builder.AddEventListener<global::App.Ev>(\"App.Inherited\"", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.Empty(outcome.ErrorsInGeneratedCode);
    }

    [Fact]
    public void Compilation_without_the_Resident_runtime_gets_no_manifest()
    {
        // The attributes do not resolve, so nothing is declared, and there is no IResidentManifest to implement.
        var outcome = GeneratorHarness.Run(TestReferences.Compile([GoodCleaner], referenceResident: false));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Empty(outcome.Result.GeneratedSources);
    }

    [Fact]
    public void Compilation_that_defines_look_alike_attributes_without_the_runtime_gets_no_manifest()
    {
        // Attributes and interfaces of the right names, but no Resident.Hosting.IResidentManifest to register with.
        const string lookAlikes = """
            namespace Resident
            {
                public sealed class CleanerAttribute : System.Attribute { public int Order { get; set; } }
                public interface ICleaner { System.Threading.Tasks.ValueTask CleanAsync(Microsoft.AspNetCore.Http.HttpContext context); }
            }
            """;

        var outcome = GeneratorHarness.Run(TestReferences.Compile([lookAlikes, GoodCleaner], referenceResident: false));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Empty(outcome.Result.GeneratedSources);
    }
}
