using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Resident.Generators;
using Resident.Generators.Emitting;
using Resident.TestSupport;

namespace Resident.Generators.Tests.Infrastructure;

/// <summary>Runs <see cref="ManifestGenerator"/> over a compilation and reads back what it produced.</summary>
internal static partial class GeneratorHarness
{
    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        new[] { new ManifestGenerator().AsSourceGenerator() },
        parseOptions: TestReferences.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once over <paramref name="compilation"/>.</summary>
    public static GeneratorOutcome Run(Compilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var updated, out _);
        return new GeneratorOutcome(driver.GetRunResult().Results.Single(), updated);
    }

    /// <summary>The names the manifest declares, as <c>Kind:Name</c>, e.g. <c>Cleaner:App.MyCleaner</c>, in emitted order.</summary>
    public static IReadOnlyList<string> DeclaredNames(string manifestSource) =>
        DeclarationCall().Matches(manifestSource).Select(match => $"{match.Groups["kind"].Value}:{match.Groups["name"].Value}").ToList();

    [GeneratedRegex("""builder\.Add(?<kind>\w+)(?:<[^(]*>)?\("(?<name>[^"]*)"[,)]""")]
    private static partial Regex DeclarationCall();
}

/// <summary>One generator run: its result and the compilation with the generated source added.</summary>
internal sealed record GeneratorOutcome(GeneratorRunResult Result, Compilation Output)
{
    /// <summary>The text of <c>ResidentManifest.g.cs</c>, or null when the generator added nothing.</summary>
    public string? ManifestSource =>
        Result.GeneratedSources.SingleOrDefault(source => source.HintName == ManifestEmitter.HintName) is { SourceText: { } text }
            ? text.ToString()
            : null;

    /// <summary>The manifest's lines that mention <paramref name="text"/>; fails when there is no manifest.</summary>
    public IReadOnlyList<string> ManifestLinesMentioning(string text) =>
        (ManifestSource ?? throw new Xunit.Sdk.XunitException("The generator emitted no manifest."))
            .Split('\n')
            .Where(line => line.Contains(text, StringComparison.Ordinal))
            .ToList();

    /// <summary>Whether the compiler reports an error in the app's own sources (not in generated ones).</summary>
    public bool SourceHasErrors =>
        Output.GetDiagnostics().Any(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error
                                                  && diagnostic.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) != true);

    /// <summary>
    /// Asserts that <paramref name="name"/> is left out: the manifest mentions it only in <c>builder.AddProblem</c> lines,
    /// and, when the app's code compiles, in at least one (a rejected declaration fails the start, never goes missing).
    /// </summary>
    public void AssertRejected(string name, string because)
    {
        var lines = ManifestLinesMentioning(name);
        Xunit.Assert.All(lines, line => Xunit.Assert.Contains("builder.AddProblem(", line, StringComparison.Ordinal));
        if (!SourceHasErrors)
        {
            Xunit.Assert.True(lines.Count > 0, $"{because}: {name} is neither declared nor listed as a problem.");
        }
    }

    /// <summary>The manifest's declarations as <c>Kind:Name</c>; fails when there is no manifest.</summary>
    public IReadOnlyList<string> DeclaredNames =>
        GeneratorHarness.DeclaredNames(ManifestSource ?? throw new Xunit.Sdk.XunitException("The generator emitted no manifest."));

    /// <summary>Warnings and errors the compiler reports inside the generated manifest (the app builds with warnings as errors).</summary>
    public IReadOnlyList<Diagnostic> WarningsInGeneratedCode =>
        Output.GetDiagnostics()
            .Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning
                                 && diagnostic.Location.SourceTree?.FilePath.EndsWith(ManifestEmitter.HintName, StringComparison.Ordinal) == true)
            .ToList();

    /// <summary>Errors the compiler reports inside the generated manifest.</summary>
    public IReadOnlyList<Diagnostic> ErrorsInGeneratedCode =>
        Output.GetDiagnostics()
            .Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error
                                 && diagnostic.Location.SourceTree?.FilePath.EndsWith(ManifestEmitter.HintName, StringComparison.Ordinal) == true)
            .ToList();
}
