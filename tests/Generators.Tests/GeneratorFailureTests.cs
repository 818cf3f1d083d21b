using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Resident.Generators.Declarations;
using Resident.Generators.Emitting;
using Resident.Generators.Model;
using Resident.TestSupport;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// RESG001: a declaration the generator cannot read is never silently missing. It yields a warning naming the type,
/// and the manifest lists the failure, so the app refuses to start instead of running without it.
/// </summary>
public sealed class GeneratorFailureTests
{
    private const string Cleaner = """
        namespace App;

        [Cleaner]
        public sealed class Boom : ICleaner
        {
            public ValueTask CleanAsync(HttpContext context) => default;
        }
        """;

    [Fact]
    public void A_reader_that_throws_yields_a_RESG001_problem_naming_the_type()
    {
        var type = TestReferences.Compile([Cleaner]).GetTypeByMetadataName("App.Boom")!;

        var specs = ManifestGenerator.ReadAll(type, type.GetAttributes(), (_, _, _) => throw new InvalidOperationException("the reader broke"), CancellationToken.None);

        var rejected = Assert.IsType<RejectedDeclarationSpec>(Assert.Single(specs));
        var problem = Assert.Single(rejected.Problems);
        Assert.Equal("RESG001", problem.RuleId);
        Assert.Equal(
            "RESG001: Resident's generator could not read 'App.Boom' and left it out of the manifest: InvalidOperationException: the reader broke.",
            problem.Sentence(rejected.Name));
    }

    [Fact]
    public void The_failure_is_a_warning_naming_the_type_and_a_problem_in_the_manifest()
    {
        var type = TestReferences.Compile([Cleaner]).GetTypeByMetadataName("App.Boom")!;
        var specs = ManifestGenerator.ReadAll(type, type.GetAttributes(), (_, _, _) => throw new InvalidOperationException("the reader broke"), CancellationToken.None);
        var manifest = new ManifestSpec("App", ImmutableEquatableArray<string>.Empty, specs);

        var diagnostic = Assert.Single(ManifestGenerator.FailureDiagnostics(manifest));
        Assert.Equal("RESG001", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(
            "Resident's generator could not read 'App.Boom' and left it out of the manifest: InvalidOperationException: the reader broke",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith("https://", diagnostic.Descriptor.HelpLinkUri, StringComparison.Ordinal);

        var source = ManifestEmitter.Emit(manifest);
        Assert.Contains(
            "builder.AddProblem(\"App.Boom\", \"RESG001: Resident's generator could not read 'App.Boom' and left it out of the manifest: InvalidOperationException: the reader broke.\");",
            source,
            StringComparison.Ordinal);
        Assert.DoesNotContain("AddCleaner", source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reader_that_does_not_throw_yields_no_failure()
    {
        var type = TestReferences.Compile([Cleaner]).GetTypeByMetadataName("App.Boom")!;

        var specs = ManifestGenerator.ReadAll(type, type.GetAttributes(), DeclarationKinds.All[0].Read, CancellationToken.None);

        Assert.IsNotType<RejectedDeclarationSpec>(Assert.Single(specs));
        Assert.Empty(ManifestGenerator.FailureDiagnostics(new ManifestSpec("App", ImmutableEquatableArray<string>.Empty, specs)));
    }
}
