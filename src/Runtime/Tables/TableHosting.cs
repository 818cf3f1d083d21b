using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resident.Tables;

/// <summary>Registers the tables and opens them before anything else starts; releases them after everything stopped.</summary>
internal static class TableHosting
{
    public static void AddTables(IServiceCollection services, TableDeclaration[] declarations)
    {
        services.AddSingleton(provider => new SwooleTables(
            declarations,
            provider.GetRequiredService<IOptions<ResidentOptions>>(),
            provider.GetService<IHostEnvironment>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<Resident.Metrics.ResidentMetrics>()));
        foreach (var declaration in declarations)
        {
            declaration.Register(services);
        }

        // Before the lifecycle service: tables exist when ServerStart hooks run, and outlive the ServerStop hooks
        // (hosted services stop in reverse order).
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, TableLifecycleService>());
    }
}

internal sealed class TableLifecycleService(SwooleTables tables) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        tables.Open();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        tables.Close();
        return Task.CompletedTask;
    }
}
