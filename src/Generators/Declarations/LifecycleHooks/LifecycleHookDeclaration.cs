using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.LifecycleHooks;

/// <summary>One <c>[LifecycleHook(event)]</c> attribute on a class; a class with several attributes has several specs.</summary>
internal sealed record LifecycleHookSpec(string Name, string EventName, AttributeSpec Attribute, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => LifecycleHookDeclaration.Attribute;

    public override string SortKey => Name + "\0" + EventName;

    public override void Emit(ManifestWriter writer) => writer.Add("AddLifecycleHook", Name, Factory, Attribute.Expression);
}

/// <summary>Reads a <c>[LifecycleHook]</c> attribute: an <c>ILifecycleHook</c> class the factory can build, for a defined event.</summary>
internal static class LifecycleHookDeclaration
{
    public const string Attribute = "LifecycleHook";
    public const string Step = "LifecycleHooks";
    private static readonly string[] Interfaces = { KnownNames.LifecycleHook };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (attribute.ConstructorArguments.Length != 1
            || attribute.ConstructorArguments[0].Value is not int value
            || AttributeSpec.From(attribute) is not { } written)
        {
            return null; // Does not bind; the compiler says so.
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        if (value < 0 || value >= KnownNames.LifecycleEvents.Length)
        {
            problems.Add(Problems.Value(Attribute, ProblemSite.ConstructorArgument, "0", $"the event {Problems.Invariant(value)}",
                "use a member of LifecycleEvent, such as LifecycleEvent.WorkerStart"));
        }

        return DeclarationParser.Result(type, Attribute, problems,
            () => new LifecycleHookSpec(DeclarationParser.Name(type), KnownNames.LifecycleEvents[value], written, factory!));
    }
}
