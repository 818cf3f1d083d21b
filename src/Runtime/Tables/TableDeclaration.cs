using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resident.Metrics;

namespace Resident.Tables;

/// <summary>One <c>[SwooleTable]</c> of a manifest: its name, row type and how to make and register its typed table.</summary>
internal sealed record TableDeclaration(string Name, string RowType, Func<ILogger, ITableHandle> Create, Action<IServiceCollection> Register)
{
    public static TableDeclaration For<TRow>() where TRow : struct, ITableRow<TRow> => new(
        TRow.Schema.Name,
        typeof(TRow).FullName ?? typeof(TRow).Name,
        logger => new TableHandle<TRow>(new SwooleTable<TRow>(logger)),
        services => services.AddSingleton(provider => provider.GetRequiredService<SwooleTables>().Get<TRow>(TRow.Schema.Name)));
}

/// <summary>A typed table as the registry handles it.</summary>
internal interface ITableHandle
{
    ISwooleTable Table { get; }

    /// <summary>Rows, capacity and memory size now; null while the table is not open.</summary>
    TableFigures? Figures { get; }

    void Attach(SharedTable? table, string path);

    /// <summary>Counts the table's refused writes on <paramref name="metrics"/>.</summary>
    void Measure(ResidentMetrics metrics);
}

/// <summary>What a table's observable instruments report.</summary>
internal readonly record struct TableFigures(long Rows, long Capacity, long MemorySize);

internal sealed class TableHandle<TRow>(SwooleTable<TRow> table) : ITableHandle where TRow : struct, ITableRow<TRow>
{
    public ISwooleTable Table => table;

    public TableFigures? Figures => table.Figures;

    public void Attach(SharedTable? shared, string path) => table.Attach(shared, path);

    public void Measure(ResidentMetrics metrics) => table.Measure(metrics);
}
