using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Resident.Analyzers.Leaks;
using Resident.TestSupport;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>Which compilations the leak analyzer looks at, and what it costs where there is nothing to look at.</summary>
public sealed class LeakScopeTests
{
    [Fact]
    public void A_compilation_without_AspNetCore_or_dependency_injection_resolves_no_leak_types()
    {
        var compilation = CSharpCompilation.Create("Plain", [CSharpSyntaxTree.ParseText("public static class Tool { }")], References(withDependencyInjection: false));

        Assert.Null(compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.HttpContext"));
        Assert.Null(LeakTypes.Create(compilation));
    }

    [Fact]
    public void A_library_with_dependency_injection_but_no_AspNetCore_is_analyzed()
    {
        var compilation = CSharpCompilation.Create(
            "Data", [CSharpSyntaxTree.ParseText("public static class Tool { }")], References(withDependencyInjection: true),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var types = LeakTypes.Create(compilation);

        Assert.NotNull(types);
        Assert.Null(types.HttpContext);
        Assert.True(types.IsLibrary);
    }

    private static ImmutableArray<MetadataReference> References(bool withDependencyInjection) =>
        TestReferences.Framework
            .Where(reference => Path.GetFileName(reference.Display ?? "") is var name
                                && (!name.StartsWith("Microsoft.", StringComparison.Ordinal)
                                    || withDependencyInjection && name == "Microsoft.Extensions.DependencyInjection.Abstractions.dll"))
            .ToImmutableArray();

    [Fact]
    public void A_compilation_with_AspNetCore_resolves_them()
    {
        var compilation = TestReferences.Compile(["public static class Tool { }"]);

        var types = LeakTypes.Create(compilation);

        Assert.NotNull(types);
        Assert.NotNull(types.HttpContext);
        Assert.NotNull(types.Task);
    }
}
