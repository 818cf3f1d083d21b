namespace ClusterBench;

/// <summary>The push figures (see Cluster.csproj); each prints its lines and a ratio against its same-run baseline.</summary>
internal static class PushScenario
{
    public static Task RunAsync(string redis)
    {
        Console.WriteLine("push: not measured yet ({0})", redis);
        return Task.CompletedTask;
    }
}
