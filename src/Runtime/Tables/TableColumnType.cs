using System.ComponentModel;

namespace Resident;

/// <summary>The type of a table column as stored in shared memory.</summary>
public enum TableColumnType
{
    /// <summary>A 64-bit integer (<see cref="long"/>), 8 bytes.</summary>
    Int64 = 0,

    /// <summary>A 32-bit integer (<see cref="int"/>), 4 bytes.</summary>
    Int32 = 1,

    /// <summary>A 64-bit floating-point number (<see cref="double"/>), 8 bytes.</summary>
    Float = 2,

    /// <summary>A UTF-8 string of at most <see cref="TableColumn.Size"/> bytes, stored after a 4-byte length.</summary>
    String = 3,
}
