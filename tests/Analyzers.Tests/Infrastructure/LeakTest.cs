using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Resident.TestSupport;

namespace Resident.Analyzers.Tests.Infrastructure;

/// <summary>
/// The leak analyzer run on a Resident app source (ASP.NET Core, MVC, SignalR and the Resident runtime referenced),
/// optionally with a code fix and the source it must produce. A compiler error fails the test unless expected.
/// </summary>
internal sealed class LeakTest<TCodeFix> : CSharpCodeFixTest<RequestLeakAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>Usings every leak test source starts with, besides <see cref="TestReferences.GlobalUsings"/>.</summary>
    public const string Usings = """
        global using System.Collections.Generic;
        global using System.Collections.Concurrent;
        global using System.Security.Claims;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Mvc;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;

        """;

    public LeakTest(string source, string? fixedSource = null)
    {
        ReferenceAssemblies = TestReferences.NoPackages;
        // The leak rules are compilation-end diagnostics (request code is known only once the whole call graph is):
        // their fixes are offered where the diagnostics were computed — the build, full-solution analysis.
        CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
        TestState.AdditionalReferences.AddRange(TestReferences.WithResident);
        TestState.Sources.Add(("/0/GlobalUsings.cs", TestReferences.GlobalUsings + Usings));
        TestState.Sources.Add(("/0/Test0.cs", source));
        if (fixedSource is not null)
        {
            FixedState.Sources.Add(("/0/GlobalUsings.cs", TestReferences.GlobalUsings + Usings));
            FixedState.Sources.Add(("/0/Test0.cs", fixedSource));
            FixedState.AdditionalReferences.AddRange(TestReferences.WithResident);
        }
    }

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions())
            .WithNullableContextOptions(NullableContextOptions.Enable);

    protected override ParseOptions CreateParseOptions() => TestReferences.ParseOptions;
}

/// <summary>Shorthands for the leak rule tests.</summary>
internal static class Leak
{
    /// <summary>Runs the analyzer; <paramref name="expected"/> are the diagnostics at markup locations.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new LeakTest<EmptyCodeFixProvider>(source);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>Runs the analyzer and <typeparamref name="TCodeFix"/>, comparing the result with <paramref name="fixedSource"/>.</summary>
    public static Task VerifyFixAsync<TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new LeakTest<TCodeFix>(source, fixedSource);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>The rule's diagnostic at markup location {|#n:…|}; the message is not checked (built without the descriptor).</summary>
    public static DiagnosticResult At(DiagnosticDescriptor rule, int markupKey = 0) =>
        new DiagnosticResult(rule.Id, rule.DefaultSeverity).WithLocation(markupKey).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);
}
