using System.Collections.Immutable;
using Microsoft.AspNetCore.Http;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace Resident.TestSupport;

/// <summary>
/// Metadata references and options for test compilations. The references come from the running test host's
/// shared frameworks (Microsoft.NETCore.App and Microsoft.AspNetCore.App), so no reference pack is downloaded.
/// </summary>
/// <remarks>Linked into both test projects.</remarks>
internal static class TestReferences
{
    /// <summary>The Resident runtime (Resident.dll) the test project was built with.</summary>
    public static MetadataReference Resident { get; } = MetadataReference.CreateFromFile(typeof(CleanerAttribute).Assembly.Location);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_framework = new(LoadFramework);
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_withResident = new(() => Framework.Add(Resident));

    /// <summary>A reference set with no package: the testing library then resolves nothing from NuGet.</summary>
    public static ReferenceAssemblies NoPackages { get; } = new("net10.0");

    /// <summary>System.*, Microsoft.AspNetCore.* and Microsoft.Extensions.* without Resident.</summary>
    public static ImmutableArray<MetadataReference> Framework => s_framework.Value;

    /// <summary><see cref="Framework"/> plus the Resident runtime: what a Resident app compiles against.</summary>
    public static ImmutableArray<MetadataReference> WithResident => s_withResident.Value;

    /// <summary>The language version Resident apps use; file-local types need C# 11.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>Global usings every test source may rely on, as an app's implicit usings would provide.</summary>
    public const string GlobalUsings = """
        global using System;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Http;
        global using Resident;

        """;

    /// <summary>A library compilation of <paramref name="sources"/> (plus <see cref="GlobalUsings"/>) with nullable enabled.</summary>
    public static CSharpCompilation Compile(IEnumerable<string> sources, bool referenceResident = true, string assemblyName = "TestApp") =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Prepend(GlobalUsings).Select((source, index) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{index}.cs")),
            referenceResident ? WithResident : Framework,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static ImmutableArray<MetadataReference> LoadFramework()
    {
        // Only the shared frameworks' assemblies: the test host's own (xunit, Roslyn, NuGet…) would just slow compilation.
        var frameworkFolders = new[]
        {
            Path.GetDirectoryName(typeof(object).Assembly.Location)!,
            Path.GetDirectoryName(typeof(HttpContext).Assembly.Location)!,
        };
        var trustedAssemblies = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trustedAssemblies
            .Where(path => frameworkFolders.Contains(Path.GetDirectoryName(path), StringComparer.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
