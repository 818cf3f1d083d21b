using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Generators.Declarations;
using Resident.Generators.Diagnostics;

namespace Resident.Analyzers;

/// <summary>
/// RES100: a class marked <c>[Cleaner]</c>, <c>[RequestHook]</c>, <c>[LifecycleHook]</c>, <c>[WebSocketHandler]</c>, <c>[EventListener]</c>,
/// <c>[CronJob]</c>, <c>[CustomProcess]</c> or <c>[SocketHandler]</c> that the generator rejects because its factory could not construct
/// it, and a <c>[BackgroundTask]</c> or <c>[AsyncEvent]</c> data type it rejects because of the class itself (its JSON codec, not
/// dependency injection, constructs it; RES107 explains a payload the codec cannot handle). Reports the shape problems
/// of each kind's own parser (<see cref="DeclarationKinds"/>), so the two never disagree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationShapeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rules.DeclarationShape);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var attributes = ImmutableArray.CreateBuilder<(INamedTypeSymbol Type, DeclarationKind Kind)>();
            foreach (var kind in DeclarationKinds.All)
            {
                if (start.Compilation.GetTypeByMetadataName(kind.Attribute) is { } type)
                {
                    attributes.Add((type, kind));
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

    private static void AnalyzeType(SymbolAnalysisContext context, ImmutableArray<(INamedTypeSymbol Type, DeclarationKind Kind)> known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (var attribute in type.GetAttributes())
        {
            foreach (var (attributeType, kind) in known)
            {
                if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType)
                    || kind.Read(type, attribute, context.CancellationToken) is not RejectedDeclarationSpec rejected)
                {
                    continue;
                }

                foreach (var problem in rejected.Problems)
                {
                    if (problem.RuleId != RuleMessages.DeclarationShapeId)
                    {
                        continue; // The attribute's values: AttributeMisuseAnalyzer reports those.
                    }

                    var location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
                                   ?? type.Locations[0];
                    context.ReportDiagnostic(Diagnostic.Create(Rules.DeclarationShape, location, problem.MessageArguments(type.Name)));
                }
            }
        }
    }
}
