using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Generators;
using Resident.TestSupport;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>
/// RES100 promises "the generated manifest skips it". Over many shapes, the analyzer must flag exactly the
/// declared classes the generator leaves out: a skipped class nobody is told about never runs.
/// </summary>
public sealed partial class AnalyzerGeneratorAgreementTests
{
    private const string CleanerBody = "public ValueTask CleanAsync(HttpContext context) => default;";
    private const string LifecycleBody = "public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default;";
    private const string ReceivedBody = "public ValueTask OnRequestReceivedAsync(HttpContext context) => default;";
    private const string SocketBody = "public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;";
    private const string CronBody = Infrastructure.MisuseAnalyzerTest.CronBody;
    private const string ProcessBody = Infrastructure.MisuseAnalyzerTest.ProcessBody;
    private const string TcpBody = Infrastructure.MisuseAnalyzerTest.TcpBody;
    private const string TaskBody = Infrastructure.MisuseAnalyzerTest.TaskBody;
    private const string PaidHandler = "public ValueTask<Propagation> HandleAsync(PaidEvent @event, TaskContext context) => new(Propagation.Continue);";

    // Every class name is unique, so a simple name identifies a declaration on both sides.
    private static readonly string[] Shapes =
    [
        $$"""[Cleaner] public sealed class PlainCleaner : ICleaner { {{CleanerBody}} }""",
        $$"""[Cleaner] internal sealed class InternalCleaner : ICleaner { {{CleanerBody}} }""",
        $$"""[Cleaner] public static class StaticCleaner { }""",
        $$"""[Cleaner] public abstract class AbstractCleaner : ICleaner { {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class GenericCleaner<T> : ICleaner { {{CleanerBody}} }""",
        $$"""public class GenericOuter<T> { [Cleaner] public sealed class InGenericCleaner : ICleaner { {{CleanerBody}} } }""",
        $$"""public sealed class PrivateOuter { [Cleaner] private sealed class PrivateNestedCleaner : ICleaner { {{CleanerBody}} } }""",
        $$"""public class ProtectedOuter { protected class Middle { [Cleaner] public sealed class ProtectedNestedCleaner : ICleaner { {{CleanerBody}} } } }""",
        $$"""public class ProtectedInternalOuter { [Cleaner] protected internal sealed class ProtectedInternalCleaner : ICleaner { {{CleanerBody}} } }""",
        $$"""public static class PublicOuter { [Cleaner] public sealed class PublicNestedCleaner : ICleaner { {{CleanerBody}} } }""",
        $$"""[Cleaner] file sealed class FileLocalCleaner : ICleaner { {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class InterfacelessCleaner { {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class WrongInterfaceCleaner : ILifecycleHook { {{LifecycleBody}} }""",
        $$"""public abstract class CleanerBase : ICleaner { {{CleanerBody}} } [Cleaner] public sealed class InheritedCleaner : CleanerBase;""",
        $$"""[Cleaner] public sealed class PrivateCtorCleaner : ICleaner { private PrivateCtorCleaner() { } {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class InternalCtorCleaner : ICleaner { internal InternalCtorCleaner(IServiceProvider services) { } {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class AmbiguousCleaner : ICleaner { public AmbiguousCleaner(IServiceProvider a) { } public AmbiguousCleaner(Uri b) { } {{CleanerBody}} }""",
        $$"""
        [Cleaner] public sealed class MarkedCleaner : ICleaner
        {
            [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor] public MarkedCleaner(IServiceProvider a) { }
            public MarkedCleaner(Uri b) { }
            {{CleanerBody}}
        }
        """,
        $$"""[Cleaner] public sealed class RefCleaner : ICleaner { public RefCleaner(ref int count) { } {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class SpanCleaner : ICleaner { public SpanCleaner(ReadOnlySpan<char> text) { } {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed unsafe class PointerCleaner : ICleaner { public PointerCleaner(int* count) { } {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class OptionalCleaner(IServiceProvider services, Uri? uri = null) : ICleaner { public object State { get; } = (services, uri); {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed record RecordCleaner(IServiceProvider Services) : ICleaner { {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed partial class PartialCleaner : ICleaner; public sealed partial class PartialCleaner { {{CleanerBody}} }""",
        $$"""[RequestHook] public sealed class ReceivedHook : IRequestReceivedHook { {{ReceivedBody}} }""",
        $$"""[RequestHook] public sealed class CleanerNotHook : ICleaner { {{CleanerBody}} }""",
        $$"""[RequestHook] public abstract class AbstractHook : IRequestReceivedHook { {{ReceivedBody}} }""",
        $$"""[LifecycleHook(LifecycleEvent.WorkerStart)] [LifecycleHook(LifecycleEvent.WorkerStop)] public sealed class TwoEventHook : ILifecycleHook { {{LifecycleBody}} }""",
        $$"""[LifecycleHook(LifecycleEvent.ServerStart)] public sealed class AmbiguousHook : ILifecycleHook { public AmbiguousHook(int a) { } public AmbiguousHook(long b) { } {{LifecycleBody}} }""",
        $$"""[LifecycleHook(LifecycleEvent.ServerStart)] public sealed class GenericHook<T> : ILifecycleHook { {{LifecycleBody}} }""",
        $$"""[Cleaner] public sealed class RequiredCleaner : ICleaner { public required string Name { get; init; } {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class SetsRequiredCleaner : ICleaner { [System.Diagnostics.CodeAnalysis.SetsRequiredMembers] public SetsRequiredCleaner() => Name = "x"; public required string Name { get; init; } {{CleanerBody}} }""",
        $$"""[Obsolete("gone", true)] [Cleaner] public sealed class ObsoleteErrorCleaner : ICleaner { {{CleanerBody}} }""",
        $$"""[Obsolete("old")] [Cleaner] public sealed class ObsoleteWarningCleaner : ICleaner { {{CleanerBody}} }""",
        $$"""[Cleaner] public sealed class DefaultsCleaner(IServiceProvider services, int retries = 3, int? window = null) : ICleaner { public object State { get; } = (services, retries, window); {{CleanerBody}} }""",
        $$"""[WebSocketHandler("/ws/plain")] public sealed class PlainSocket : IWebSocketHandler { {{SocketBody}} }""",
        $$"""[WebSocketHandler("/ws/a", SubProtocols = new[] { "v1" })] [WebSocketHandler("/ws/b")] public sealed class TwoPathSocket(IServiceProvider services) : IWebSocketHandler { public IServiceProvider Services => services; {{SocketBody}} }""",
        $$"""[WebSocketHandler("/ws/abstract")] public abstract class AbstractSocket : IWebSocketHandler { {{SocketBody}} }""",
        $$"""[WebSocketHandler("/ws/generic")] public sealed class GenericSocket<T> : IWebSocketHandler { {{SocketBody}} }""",
        $$"""[WebSocketHandler("/ws/none")] public sealed class InterfacelessSocket { {{SocketBody}} }""",
        $$"""[WebSocketHandler("/ws/cleaner")] public sealed class CleanerNotSocket : ICleaner { {{CleanerBody}} }""",
        $$"""[WebSocketHandler("/ws/ambiguous")] public sealed class AmbiguousSocket : IWebSocketHandler { public AmbiguousSocket(int a) { } public AmbiguousSocket(long b) { } {{SocketBody}} }""",
        $$"""[WebSocketHandler("relative-path")] public sealed class RelativePathSocket : IWebSocketHandler { {{SocketBody}} }""",
        $$"""[CronJob(1000)] public sealed class PlainJob : ICronJob { {{CronBody}} }""",
        $$"""[CronJob("@daily", Name = "nightly")] public sealed class ServicedJob(IServiceProvider services) : ICronJob { public object State => services; {{CronBody}} }""",
        $$"""[CronJob("@daily")] public abstract class AbstractJob : ICronJob { {{CronBody}} }""",
        $$"""[CronJob(1000)] public sealed class InterfacelessJob { {{CronBody}} }""",
        $$"""[CustomProcess("p1")] public sealed class PlainProcess : ICustomProcess { {{ProcessBody}} }""",
        $$"""[CustomProcess("p2")] public sealed class PrivateCtorProcess : ICustomProcess { private PrivateCtorProcess() { } {{ProcessBody}} }""",
        $$"""[CustomProcess("p3")] public sealed class GenericProcess<T> : ICustomProcess { {{ProcessBody}} }""",
        $$"""[SocketHandler("s1")] public sealed class PlainTcp : ITcpHandler { {{TcpBody}} }""",
        $$"""[SocketHandler("s2")] public sealed class CleanerNotTcp : ICleaner { {{CleanerBody}} }""",
        $$"""[SocketHandler("s3")] public sealed class AmbiguousTcp : ITcpHandler { public AmbiguousTcp(int a) { } public AmbiguousTcp(long b) { } {{TcpBody}} }""",
        """[AsyncEvent] public sealed class PaidEvent { public int Id { get; set; } }""",
        """[AsyncEvent] public sealed class RefundEvent(int id) { public int Id { get; } = id; }""",
        """[AsyncEvent] public sealed class GenericEvent<T> { public int Id { get; set; } }""",
        """[AsyncEvent] public abstract class AbstractEvent { public int Id { get; set; } }""",
        $$"""[EventListener] public sealed class PaidListener : IEventListener<PaidEvent> { {{PaidHandler}} }""",
        $$"""[EventListener] public sealed class TwoEventListener : IEventListener<PaidEvent>, IEventListener<RefundEvent> { {{PaidHandler}} public ValueTask<Propagation> HandleAsync(RefundEvent @event, TaskContext context) => new(Propagation.Continue); }""",
        $$"""[EventListener] public sealed class InterfacelessListener { {{PaidHandler}} }""",
        $$"""[EventListener] public abstract class AbstractListener : IEventListener<PaidEvent> { {{PaidHandler}} }""",
        $$"""[BackgroundTask] public sealed class PlainTask : IBackgroundTask { public string To { get; set; } = ""; {{TaskBody}} }""",
        $$"""[BackgroundTask(Tries = 3)] public sealed class PrivateCtorTask : IBackgroundTask { private PrivateCtorTask() { } {{TaskBody}} }""",
        $$"""[BackgroundTask] public sealed class InterfacelessTask { {{TaskBody}} }""",
        $$"""[BackgroundTask] public static class StaticTask { }""",
    ];

