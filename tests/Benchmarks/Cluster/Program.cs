using ClusterBench;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Cluster push|tasks|cron|all REDIS_CONFIGURATION");
    return 2;
}

var scenario = args[0];
var redis = args[1];
if (scenario is "push" or "all")
{
    await PushScenario.RunAsync(redis);
}

if (scenario is "tasks" or "all")
{
    await TaskScenario.RunAsync(redis);
}

if (scenario is "cron" or "all")
{
    await CronScenario.RunAsync(redis);
}

return 0;
