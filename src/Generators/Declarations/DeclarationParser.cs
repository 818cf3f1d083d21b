using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations;

/// <summary>
/// What every declaration kind's parser shares: names, the factory of a class dependency injection builds, the shape
/// rule as a problem, and reading named arguments. Each kind's own rules are in its folder.
/// </summary>
internal static class DeclarationParser
{
    /// <summary>
    /// The factory the generated code calls for <paramref name="type"/>, or the shape problem (RES100) that keeps it
    /// from having one.
    /// </summary>
    /// <summary>
    /// The start of every class declaration's parse: the factory of <paramref name="type"/>, and a fresh problem list
    /// holding the shape problem when there is no factory.
    /// </summary>
    public static List<DeclarationProblem> FactoryAndProblems(INamedTypeSymbol type, string[] interfaces, string attribute, out FactorySpec? factory)
    {
        var problems = new List<DeclarationProblem>();
        factory = Factory(type, interfaces, attribute, out var shape);
        problems.AddIf(shape);
        return problems;
    }

    public static FactorySpec? Factory(INamedTypeSymbol type, string[] interfaces, string attribute, out DeclarationProblem? problem)
    {
        var shape = DeclarationShape.Check(type, interfaces, out var constructor);
        if (shape != ShapeProblem.None || constructor is null)
        {
            problem = Problems.Shape(attribute, DeclarationShape.Explain(shape == ShapeProblem.None ? ShapeProblem.NoAccessibleConstructor : shape, interfaces));
            return null;
        }

        problem = null;
        var arguments = constructor.Parameters.Select(parameter => new ArgumentSpec(
            Identifier(parameter.Name),
            TypeName(parameter.Type),
            Source(parameter)));
        return new FactorySpec(TypeName(type), arguments.ToImmutableEquatableArray());
    }

    /// <summary>The shape problem (RES100) of a data type the JSON codec builds (only the class itself is checked), or null.</summary>
    public static DeclarationProblem? DataShape(INamedTypeSymbol type, string[] interfaces, string attribute)
    {
        var shape = DeclarationShape.CheckType(type, interfaces);
        return shape == ShapeProblem.None ? null : Problems.Shape(attribute, DeclarationShape.Explain(shape, interfaces));
    }

    /// <summary>The spec when there are no problems, else the rejected declaration listing them.</summary>
    public static DeclarationSpec Result(ISymbol type, string attribute, List<DeclarationProblem> problems, System.Func<DeclarationSpec> spec) =>
        problems.Count == 0 ? spec() : new RejectedDeclarationSpec(Name(type), attribute, problems.ToImmutableEquatableArray());

    private static ArgumentSource Source(IParameterSymbol parameter)
    {
        if (parameter.Type.ToDisplayString() == "System.IServiceProvider")
        {
            return ArgumentSource.ServiceProvider;
        }

        if (!parameter.HasExplicitDefaultValue)
        {
            return ArgumentSource.RequiredService;
        }

        // A reference parameter defaulting to null is an optional service, as ActivatorUtilities treats it; any
        // other default (a number, a string, a nullable value type) is not a service: the default applies.
        return parameter.ExplicitDefaultValue is null && !parameter.Type.IsValueType
            ? ArgumentSource.OptionalService
            : ArgumentSource.DefaultValue;
    }

    /// <summary>
    /// The one constructor argument of a declaration named by it (<c>[CustomProcess("name")]</c>): false when it does
    /// not bind (the compiler reports that); <paramref name="name"/> is null for a null name.
    /// </summary>
    public static bool TryNameArgument(AttributeData attribute, out string? name)
    {
        name = null;
        if (attribute.ConstructorArguments.Length == 1
            && attribute.ConstructorArguments[0] is { Kind: TypedConstantKind.Primitive or TypedConstantKind.Error } argument
            && (argument.Value is string || argument.IsNull))
        {
            name = argument.Value as string;
            return true;
        }

        return false;
    }

    /// <summary>Whether the named argument is written, and its value.</summary>
    public static bool TryNamed(AttributeData attribute, string name, out TypedConstant value)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                value = argument.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>A named int (or enum) argument's value, or null when it is not written.</summary>
    public static int? Int(AttributeData attribute, string name) =>
        TryNamed(attribute, name, out var value) && value.Value is { } number && value.Kind is TypedConstantKind.Primitive or TypedConstantKind.Enum
            ? System.Convert.ToInt32(number, CultureInfo.InvariantCulture)
            : null;

    public static CompilationSpec ParseCompilation(Compilation compilation, CancellationToken cancellationToken)
    {
        var referencesRuntime = compilation.GetTypeByMetadataName(KnownNames.Manifest) is not null;
        var manifests = new List<string>();
        if (referencesRuntime)
        {
            // Referenced assemblies with Resident declarations: their manifests register when their module
            // initializer runs, which the JIT would otherwise delay until something touches the assembly.
            foreach (var reference in compilation.References)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly
                    && assembly.GetTypeByMetadataName(KnownNames.GeneratedNamespace + "." + KnownNames.ManifestMarker(assembly.Name)) is { DeclaredAccessibility: Accessibility.Public } marker)
                {
                    manifests.Add(marker.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                }
            }
        }

        manifests.Sort(System.StringComparer.Ordinal);
        return new(compilation.AssemblyName ?? "", referencesRuntime, manifests.ToImmutableEquatableArray());
    }

    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    public static string Name(ISymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    public static string TypeName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
}
