using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Resident.Hosting;
using Resident.Tasks;

namespace Resident.Metrics;

/// <summary>
/// Resident's part of readiness: the server has started (Kestrel listens, the tables are open — the start fails
/// otherwise), its task workers accept deliveries, and it is neither stopping nor draining for a reload, so a load
/// balancer stops sending to a retiring generation.
/// </summary>
internal sealed class ResidentReadinessCheck(IHostApplicationLifetime lifetime, GenerationDrain drain, TaskQueue tasks) : IHealthCheck
{
    public const string Name = "resident";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            !lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Unhealthy("starting")
            : lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
            : drain.IsRetiring ? HealthCheckResult.Unhealthy("draining (reload or MaxRequest)")
            : !tasks.IsAccepting ? HealthCheckResult.Unhealthy("the task queue refuses deliveries")
            : HealthCheckResult.Healthy());
}
