using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;
using Resident.Generators.Declarations;

namespace Resident.Generators.Declarations.Payloads;

/// <summary>
/// Decides how the generated JSON codec writes and reads a <c>[BackgroundTask]</c> or <c>[AsyncEvent]</c> type: its
/// public properties with public getters, read back through a setter, an <c>init</c> accessor or a constructor
/// parameter of the same name. A type it cannot handle gets a problem sentence instead, which fails the start.
/// </summary>
internal static class PayloadParser
{
    private const string Supported = "use string, numbers, bool, Guid, dates, TimeSpan, enums, byte[] or arrays/lists of them";

    private static readonly HashSet<string> ListInterfaces = new(StringComparer.Ordinal)
    {
        "System.Collections.Generic.List`1",
        "System.Collections.Generic.IList`1",
        "System.Collections.Generic.IReadOnlyList`1",
        "System.Collections.Generic.IEnumerable`1",
        "System.Collections.Generic.ICollection`1",
        "System.Collections.Generic.IReadOnlyCollection`1",
    };

    public static PayloadSpec Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        // Code too broken for the rules above still declares the type, so the start names it rather than a delivery
        // failing later with "not a [BackgroundTask]".
        try
        {
            return ParseMembers(type, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new PayloadSpec(null, $"The payload of {DeclarationParser.Name(type)} cannot be serialized: the generator could not read it ({exception.GetType().Name}).");
        }
    }

    private static PayloadSpec ParseMembers(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var display = DeclarationParser.Name(type);
        string Problem(string reason) => $"The payload of {display} cannot be serialized: {reason}.";

        // Public instance properties with a public getter; of several with one name (an override, a `new` one), the
        // most derived. Written base class first, each class's in declaration order.
        var chain = new List<INamedTypeSymbol>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            chain.Add(current);
        }

