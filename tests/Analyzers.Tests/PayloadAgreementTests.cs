using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Generators;
using Resident.TestSupport;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>
/// RES107 reports the sentence the runtime fails the start with. Over many payload shapes, the analyzer's messages
/// must be exactly the problems the generated manifest carries: no more, no fewer, word for word.
/// </summary>
public sealed partial class PayloadAgreementTests
{
    private const string TaskBody = Infrastructure.MisuseAnalyzerTest.TaskBody;

    private static readonly string[] Payloads =
    [
        $$"""[BackgroundTask] public sealed class PlainTask : IBackgroundTask { public string To { get; set; } = ""; public int[] Ids { get; set; } = []; {{TaskBody}} }""",
        $$"""[BackgroundTask] public sealed class DictionaryTask : IBackgroundTask { public Dictionary<string, string> Headers { get; set; } = new(); {{TaskBody}} }""",
        $$"""[BackgroundTask] public sealed class PrivateCtorTask : IBackgroundTask { private PrivateCtorTask() { } public int Id { get; set; } {{TaskBody}} }""",
        $$"""[BackgroundTask] public sealed class IgnoredTask : IBackgroundTask { [System.Text.Json.Serialization.JsonIgnore] public object? State { get; set; } {{TaskBody}} }""",
        """[AsyncEvent] public sealed class PlainEvent { public Guid Id { get; set; } public DateTimeOffset At { get; init; } public List<long>? Values { get; set; } }""",
        """[AsyncEvent] public sealed class CtorEvent(int amount, string currency) { public int Amount { get; } = amount; public string Currency { get; } = currency; }""",
        """[AsyncEvent] public sealed class MismatchedCtorEvent(long amount) { public int Amount { get; } = (int)amount; }""",
        """[AsyncEvent] public sealed class ClashEvent { public int Amount { get; set; } public int amount { get; set; } }""",
        """[AsyncEvent] public sealed class NestedListEvent { public List<List<int>> Rows { get; set; } = new(); }""",
        """[AsyncEvent] public sealed class StreamEvent { public System.IO.Stream? Receipt { get; set; } }""",
        """[AsyncEvent] public sealed class RequiredFieldEvent { public required int Amount; }""",
        """[AsyncEvent] public sealed class RequiredPropertyEvent { public required int Amount { get; init; } public required string Note { get; set; } }""",
        """public class LinkBase { public Uri? Link { get; set; } } [AsyncEvent] public sealed class InheritedEvent : LinkBase { public int Id { get; set; } }""",
        """[AsyncEvent] public sealed class EnumEvent { public DayOfWeek Day { get; set; } public DayOfWeek[] Days { get; set; } = []; public byte[]? Blob { get; set; } }""",
        """[AsyncEvent] public sealed class ComputedEvent { public Dictionary<string, string> Computed => new(); public decimal Total { get; set; } }""",
        """[AsyncEvent] public sealed record RecordEvent(int Id, string Name);""",
        """[AsyncEvent] public sealed class TupleEvent { public (int, int) Pair { get; set; } }""",
    ];

    [Fact]
    public async Task Analyzer_reports_exactly_the_problems_the_manifest_carries()
    {
        var compilation = TestReferences.Compile(Payloads.Select(payload => "using System.Collections.Generic;\nnamespace App;\n" + payload));
        Assert.Empty(compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error));

        var fromGenerator = ProblemsInManifest(compilation);
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new AttributeMisuseAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        var fromAnalyzer = diagnostics.Where(diagnostic => diagnostic.Id == Rules.UnserializablePayload.Id)
            .Select(diagnostic => diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(fromGenerator, fromAnalyzer);
        Assert.True(fromAnalyzer.Count >= 8, string.Join(Environment.NewLine, fromAnalyzer));
        Assert.All(diagnostics, diagnostic => Assert.Equal(Rules.UnserializablePayload.Id, diagnostic.Id));
    }

    private static List<string> ProblemsInManifest(Compilation compilation)
    {
        var driver = CSharpGeneratorDriver.Create([new ManifestGenerator().AsSourceGenerator()], parseOptions: TestReferences.ParseOptions)
            .RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);

        var manifest = string.Concat(result.GeneratedSources.Select(source => source.SourceText.ToString()));
        return Problem().Matches(manifest)
            .Select(match => Regex.Unescape(match.Groups["problem"].Value))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [GeneratedRegex("""codec: null, payloadProblem: "(?<problem>The payload of (?:[^"\\]|\\.)*)"\)""")]
    private static partial Regex Problem();
}
