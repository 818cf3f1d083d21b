using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Tables;

namespace Resident.Tests.Infrastructure;

/// <summary>The test assembly's tables opened without a host, under an instance name of their own.</summary>
public sealed class TestTables : IDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    private TestTables(string instanceName, string? directory)
    {
        InstanceName = instanceName;
        Logs = new CapturedLogs();
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(Logs));
        var options = Options.Create(new ResidentOptions { Tables = { InstanceName = instanceName, Directory = directory ?? "" } });
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

    /// <summary>Opens the tables; <paramref name="directory"/> (default /dev/shm) keeps a test's files away from every other start's sweep.</summary>
    public static TestTables Open(string? instanceName = null, string? directory = null) => new(instanceName ?? NewInstanceName(), directory);

    /// <summary>A fresh folder under /dev/shm that no other server sweeps; delete it when done.</summary>
    public static DirectoryInfo PrivateDirectory() => Directory.CreateDirectory($"/dev/shm/resident-test-{Guid.NewGuid():N}");

    public static string NewInstanceName() => "test-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        Tables.Dispose();
        _loggerFactory.Dispose();
    }
}
