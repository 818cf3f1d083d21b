using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations;

/// <summary>
/// An attribute as written on a declaration, as the C# expression that constructs it again at run time
/// (<c>new global::Resident.CronJobAttribute(1000) { Immediate = true }</c>), so the attribute's own defaults fill in
/// whatever the app left out and no default is repeated here.
/// </summary>
/// <param name="TypeName">The attribute class, fully qualified.</param>
/// <param name="Arguments">The constructor arguments as C# expressions, in order.</param>
/// <param name="Named">The named arguments in the order written.</param>
internal sealed record AttributeSpec(string TypeName, ImmutableEquatableArray<string> Arguments, ImmutableEquatableArray<NamedArgumentSpec> Named)
{
    /// <summary>The <c>new …(…) { … }</c> expression.</summary>
    public string Expression =>
        $"new {TypeName}({string.Join(", ", Arguments)})"
        + (Named.Count == 0 ? "" : " { " + string.Join(", ", Named.Select(argument => $"{argument.Name} = {argument.Expression}")) + " }");

    /// <summary>The spec of <paramref name="attribute"/>, or null when an argument has no value to write (code that does not compile).</summary>
    public static AttributeSpec? From(AttributeData attribute)
    {
        if (attribute.AttributeClass is not { TypeKind: not TypeKind.Error } attributeClass)
        {
            return null;
        }

        var arguments = new List<string>();
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (Constant(argument) is not { } expression)
            {
                return null;
            }

            arguments.Add(expression);
        }

        var named = new List<NamedArgumentSpec>();
        foreach (var argument in attribute.NamedArguments)
        {
            if (Constant(argument.Value) is not { } expression)
            {
                return null;
            }

            named.Add(new NamedArgumentSpec(argument.Key, expression));
        }

        return new AttributeSpec(DeclarationParser.TypeName(attributeClass), arguments.ToImmutableEquatableArray(), named.ToImmutableEquatableArray());
    }

    /// <summary>A constant as C#: literals escaped, numbers in the invariant culture, enum members by name where one has the value.</summary>
    public static string? Constant(TypedConstant constant)
    {
        switch (constant.Kind)
        {
            case TypedConstantKind.Array:
                if (constant.IsNull)
                {
                    return "null!"; // As written; the runtime reports what it cannot use.
                }

                var elementType = (constant.Type as IArrayTypeSymbol)?.ElementType;
                if (elementType is null)
                {
                    return null;
                }

                var elements = new List<string>();
                foreach (var element in constant.Values)
                {
                    if (Constant(element) is not { } expression)
                    {
                        return null;
                    }

                    elements.Add(expression);
                }

                var elementName = DeclarationParser.TypeName(elementType);
                return elements.Count == 0
                    ? $"global::System.Array.Empty<{elementName}>()"
                    : $"new {elementName}[] {{ {string.Join(", ", elements)} }}";
            case TypedConstantKind.Enum when constant.Type is INamedTypeSymbol enumType && constant.Value is { } number:
                var member = enumType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(field => field.HasConstantValue && Equals(field.ConstantValue, number));
                var typeName = DeclarationParser.TypeName(enumType);
                return member is not null
                    ? $"{typeName}.{DeclarationParser.Identifier(member.Name)}"
                    : $"({typeName})({System.Convert.ToString(number, CultureInfo.InvariantCulture)})";
            case TypedConstantKind.Type when constant.Value is ITypeSymbol type:
                return $"typeof({DeclarationParser.TypeName(type)})";
            case TypedConstantKind.Primitive:
                return constant.Value switch
                {
                    null => "null!",
                    string text => CSharpLiteral.String(text),
                    bool flag => flag ? "true" : "false",
                    int number => number.ToString(CultureInfo.InvariantCulture),
                    char character => "'" + (character == '\'' ? "\\'" : CSharpLiteral.String(character.ToString()).Trim('"')) + "'",
                    double number => $"(double)({number.ToString("R", CultureInfo.InvariantCulture)})",
                    float number => $"(float)({number.ToString("R", CultureInfo.InvariantCulture)})",
                    { } other when constant.Type is { } otherType =>
                        $"({DeclarationParser.TypeName(otherType)})({System.Convert.ToString(other, CultureInfo.InvariantCulture)})",
                    _ => null,
                };
            default:
                return null; // An argument the compiler could not bind: it reports that one.
        }
    }
}

/// <summary>One named argument of an attribute: the property and its value as a C# expression.</summary>
internal sealed record NamedArgumentSpec(string Name, string Expression);
