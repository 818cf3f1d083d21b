namespace ClusterApp;

/// <summary>What the task tests drive on a node.</summary>
public static class TaskEndpoints
{
    public static WebApplication MapTaskEndpoints(this WebApplication app) => app;
}
