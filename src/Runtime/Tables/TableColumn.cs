using System.ComponentModel;

namespace Resident;

/// <summary>One column of a table row: its name, type, byte offset inside the row and size in bytes (for strings, the most UTF-8 bytes).</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Type">How the value is stored.</param>
/// <param name="Offset">The byte offset of the value in the row (for a string, of its 4-byte length, followed by its bytes).</param>
/// <param name="Size">8 or 4 for numbers; the most UTF-8 bytes for a string.</param>
public sealed record TableColumn(string Name, TableColumnType Type, int Offset, int Size);
