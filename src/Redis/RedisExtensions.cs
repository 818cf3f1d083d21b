using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Redis;

namespace Resident;

/// <summary>Makes several Resident nodes one server through Redis (see the README's "Beyond one machine").</summary>
public static class RedisExtensions
{
    /// <summary>
    /// Connects this node to the cluster's Redis (<c>Resident:Redis:Configuration</c>): WebSocket push, disconnect and
    /// broadcast reach connections on every node, presence and groups are cluster-wide, cron jobs marked
    /// once-per-cluster fire on one node per planned firing, and durable task types go through Redis Streams. Every
    /// node needs its own <c>Resident:NodeId</c>; a second node with the same id is refused at start.
    /// </summary>
    /// <typeparam name="TBuilder">The app's builder type, returned for chaining.</typeparam>
    /// <param name="builder">The app's builder (<c>AddResident()</c> may come before or after).</param>
    /// <param name="configure">Optional code defaults; configuration values override them.</param>
    public static TBuilder AddRedis<TBuilder>(this TBuilder builder, Action<ResidentRedisOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(service => service.ServiceType == typeof(RedisConnection)))
        {
            return builder;
        }

        var options = services.AddOptions<ResidentRedisOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<IConfigureOptions<ResidentRedisOptions>>(provider =>
        {
            var section = provider.GetRequiredService<IConfiguration>().GetSection(ResidentOptions.SectionName).GetSection(ResidentRedisOptions.SectionName);
            var application = provider.GetRequiredService<IHostEnvironment>().ApplicationName;
            return new ConfigureOptions<ResidentRedisOptions>(redis => RedisFeature.Bind(section, redis, application));
        });
        services.AddSingleton<IStartupCheck, RedisFeature.StartupCheck>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<NodeRegistry>();

        // Connects and claims the NodeId before the server starts listening (after the start-up checks, which run first).
        services.AddSingleton<RedisNodeService>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<RedisNodeService>());

        // Each cluster feature adds its services here.
        RedisFeature.AddClusterFeatures(services);
        return builder;
    }
}
