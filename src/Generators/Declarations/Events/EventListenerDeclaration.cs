using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Declarations.Tasks;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.Events;

/// <summary>An <c>[EventListener]</c> class, the event type of the one <c>IEventListener&lt;TEvent&gt;</c> it implements, and its factory.</summary>
internal sealed record EventListenerSpec(string Name, string EventTypeName, AttributeSpec Attribute, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => EventListenerDeclaration.Attribute;

    public override void Emit(ManifestWriter writer) =>
        writer.Add($"AddEventListener<{EventTypeName}>", Name, Factory, Attribute.Expression);
}

/// <summary>
/// Reads an <c>[EventListener]</c> class: built by the factory, implementing <c>IEventListener&lt;TEvent&gt;</c> for
/// exactly one event type generated code can name, with tries and backoff in range.
/// </summary>
internal static class EventListenerDeclaration
{
    public const string Attribute = "EventListener";
    public const string Step = "EventListeners";
    private static readonly string[] Interfaces = { KnownNames.EventListener };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (AttributeSpec.From(attribute) is not { } written)
        {
            return null;
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        INamedTypeSymbol? eventType = null;
        if (factory is not null)
        {
            var problem = ListenedEvent(type, out eventType);
            if (problem is not null)
            {
                problems.Add(Problems.Shape(Attribute, problem));
            }
        }

        RetryRules.Check(attribute, Attribute, problems);
        return DeclarationParser.Result(type, Attribute, problems,
            () => new EventListenerSpec(DeclarationParser.Name(type), DeclarationParser.TypeName(eventType!), written, factory!));
    }

    // The event type comes from the one IEventListener<TEvent> the class implements; with two, which events it listens
    // to is not one type.
    private static string? ListenedEvent(INamedTypeSymbol type, out INamedTypeSymbol? eventType)
    {
        eventType = null;
        var listened = type.AllInterfaces.Where(candidate => DeclarationShape.IsInterface(candidate, KnownNames.EventListener)).ToArray();
        if (listened.Length != 1)
        {
            return "implements IEventListener<TEvent> for several events; declare one listener class per event";
        }

        if (listened[0].TypeArguments.Length != 1
            || listened[0].TypeArguments[0] is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Interface } listenedType
            || !DeclarationShape.IsReachableFromGeneratedCode(listenedType))
        {
            return "listens to an event type generated code cannot name; use a public or internal class";
        }

        eventType = listenedType;
        return null;
    }
}
