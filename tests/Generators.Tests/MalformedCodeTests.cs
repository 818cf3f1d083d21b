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
    };

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void Bad_shape_is_left_out_of_the_manifest_without_an_exception_or_diagnostic(string shape, string badDeclaration)
    {
        var outcome = GeneratorHarness.Run(TestReferences.Compile([GoodCleaner, "namespace App;\n" + badDeclaration]));

        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Equal(["Cleaner:App.GoodCleaner"], outcome.DeclaredNames);
        Assert.DoesNotContain("BadCleaner", outcome.ManifestSource, StringComparison.Ordinal);
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
        Assert.Equal(["LifecycleHook:App.PartlyValidHook"], outcome.DeclaredNames);
        Assert.Contains("global::Resident.LifecycleEvent.WorkerStop", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.DoesNotContain("99", outcome.ManifestSource, StringComparison.Ordinal);
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
        Assert.Equal(["WebSocketHandler:App.PartlyValidHandler", "WebSocketHandler:App.PartlyValidHandler"], outcome.DeclaredNames);
        Assert.Contains("builder.AddWebSocketHandler(\"App.PartlyValidHandler\", \"/live\", new string[] { \"a\", \"b\" },", outcome.ManifestSource, StringComparison.Ordinal);

        // The null path is listed as "", so the runtime refuses to start and names the class instead of never serving it.
        Assert.Contains("builder.AddWebSocketHandler(\"App.PartlyValidHandler\", \"\", global::System.Array.Empty<string>(),", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.DoesNotContain("(null", outcome.ManifestSource, StringComparison.Ordinal);
        Assert.DoesNotContain(", null", outcome.ManifestSource, StringComparison.Ordinal);
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
