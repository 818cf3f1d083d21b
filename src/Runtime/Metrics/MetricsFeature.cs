using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Resident.Metrics;

/// <summary>The metrics feature: the meter factory (kept if the host already has one) and <see cref="ResidentMetrics"/>.</summary>
internal static class MetricsFeature
{
    public static void AddResidentMetrics(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<ResidentMetrics>();
    }
}
