using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.Processes;

/// <summary>A <c>[CustomProcess(name)]</c> class: <c>builder.AddCustomProcess(name, new CustomProcessAttribute(…) { … }, factory)</c>.</summary>
internal sealed record CustomProcessSpec(string Name, AttributeSpec Attribute, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => CustomProcessDeclaration.Attribute;

    public override void Emit(ManifestWriter writer) => writer.Add("AddCustomProcess", Name, Factory, Attribute.Expression);
}

/// <summary>Reads a <c>[CustomProcess]</c> class: an <c>ICustomProcess</c> the factory can build, with a name, <c>Num</c> and <c>RestartInterval</c> in range.</summary>
internal static class CustomProcessDeclaration
{
    public const string Attribute = "CustomProcess";
    public const string Step = "CustomProcesses";
    private static readonly string[] Interfaces = { KnownNames.CustomProcess };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!DeclarationParser.TryNameArgument(attribute, out var name) || AttributeSpec.From(attribute) is not { } written)
        {
            return null; // An argument that does not bind: the compiler reports that one.
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add(Problems.Value(Attribute, ProblemSite.ConstructorArgument, "0", $"the name {Problems.Quote(name)}",
                "a custom process needs a name, such as [CustomProcess(\"worker\")]"));
        }

        if (DeclarationParser.Int(attribute, "Num") is { } num && num is < ResidentLimits.CustomProcess.MinNum or > ResidentLimits.CustomProcess.MaxNum)
        {
            problems.Add(Problems.Named(Attribute, "Num", $"Num = {Problems.Invariant(num)}",
                $"the runtime starts {Problems.Invariant(ResidentLimits.CustomProcess.MinNum)} to {Problems.Invariant(ResidentLimits.CustomProcess.MaxNum)} instances of a custom process"));
        }

        if (DeclarationParser.Int(attribute, "RestartInterval") is { } seconds
            && seconds is < ResidentLimits.CustomProcess.MinRestartIntervalSeconds or > ResidentLimits.CustomProcess.MaxRestartIntervalSeconds)
        {
            problems.Add(Problems.Named(Attribute, "RestartInterval", $"RestartInterval = {Problems.Invariant(seconds)}",
                $"use {Problems.Invariant(ResidentLimits.CustomProcess.MinRestartIntervalSeconds)} to {Problems.Invariant(ResidentLimits.CustomProcess.MaxRestartIntervalSeconds)} seconds"));
        }

        return DeclarationParser.Result(type, Attribute, problems, () => new CustomProcessSpec(DeclarationParser.Name(type), written, factory!));
    }
}
