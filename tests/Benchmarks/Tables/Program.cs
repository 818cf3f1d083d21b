using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TableBench;

if (args is ["quick", ..])
{
    // A rough check without BenchmarkDotNet: each pair alternated, so both sides see the same machine load.
    // BENCH_KEYS=1000 draws the keys from the first 1000 only (cache-resident) instead of all 100,000.
    foreach (var threads in new[] { 1, 2 })
    {
        var bench = new TableBenchmarks { Threads = threads };
        bench.Setup();
        (string Name, Action Dictionary, Action Table)[] pairs =
        [
            ("Set", bench.Set_ConcurrentDictionary, bench.Set_SwooleTable),
            ("Get", bench.Get_ConcurrentDictionary, bench.Get_SwooleTable),
            ("Incr", bench.Incr_ConcurrentDictionary, bench.Incr_SwooleTable),
        ];
        foreach (var (name, dictionary, table) in pairs)
        {
            double best(Action run)
            {
                var stopwatch = Stopwatch.StartNew();
                run();
                return stopwatch.Elapsed.TotalNanoseconds / TableBenchmarks.Operations;
            }

            var d = double.MaxValue;
            var t = double.MaxValue;
            for (var round = 0; round < 7; round++)
            {
                d = Math.Min(d, best(dictionary));
                t = Math.Min(t, best(table));
            }

            Console.WriteLine($"{name,-5} threads={threads}: ConcurrentDictionary {d,7:0.0} ns/op, SwooleTable {t,7:0.0} ns/op, speed ratio {d / t:0.00}");
        }

        bench.Cleanup();
    }

    return;
}

// In-process (the tables live in this process's shared memory), a bounded number of iterations: one run compares every
// operation on 1 and 2 threads. Extra arguments go to BenchmarkDotNet (e.g. --filter '*Get*').
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(TableBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
