using Microsoft.CodeAnalysis;
using Resident.Generators.Tests.Infrastructure;
using Resident.TestSupport;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// An app loads the manifests of the libraries it references before its own, so declarations in a library run even
/// when nothing has loaded the library by the time <c>AddResident()</c> reads the manifests.
/// </summary>
public sealed class ReferencedManifestTests
{
    private const string LibraryCleaner = """
        namespace Acme.Library;

        [Cleaner]
        public sealed class LibraryCleaner : ICleaner
        {
            public ValueTask CleanAsync(HttpContext context) => default;
        }
        """;

    [Fact]
    public void A_library_with_declarations_gets_a_public_marker_named_after_its_assembly()
    {
        var library = GeneratorHarness.Run(TestReferences.Compile([LibraryCleaner], assemblyName: "Acme.Library-Core"));

        var marker = library.Output.GetTypeByMetadataName("Resident.Generated.ResidentManifestOf_Acme_Library_Core");
        Assert.NotNull(marker);
        Assert.Equal(Accessibility.Public, marker.DeclaredAccessibility);
        var manifest = Assert.Single(marker.GetMembers("Manifest").OfType<IPropertySymbol>());
        Assert.True(manifest.IsStatic);
        Assert.Equal(Accessibility.Public, manifest.DeclaredAccessibility);
        Assert.Equal("Resident.Hosting.IResidentManifest", manifest.Type.ToDisplayString());
        Assert.Empty(library.ErrorsInGeneratedCode);
    }

    [Fact]
    public void An_app_runs_the_module_initializers_of_referenced_manifests_before_registering_its_own()
    {
        var library = GeneratorHarness.Run(TestReferences.Compile([LibraryCleaner], assemblyName: "Acme.Library"));
        var plainLibrary = TestReferences.Compile(["namespace Acme.Plain; public sealed class Helper;"], assemblyName: "Acme.Plain");
        var app = TestReferences.Compile(["namespace App; public sealed class Program;"], assemblyName: "App")
            .AddReferences(Image(library.Output), Image(plainLibrary));

        var outcome = GeneratorHarness.Run(app);
        var source = outcome.ManifestSource!;

        var load = "global::System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(global::Resident.Generated.ResidentManifestOf_Acme_Library).Module.ModuleHandle);";
        Assert.Contains(load, source, StringComparison.Ordinal);
        Assert.True(
            source.IndexOf(load, StringComparison.Ordinal) < source.IndexOf("ResidentManifests.Register(global::Resident.Generated.ResidentManifestOf_App.Manifest)", StringComparison.Ordinal),
            "The library's manifest must be loaded before the app registers its own.");
        Assert.DoesNotContain("Acme_Plain", source, StringComparison.Ordinal);
        Assert.Single(source.Split("RunModuleConstructor")[1..]);
        Assert.Empty(outcome.ErrorsInGeneratedCode);
    }

    private static MetadataReference Image(Compilation compilation)
    {
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }
}
