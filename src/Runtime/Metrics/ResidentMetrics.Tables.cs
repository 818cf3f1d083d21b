using System.Diagnostics.Metrics;
using Resident.Tables;

namespace Resident.Metrics;

// The shared-memory tables ([SwooleTable]), tagged by the table's name. Rows, capacity and size exist anyway: they are
// observed when a collector asks, so a table operation costs nothing more. They are gauges, not sums: every process
// attached to a table (workers, custom processes) reports the same shared rows.
internal sealed partial class ResidentMetrics
{
    /// <summary>Observable gauge of the rows a table holds now; tag <c>table</c>.</summary>
    public const string TableRowsName = "resident.table.rows";

    /// <summary>Observable gauge of the most rows a table holds (its <c>Size</c>); tag <c>table</c>.</summary>
    public const string TableCapacityName = "resident.table.capacity";

    /// <summary>Observable gauge of the shared memory a table takes, in bytes; tag <c>table</c>.</summary>
    public const string TableMemorySizeName = "resident.table.memory.size";

    /// <summary>Counter of the writes refused because the table was full (set, set of a column, increment of a new key); tag <c>table</c>.</summary>
    public const string TableSetsRefusedName = "resident.table.sets.refused";

    private readonly Lock _tablesGate = new();

    // Copied on write: tables are added once at start, read at every collection.
    private ObservedTable[] _observedTables = [];
    private Counter<long> _tableSetsRefused = null!;

    partial void CreateTableInstruments()
    {
        Meter.CreateObservableGauge(TableRowsName, () => ObserveTables(static table => table.Rows), "{row}", "Rows in a shared-memory table now.");
        Meter.CreateObservableGauge(TableCapacityName, () => ObserveTables(static table => table.Capacity), "{row}", "The most rows a shared-memory table holds.");
        Meter.CreateObservableGauge(TableMemorySizeName, () => ObserveTables(static table => table.MemorySize), "By", "Bytes of shared memory a table takes.");
        _tableSetsRefused = Meter.CreateCounter<long>(TableSetsRefusedName, "{row}", "Writes of a new row a shared-memory table refused because it was full.");
    }

    /// <summary>The <c>table</c> tag of a table's measurements: its name, made once per table.</summary>
    public static KeyValuePair<string, object?> TableTag(string name) => new("table", name);

    /// <summary>Reports <paramref name="table"/>'s rows, capacity and memory size while it is open; called once per table.</summary>
    public void ObserveTable(ITableHandle table)
    {
        lock (_tablesGate)
        {
            _observedTables = [.. _observedTables, new ObservedTable(table, [TableTag(table.Table.Name)])];
        }
    }

    /// <summary>A write of a new row was refused: the table is full.</summary>
    public void TableSetRefused(in KeyValuePair<string, object?> table) => _tableSetsRefused.Add(1, table);

    private List<Measurement<long>> ObserveTables(Func<TableFigures, long> figure)
    {
        var tables = Volatile.Read(ref _observedTables);
        var measurements = new List<Measurement<long>>(tables.Length);
        foreach (var observed in tables)
        {
            // A table not open (before the start, after the stop) has no rows and no memory to report.
            if (observed.Table.Figures is { } figures)
            {
                measurements.Add(new Measurement<long>(figure(figures), observed.Tags));
            }
        }

        return measurements;
    }

    private sealed record ObservedTable(ITableHandle Table, KeyValuePair<string, object?>[] Tags);
}
