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
    public void A_compilation_without_AspNetCore_resolves_no_leak_types()
    {
        var coreOnly = TestReferences.Framework
            .Where(reference => reference.Display is { } path && !Path.GetFileName(path).StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal))
            .ToImmutableArray();
        var compilation = CSharpCompilation.Create("Plain", [CSharpSyntaxTree.ParseText("public static class Tool { }")], coreOnly);

        Assert.Null(compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.HttpContext"));
        Assert.Null(LeakTypes.Create(compilation));
    }

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
