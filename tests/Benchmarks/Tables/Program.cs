using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TableBench;

if (args is ["quick", ..])
{
    // A rough check without BenchmarkDotNet: each pair alternated, so both sides see the same machine load.
    // BENCH_KEYS=1000 draws the keys from the first 1000 only (cache-resident) instead of all 100,000; BENCH_ONLY=Get runs
    // one operation (for perf).
    foreach (var threads in new[] { 1, 2 })
    {
        var bench = new TableBenchmarks { Threads = threads };
        bench.Setup();
        (string Name, Action Dictionary, Action Table)[] pairs =
        [
            ("Set", bench.Set_ConcurrentDictionary, bench.Set_SwooleTable),
            ("Get", bench.Get_ConcurrentDictionary, bench.Get_SwooleTable),
            ("Incr", bench.Incr_ConcurrentDictionary, bench.Incr_SwooleTable),
            ("Churn", bench.Churn_ConcurrentDictionary, bench.Churn_SwooleTable),
        ];
        var only = Environment.GetEnvironmentVariable("BENCH_ONLY");
        foreach (var (name, dictionary, table) in pairs.Where(pair => only is null or "" || pair.Name == only))
        {
            double best(Action run)
            {
                var stopwatch = Stopwatch.StartNew();
                run();
                return stopwatch.Elapsed.TotalNanoseconds / TableBenchmarks.Operations;
            }

            // Best of each side, and the median of the ratios of rounds run back to back (less sensitive to a burst of load).
            var rounds = int.TryParse(Environment.GetEnvironmentVariable("BENCH_ROUNDS"), out var r) ? r : 7;
            var d = double.MaxValue;
            var t = double.MaxValue;
            var ratios = new double[rounds];
            for (var round = 0; round < rounds; round++)
            {
                var dictionaryTime = best(dictionary);
                var tableTime = best(table);
                d = Math.Min(d, dictionaryTime);
                t = Math.Min(t, tableTime);
                ratios[round] = dictionaryTime / tableTime;
                if (Environment.GetEnvironmentVariable("BENCH_VERBOSE") is "1")
                {
                    Console.WriteLine($"  round {round}: {dictionaryTime:0.0} / {tableTime:0.0} ns");
                }
            }

            Array.Sort(ratios);
            Console.WriteLine($"{name,-5} threads={threads}: ConcurrentDictionary {d,7:0.0} ns/op, SwooleTable {t,7:0.0} ns/op, speed ratio {d / t:0.00} (best of each), {ratios[rounds / 2]:0.00} (median of {rounds} paired rounds)");
        }

        bench.Cleanup();
    }

    return;
}

// In-process (the tables live in this process's shared memory), a bounded number of iterations: one run compares every
// operation on 1 and 2 threads. Extra arguments go to BenchmarkDotNet (e.g. --filter '*Get*'; --filter '*MetricsBenchmarks*'
// runs the cost of counting a message on Resident's instruments instead).
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(TableBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*TableBenchmarks*"] : args, config);
