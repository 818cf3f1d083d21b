using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Resident.Generators.Model;

namespace Resident.Generators.Parsing;

/// <summary>
/// Turns a <c>[SwooleTable]</c> struct into a <see cref="TableSpec"/>. A struct of the wrong shape yields nothing (the
/// analyzer explains): not a top-level, non-generic, non-readonly <c>partial struct</c>; a column of an unsupported type; a
/// string column without <c>[Column(Size = …)]</c>; an auto-property or readonly field; a bad name or size.
/// </summary>
internal static class TableParser
{
    public const int DefaultSize = 1024;
    public const int MaxSize = 16 * 1024 * 1024;
    public const int MaxStringSize = 65535;
    public const int MaxNameLength = 64;

    public static bool IsStruct(SyntaxNode node) =>
        node is StructDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: (int)SyntaxKind.StructKeyword };

    public static TableSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type
            || type.TypeKind != TypeKind.Struct
            || type.IsGenericType
            || type.ContainingType is not null
            || type.IsReadOnly
            || type.IsRefLikeType
            || type.IsFileLocal
            || type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal)
            || !IsPartial(type, cancellationToken)
            || context.Attributes.Length != 1)
        {
            return null;
        }

        var attribute = context.Attributes[0];
        var name = LowerFirst(type.Name);
        if (attribute.ConstructorArguments.Length == 1)
        {
            if (attribute.ConstructorArguments[0].Value is not string declared)
            {
                return null;
            }

            name = declared;
        }

        var size = DefaultSize;
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Size")
            {
                if (argument.Value.Value is not int declaredSize)
                {
                    return null;
                }

                size = declaredSize;
            }
        }

        if (!IsValidName(name) || size < 1 || size > MaxSize)
        {
            return null;
        }

        var fields = new List<(IFieldSymbol Field, string Kind, int Size)>();
        foreach (var member in type.GetMembers())
        {
            if (member is not IFieldSymbol { IsStatic: false, IsConst: false } field)
            {
                continue;
            }

            // An auto-property's backing field, a readonly or fixed field: the codec could not round-trip it.
            if (field.IsImplicitlyDeclared || field.IsReadOnly || field.IsFixedSizeBuffer || field.IsRequired)
            {
                return null;
            }

            var column = Column(field);
            if (column is null)
            {
                return null;
            }

            fields.Add((field, column.Value.Kind, column.Value.Size));
        }

        // 8-byte numbers first, then 4-byte ones, then strings (a 4-byte length and the bytes, padded to 4).
        var offsets = new Dictionary<IFieldSymbol, int>(SymbolEqualityComparer.Default);
        var offset = 0;
        foreach (var (field, kind, _) in fields.Where(f => f.Kind is "Int64" or "Float"))
        {
            offsets[field] = offset;
            offset += 8;
        }

        foreach (var (field, _, _) in fields.Where(f => f.Kind == "Int32"))
        {
            offsets[field] = offset;
            offset += 4;
        }

        foreach (var (field, _, stringSize) in fields.Where(f => f.Kind == "String"))
        {
            offsets[field] = offset;
            offset += (4 + stringSize + 3) & ~3;
        }

        var columns = fields
            .Select(f => new TableColumnSpec(f.Field.Name, Identifier(f.Field.Name), f.Kind, offsets[f.Field], f.Size))
            .ToImmutableEquatableArray();
        var rowSize = (offset + 7) & ~7;

        return new TableSpec(
            name,
            size,
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            type.Name,
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "",
            type.DeclaredAccessibility == Accessibility.Public,
            type.IsRecord,
            rowSize,
            columns);
    }

    /// <summary>The tables to generate: every valid spec whose name no other table of the assembly shares, ordered by type.</summary>
    public static ImmutableEquatableArray<TableSpec> Valid(ImmutableArray<TableSpec?> specs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var present = specs.OfType<TableSpec>().ToList();
        var duplicates = new HashSet<string>(
            present.GroupBy(spec => spec.TableName, System.StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key),
            System.StringComparer.Ordinal);
        return present
            .Where(spec => !duplicates.Contains(spec.TableName))
            .OrderBy(spec => spec.TypeName, System.StringComparer.Ordinal)
            .ToImmutableEquatableArray();
    }

    private static (string Kind, int Size)? Column(IFieldSymbol field)
    {
        switch (field.Type.SpecialType)
        {
            case SpecialType.System_Int64:
                return ("Int64", 8);
            case SpecialType.System_Int32:
                return ("Int32", 4);
            case SpecialType.System_Double:
                return ("Float", 8);
            case SpecialType.System_String:
                foreach (var attribute in field.GetAttributes())
                {
                    if (attribute.AttributeClass?.ToDisplayString() != KnownNames.ColumnAttribute)
                    {
                        continue;
                    }

                    foreach (var argument in attribute.NamedArguments)
                    {
                        if (argument.Key == "Size" && argument.Value.Value is int size && size >= 1 && size <= MaxStringSize)
                        {
                            return ("String", size);
                        }
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Length > 0
        && type.DeclaringSyntaxReferences.All(reference =>
            reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(modifier => modifier.IsKind(SyntaxKind.PartialKeyword)));

    /// <summary>Names become file names: letters, digits, '_', '-' and '.', at most 64 characters.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && name.Length <= MaxNameLength && name[0] != '.'
        && name.All(c => c < 128 && (char.IsLetterOrDigit(c) || c is '_' or '-' or '.'));

    private static string LowerFirst(string name) =>
        name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
