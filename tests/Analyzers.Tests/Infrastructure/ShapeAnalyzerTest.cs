using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Resident.TestSupport;

namespace Resident.Analyzers.Tests.Infrastructure;

/// <summary>
/// The testing library's analyzer test, set up like a Resident app: local framework references, the Resident
/// runtime, nullable and unsafe code enabled. A compiler error in the source fails the test unless expected.
/// </summary>
internal sealed class ShapeAnalyzerTest : CSharpAnalyzerTest<DeclarationShapeAnalyzer, DefaultVerifier>
{
    public ShapeAnalyzerTest(string source, params DiagnosticResult[] expected)
    {
        ReferenceAssemblies = TestReferences.NoPackages;
        TestState.AdditionalReferences.AddRange(TestReferences.WithResident);
        TestState.Sources.Add(("GlobalUsings.cs", TestReferences.GlobalUsings));
        TestState.Sources.Add(source);
        ExpectedDiagnostics.AddRange(expected);
    }

    /// <summary>Compiles without Resident.dll, as a project that does not use Resident would.</summary>
    public ShapeAnalyzerTest WithoutResidentRuntime()
    {
        TestState.AdditionalReferences.Remove(TestReferences.Resident);
        TestState.Sources.RemoveAt(0); // The global usings name the Resident namespace.
        return this;
    }

    /// <summary>RES100 at markup location <paramref name="markupKey"/> with the message arguments.</summary>
    public static DiagnosticResult Res100(int markupKey, string attribute, string typeName, string explanation) =>
        new DiagnosticResult(Rules.DeclarationShape).WithLocation(markupKey).WithArguments(attribute, typeName, explanation);

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions())
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithAllowUnsafe(true);

    protected override ParseOptions CreateParseOptions() => TestReferences.ParseOptions;
}
