namespace Resident.Generators.Model;

/// <summary>
/// One column of a <c>[SwooleTable]</c> row: the field's name, the same as an identifier (escaped if a keyword), its kind (a
/// <c>Resident.TableColumnType</c> name), byte offset and size.
/// </summary>
internal sealed record TableColumnSpec(string Name, string Identifier, string Kind, int Offset, int Size);

/// <summary>
/// A <c>[SwooleTable]</c> struct with a valid shape: the table name and size, where the struct is declared, and the
/// row layout computed at compile time (8-byte columns first, then 4-byte ones, then strings, so every number is
/// aligned for atomic operations).
/// </summary>
internal sealed record TableSpec(
    string TableName,
    int Size,
    string TypeName,
    string StructName,
    string Namespace,
    bool IsPublic,
    bool IsRecord,
    int RowSize,
    ImmutableEquatableArray<TableColumnSpec> Columns);

/// <summary>What the parser read from one <c>[SwooleTable]</c> struct: its spec, or the problems that keep it out.</summary>
/// <param name="Name">The struct as messages name it.</param>
/// <param name="TypeName">The struct, fully qualified.</param>
/// <param name="TableName">The table's name, when it has one.</param>
internal sealed record TableRead(string Name, string TypeName, string? TableName, TableSpec? Spec, ImmutableEquatableArray<Resident.Generators.Declarations.DeclarationProblem> Problems);

/// <summary>A generated table: <c>builder.AddTable&lt;TRow&gt;();</c>.</summary>
internal sealed record TableDeclarationSpec(string Name, string TypeName) : Resident.Generators.Declarations.DeclarationSpec(Name)
{
    public override string Kind => "SwooleTable";

    public override string SortKey => TypeName;

    public override void Emit(Resident.Generators.Emitting.ManifestWriter writer) => writer.Line($"AddTable<{TypeName}>()");
}
