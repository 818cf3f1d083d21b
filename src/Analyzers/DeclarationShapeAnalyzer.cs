using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Generators;
using Resident.Generators.Parsing;

namespace Resident.Analyzers;

/// <summary>
/// RES100: a class marked <c>[Cleaner]</c>, <c>[RequestHook]</c>, <c>[LifecycleHook]</c>, <c>[WebSocketHandler]</c>, <c>[EventListener]</c>,
/// <c>[CronJob]</c>, <c>[CustomProcess]</c> or <c>[SocketHandler]</c> that the generator skips because its factory could not construct
/// it, and a <c>[BackgroundTask]</c> or <c>[AsyncEvent]</c> data type it skips because of the class itself (its JSON codec, not
/// dependency injection, constructs it; RES107 explains a payload the codec cannot handle). Uses the generator's own
/// shape rules, so the two never disagree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationShapeAnalyzer : DiagnosticAnalyzer
{
    private static readonly (string Attribute, string ShortName, string[] Interfaces, Kind Kind)[] Declarations =
    {
        (KnownNames.CleanerAttribute, "Cleaner", new[] { KnownNames.Cleaner }, Kind.Built),
        (KnownNames.RequestHookAttribute, "RequestHook", new[] { KnownNames.RequestReceivedHook, KnownNames.ResponseGeneratedHook }, Kind.Built),
        (KnownNames.LifecycleHookAttribute, "LifecycleHook", new[] { KnownNames.LifecycleHook }, Kind.Built),
        (KnownNames.WebSocketHandlerAttribute, "WebSocketHandler", new[] { KnownNames.WebSocketHandler }, Kind.Built),
        (KnownNames.EventListenerAttribute, "EventListener", new[] { KnownNames.EventListener }, Kind.Listener),
        (KnownNames.CronJobAttribute, "CronJob", new[] { KnownNames.CronJob }, Kind.Built),
        (KnownNames.CustomProcessAttribute, "CustomProcess", new[] { KnownNames.CustomProcess }, Kind.Built),
        (KnownNames.SocketHandlerAttribute, "SocketHandler", new[] { KnownNames.TcpHandler, KnownNames.UdpHandler }, Kind.Built),
        (KnownNames.BackgroundTaskAttribute, "BackgroundTask", new[] { KnownNames.BackgroundTask }, Kind.Data),
        (KnownNames.AsyncEventAttribute, "AsyncEvent", new string[0], Kind.Data),
    };

    /// <summary>How the generated code gets an instance of the declared class.</summary>
    private enum Kind
    {
        /// <summary>A factory calls its constructor with services.</summary>
        Built,

        /// <summary>Built like the others, and the one <c>IEventListener&lt;TEvent&gt;</c> it implements names its event.</summary>
        Listener,

        /// <summary>A data type the JSON codec constructs; only the class itself is checked here.</summary>
        Data,
    }

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rules.DeclarationShape);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var attributes = ImmutableArray.CreateBuilder<(INamedTypeSymbol Type, string ShortName, string[] Interfaces, Kind Kind)>();
            foreach (var (name, shortName, interfaces, kind) in Declarations)
            {
                if (start.Compilation.GetTypeByMetadataName(name) is { } type)
                {
                    attributes.Add((type, shortName, interfaces, kind));
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
        ImmutableArray<(INamedTypeSymbol Type, string ShortName, string[] Interfaces, Kind Kind)> known)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (var attribute in type.GetAttributes())
        {
            foreach (var (attributeType, shortName, interfaces, kind) in known)
            {
                if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
                {
                    continue;
                }

                var problem = kind == Kind.Data ? DeclarationShape.CheckType(type, interfaces) : DeclarationShape.Check(type, interfaces, out _);
                var explanation = problem != ShapeProblem.None ? Explain(problem, interfaces)
                    : kind == Kind.Listener ? ListenedEventProblem(type)
                    : null;
                if (explanation is null)
                {
                    continue;
                }

                var location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
                               ?? type.Locations[0];
                context.ReportDiagnostic(Diagnostic.Create(
                    Rules.DeclarationShape, location, shortName, type.Name, explanation));
            }
        }
    }

    // As DeclarationParser.ParseEventListener: the class implements IEventListener<TEvent> once, for a class or
    // interface generated code can name.
    private static string? ListenedEventProblem(INamedTypeSymbol type)
    {
        var listened = type.AllInterfaces.Where(candidate => DeclarationShape.IsInterface(candidate, KnownNames.EventListener)).ToArray();
        if (listened.Length != 1)
        {
            return "implements IEventListener<TEvent> for several events; declare one listener class per event";
        }

        if (listened[0].TypeArguments.Length != 1
            || listened[0].TypeArguments[0] is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Interface } eventType
            || !DeclarationShape.IsReachableFromGeneratedCode(eventType))
        {
            return "listens to an event type generated code cannot name; use a public or internal class";
        }

        return null;
    }

    private static string Explain(ShapeProblem problem, string[] interfaces) => problem switch
    {
        ShapeProblem.NotAClass => "must be a non-static class",
        ShapeProblem.Abstract => "is abstract and cannot be constructed",
        ShapeProblem.Generic => "is generic, and the factory cannot choose its type arguments",
        ShapeProblem.NotAccessible => "must be public or internal, not file-local, and not nested in a private or protected type",
        ShapeProblem.MissingInterface => "does not implement " + string.Join(" or ", interfaces.Select(name => name.Replace("`1", "<TEvent>"))),
        ShapeProblem.NoAccessibleConstructor => "has no public or internal constructor",
        ShapeProblem.AmbiguousConstructor => "has several public or internal constructors with the most parameters; mark one [ActivatorUtilitiesConstructor]",
        ShapeProblem.UnsupportedParameter => "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)",
        ShapeProblem.RequiredMembers => "has required members its constructor does not set; mark the constructor [SetsRequiredMembers]",
        ShapeProblem.ObsoleteAsError => "is obsolete as an error, so generated code cannot construct it",
        _ => "cannot be constructed",
    };
}
