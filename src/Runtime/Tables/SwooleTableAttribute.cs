namespace Resident;

/// <summary>
/// Declares a shared-memory table (LaravelS <c>swoole_tables</c>, Swoole <c>Table</c>) whose rows are this
/// <c>partial struct</c>. Its instance fields are the columns: <see cref="long"/> and <see cref="int"/> (Swoole
/// <c>TYPE_INT</c>), <see cref="double"/> (<c>TYPE_FLOAT</c>) and <see cref="string"/> with a
/// <see cref="ColumnAttribute.Size"/> in UTF-8 bytes (<c>TYPE_STRING</c>). The generator emits the fixed row layout
/// and its codec; the table is created in shared memory before the server serves, and is resolvable as
/// <see cref="SwooleTable{TRow}"/> from dependency injection or by name from <see cref="IResidentServer.Tables"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SwooleTableAttribute : Attribute
{
    /// <summary>Declares a table named after the struct, with its first letter in lower case (<c>WsRow</c> → <c>wsRow</c>).</summary>
    public SwooleTableAttribute()
    {
    }

    /// <summary>Declares a table with the name <paramref name="name"/> (e.g. <c>"ws"</c> — LaravelS's <c>wsTable</c>).</summary>
    public SwooleTableAttribute(string name) => Name = name;

    /// <summary>The table's name, unique in the app; null means the struct's name with a lower-case first letter.</summary>
    public string? Name { get; }

    /// <summary>The most rows the table holds, 1 to 16,777,216. Default 1024. Hash collisions never lower it.</summary>
    public int Size { get; set; } = ResidentLimits.Table.DefaultSize;
}
