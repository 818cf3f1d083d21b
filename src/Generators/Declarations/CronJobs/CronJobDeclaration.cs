using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.CronJobs;

/// <summary>A <c>[CronJob]</c> class: <c>builder.AddCronJob(name, new CronJobAttribute(…) { … }, factory)</c>.</summary>
internal sealed record CronJobSpec(string Name, AttributeSpec Attribute, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => CronJobDeclaration.Attribute;

    public override void Emit(ManifestWriter writer) => writer.Add("AddCronJob", Name, Factory, Attribute.Expression);
}

/// <summary>
/// Reads a <c>[CronJob]</c> class: an <c>ICronJob</c> the factory can build, with an interval of at least 1 ms or a
/// cron expression the scheduler's grammar (<see cref="CronGrammar"/>, Cronos's) accepts, a non-blank name and a
/// defined <c>Scope</c> (its value travels in the attribute expression like every named argument).
/// </summary>
internal static class CronJobDeclaration
{
    public const string Attribute = "CronJob";
    public const string Step = "CronJobs";
    private static readonly string[] Interfaces = { KnownNames.CronJob };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (attribute.ConstructorArguments.Length != 1
            || attribute.ConstructorArguments[0] is not { Kind: not TypedConstantKind.Array } argument
            || AttributeSpec.From(attribute) is not { } written)
        {
            return null; // Does not bind; the compiler says so.
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        if (argument.Value is int interval)
        {
            if (interval < ResidentLimits.CronJob.MinIntervalMilliseconds)
            {
                problems.Add(Problems.Interval(interval));
            }
        }
        else if (argument.Value is string || argument.IsNull)
        {
            var expression = argument.Value as string;
            var problem = expression is null ? "there is no expression (null)." : CronGrammar.Check(expression);
            if (problem is not null)
            {
                problems.Add(Problems.CronExpression(expression ?? "null", problem));
            }
        }
        else
        {
            return null;
        }

        if (DeclarationParser.TryNamed(attribute, "Name", out var name) && string.IsNullOrWhiteSpace(name.Value as string))
        {
            problems.Add(Problems.Named(Attribute, "Name", $"Name = {Problems.Quote(name.Value as string)}",
                "a cron job needs a name; leave Name out to use the class name"));
        }

        if (DeclarationParser.Int(attribute, "Scope") is { } scope && (scope < 0 || scope >= KnownNames.CronScopes.Length))
        {
            problems.Add(Problems.Named(Attribute, "Scope", $"Scope = (CronScope){Problems.Invariant(scope)}",
                "use CronScope." + string.Join(" or CronScope.", KnownNames.CronScopes)));
        }

        return DeclarationParser.Result(type, Attribute, problems, () => new CronJobSpec(DeclarationParser.Name(type), written, factory!));
    }
}
