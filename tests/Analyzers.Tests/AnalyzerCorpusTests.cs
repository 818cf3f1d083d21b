using System.Collections.Immutable;
using System.Text.RegularExpressions;
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
public sealed partial class AnalyzerCorpusTests(ITestOutputHelper output)
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
        var reported = diagnostics
            .Select(diagnostic => (File: diagnostic.Location.SourceTree!.FilePath, Line: diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1, diagnostic.Id))
            .ToHashSet();
        var planted = trees
            .SelectMany(tree => tree.GetText().Lines.SelectMany(line =>
                LeakMarker().Matches(line.ToString()).Select(match => (File: tree.FilePath, Line: line.LineNumber + 1, Id: match.Groups[1].Value))))
            .ToHashSet();

        var found = reported.Intersect(planted).Count();
        var precision = reported.Count == 0 ? 1.0 : (double)found / reported.Count;
        var recall = planted.Count == 0 ? 1.0 : (double)found / planted.Count;
        output.WriteLine($"Corpus: {trees.Count} files, {planted.Count} planted leaks, {reported.Count} reported, {found} correct.");
        output.WriteLine($"Precision {precision:P1}, recall {recall:P1}.");
        foreach (var missed in planted.Except(reported).Order())
        {
            output.WriteLine($"  missed (false negative): {missed}");
        }

        foreach (var wrong in reported.Except(planted).Order())
        {
            output.WriteLine($"  unexpected (false positive): {wrong}");
        }

        Assert.True(planted.Count >= 15, "The corpus should plant leaks of every rule.");
        Assert.Equal(["RES001", "RES002", "RES003", "RES004", "RES005"], planted.Select(leak => leak.Id).Distinct().Order());
        Assert.Equal(planted.Order(), reported.Order());
    }

    private static bool IsBuildOutput(string folder, string path)
    {
        var relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
        return relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"//\s*LEAK:\s*(RES\d{3})")]
    private static partial Regex LeakMarker();
}
