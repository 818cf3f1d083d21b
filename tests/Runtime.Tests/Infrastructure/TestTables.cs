using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Tables;

namespace Resident.Tests.Infrastructure;

/// <summary>The test assembly's tables opened without a host, under an instance name of their own.</summary>
public sealed class TestTables : IDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    private TestTables(string instanceName)
    {
        InstanceName = instanceName;
        Logs = new CapturedLogs();
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(Logs));
        var options = Options.Create(new ResidentOptions { Tables = { InstanceName = instanceName } });
        Tables = new SwooleTables(
            [TableDeclaration.For<CounterRow>(), TableDeclaration.For<TinyRow>(), TableDeclaration.For<WideRow>()],
            options,
            null,
            _loggerFactory);
        Tables.Open();
    }

    public string InstanceName { get; }

    public SwooleTables Tables { get; }

    public CapturedLogs Logs { get; }

    public SwooleTable<CounterRow> Counters => Tables.Get<CounterRow>("counters");

    public SwooleTable<TinyRow> Tiny => Tables.Get<TinyRow>("tiny");

    public SwooleTable<WideRow> Wide => Tables.Get<WideRow>("wideRow");

    public static TestTables Open(string? instanceName = null) => new(instanceName ?? NewInstanceName());

    public static string NewInstanceName() => "test-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        Tables.Dispose();
        _loggerFactory.Dispose();
    }
}
