using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Declarations.Payloads;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.Events;

/// <summary>An <c>[AsyncEvent]</c> class and its payload.</summary>
internal sealed record AsyncEventSpec(string Name, string TypeName, AttributeSpec Attribute, PayloadSpec Payload) : DeclarationSpec(Name)
{
    public override string Kind => AsyncEventDeclaration.Attribute;

    public override PayloadCodecSpec? Codec => Payload.Codec;

    public override void Emit(ManifestWriter writer) =>
        writer.Add($"AddAsyncEvent<{TypeName}>", Name, Attribute.Expression, writer.Payload(Payload));
}

/// <summary>Reads an <c>[AsyncEvent]</c> class: a class its JSON codec can build; a payload problem stays listed and fails the start.</summary>
internal static class AsyncEventDeclaration
{
    public const string Attribute = "AsyncEvent";
    public const string Step = "AsyncEvents";
    private static readonly string[] Interfaces = { };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (AttributeSpec.From(attribute) is not { } written)
        {
            return null;
        }

        var problems = new List<DeclarationProblem>();
        problems.AddIf(DeclarationParser.DataShape(type, Interfaces, Attribute));
        return DeclarationParser.Result(type, Attribute, problems, () => new AsyncEventSpec(
            DeclarationParser.Name(type), DeclarationParser.TypeName(type), written, PayloadParser.Parse(type, cancellationToken)));
    }
}
