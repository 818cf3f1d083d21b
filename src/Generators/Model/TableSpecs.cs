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
