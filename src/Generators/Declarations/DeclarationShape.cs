using System.Linq;
using Microsoft.CodeAnalysis;

namespace Resident.Generators.Declarations;

/// <summary>What keeps a class from being a Resident declaration the generated code can build.</summary>
internal enum ShapeProblem
{
    None,
    NotAClass,
    Abstract,
    Generic,
    NotAccessible,
    MissingInterface,
    NoAccessibleConstructor,
    AmbiguousConstructor,
    UnsupportedParameter,
    RequiredMembers,
    ObsoleteAsError,
}

/// <summary>
/// The rules a declared class must follow so the generated factory can construct it. Shared by the generator,
/// which silently skips a class that breaks them, and the analyzer, which reports why.
/// </summary>
internal static class DeclarationShape
{
    /// <summary>Checks <paramref name="type"/>; on success <paramref name="constructor"/> is the one the factory calls.</summary>
    /// <param name="requiredInterfaces">Metadata names; the class must implement at least one.</param>
    public static ShapeProblem Check(INamedTypeSymbol type, string[] requiredInterfaces, out IMethodSymbol? constructor)
    {
        constructor = null;
        var typeProblem = CheckType(type, requiredInterfaces);
        if (typeProblem != ShapeProblem.None)
        {
            return typeProblem;
        }

        return CheckConstructor(type, out constructor);
    }

    /// <summary>
    /// The rules on the class itself, without its constructors: enough for a data type (a background task or an
    /// event) that the generated JSON codec, not dependency injection, constructs.
    /// </summary>
    /// <param name="requiredInterfaces">Metadata names (<c>Ns.IName`1</c> for a generic one); the class must implement at least one. Empty: no interface needed.</param>
    public static ShapeProblem CheckType(INamedTypeSymbol type, string[] requiredInterfaces)
    {
        if (type.TypeKind != TypeKind.Class || type.IsStatic)
        {
            return ShapeProblem.NotAClass;
        }

        if (type.IsAbstract)
        {
            return ShapeProblem.Abstract;
        }

        if (type.IsGenericType)
        {
            return ShapeProblem.Generic;
        }

        if (!IsReachableFromGeneratedCode(type))
        {
            return ShapeProblem.NotAccessible;
        }

        if (IsObsoleteAsError(type))
        {
            return ShapeProblem.ObsoleteAsError;
        }

        if (requiredInterfaces.Length > 0 && !requiredInterfaces.Any(name => Implements(type, name)))
        {
            return ShapeProblem.MissingInterface;
        }

        return ShapeProblem.None;
    }

    private static ShapeProblem CheckConstructor(INamedTypeSymbol type, out IMethodSymbol? constructor)
    {
        constructor = null;

        // A constructor obsolete as an error cannot be called from generated code at all.
        var candidates = type.InstanceConstructors
            .Where(c => IsInternallyAccessible(c.DeclaredAccessibility) && !IsObsoleteAsError(c))
            .ToArray();
        if (candidates.Length == 0)
        {
            return ShapeProblem.NoAccessibleConstructor;
        }

        var marked = candidates.Where(c => c.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == KnownNames.ActivatorUtilitiesConstructor)).ToArray();
        if (marked.Length == 1)
        {
            constructor = marked[0];
        }
        else
        {
            // As ActivatorUtilities does: the constructor with the most parameters, which must be unique.
            var most = candidates.Max(c => c.Parameters.Length);
            var widest = candidates.Where(c => c.Parameters.Length == most).ToArray();
            if (widest.Length != 1)
            {
                return ShapeProblem.AmbiguousConstructor;
            }

            constructor = widest[0];
        }

        foreach (var parameter in constructor.Parameters)
        {
            if (parameter.RefKind != RefKind.None
                || parameter.Type.IsRefLikeType
                || parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.Dynamic or TypeKind.Error)
            {
                constructor = null;
                return ShapeProblem.UnsupportedParameter;
            }
        }

        // `new T(...)` must set every required member, which only a [SetsRequiredMembers] constructor promises.
        if (HasRequiredMembers(type) && !constructor.GetAttributes().Any(a =>
                a.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute"))
        {
            constructor = null;
            return ShapeProblem.RequiredMembers;
        }

        return ShapeProblem.None;
    }

    public static bool Implements(INamedTypeSymbol type, string interfaceMetadataName) =>
        type.AllInterfaces.Any(i => IsInterface(i, interfaceMetadataName));

    /// <summary>Whether <paramref name="candidate"/> is the interface of that metadata name, or a constructed form of it (<c>Ns.IName`1</c>).</summary>
    public static bool IsInterface(INamedTypeSymbol candidate, string interfaceMetadataName) =>
        candidate.IsGenericType
            ? candidate.ContainingType is null
              && candidate.ContainingNamespace is { } ns
              && ns.ToDisplayString() + "." + candidate.MetadataName == interfaceMetadataName
            : candidate.ToDisplayString() == interfaceMetadataName;

    private static bool HasRequiredMembers(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current.GetMembers().Any(member => member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsObsoleteAsError(ISymbol symbol) =>
        symbol.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute"
            && a.ConstructorArguments.Length == 2
            && a.ConstructorArguments[1].Value is true);

    /// <summary>Whether generated code in the same assembly can name <paramref name="type"/>.</summary>
    public static bool IsReachableFromGeneratedCode(INamedTypeSymbol type)
    {
        if (type.IsFileLocal)
        {
            return false;
        }

        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (!IsInternallyAccessible(current.DeclaredAccessibility))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsInternallyAccessible(Accessibility accessibility) =>
        accessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    /// <summary>Why the shape rule rejects a class, as the end of a sentence naming it.</summary>
    public static string Explain(ShapeProblem problem, string[] interfaces) => problem switch
    {
        ShapeProblem.NotAClass => "must be a non-static class",
        ShapeProblem.Abstract => "is abstract and cannot be constructed",
        ShapeProblem.Generic => "is generic, and the factory cannot choose its type arguments",
        ShapeProblem.NotAccessible => "must be public or internal, not file-local, and not nested in a private or protected type",
        ShapeProblem.MissingInterface => "does not implement " + string.Join(" or ", interfaces.Select(name => name.Replace("`1", "<TEvent>"))),
        ShapeProblem.NoAccessibleConstructor => "has no public or internal constructor",
        ShapeProblem.AmbiguousConstructor => "has several public or internal constructors with the most parameters; mark one [ActivatorUtilitiesConstructor]",
        ShapeProblem.UnsupportedParameter => "has a constructor parameter dependency injection cannot supply (ref, out, in, pointer or ref struct)",
        ShapeProblem.RequiredMembers => "has required members its constructor does not set; mark the constructor [SetsRequiredMembers]",
        ShapeProblem.ObsoleteAsError => "is obsolete as an error, so generated code cannot construct it",
        _ => "cannot be constructed",
    };
}
