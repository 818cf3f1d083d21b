using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TableBench;

// In-process (the tables live in this process's shared memory), a bounded number of iterations: one run compares every
// operation on 1 and 2 threads. Extra arguments go to BenchmarkDotNet (e.g. --filter '*Get*').
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(TableBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
