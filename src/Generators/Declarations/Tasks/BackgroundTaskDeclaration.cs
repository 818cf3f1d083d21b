using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Declarations.Payloads;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.Tasks;

/// <summary>A <c>[BackgroundTask]</c> class: its attribute, whether it overrides <c>FinishAsync</c>, and its payload.</summary>
internal sealed record BackgroundTaskSpec(string Name, string TypeName, AttributeSpec Attribute, bool HasFinish, PayloadSpec Payload) : DeclarationSpec(Name)
{
    public override string Kind => BackgroundTaskDeclaration.Attribute;

    public override PayloadCodecSpec? Codec => Payload.Codec;

    public override void Emit(ManifestWriter writer) =>
        writer.Add($"AddBackgroundTask<{TypeName}>", Name, Attribute.Expression, "hasFinish: " + ManifestWriter.Boolean(HasFinish), writer.Payload(Payload));
}

/// <summary>
/// Reads a <c>[BackgroundTask]</c> class: a class implementing <c>IBackgroundTask</c> (its JSON codec, not DI, builds
/// it), with tries and backoff in range. A payload the codec cannot handle stays listed with its problem, which fails the start.
/// </summary>
internal static class BackgroundTaskDeclaration
{
    public const string Attribute = "BackgroundTask";
    public const string Step = "BackgroundTasks";
    private static readonly string[] Interfaces = { KnownNames.BackgroundTask };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (AttributeSpec.From(attribute) is not { } written)
        {
            return null;
        }

        var problems = new List<DeclarationProblem>();
        problems.AddIf(DeclarationParser.DataShape(type, Interfaces, Attribute));
        RetryRules.Check(attribute, Attribute, problems);
        return DeclarationParser.Result(type, Attribute, problems, () => new BackgroundTaskSpec(
            DeclarationParser.Name(type), DeclarationParser.TypeName(type), written, HasFinish(type), PayloadParser.Parse(type, cancellationToken)));
    }

    // Whether the task declares FinishAsync itself (or a base class does), rather than inheriting the interface's default.
    private static bool HasFinish(INamedTypeSymbol type)
    {
        foreach (var candidate in type.AllInterfaces)
        {
            if (!DeclarationShape.IsInterface(candidate, KnownNames.BackgroundTask))
            {
                continue;
            }

            foreach (var member in candidate.GetMembers("FinishAsync"))
            {
                if (member is IMethodSymbol { Parameters.Length: 1 } finish
                    && finish.Parameters[0].Type.ToDisplayString() == KnownNames.TaskContext
                    && type.FindImplementationForInterfaceMember(finish) is IMethodSymbol implementation
                    && implementation.ContainingType.TypeKind != TypeKind.Interface)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
