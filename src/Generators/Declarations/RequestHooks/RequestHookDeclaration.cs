using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.RequestHooks;

/// <summary>A <c>[RequestHook]</c> class and which of the two hook interfaces it implements (one <c>Add…</c> line each).</summary>
internal sealed record RequestHookSpec(string Name, AttributeSpec Attribute, bool OnRequestReceived, bool OnResponseGenerated, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => RequestHookDeclaration.Attribute;

    public override void Emit(ManifestWriter writer)
    {
        if (OnRequestReceived)
        {
            writer.Add("AddRequestReceivedHook", Name, Factory, Attribute.Expression);
        }

        if (OnResponseGenerated)
        {
            writer.Add("AddResponseGeneratedHook", Name, Factory, Attribute.Expression);
        }
    }
}

/// <summary>Reads a <c>[RequestHook]</c> class: it implements <c>IRequestReceivedHook</c>, <c>IResponseGeneratedHook</c> or both.</summary>
internal static class RequestHookDeclaration
{
    public const string Attribute = "RequestHook";
    public const string Step = "RequestHooks";
    private static readonly string[] Interfaces = { KnownNames.RequestReceivedHook, KnownNames.ResponseGeneratedHook };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (AttributeSpec.From(attribute) is not { } written)
        {
            return null;
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        return DeclarationParser.Result(type, Attribute, problems, () => new RequestHookSpec(
            DeclarationParser.Name(type),
            written,
            DeclarationShape.Implements(type, KnownNames.RequestReceivedHook),
            DeclarationShape.Implements(type, KnownNames.ResponseGeneratedHook),
            factory!));
    }
}
