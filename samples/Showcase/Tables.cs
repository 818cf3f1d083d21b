using Resident;

namespace Showcase;

/// <summary>
/// A counter in shared memory (a LaravelS <c>swoole_tables</c> entry): every worker and process of the server sees the
/// same rows, and <c>IncrValue</c> is atomic across all of them. Served by <c>GET /table/counter</c>.
/// </summary>
[SwooleTable("counter", Size = 1024)]
public partial struct CounterRow
{
    public long Value;
}

/// <summary>The chat's connection → user binding (LaravelS keeps it in a Swoole table): keyed by connection id.</summary>
[SwooleTable("chat", Size = 10_000)]
public partial struct ChatMemberRow
{
    /// <summary>The user's name: at most 32 UTF-16 characters, so at most 96 UTF-8 bytes.</summary>
    [Column(Size = 96)]
    public string Name;
}

public sealed record TableCounterReport(string Key, long Value, int Rows);
