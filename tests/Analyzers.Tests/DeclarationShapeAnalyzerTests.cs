using Resident.Analyzers.Tests.Infrastructure;
using Resident.Generators.Declarations;
using Xunit;
using static Resident.Analyzers.Tests.Infrastructure.ShapeAnalyzerTest;

namespace Resident.Analyzers.Tests;

/// <summary>RES100: each way a declared class can defeat the generated factory, and shapes that must stay quiet.</summary>
public sealed class DeclarationShapeAnalyzerTests
{
    private const string CleanerBody = "public ValueTask CleanAsync(HttpContext context) => default;";
    private const string LifecycleBody = "public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default;";
    private const string SocketBody = "public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;";

    /// <summary>One or more flagged sources per <see cref="ShapeProblem"/>, each with the explanation RES100 must give.</summary>
    public static TheoryData<string, string, string> FlaggedShapes => new()
    {
        {
            nameof(ShapeProblem.NotAClass),
            """[{|#0:Cleaner|}] public static class BadCleaner { public static ValueTask CleanAsync(HttpContext context) => default; }""",
            "must be a non-static class"
        },
        {
            nameof(ShapeProblem.Abstract),
            $$"""[{|#0:Cleaner(Order = 1)|}] public abstract class BadCleaner : ICleaner { {{CleanerBody}} }""",
            "is abstract and cannot be constructed"
        },
        {
            nameof(ShapeProblem.Generic),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner<T> : ICleaner { {{CleanerBody}} }""",
            "is generic, and the factory cannot choose its type arguments"
        },
        {
            nameof(ShapeProblem.Generic),
            $$"""public class Outer<T> { [{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { {{CleanerBody}} } }""",
            "is generic, and the factory cannot choose its type arguments"
        },
        {
            nameof(ShapeProblem.NotAccessible),
            $$"""public sealed class Outer { [{|#0:Cleaner|}] private sealed class BadCleaner : ICleaner { {{CleanerBody}} } }""",
            "must be public or internal, not file-local, and not nested in a private or protected type"
        },
        {
            nameof(ShapeProblem.NotAccessible),
            $$"""public class Outer { protected sealed class Middle { [{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { {{CleanerBody}} } } }""",
            "must be public or internal, not file-local, and not nested in a private or protected type"
        },
        {
            nameof(ShapeProblem.NotAccessible),
            $$"""[{|#0:Cleaner|}] file sealed class BadCleaner : ICleaner { {{CleanerBody}} }""",
            "must be public or internal, not file-local, and not nested in a private or protected type"
        },
        {
            nameof(ShapeProblem.MissingInterface),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner { {{CleanerBody}} }""",
            "does not implement Resident.ICleaner"
        },
        {
            nameof(ShapeProblem.MissingInterface),
            $$"""[{|#0:RequestHook|}] public sealed class BadCleaner : ICleaner { {{CleanerBody}} }""",
            "does not implement Resident.IRequestReceivedHook or Resident.IResponseGeneratedHook"
        },
        {
            nameof(ShapeProblem.NoAccessibleConstructor),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { private BadCleaner() { } {{CleanerBody}} }""",
            "has no public or internal constructor"
        },
        {
            nameof(ShapeProblem.NoAccessibleConstructor),
            $$"""[{|#0:Cleaner|}] public class BadCleaner : ICleaner { protected BadCleaner(IServiceProvider services) { } private protected BadCleaner() { } {{CleanerBody}} }""",
            "has no public or internal constructor"
        },
        {
            nameof(ShapeProblem.AmbiguousConstructor),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { public BadCleaner(IServiceProvider a) { } internal BadCleaner(string b) { } {{CleanerBody}} }""",
            "has several public or internal constructors with the most parameters; mark one [ActivatorUtilitiesConstructor]"
        },
        {
            nameof(ShapeProblem.UnsupportedParameter),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { public BadCleaner(ref int count) { } {{CleanerBody}} }""",
            "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)"
        },
        {
            nameof(ShapeProblem.UnsupportedParameter),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { public BadCleaner(in Guid id) { } {{CleanerBody}} }""",
            "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)"
        },
        {
            nameof(ShapeProblem.UnsupportedParameter),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { public BadCleaner(out int count) { count = 0; } {{CleanerBody}} }""",
            "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)"
        },
        {
            nameof(ShapeProblem.UnsupportedParameter),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { public BadCleaner(Span<byte> buffer) { } {{CleanerBody}} }""",
            "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)"
        },
        {
            nameof(ShapeProblem.UnsupportedParameter),
            $$"""[{|#0:Cleaner|}] public sealed unsafe class BadCleaner : ICleaner { public BadCleaner(byte* buffer) { } {{CleanerBody}} }""",
            "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)"
        },
        {
            nameof(ShapeProblem.RequiredMembers),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { public required string Name { get; init; } {{CleanerBody}} }""",
            "has required members its constructor does not set; mark the constructor [SetsRequiredMembers]"
        },
        {
            nameof(ShapeProblem.RequiredMembers),
            $$"""public abstract class Base { public required int Size; } [{|#0:Cleaner|}] public sealed class BadCleaner : Base, ICleaner { {{CleanerBody}} }""",
            "has required members its constructor does not set; mark the constructor [SetsRequiredMembers]"
        },
        {
            nameof(ShapeProblem.ObsoleteAsError),
            $$"""[Obsolete("gone", true)] [{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { {{CleanerBody}} }""",
            "is obsolete as an error, so generated code cannot construct it"
        },
        {
            nameof(ShapeProblem.NoAccessibleConstructor),
            $$"""[{|#0:Cleaner|}] public sealed class BadCleaner : ICleaner { [Obsolete("gone", error: true)] public BadCleaner() { } {{CleanerBody}} }""",
            "has no public or internal constructor"
        },
    };

    [Theory]
    [MemberData(nameof(FlaggedShapes))]
    public async Task Shape_the_factory_cannot_construct_is_flagged_on_its_attribute(string problem, string declaration, string explanation)
    {
        var attribute = declaration.Contains("RequestHook", StringComparison.Ordinal) ? "RequestHook" : "Cleaner";

        await new ShapeAnalyzerTest($"namespace App;\n{declaration}", Res100(0, attribute, "BadCleaner", explanation)).RunAsync();
        Assert.NotEqual(ShapeProblem.None, Enum.Parse<ShapeProblem>(problem));
    }

    [Fact]
    public void Every_shape_problem_has_a_flagged_case()
    {
        var covered = FlaggedShapes.Select(row => Enum.Parse<ShapeProblem>((string)row[0])).ToHashSet();

        Assert.Equal(Enum.GetValues<ShapeProblem>().Where(problem => problem != ShapeProblem.None).Order(), covered.Order());
    }

    [Fact]
    public async Task Each_attribute_of_a_class_that_cannot_be_built_is_flagged()
    {
        const string source = $$"""
            namespace App;

            [{|#0:LifecycleHook(LifecycleEvent.WorkerStart)|}]
            [{|#1:LifecycleHook(LifecycleEvent.WorkerStop, Order = 2)|}]
            public abstract class BaseHook : ILifecycleHook
            {
                {{LifecycleBody}}
            }
            """;

        await new ShapeAnalyzerTest(
            source,
            Res100(0, "LifecycleHook", "BaseHook", "is abstract and cannot be constructed"),
            Res100(1, "LifecycleHook", "BaseHook", "is abstract and cannot be constructed")).RunAsync();
    }

    [Fact]
    public async Task Request_hook_without_a_hook_interface_is_flagged_as_a_warning()
    {
        // The {|RES100:…|} markup expects the rule at its default severity.
        const string source = $$"""
            namespace App;

            [{|RES100:RequestHook|}]
            public sealed class NoHook;
            """;

        await new ShapeAnalyzerTest(source).RunAsync();
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, Rules.DeclarationShape.DefaultSeverity);
    }

    [Fact]
    public async Task WebSocket_handler_without_IWebSocketHandler_is_flagged()
    {
        const string source = $$"""
            namespace App;

            [{|#0:WebSocketHandler("/ws")|}]
            public sealed class NotAHandler
            {
                {{SocketBody}}
            }
            """;

        await new ShapeAnalyzerTest(source, Res100(0, "WebSocketHandler", "NotAHandler", "does not implement Resident.IWebSocketHandler")).RunAsync();
    }

    [Fact]
    public async Task Each_WebSocketHandler_attribute_of_a_class_that_cannot_be_built_is_flagged()
    {
        const string source = $$"""
            namespace App;

            [{|#0:WebSocketHandler("/ws/a")|}]
            [{|#1:WebSocketHandler("/ws/b", SubProtocols = new[] { "v1" })|}]
            public abstract class BaseHandler : IWebSocketHandler
            {
                {{SocketBody}}
            }
            """;

        await new ShapeAnalyzerTest(
            source,
            Res100(0, "WebSocketHandler", "BaseHandler", "is abstract and cannot be constructed"),
            Res100(1, "WebSocketHandler", "BaseHandler", "is abstract and cannot be constructed")).RunAsync();
    }

    [Fact]
    public async Task Cleaner_attribute_on_a_websocket_handler_names_the_cleaner_interface()
    {
        // The class is a fine WebSocket handler, but [Cleaner] asks for ICleaner: only that attribute is flagged.
        const string source = $$"""
            namespace App;

            [{|#0:Cleaner|}]
            [WebSocketHandler("/ws")]
            public sealed class MixedUp : IWebSocketHandler
            {
                {{SocketBody}}
            }
            """;

        await new ShapeAnalyzerTest(source, Res100(0, "Cleaner", "MixedUp", "does not implement Resident.ICleaner")).RunAsync();
    }

    public static TheoryData<string, string> QuietShapes => new()
    {
        {
            "internal class",
            $$"""[Cleaner] internal sealed class GoodCleaner : ICleaner { {{CleanerBody}} }"""
        },
        {
            "single internal constructor",
            $$"""[Cleaner] public sealed class GoodCleaner : ICleaner { internal GoodCleaner(IServiceProvider services) { } {{CleanerBody}} }"""
        },
        {
            "widest constructor is private, a narrower one is public",
            $$"""[Cleaner] public sealed class GoodCleaner : ICleaner { private GoodCleaner(int a, int b) { } public GoodCleaner() : this(1, 2) { } {{CleanerBody}} }"""
        },
        {
            "both request hook interfaces",
            """
            [RequestHook(Order = 3)]
            public sealed class GoodHook : IRequestReceivedHook, IResponseGeneratedHook
            {
                public ValueTask OnRequestReceivedAsync(HttpContext context) => default;
                public ValueTask OnResponseGeneratedAsync(HttpContext context) => default;
            }
            """
        },
        {
            "only the response hook interface",
            """[RequestHook] public sealed class GoodHook : IResponseGeneratedHook { public ValueTask OnResponseGeneratedAsync(HttpContext context) => default; }"""
        },
        {
            "[ActivatorUtilitiesConstructor] resolves two widest constructors",
            $$"""
            [Cleaner]
            public sealed class GoodCleaner : ICleaner
            {
                [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor]
                public GoodCleaner(IServiceProvider a) { }
                public GoodCleaner(string b) { }
                {{CleanerBody}}
            }
            """
        },
        {
            "no Resident attribute, no usable constructor",
            $$"""public sealed class NotDeclared : ICleaner { private NotDeclared() { } {{CleanerBody}} }"""
        },
        {
            "no Resident attribute, abstract and generic",
            $$"""[System.Obsolete] public abstract class NotDeclared<T> : ICleaner { {{CleanerBody}} }"""
        },
        {
            "nested public type",
            $$"""public static class Outer { [Cleaner] public sealed class GoodCleaner : ICleaner { {{CleanerBody}} } }"""
        },
        {
            "nested protected internal type",
            $$"""public class Outer { [Cleaner] protected internal sealed class GoodCleaner : ICleaner { {{CleanerBody}} } }"""
        },
        {
            "interface implemented by a base class",
            $$"""public abstract class CleanerBase : ICleaner { {{CleanerBody}} } [Cleaner] public sealed class GoodCleaner : CleanerBase;"""
        },
        {
            "record class with a primary constructor",
            $$"""[Cleaner] public sealed record GoodCleaner(IServiceProvider Services) : ICleaner { {{CleanerBody}} }"""
        },
        {
            "lifecycle hook with several events",
            $$"""[LifecycleHook(LifecycleEvent.ServerStart)] [LifecycleHook(LifecycleEvent.ServerStop, Order = -1)] public sealed class GoodHook : ILifecycleHook { {{LifecycleBody}} }"""
        },
        {
            "websocket handler",
            $$"""[WebSocketHandler("/ws")] public sealed class GoodHandler : IWebSocketHandler { {{SocketBody}} }"""
        },
        {
            "websocket handler with two paths, sub-protocols and services",
            $$"""
            [WebSocketHandler("/ws/chat", SubProtocols = new[] { "chat.v2", "chat.v1" })]
            [WebSocketHandler("/rooms/{room}")]
            internal sealed class GoodHandler(IServiceProvider services, Uri? uri = null) : IWebSocketHandler
            {
                public object State { get; } = (services, uri);
                {{SocketBody}}
            }
            """
        },
        {
            "websocket handler implementing the interface through a base class",
            $$"""public abstract class HandlerBase : IWebSocketHandler { {{SocketBody}} } [WebSocketHandler("/ws")] public sealed class GoodHandler : HandlerBase;"""
        },
        {
            "optional parameter and the service provider",
            $$"""[Cleaner] public sealed class GoodCleaner(IServiceProvider services, Uri? uri = null) : ICleaner { public object State { get; } = (services, uri); {{CleanerBody}} }"""
        },
    };

    [Theory]
    [MemberData(nameof(QuietShapes))]
    public async Task Shape_the_factory_can_construct_is_not_flagged(string shape, string declaration)
    {
        Assert.NotEmpty(shape);
        await new ShapeAnalyzerTest($"namespace App;\n{declaration}").RunAsync();
    }

    [Fact]
    public async Task Look_alike_attribute_of_another_namespace_is_not_analyzed()
    {
        const string source = """
            namespace Other;

            public sealed class CleanerAttribute : System.Attribute;

            [Cleaner]
            public abstract class NotResident;
            """;

        await new ShapeAnalyzerTest(source).RunAsync();
    }

    [Fact]
    public async Task Compilation_without_the_Resident_runtime_is_not_analyzed()
    {
        const string source = """
            namespace Other;

            public sealed class CleanerAttribute : System.Attribute;

            [Cleaner]
            public abstract class NotResident;
            """;

        await new ShapeAnalyzerTest(source).WithoutResidentRuntime().RunAsync();
    }
}
