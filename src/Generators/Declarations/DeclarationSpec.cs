using System.Globalization;
using System.Linq;
using Resident.Generators.Diagnostics;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations;

// The specs are what the pipeline caches: plain records of strings, numbers and equatable arrays.
// No ISymbol, SyntaxNode, SemanticModel or Location may appear here (a test walks them to make sure).

/// <summary>
/// One declaration the manifest lists: what every kind's parser yields into the one collected sequence the manifest is
/// written from. Each kind (a folder under <c>Declarations/</c>) derives its spec and writes its own <c>builder.Add…</c> call.
/// </summary>
/// <param name="Name">The declaring type as messages name it (<c>App.Outer.Job</c>).</param>
internal abstract record DeclarationSpec(string Name)
{
    /// <summary>The attribute's short name (<c>CronJob</c>); groups the manifest's lines.</summary>
    public abstract string Kind { get; }

    /// <summary>Orders declarations of one kind in the manifest.</summary>
    public virtual string SortKey => Name;

    /// <summary>The JSON codec the manifest must emit for this declaration, if any.</summary>
    public virtual PayloadCodecSpec? Codec => null;

    /// <summary>Writes the declaration's <c>builder.Add…</c> call.</summary>
    public abstract void Emit(ManifestWriter writer);
}

/// <summary>
/// A declaration its parser rejected: the generated manifest lists its problems (<c>builder.AddProblem</c>) instead, so
/// the app refuses to start rather than run without it; the analyzer reports the same problems where they are written.
/// </summary>
internal sealed record RejectedDeclarationSpec(string Name, string Attribute, ImmutableEquatableArray<DeclarationProblem> Problems) : DeclarationSpec(Name)
{
    public override string Kind => "~" + Attribute; // After every declaration that was kept.

    public override void Emit(ManifestWriter writer)
    {
        foreach (var problem in Problems)
        {
            writer.AddProblem(Name, problem.Sentence(Name));
        }
    }
}

/// <summary>Where in the source a problem is written, for the analyzer to turn into a location.</summary>
internal enum ProblemSite
{
    /// <summary>The whole attribute.</summary>
    Attribute,

    /// <summary>The declaring type's identifier.</summary>
    Type,

    /// <summary>A positional argument; <see cref="DeclarationProblem.Target"/> is its index.</summary>
    ConstructorArgument,

    /// <summary>A named argument; <see cref="DeclarationProblem.Target"/> is its name, or several separated by '|' (the first written wins), else the attribute.</summary>
    NamedArgument,

    /// <summary>A member of the type; <see cref="DeclarationProblem.Target"/> is its name, else the type.</summary>
    Member,
}

/// <summary>
/// A rule a declaration breaks, as an equatable value: the rule's id, where it is written, and its message arguments
/// without the declaring type's name, which the reader inserts at <paramref name="TypeNameAt"/> (the analyzer the
/// short name, the manifest the full one).
/// </summary>
internal sealed record DeclarationProblem(string RuleId, ProblemSite Site, string Target, int TypeNameAt, ImmutableEquatableArray<string> Arguments)
{
    /// <summary>The rule's message arguments with <paramref name="typeName"/> in its place.</summary>
    public object[] MessageArguments(string typeName)
    {
        var arguments = Arguments.Select(argument => (object)argument).ToList();
        arguments.Insert(System.Math.Min(System.Math.Max(TypeNameAt, 0), arguments.Count), typeName);
        return arguments.ToArray();
    }

    /// <summary>The problem as the start reports it: <c>RES102: [CronJob] 'App.Tick' has the interval 0 ms; …</c>.</summary>
    public string Sentence(string typeName)
    {
        var message = string.Format(CultureInfo.InvariantCulture, RuleMessages.For(RuleId), MessageArguments(typeName));
        return RuleId + ": " + message + (message.EndsWith(".", System.StringComparison.Ordinal) ? "" : ".");
    }
}

/// <summary>The problems the parsers report, each built the one way its rule words it.</summary>
internal static class Problems
{
    public static DeclarationProblem Shape(string attribute, string explanation) =>
        new(RuleMessages.DeclarationShapeId, ProblemSite.Attribute, "", 1, Arguments(attribute, explanation));

    public static DeclarationProblem CronExpression(string expression, string problem) =>
        new(RuleMessages.InvalidCronExpressionId, ProblemSite.ConstructorArgument, "0", 0, Arguments(expression, problem));

    public static DeclarationProblem Interval(int interval) =>
        new(RuleMessages.NonPositiveIntervalId, ProblemSite.ConstructorArgument, "0", 0, Arguments(Invariant(interval)));

    public static DeclarationProblem WebSocketPath(string path, string problem) =>
        new(RuleMessages.InvalidWebSocketPathId, ProblemSite.ConstructorArgument, "0", 1, Arguments(path, problem));

    public static DeclarationProblem TableColumn(string column, string problem) =>
        new(RuleMessages.InvalidTableColumnId, ProblemSite.Member, column, 1, Arguments(column, problem));

    public static DeclarationProblem Table(ProblemSite site, string target, string problem) =>
        new(RuleMessages.InvalidTableDeclarationId, site, target, 0, Arguments(problem));

    /// <summary>RES108: <c>[{attribute}] on '{type}' sets {setting}; {hint}</c>, at <paramref name="site"/>.</summary>
    public static DeclarationProblem Value(string attribute, ProblemSite site, string target, string setting, string hint) =>
        new(RuleMessages.InvalidAttributeValueId, site, target, 1, Arguments(attribute, setting, hint));

    /// <summary>RES108 at a named argument.</summary>
    public static DeclarationProblem Named(string attribute, string argument, string setting, string hint) =>
        Value(attribute, ProblemSite.NamedArgument, argument, setting, hint);

    /// <summary>RESG001: reading the declaration threw.</summary>
    public static DeclarationProblem Failed(string reason) =>
        new(GeneratorDiagnostics.GeneratorFailedId, ProblemSite.Attribute, "", 0, Arguments(reason));

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Quote(string? value) => value is null ? "null" : "\"" + value + "\"";

    private static ImmutableEquatableArray<string> Arguments(params string[] arguments) => arguments.ToImmutableEquatableArray();
}

internal static class ProblemListExtensions
{
    /// <summary>Adds <paramref name="problem"/> when there is one.</summary>
    public static void AddIf(this System.Collections.Generic.List<DeclarationProblem> problems, DeclarationProblem? problem)
    {
        if (problem is not null)
        {
            problems.Add(problem);
        }
    }
}
