using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Analyzers.Tests.Infrastructure;
using Resident.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace Resident.Analyzers.Tests;

/// <summary>
/// tests/AnalyzerCorpus/Layered: a layered app in three compilations — a data library (dependency injection only, no
/// ASP.NET Core), a services library, and the web project referencing both — with hazards planted (<c>// LEAK: RESxxx</c>)
/// and safe look-alikes marked (<c>// SAFE: RESxxx</c>). The analyzer runs in each compilation, as it does in a build.
/// Per rule: every planted hazard found, no safe look-alike flagged, nothing else reported.
/// </summary>
public sealed class LayeredCorpusTests(ITestOutputHelper output)
{
    private const string Usings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Fact]
    public async Task Reports_exactly_the_planted_hazards_per_rule_in_every_layer()
    {
        var dataReferences = TestReferences.Framework
            .Where(reference => Path.GetFileName(reference.Display ?? "") is var name
                                && (!name.StartsWith("Microsoft.", StringComparison.Ordinal) || name == "Microsoft.Extensions.DependencyInjection.Abstractions.dll"))
            .ToImmutableArray();
        var data = Compile("Layered.Data", "Data", dataReferences, OutputKind.DynamicallyLinkedLibrary);
        Assert.Null(data.GetTypeByMetadataName("Microsoft.AspNetCore.Http.HttpContext"));
        var services = Compile("Layered.Services", "Services", TestReferences.Framework.Add(data.ToMetadataReference()), OutputKind.DynamicallyLinkedLibrary);
        var web = Compile("Layered.Web", "Web", TestReferences.Framework.Add(data.ToMetadataReference()).Add(services.ToMetadataReference()), OutputKind.ConsoleApplication);

        var trees = new List<SyntaxTree>();
        var diagnostics = new List<Diagnostic>();
        foreach (var compilation in new[] { data, services, web })
        {
            Assert.Empty(compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error));
            trees.AddRange(compilation.SyntaxTrees);
            diagnostics.AddRange(await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new RequestLeakAnalyzer())).GetAnalyzerDiagnosticsAsync());
        }

        var score = new CorpusScore(trees, diagnostics);
        score.Print(output, "Layered corpus");

        Assert.Equal(["RES001", "RES002", "RES003", "RES004", "RES005"], score.Planted.Select(leak => leak.Id).Distinct().Order());
        Assert.All(new[] { "Data/", "Services/", "Web/" }, layer => Assert.Contains(score.Planted, leak => leak.File.StartsWith(layer, StringComparison.Ordinal)));
        foreach (var rule in score.Rules)
        {
            var (planted, reported, correct, safe, safeFlagged) = score.For(rule);
            Assert.True(correct == planted, $"{rule}: {correct} of {planted} planted hazards found.");
            Assert.True(correct == reported, $"{rule}: {reported - correct} false alarms.");
            Assert.True(safeFlagged == 0, $"{rule}: {safeFlagged} of {safe} safe look-alikes flagged.");
        }

        Assert.Equal(score.Planted.Order(), score.Reported.Order());
    }

    private static CSharpCompilation Compile(string assemblyName, string layer, IEnumerable<MetadataReference> references, OutputKind kind)
    {
        var folder = Path.Combine(Repository.Root, "tests", "AnalyzerCorpus", "Layered", layer);
        var trees = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), TestReferences.ParseOptions, $"{layer}/{Path.GetRelativePath(folder, path).Replace('\\', '/')}"))
            .Prepend(CSharpSyntaxTree.ParseText(Usings, TestReferences.ParseOptions, $"{layer}/Usings.g.cs"));
        return CSharpCompilation.Create(assemblyName, trees, references, new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
    }
}