        var chosen = new HashSet<IPropertySymbol>(SymbolEqualityComparer.Default);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declaring in chain)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var member in declaring.GetMembers())
            {
                if (member is IPropertySymbol property && seen.Add(property.Name)
                    && !property.IsStatic && !property.IsIndexer && property.RefKind == RefKind.None
                    && property.DeclaredAccessibility == Accessibility.Public
                    && property.GetMethod is { DeclaredAccessibility: Accessibility.Public }
                    && !DeclarationShape.IsObsoleteAsError(property)
                    && !IsIgnored(property))
                {
                    chosen.Add(property);
                }
            }
        }

        var properties = Enumerable.Reverse(chain)
            .SelectMany(declaring => declaring.GetMembers().OfType<IPropertySymbol>())
            .Where(chosen.Contains)
            .ToList();

        if (!ChooseConstructor(type, properties, out var constructor, out var parameterProperties))
        {
            return new PayloadSpec(null, Problem("it has no public parameterless constructor, and no public constructor whose parameters all match properties by name and type"));
        }

        var members = new List<PayloadMemberSpec>();
        var jsonNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var constructorArguments = new int[parameterProperties.Length];
        foreach (var property in properties)
        {
            var parameterIndex = Array.IndexOf(parameterProperties, property);
            PayloadAssignment assignment;
            if (parameterIndex >= 0)
            {
                assignment = PayloadAssignment.Constructor;
            }
            else if (property.IsRequired && !SetsRequiredMembers(constructor))
            {
                assignment = PayloadAssignment.Required;
            }
            else if (Setter(property) is { DeclaredAccessibility: Accessibility.Public } setter && !DeclarationShape.IsObsoleteAsError(setter))
            {
                assignment = setter.IsInitOnly ? PayloadAssignment.Init : PayloadAssignment.Setter;
            }
            else
            {
                continue; // Computed, or settable only from inside: nothing to read it back with, so it is not written either.
            }

            if (!TryValue(property.Type, out var collection, out var value))
            {
                return new PayloadSpec(null, Problem(
                    $"member '{property.Name}' is of type {property.Type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}, which generated JSON does not support ({Supported})")) { ProblemMember = property.Name };
            }

            var jsonName = JsonName(property.Name);
            if (jsonNames.TryGetValue(jsonName, out var other))
            {
                return new PayloadSpec(null, Problem($"members '{other}' and '{property.Name}' would both be written as \"{jsonName}\"")) { ProblemMember = property.Name };
            }

            jsonNames.Add(jsonName, property.Name);
            if (parameterIndex >= 0)
            {
                constructorArguments[parameterIndex] = members.Count;
            }

            var defaultValue = parameterIndex >= 0 && constructor!.Parameters[parameterIndex] is { HasExplicitDefaultValue: true } parameter
                ? DefaultValue(parameter.Type, parameter.ExplicitDefaultValue)
                : null;
            members.Add(new PayloadMemberSpec(
                DeclarationParser.Identifier(property.Name),
                jsonName,
                DeclarationParser.TypeName(property.Type),
                collection,
                value,
                assignment,
                defaultValue));
        }

        // A required member the codec cannot set (a field, or a property it skipped) would make `new T { … }` fail to compile.
        if (!SetsRequiredMembers(constructor))
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member is IFieldSymbol { IsRequired: true } or IPropertySymbol { IsRequired: true }
                        && !members.Any(spec => spec.Assignment == PayloadAssignment.Required && spec.Name == DeclarationParser.Identifier(member.Name)))
                    {
                        return new PayloadSpec(null, Problem($"its required member '{member.Name}' cannot be set by the generated code (only public properties the payload carries can be)")) { ProblemMember = member.Name };
                    }
                }
            }
        }

        return new PayloadSpec(
            new PayloadCodecSpec(DeclarationParser.TypeName(type), display, members.ToImmutableEquatableArray(), constructorArguments.ToImmutableEquatableArray()),
            null);
    }

    // A public parameterless constructor; else the public one with the most parameters, all matching properties.
    private static bool ChooseConstructor(INamedTypeSymbol type, List<IPropertySymbol> properties, out IMethodSymbol? constructor, out IPropertySymbol[] parameterProperties)
    {
        var candidates = type.InstanceConstructors
            .Where(candidate => candidate.DeclaredAccessibility == Accessibility.Public && !DeclarationShape.IsObsoleteAsError(candidate))
            .OrderByDescending(candidate => candidate.Parameters.Length == 0)
            .ThenByDescending(candidate => candidate.Parameters.Length);
        foreach (var candidate in candidates)
        {
            var matched = new IPropertySymbol[candidate.Parameters.Length];
            var usable = true;
            for (var index = 0; index < matched.Length && usable; index++)
            {
                var parameter = candidate.Parameters[index];
                var property = properties.FirstOrDefault(p => p.Name == parameter.Name)
                               ?? properties.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                usable = property is not null
                         && parameter.RefKind is RefKind.None or RefKind.In
                         && !parameter.IsParams
                         && SymbolEqualityComparer.Default.Equals(property.Type, parameter.Type)
                         && Array.IndexOf(matched, property) < 0;
                if (usable)
                {
                    matched[index] = property!;
                }
            }

            if (usable)
            {
                constructor = candidate;
                parameterProperties = matched;
                return true;
            }
        }

        constructor = null;
        parameterProperties = Array.Empty<IPropertySymbol>();
        return false;
    }

    private static bool TryValue(ITypeSymbol type, out PayloadCollection collection, out PayloadValueSpec value)
    {
        collection = PayloadCollection.None;
        if (TryScalar(type, out value))
        {
            return true;
        }

        ITypeSymbol? element = null;
        if (type is IArrayTypeSymbol { Rank: 1, IsSZArray: true } array)
        {
            collection = PayloadCollection.Array;
            element = array.ElementType;
        }
        else if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                 && named.ContainingType is null
                 && ListInterfaces.Contains(named.ContainingNamespace.ToDisplayString() + "." + named.MetadataName))
        {
            collection = PayloadCollection.List;
            element = named.TypeArguments[0];
        }

        return element is not null && TryScalar(element, out value);
    }

    private static bool TryScalar(ITypeSymbol type, out PayloadValueSpec value)
    {
        var typeName = DeclarationParser.TypeName(type);
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            var inner = nullable.TypeArguments[0];
            if (inner.IsValueType && TryKind(inner, out var innerKind, out var innerUnderlying))
            {
                value = new PayloadValueSpec(innerKind, typeName, true, innerUnderlying);
                return true;
            }
        }
        else if (TryKind(type, out var kind, out var underlying))
        {
            value = new PayloadValueSpec(kind, typeName, false, underlying);
            return true;
        }

        value = null!;
        return false;
    }

    private static bool TryKind(ITypeSymbol type, out PayloadValueKind kind, out PayloadValueKind enumUnderlying)
    {
        enumUnderlying = PayloadValueKind.Int32;
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } enumType)
        {
            kind = PayloadValueKind.Enum;
            return DeclarationShape.IsReachableFromGeneratedCode(enumType) && TryKind(underlying, out enumUnderlying, out _);
        }

        if (type is IArrayTypeSymbol { Rank: 1, IsSZArray: true, ElementType.SpecialType: SpecialType.System_Byte })
        {
            kind = PayloadValueKind.Bytes;
            return true;
        }

        kind = type.SpecialType switch
        {
            SpecialType.System_String => PayloadValueKind.String,
            SpecialType.System_Boolean => PayloadValueKind.Boolean,
            SpecialType.System_Byte => PayloadValueKind.Byte,
            SpecialType.System_SByte => PayloadValueKind.SByte,
            SpecialType.System_Int16 => PayloadValueKind.Int16,
            SpecialType.System_UInt16 => PayloadValueKind.UInt16,
            SpecialType.System_Int32 => PayloadValueKind.Int32,
            SpecialType.System_UInt32 => PayloadValueKind.UInt32,
            SpecialType.System_Int64 => PayloadValueKind.Int64,
            SpecialType.System_UInt64 => PayloadValueKind.UInt64,
            SpecialType.System_Single => PayloadValueKind.Single,
            SpecialType.System_Double => PayloadValueKind.Double,
            SpecialType.System_Decimal => PayloadValueKind.Decimal,
            SpecialType.System_Char => PayloadValueKind.Char,
            SpecialType.System_DateTime => PayloadValueKind.DateTime,
            _ => (PayloadValueKind)(-1),
        };
        if (kind >= 0)
        {
            return true;
        }

        kind = type.ToDisplayString() switch
        {
            "System.Guid" => PayloadValueKind.Guid,
            "System.DateTimeOffset" => PayloadValueKind.DateTimeOffset,
            "System.TimeSpan" => PayloadValueKind.TimeSpan,
            _ => (PayloadValueKind)(-1),
        };
        return kind >= 0 && type.ContainingAssembly?.Name is "System.Runtime" or "System.Private.CoreLib" or "mscorlib" or "netstandard";
    }

    private static IMethodSymbol? Setter(IPropertySymbol property)
    {
        // An override that declares only a getter inherits the overridden property's setter.
        for (IPropertySymbol? current = property; current is not null; current = current.OverriddenProperty)
        {
            if (current.SetMethod is { } setter)
            {
                return setter;
            }
        }

        return null;
    }

    private static bool SetsRequiredMembers(IMethodSymbol? constructor) =>
        constructor is not null && constructor.GetAttributes().Any(attribute =>
            attribute.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute");

    // [JsonIgnore] and [JsonIgnore(Condition = Always)] leave a member out; the other conditions keep it (always written).
    private static bool IsIgnored(IPropertySymbol property)
    {
        foreach (var attribute in property.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == KnownNames.JsonIgnoreAttribute)
            {
                return !attribute.NamedArguments.Any(argument => argument.Key == "Condition" && argument.Value.Value is int condition && condition != 1);
            }
        }

        return false;
    }

    private static string JsonName(string name) =>
        name.Length == 0 || !char.IsUpper(name[0]) ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    // A constructor parameter's default as a C# expression of its type.
    private static string DefaultValue(ITypeSymbol type, object? value)
    {
        var typeName = DeclarationParser.TypeName(type);
        var invariant = CultureInfo.InvariantCulture;
        var literal = value switch
        {
            null => null,
            string text => CSharpLiteral.String(text),
            bool flag => flag ? "true" : "false",
            char c => "(char)" + ((int)c).ToString(invariant),
            float single => float.IsNaN(single) ? "float.NaN" : float.IsPositiveInfinity(single) ? "float.PositiveInfinity" : float.IsNegativeInfinity(single) ? "float.NegativeInfinity" : single.ToString("R", invariant) + "F",
            double number => double.IsNaN(number) ? "double.NaN" : double.IsPositiveInfinity(number) ? "double.PositiveInfinity" : double.IsNegativeInfinity(number) ? "double.NegativeInfinity" : number.ToString("R", invariant) + "D",
            decimal money => money.ToString(invariant) + "M",
            long big => big.ToString(invariant) + "L",
            ulong huge => huge.ToString(invariant) + "UL",
            IFormattable other => other.ToString(null, invariant),
            _ => null,
        };
        return literal is null ? $"default({typeName})" : $"({typeName})({literal})";
    }
}
