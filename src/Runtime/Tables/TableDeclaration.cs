using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    void Attach(SharedTable? table, string path);
}

internal sealed class TableHandle<TRow>(SwooleTable<TRow> table) : ITableHandle where TRow : struct, ITableRow<TRow>
{
    public ISwooleTable Table => table;

    public void Attach(SharedTable? shared, string path) => table.Attach(shared, path);
}
