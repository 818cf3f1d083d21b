namespace ClusterApp;

/// <summary>What the cron tests drive on a node.</summary>
public static class CronEndpoints
{
    public static WebApplication MapCronEndpoints(this WebApplication app) => app;
}
