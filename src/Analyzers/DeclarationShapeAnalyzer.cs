using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Generators;
using Resident.Generators.Parsing;

namespace Resident.Analyzers;

/// <summary>
/// RES100: a class marked <c>[Cleaner]</c>, <c>[RequestHook]</c>, <c>[LifecycleHook]</c> or <c>[WebSocketHandler]</c> that the generator skips
/// because its factory could not construct it. Uses the generator's own shape rules, so the two never disagree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationShapeAnalyzer : DiagnosticAnalyzer
{
    private static readonly (string Attribute, string ShortName, string[] Interfaces)[] Declarations =
    {
        (KnownNames.CleanerAttribute, "Cleaner", new[] { KnownNames.Cleaner }),
        (KnownNames.RequestHookAttribute, "RequestHook", new[] { KnownNames.RequestReceivedHook, KnownNames.ResponseGeneratedHook }),
        (KnownNames.LifecycleHookAttribute, "LifecycleHook", new[] { KnownNames.LifecycleHook }),
        (KnownNames.WebSocketHandlerAttribute, "WebSocketHandler", new[] { KnownNames.WebSocketHandler }),
    };

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rules.DeclarationShape);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var attributes = ImmutableArray.CreateBuilder<(INamedTypeSymbol Type, string ShortName, string[] Interfaces)>();
            foreach (var (name, shortName, interfaces) in Declarations)
            {
                if (start.Compilation.GetTypeByMetadataName(name) is { } type)
                {
                    attributes.Add((type, shortName, interfaces));
                }
            }

            if (attributes.Count == 0)
            {
                return; // Not a Resident app.
            }

            var known = attributes.ToImmutable();
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, known), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(
        SymbolAnalysisContext context,
        ImmutableArray<(INamedTypeSymbol Type, string ShortName, string[] Interfaces)> known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (var attribute in type.GetAttributes())
        {
            foreach (var (attributeType, shortName, interfaces) in known)
            {
                if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
                {
                    continue;
                }

                var problem = DeclarationShape.Check(type, interfaces, out _);
                if (problem == ShapeProblem.None)
                {
                    continue;
                }

                var location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
                               ?? type.Locations[0];
                context.ReportDiagnostic(Diagnostic.Create(
                    Rules.DeclarationShape, location, shortName, type.Name, Explain(problem, interfaces)));
            }
        }
    }

    private static string Explain(ShapeProblem problem, string[] interfaces) => problem switch
    {
        ShapeProblem.NotAClass => "must be a non-static class",
        ShapeProblem.Abstract => "is abstract and cannot be constructed",
        ShapeProblem.Generic => "is generic, and the factory cannot choose its type arguments",
        ShapeProblem.NotAccessible => "must be public or internal, not file-local, and not nested in a private or protected type",
        ShapeProblem.MissingInterface => "does not implement " + string.Join(" or ", interfaces),
        ShapeProblem.NoAccessibleConstructor => "has no public or internal constructor",
        ShapeProblem.AmbiguousConstructor => "has several public or internal constructors with the most parameters; mark one [ActivatorUtilitiesConstructor]",
        ShapeProblem.UnsupportedParameter => "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)",
        ShapeProblem.RequiredMembers => "has required members its constructor does not set; mark the constructor [SetsRequiredMembers]",
        ShapeProblem.ObsoleteAsError => "is obsolete as an error, so generated code cannot construct it",
        _ => "cannot be constructed",
    };
}
