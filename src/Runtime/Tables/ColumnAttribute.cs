namespace Resident;

/// <summary>Sets the size of a column of a <see cref="SwooleTableAttribute">[SwooleTable]</see> row.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class ColumnAttribute : Attribute
{
    /// <summary>For a <see cref="string"/> column, the most UTF-8 bytes a value may take (1 to 65,535); required for strings, ignored otherwise.</summary>
    public int Size { get; set; }
}
