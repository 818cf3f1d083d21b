using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.Cleaners;

/// <summary>A <c>[Cleaner]</c> class: <c>builder.AddCleaner(name, new CleanerAttribute { … }, factory)</c>.</summary>
internal sealed record CleanerSpec(string Name, AttributeSpec Attribute, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => CleanerDeclaration.Attribute;

    public override void Emit(ManifestWriter writer) => writer.Add("AddCleaner", Name, Factory, Attribute.Expression);
}

/// <summary>Reads a <c>[Cleaner]</c> class: it must be a class the generated factory can build, implementing <c>ICleaner</c>.</summary>
internal static class CleanerDeclaration
{
    public const string Attribute = "Cleaner";
    public const string Step = "Cleaners";
    private static readonly string[] Interfaces = { KnownNames.Cleaner };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (AttributeSpec.From(attribute) is not { } written)
        {
            return null;
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        return DeclarationParser.Result(type, Attribute, problems, () => new CleanerSpec(DeclarationParser.Name(type), written, factory!));
    }
}
