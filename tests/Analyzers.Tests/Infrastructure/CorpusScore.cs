using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace Resident.Analyzers.Tests.Infrastructure;

/// <summary>
/// Planted hazards (<c>// LEAK: RESxxx</c>) and safe look-alikes (<c>// SAFE: RESxxx</c>) of corpus sources, against
/// what the analyzer reported: (file, line, rule) triples, scored per rule.
/// </summary>
internal sealed partial class CorpusScore
{
    public CorpusScore(IEnumerable<SyntaxTree> trees, IEnumerable<Diagnostic> diagnostics)
    {
        var lines = trees.SelectMany(tree => tree.GetText().Lines.Select(line => (tree.FilePath, Line: line.LineNumber + 1, Text: line.ToString()))).ToList();
        Planted = Marked(lines, LeakMarker());
        SafeLookAlikes = Marked(lines, SafeMarker());
        Reported = diagnostics
            .Select(diagnostic => (File: diagnostic.Location.SourceTree!.FilePath, Line: diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1, diagnostic.Id))
            .ToHashSet();
    }

    public HashSet<(string File, int Line, string Id)> Planted { get; }

    public HashSet<(string File, int Line, string Id)> SafeLookAlikes { get; }

    public HashSet<(string File, int Line, string Id)> Reported { get; }

    public IEnumerable<string> Rules => Planted.Concat(Reported).Concat(SafeLookAlikes).Select(item => item.Id).Distinct().Order(StringComparer.Ordinal);

    /// <summary>(planted, reported, correct, safe look-alikes, safe look-alikes flagged) for one rule.</summary>
    public (int Planted, int Reported, int Correct, int Safe, int SafeFlagged) For(string rule)
    {
        var planted = Planted.Where(item => item.Id == rule).ToHashSet();
        var reported = Reported.Where(item => item.Id == rule).ToHashSet();
        var safe = SafeLookAlikes.Where(item => item.Id == rule).ToHashSet();
        return (planted.Count, reported.Count, reported.Intersect(planted).Count(), safe.Count, reported.Intersect(safe).Count());
    }

    public void Print(ITestOutputHelper output, string name)
    {
        var found = Reported.Intersect(Planted).Count();
        output.WriteLine($"{name}: {Planted.Count} planted hazards, {SafeLookAlikes.Count} safe look-alikes, {Reported.Count} reported, {found} correct.");
        output.WriteLine($"  all rules: precision {Ratio(found, Reported.Count):P1}, recall {Ratio(found, Planted.Count):P1}");
        foreach (var rule in Rules)
        {
            var (planted, reported, correct, safe, safeFlagged) = For(rule);
            output.WriteLine($"  {rule}: precision {Ratio(correct, reported):P1} ({correct}/{reported}), recall {Ratio(correct, planted):P1} ({correct}/{planted}), safe look-alikes flagged {safeFlagged}/{safe}");
        }

        foreach (var missed in Planted.Except(Reported).Order())
        {
            output.WriteLine($"  missed (false negative): {missed}");
        }

        foreach (var wrong in Reported.Except(Planted).Order())
        {
            output.WriteLine($"  unexpected (false positive): {wrong}");
        }
    }

    private static double Ratio(int part, int whole) => whole == 0 ? 1.0 : (double)part / whole;

    private static HashSet<(string File, int Line, string Id)> Marked(List<(string File, int Line, string Text)> lines, Regex marker) =>
        lines.SelectMany(line => marker.Matches(line.Text).Select(match => (line.File, line.Line, match.Groups[1].Value))).ToHashSet();

    [GeneratedRegex(@"//\s*LEAK:\s*(RES\d{3})")]
    private static partial Regex LeakMarker();

    [GeneratedRegex(@"//\s*SAFE:\s*(RES\d{3})")]
    private static partial Regex SafeMarker();
}
