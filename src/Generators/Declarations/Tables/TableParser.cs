using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Resident.Generators.Diagnostics;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.Tables;

/// <summary>
/// Turns a <c>[SwooleTable]</c> struct into a <see cref="TableSpec"/>, or the problems that keep it from being one (the
/// analyzer reports them, the manifest lists them): not a top-level, non-generic, non-readonly <c>partial struct</c>; a
/// column of an unsupported type; a string column without <c>[Column(Size = …)]</c>; an auto-property or readonly field;
/// a bad name or size.
/// </summary>
internal static class TableParser
{
    public const string Attribute = "SwooleTable";

    public static bool IsStruct(SyntaxNode node) =>
        node is StructDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: (int)SyntaxKind.StructKeyword };

    /// <summary>The table a struct declares: its spec, or the problems that keep it out. Null when the attribute does not bind.</summary>
    public static TableRead? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (type.TypeKind != TypeKind.Struct)
        {
            return null; // AttributeUsage allows structs only; the compiler reports anything else.
        }

        var problems = new List<DeclarationProblem>();
        void Shape(string problem) => problems.Add(Problems.Table(ProblemSite.Type, "", problem));

        if (type.IsGenericType)
        {
            Shape("is generic; a table row is one concrete struct");
        }

        if (type.ContainingType is not null)
        {
            Shape("is nested in another type; declare it at the top level of a namespace");
        }

        if (type.IsReadOnly)
        {
            Shape("is readonly; the generated codec writes its fields");
        }

        if (type.IsRefLikeType)
        {
            Shape("is a ref struct; rows are copied in and out of shared memory");
        }

        if (type.IsFileLocal || type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal))
        {
            Shape("must be public or internal, and not file-local");
        }

        if (!IsPartial(type, cancellationToken))
        {
            Shape("is not partial; declare it 'partial struct' so the generator can add its codec");
        }

        string? name = LowerFirst(type.Name);
        var named = attribute.ConstructorArguments.Length == 1;
        if (named)
        {
            if (attribute.ConstructorArguments[0].Value is not string declared)
            {
                problems.Add(Problems.Table(ProblemSite.ConstructorArgument, "0", "has a null name; leave the name out to use the struct's name"));
                name = null;
            }
            else
            {
                name = declared;
            }
        }

        if (name is not null && !IsValidName(name))
        {
            problems.Add(Problems.Table(named ? ProblemSite.ConstructorArgument : ProblemSite.Attribute, "0",
                $"is named '{name}'; a table name has 1 to {Problems.Invariant(ResidentLimits.Table.MaxNameLength)} letters, digits, '_', '-' and '.', and does not start with '.'"));
        }

        var size = ResidentLimits.Table.DefaultSize;
        if (DeclarationParser.TryNamed(attribute, "Size", out var sizeValue))
        {
            if (sizeValue.Value is not int declaredSize)
            {
                return null; // Does not bind; the compiler says so.
            }

            size = declaredSize;
            if (size is < ResidentLimits.Table.MinSize or > ResidentLimits.Table.MaxSize)
            {
                problems.Add(Problems.Table(ProblemSite.NamedArgument, "Size",
                    $"has Size = {Problems.Invariant(size)}; use {Problems.Invariant(ResidentLimits.Table.MinSize)} to {Problems.Invariant(ResidentLimits.Table.MaxSize)} rows"));
            }
        }

        var fields = new List<(IFieldSymbol Field, string Kind, int Size)>();
        foreach (var member in type.GetMembers())
        {
            if (member is not IFieldSymbol { IsStatic: false, IsConst: false } field)
            {
                continue;
            }

            if (ColumnProblem(field) is { } columnProblem)
            {
                problems.Add(Problems.TableColumn((field.AssociatedSymbol ?? field).Name, columnProblem));
                continue;
            }

            var column = Column(field)!.Value;
            fields.Add((field, column.Kind, column.Size));
        }

        var typeName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        if (problems.Count > 0)
        {
            return new TableRead(DeclarationParser.Name(type), typeName, name, null, problems.ToImmutableEquatableArray());
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

        var spec = new TableSpec(
            name!,
            size,
            typeName,
            type.Name,
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "",
            type.DeclaredAccessibility == Accessibility.Public,
            type.IsRecord,
            rowSize,
            columns);
        return new TableRead(DeclarationParser.Name(type), typeName, name, spec, ImmutableEquatableArray<DeclarationProblem>.Empty);
    }

    /// <summary>The tables to generate: every valid spec whose name no other table of the assembly shares, ordered by type.</summary>
    public static ImmutableEquatableArray<TableSpec> Valid(ImmutableArray<TableRead?> reads, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var present = reads.Select(read => read?.Spec).OfType<TableSpec>().ToList();
        var duplicates = new HashSet<string>(
            present.GroupBy(spec => spec.TableName, System.StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key),
            System.StringComparer.Ordinal);
        return present
            .Where(spec => !duplicates.Contains(spec.TableName))
            .OrderBy(spec => spec.TypeName, System.StringComparer.Ordinal)
            .ToImmutableEquatableArray();
    }

    /// <summary>
    /// What the manifest lists for the tables: <c>AddTable</c> for each generated one, the problems of each left out
    /// (its own, or sharing its name with another table of the assembly).
    /// </summary>
    public static ImmutableEquatableArray<DeclarationSpec> Declarations(ImmutableArray<TableRead?> reads, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var present = reads.OfType<TableRead>().OrderBy(read => read.TypeName, System.StringComparer.Ordinal).ToList();
        var byName = present.Where(read => read.Spec is not null)
            .GroupBy(read => read.Spec!.TableName, System.StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.ToList(), System.StringComparer.Ordinal);
        var declarations = new List<DeclarationSpec>();
        foreach (var read in present)
        {
            if (read.Spec is null)
            {
                declarations.Add(new RejectedDeclarationSpec(read.Name, Attribute, read.Problems));
            }
            else if (byName[read.Spec.TableName] is { Count: > 1 } clash)
            {
                var other = clash.First(candidate => candidate != read);
                declarations.Add(new RejectedDeclarationSpec(read.Name, Attribute, ImmutableEquatableArray.Create(new DeclarationProblem(
                    RuleMessages.DuplicateNameId, ProblemSite.Attribute, "", 1,
                    ImmutableEquatableArray.Create(Attribute, read.Spec.TableName, other.Name, "the generator leaves out both tables; give each its own name")))));
            }
            else
            {
                declarations.Add(new TableDeclarationSpec(read.Name, read.TypeName));
            }
        }

        return declarations.ToImmutableEquatableArray();
    }

    // As the analyzer reports them: long, int, double, and string with [Column(Size = 1..65535)]; plain writable fields only.
    private static string? ColumnProblem(IFieldSymbol field)
    {
        if (field.IsImplicitlyDeclared)
        {
            return "is an auto-property; declare each column as a field";
        }

        if (field.IsReadOnly)
        {
            return "is readonly; the generated codec writes every column";
        }

        if (field.IsFixedSizeBuffer)
        {
            return "is a fixed-size buffer; use a string column with [Column(Size = n)]";
        }

        if (field.IsRequired)
        {
            return "is required; the generated codec creates rows without setting members";
        }

        switch (field.Type.SpecialType)
        {
            case SpecialType.System_Int64:
            case SpecialType.System_Int32:
            case SpecialType.System_Double:
                return null;
            case SpecialType.System_String:
                var size = StringSize(field);
                if (size is null)
                {
                    return $"is a string without [Column(Size = n)]; give the most UTF-8 bytes it holds, {Problems.Invariant(ResidentLimits.Table.MinStringSize)} to {Problems.Invariant(ResidentLimits.Table.MaxStringSize)}";
                }

                return size is < ResidentLimits.Table.MinStringSize or > ResidentLimits.Table.MaxStringSize
                    ? $"is a string column of Size = {Problems.Invariant(size.Value)}; use {Problems.Invariant(ResidentLimits.Table.MinStringSize)} to {Problems.Invariant(ResidentLimits.Table.MaxStringSize)} UTF-8 bytes"
                    : null;
            default:
                return $"is of type {field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}, which a table cannot store; use long, int, double or string";
        }
    }

    private static int? StringSize(IFieldSymbol field)
    {
        foreach (var attribute in field.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != KnownNames.ColumnAttribute)
            {
                continue;
            }

            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Size" && argument.Value.Value is int size)
                {
                    return size;
                }
            }
        }

        return null;
    }

    private static (string Kind, int Size)? Column(IFieldSymbol field) => field.Type.SpecialType switch
    {
        SpecialType.System_Int64 => ("Int64", 8),
        SpecialType.System_Int32 => ("Int32", 4),
        SpecialType.System_Double => ("Float", 8),
        SpecialType.System_String when StringSize(field) is { } size => ("String", size),
        _ => null,
    };

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Length > 0
        && type.DeclaringSyntaxReferences.All(reference =>
            reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(modifier => modifier.IsKind(SyntaxKind.PartialKeyword)));

    /// <summary>Names become file names: letters, digits, '_', '-' and '.', at most 64 characters.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && name.Length <= ResidentLimits.Table.MaxNameLength && name[0] != '.'
        && name.All(c => c < 128 && (char.IsLetterOrDigit(c) || c is '_' or '-' or '.'));

    private static string LowerFirst(string name) =>
        name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
