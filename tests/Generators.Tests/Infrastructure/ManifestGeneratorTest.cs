using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Resident.Generators.Emitting;
using Resident.TestSupport;

namespace Resident.Generators.Tests.Infrastructure;

/// <summary>
/// The testing library's generator test, set up like a Resident app: local framework references, the Resident
/// runtime, nullable enabled. It also compiles the generated source and fails on any compiler error in it.
/// </summary>
internal sealed class ManifestGeneratorTest : CSharpSourceGeneratorTest<ManifestGenerator, DefaultVerifier>
{
    /// <summary>The assembly name the testing library gives the project under test.</summary>
    public const string AssemblyName = "TestProject";

    public ManifestGeneratorTest(params string[] sources)
    {
        ReferenceAssemblies = TestReferences.NoPackages;
        TestState.AdditionalReferences.AddRange(TestReferences.WithResident);
        TestState.Sources.Add(("GlobalUsings.cs", TestReferences.GlobalUsings));
        foreach (var source in sources)
        {
            TestState.Sources.Add(source);
        }
    }

    /// <summary>Expects exactly one generated file, <c>ResidentManifest.g.cs</c>, with this text.</summary>
    public ManifestGeneratorTest ExpectingManifest(string manifestSource)
    {
        TestState.GeneratedSources.Add((typeof(ManifestGenerator), ManifestEmitter.HintName, manifestSource.ReplaceLineEndings("\n")));
        return this;
    }

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

    protected override ParseOptions CreateParseOptions() => TestReferences.ParseOptions;
}