    [Fact]
    public async Task Analyzer_flags_exactly_the_declarations_the_generator_leaves_out()
    {
        var compilation = TestReferences.Compile(Shapes.Select(shape => "namespace App;\n" + shape))
            .WithOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        Assert.Empty(compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error));

        var declared = DeclaredClassNames(compilation);
        var listed = ListedByGenerator(compilation);
        var flagged = await FlaggedByAnalyzer(compilation);

        // A declaration of a good shape with a bad value (a relative WebSocket path) is left out for that value, not
        // its shape (RES104, not RES100): it counts as kept by the shape rule.
        listed.UnionWith(ProblemsListedByGenerator(compilation, Rules.InvalidWebSocketPath.Id));

        // What the analyzer flags, the manifest lists as a start-up problem with the same rule: never silently missing.
        Assert.Equal(flagged.Order(StringComparer.Ordinal), ProblemsListedByGenerator(compilation, Rules.DeclarationShape.Id).Order(StringComparer.Ordinal));

        var disagreements = declared
            .Where(name => listed.Contains(name) == flagged.Contains(name))
            .Select(name => $"{name}: {(listed.Contains(name) ? "listed by the generator and flagged by RES100" : "left out by the generator and not flagged")}")
            .ToList();
        Assert.True(disagreements.Count == 0, string.Join(Environment.NewLine, disagreements));

