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
/// The leak rules on tests/AnalyzerCorpus, a small realistic app with leaks planted and marked <c>// LEAK: RESxxx</c> on
/// their line: the analyzer must report exactly those (file, line, rule) triples. Precision and recall are printed.
/// </summary>
public sealed class AnalyzerCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Reports_exactly_the_planted_leaks()
    {
        var folder = Path.Combine(Repository.Root, "tests", "AnalyzerCorpus");
        var trees = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(folder, path))
            .Order(StringComparer.Ordinal)
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), TestReferences.ParseOptions, Path.GetRelativePath(folder, path).Replace('\\', '/')))
            .ToList();
        var compilation = CSharpCompilation.Create(
            "AnalyzerCorpus",
            trees,
            TestReferences.WithResident,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error));

        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new RequestLeakAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        var score = new CorpusScore(trees, diagnostics);
        score.Print(output, "Corpus");
        var planted = score.Planted;

        Assert.True(planted.Count >= 15, "The corpus should plant leaks of every rule.");
        Assert.Equal(["RES001", "RES002", "RES003", "RES004", "RES005"], planted.Select(leak => leak.Id).Distinct().Order());
        Assert.Equal(planted.Order(), score.Reported.Order());
    }

    /// <summary>Build output, and the layered app (three compilations of its own: <see cref="LayeredCorpusTests"/>).</summary>
    private static bool IsBuildOutput(string folder, string path)
    {
        var relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
        return relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)
               || relative.StartsWith("Layered/", StringComparison.Ordinal);
    }
}
