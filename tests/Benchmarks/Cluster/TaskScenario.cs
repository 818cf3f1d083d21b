namespace ClusterBench;

/// <summary>The task figures (see Cluster.csproj); each prints its lines and a ratio against its same-run baseline.</summary>
internal static class TaskScenario
{
    public static Task RunAsync(string redis)
    {
        Console.WriteLine("task: not measured yet ({0})", redis);
        return Task.CompletedTask;
    }
}
