namespace Resident.Tests;

/// <summary>Every column type. The layout matches tests/Apps/TableApp's, so both processes open one table.</summary>
[SwooleTable("counters", Size = 1024)]
public partial struct CounterRow
{
    public long Hits;
    public int Small;
    public double Score;
    [Column(Size = 16)]
    public string Label;
}

/// <summary>A table that fills up at once.</summary>
[SwooleTable("tiny", Size = 4)]
public partial struct TinyRow
{
    public long Value;
}

/// <summary>String boundaries: a one-byte column and one larger than the stack buffer.</summary>
[SwooleTable(Size = 16)]
public partial record struct WideRow
{
    public long Id;
    [Column(Size = 1)]
    public string One;
    [Column(Size = 600)]
    public string Big;
}
