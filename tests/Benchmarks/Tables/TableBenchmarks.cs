using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Resident;

namespace TableBench;

/// <summary>The row both stores hold: numbers only, so neither side allocates to read it.</summary>
[SwooleTable("bench", Size = TableBenchmarks.Keys)]
public partial record struct BenchRow
{
    public long Hits;
    public long Bytes;
    public double Score;
}

/// <summary>
/// 1,000,000 operations per invocation (reported per operation), each on a key drawn at random from 100,000 that are
/// all present, split evenly over <see cref="Threads"/> threads. The baseline of each pair is ConcurrentDictionary.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory, BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class TableBenchmarks
{
    public const int Keys = 100_000;
    public const int Operations = 1_000_000;

    private readonly ConcurrentDictionary<string, BenchRow> _dictionary = new();
    private string[] _keys = [];
    private int[] _order = [];
    private WebApplication? _app;
    private SwooleTable<BenchRow> _table = null!;
    private Thread? _helper;
    private Barrier? _start;
    private Barrier? _done;
    private Action<int, int>? _helperWork;
    private volatile bool _stopping;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateBuilder(["--Resident:ListenPort=0", "--Resident:Tables:InstanceName=table-benchmarks"]);
        builder.Logging.ClearProviders();
        builder.AddResident();
        _app = builder.Build();
        _app.StartAsync().GetAwaiter().GetResult();
        _table = _app.Services.GetRequiredService<SwooleTable<BenchRow>>();

        _keys = [.. Enumerable.Range(0, Keys).Select(i => $"user:{i}")];
        var random = new Random(42);
        var drawn = int.TryParse(Environment.GetEnvironmentVariable("BENCH_KEYS"), out var k) ? k : Keys;
        _order = [.. Enumerable.Range(0, Operations).Select(_ => random.Next(drawn))];
        foreach (var key in _keys)
        {
            var row = new BenchRow { Hits = 1, Bytes = 2, Score = 3 };
            _table.Set(key, row);
            _dictionary[key] = row;
        }

        if (Threads == 2)
        {
            // One long-lived helper thread and barriers: no allocation per invocation.
            _start = new Barrier(2);
            _done = new Barrier(2);
            _helper = new Thread(() =>
            {
                while (true)
                {
                    _start.SignalAndWait();
                    if (_stopping)
                    {
                        return;
                    }

                    _helperWork!(Operations / 2, Operations);
                    _done.SignalAndWait();
                }
            }) { IsBackground = true };
            _helper.Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_helper is not null)
        {
            _stopping = true;
            _start!.SignalAndWait();
            _helper.Join();
        }

        _app?.StopAsync().GetAwaiter().GetResult();
        (_app as IDisposable)?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory("Set")]
    public void Set_ConcurrentDictionary() => Run(SetDictionary);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("Set")]
    public void Set_SwooleTable() => Run(SetTable);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory("Get")]
    public void Get_ConcurrentDictionary() => Run(GetDictionary);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("Get")]
    public void Get_SwooleTable() => Run(GetTable);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory("Incr")]
    public void Incr_ConcurrentDictionary() => Run(IncrDictionary);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("Incr")]
    public void Incr_SwooleTable() => Run(IncrTable);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations), BenchmarkCategory("Churn")]
    public void Churn_ConcurrentDictionary() => Run(ChurnDictionary);

    [Benchmark(OperationsPerInvoke = Operations), BenchmarkCategory("Churn")]
    public void Churn_SwooleTable() => Run(ChurnTable);

    private void Run(Action<int, int> work)
    {
        if (Threads == 1)
        {
            work(0, Operations);
            return;
        }

        _helperWork = work;
        _start!.SignalAndWait();
        work(0, Operations / 2);
        _done!.SignalAndWait();
    }

    private void SetDictionary(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            _dictionary[_keys[_order[i]]] = new BenchRow { Hits = i, Bytes = i, Score = i };
        }
    }

    private void SetTable(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            _table.Set(_keys[_order[i]], new BenchRow { Hits = i, Bytes = i, Score = i });
        }
    }

    private long _sink;

    private void GetDictionary(int from, int to)
    {
        long sum = 0;
        for (var i = from; i < to; i++)
        {
            if (_dictionary.TryGetValue(_keys[_order[i]], out var row))
            {
                sum += row.Hits;
            }
        }

        Volatile.Write(ref _sink, sum);
    }

    private void GetTable(int from, int to)
    {
        long sum = 0;
        for (var i = from; i < to; i++)
        {
            if (_table.TryGet(_keys[_order[i]], out var row))
            {
                sum += row.Hits;
            }
        }

        Volatile.Write(ref _sink, sum);
    }

    private void IncrDictionary(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            _dictionary.AddOrUpdate(_keys[_order[i]], static _ => new BenchRow { Hits = 1 }, static (_, row) => row with { Hits = row.Hits + 1 });
        }
    }

    // A key removed and added again: the insert and delete paths (slot allocation, the row count), population unchanged.
    private void ChurnDictionary(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var key = _keys[_order[i]];
            _dictionary.TryRemove(key, out _);
            _dictionary.TryAdd(key, new BenchRow { Hits = i });
        }
    }

    private void ChurnTable(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var key = _keys[_order[i]];
            _table.Delete(key);
            _table.Set(key, new BenchRow { Hits = i });
        }
    }

    private void IncrTable(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            _table.IncrHits(_keys[_order[i]]);
        }
    }
}
