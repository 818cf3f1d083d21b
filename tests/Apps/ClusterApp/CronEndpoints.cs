using System.Globalization;
using Resident;

namespace ClusterApp;

/// <summary>What the cron tests drive on a node.</summary>
public static class CronEndpoints
{
    /// <summary><c>GET /cron</c>: one line per job, "name scope runs ranElsewhere claimFailures".</summary>
    public static WebApplication MapCronEndpoints(this WebApplication app)
    {
        app.MapGet("/cron", (IResidentServer server) => string.Join('\n', server.CronJobs.Select(job => string.Join(' ',
            job.Name, job.Scope, job.Runs.ToString(CultureInfo.InvariantCulture), job.RanElsewhere.ToString(CultureInfo.InvariantCulture),
            job.ClaimFailures.ToString(CultureInfo.InvariantCulture)))));
        return app;
    }
}
