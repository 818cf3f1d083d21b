namespace ClusterBench;

/// <summary>The cron figures (see Cluster.csproj); each prints its lines and a ratio against its same-run baseline.</summary>
internal static class CronScenario
{
    public static Task RunAsync(string redis)
    {
        Console.WriteLine("cron: not measured yet ({0})", redis);
        return Task.CompletedTask;
    }
}