        // The set really mixes both outcomes, and nothing outside it was reported or listed.
        Assert.True(listed.Count >= 5 && flagged.Count >= 5, $"listed: {listed.Count}, flagged: {flagged.Count}");
        Assert.Subset(declared, listed);
        Assert.Subset(declared, flagged);
    }

    [Fact]
    public void A_websocket_handler_with_a_null_path_is_listed_as_a_problem_so_the_runtime_rejects_it_at_start()
    {
        // In a file without nullable annotations the compiler says nothing about a null path. The generator lists
        // the handler's problem, and the runtime fails the start naming the class, so it is never silently lost.
        const string source = $$"""
            #nullable disable
            namespace App;

            [WebSocketHandler(null)] public sealed class NullPathSocket : IWebSocketHandler { {{SocketBody}} }
            """;
        var compilation = TestReferences.Compile([source]);
        Assert.Empty(compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning));

        Assert.DoesNotContain("NullPathSocket", ListedByGenerator(compilation));
        Assert.Contains("NullPathSocket", ProblemsListedByGenerator(compilation, Rules.InvalidWebSocketPath.Id));
    }

    /// <summary>Simple names of the classes that carry a Resident attribute.</summary>
    private static HashSet<string> DeclaredClassNames(Compilation compilation) =>
        compilation.SyntaxTrees
            .SelectMany(tree => tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
            .Where(type => type.AttributeLists.SelectMany(list => list.Attributes)
                .Any(attribute => attribute.Name.ToString() is "Cleaner" or "RequestHook" or "LifecycleHook" or "WebSocketHandler"
                    or "CronJob" or "CustomProcess" or "SocketHandler" or "AsyncEvent" or "EventListener" or "BackgroundTask"))
            .Select(type => type.Identifier.ValueText)
            .ToHashSet();

    private static HashSet<string> ListedByGenerator(Compilation compilation)
    {
        var driver = CSharpGeneratorDriver.Create([new ManifestGenerator().AsSourceGenerator()], parseOptions: TestReferences.ParseOptions)
            .RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);

        var manifest = result.GeneratedSources.Single().SourceText.ToString();
        return DeclarationCall().Matches(manifest)
            .Select(match => match.Groups["name"].Value)
            .Select(fullName => fullName[(fullName.LastIndexOf('.') + 1)..])
            .ToHashSet();
    }

    /// <summary>Simple names of the classes the manifest lists a problem of rule <paramref name="ruleId"/> for.</summary>
    private static HashSet<string> ProblemsListedByGenerator(Compilation compilation, string ruleId)
    {
        var driver = CSharpGeneratorDriver.Create([new ManifestGenerator().AsSourceGenerator()], parseOptions: TestReferences.ParseOptions)
            .RunGenerators(compilation);
        var manifest = driver.GetRunResult().Results.Single().GeneratedSources.Single().SourceText.ToString();
        return ProblemCall().Matches(manifest)
            .Where(match => match.Groups["rule"].Value == ruleId)
            .Select(match => Regex.Replace(match.Groups["name"].Value, "<[^<>]*>", "")) // App.Outer<T>.Inner is App.Outer.Inner.
            .Select(fullName => fullName[(fullName.LastIndexOf('.') + 1)..])
            .ToHashSet();
    }

    private static async Task<HashSet<string>> FlaggedByAnalyzer(Compilation compilation)
    {
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DeclarationShapeAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();

        return diagnostics
            .Select(diagnostic =>
            {
                Assert.Equal(Rules.DeclarationShape.Id, diagnostic.Id);
                var node = diagnostic.Location.SourceTree!.GetRoot().FindNode(diagnostic.Location.SourceSpan);
                return node.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().First().Identifier.ValueText;
            })
            .ToHashSet();
    }

    // AddCleaner("App.X", …), and the generic AddBackgroundTask<global::App.X>("App.X", …); not AddProblem.
    [GeneratedRegex("""builder\.Add(?!Problem\()\w+(?:<[^>(]*>)?\("(?<name>[^"]*)"[,)]""")]
    private static partial Regex DeclarationCall();

    // AddProblem("App.X", "RES100: …").
    [GeneratedRegex("""builder\.AddProblem\("(?<name>[^"]*)", "(?<rule>RES\w+):""")]
    private static partial Regex ProblemCall();
}
