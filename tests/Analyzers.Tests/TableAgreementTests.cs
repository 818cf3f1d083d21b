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
/// The generator leaves a [SwooleTable] struct out silently; RES103, RES105 and RES106 must flag exactly the structs it
/// leaves out, over many shapes, so no table disappears unexplained and no usable table is flagged.
/// </summary>
public sealed partial class TableAgreementTests
{
    private static readonly string[] Tables =
    [
        """[SwooleTable("plain")] public partial struct PlainRow { public long Id; public int Fd; public double Score; [Column(Size = 32)] public string Name; }""",
        """[SwooleTable] internal partial struct DefaultNameRow { public long Id; }""",
        """[SwooleTable("max", Size = 16777216)] public partial struct MaxRow { [Column(Size = 65535)] public string Bio; public static decimal Rate; public const int Version = 1; public long Twice => 2; }""",
        """[SwooleTable("split")] public partial struct SplitRow { public long Id; } public partial struct SplitRow { public int Fd; }""",
        """[SwooleTable("nonpartial")] public struct NonPartialRow { public long Id; }""",
        """[SwooleTable("generic")] public partial struct GenericRow<T> { public long Id; }""",
        """public static partial class Outer { [SwooleTable("nested")] public partial struct NestedRow { public long Id; } }""",
        """[SwooleTable("readonly")] public readonly partial struct ReadOnlyRow { public readonly long Id; }""",
        """[SwooleTable("ref")] public ref partial struct RefRow { public long Id; }""",
        """[SwooleTable("bad name")] public partial struct BadNameRow { public long Id; }""",
        """[SwooleTable("zero", Size = 0)] public partial struct ZeroSizeRow { public long Id; }""",
        """[SwooleTable("decimal")] public partial struct DecimalRow { public decimal Amount; }""",
        """[SwooleTable("nosize")] public partial struct NoSizeRow { public string Name; }""",
        """[SwooleTable("bigstring")] public partial struct BigStringRow { [Column(Size = 65536)] public string Name; }""",
        """[SwooleTable("auto")] public partial struct AutoPropertyRow { public long Id { get; set; } }""",
        """[SwooleTable("readonlyfield")] public partial struct ReadOnlyFieldRow { public readonly long Id; }""",
        """[SwooleTable("twice")] public partial struct FirstOfTwoRow { public long Id; }""",
        """[SwooleTable("twice")] public partial struct SecondOfTwoRow { public long Id; }""",
        """[SwooleTable("record")] public partial record struct RecordRow { public long Id; }""",
        """[SwooleTable("positional")] public partial record struct PositionalRow(long Id);""",
    ];

    [Fact]
    public async Task Analyzer_flags_exactly_the_tables_the_generator_leaves_out()
    {
        var compilation = TestReferences.Compile(Tables.Select(table => "namespace App;\n" + table));
        Assert.Empty(compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error));

        var declared = compilation.SyntaxTrees
            .SelectMany(tree => tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
            .Where(type => type.AttributeLists.SelectMany(list => list.Attributes).Any(attribute => attribute.Name.ToString() == "SwooleTable"))
            .Select(type => type.Identifier.ValueText)
            .ToHashSet();
        var generated = GeneratedTables(compilation);
        var flagged = await FlaggedTables(compilation);

        var disagreements = declared
            .Where(name => generated.Contains(name) == flagged.Contains(name))
            .Select(name => $"{name}: {(generated.Contains(name) ? "generated and flagged" : "left out and not flagged")}")
            .ToList();
        Assert.True(disagreements.Count == 0, string.Join(Environment.NewLine, disagreements));
        Assert.True(generated.Count >= 4 && flagged.Count >= 10, $"generated: {generated.Count}, flagged: {flagged.Count}");
    }

    private static HashSet<string> GeneratedTables(Compilation compilation)
    {
        var driver = CSharpGeneratorDriver.Create([new ManifestGenerator().AsSourceGenerator()], parseOptions: TestReferences.ParseOptions)
            .RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);

        var manifest = string.Concat(result.GeneratedSources.Select(source => source.SourceText.ToString()));
        return AddTable().Matches(manifest).Select(match => match.Groups["name"].Value).ToHashSet();
    }

    // The struct each RES103/RES105/RES106 diagnostic belongs to (the second of two clashing tables for RES103).
    private static async Task<HashSet<string>> FlaggedTables(Compilation compilation)
    {
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new AttributeMisuseAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        var flagged = new HashSet<string>();
        foreach (var diagnostic in diagnostics)
        {
            Assert.Contains(diagnostic.Id, new[] { Rules.DuplicateName.Id, Rules.InvalidTableColumn.Id, Rules.InvalidTableDeclaration.Id });
            var node = diagnostic.Location.SourceTree!.GetRoot().FindNode(diagnostic.Location.SourceSpan);
            flagged.Add(node.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().First(type => type is StructDeclarationSyntax or RecordDeclarationSyntax).Identifier.ValueText);
            if (diagnostic.Id == Rules.DuplicateName.Id)
            {
                // The generator leaves out both tables of a name; RES103 names the first in its message.
                flagged.Add(Regex.Match(diagnostic.GetMessage(), "like 'App\\.(?<first>\\w+)'").Groups["first"].Value);
            }
        }

        return flagged;
    }

    [GeneratedRegex("""AddTable<global::App\.(?:\w+\.)*(?<name>\w+)(?:<[^>]*>)?>\(\)""")]
    private static partial Regex AddTable();
}
