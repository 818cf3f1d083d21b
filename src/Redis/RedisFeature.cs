using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using StackExchange.Redis;
using static Resident.Hosting.OptionsReader;

namespace Resident.Redis;

/// <summary>The <c>Resident:Redis</c> keys: how they are read and checked, and the cluster features' registrations.</summary>
internal static class RedisFeature
{
    private const string Prefix = ResidentRedisOptions.SectionName + ":";

    public static void Bind(IConfigurationSection section, ResidentRedisOptions options, string applicationName)
    {
        var errors = options.BindingErrors;
        ReadString(section, nameof(options.Configuration), value => options.Configuration = value);
        ReadString(section, nameof(options.KeyPrefix), value => options.KeyPrefix = value);
        ReadDuration(section, nameof(options.NodeTimeout), DurationUnit.Seconds, errors, value => options.NodeTimeout = value, Prefix);
        ReadDuration(section, nameof(options.ConnectTimeout), DurationUnit.Seconds, errors, value => options.ConnectTimeout = value, Prefix);
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            options.KeyPrefix = applicationName;
        }
    }

    public static void Validate(ResidentRedisOptions options, List<string> errors)
    {
        errors.AddRange(options.BindingErrors);
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            errors.Add($"{Key(Prefix + nameof(options.Configuration))} is required by AddRedis(): a StackExchange.Redis configuration string such as localhost:6379.");
        }
        else
        {
            try
            {
                if (ConfigurationOptions.Parse(options.Configuration).EndPoints.Count == 0)
                {
                    errors.Add(Message(Prefix + nameof(options.Configuration), "must name at least one endpoint (host:port)", options.Configuration));
                }
            }
            catch (ArgumentException exception)
            {
                errors.Add(Message(Prefix + nameof(options.Configuration), $"is not a StackExchange.Redis configuration string ({exception.Message})", options.Configuration));
            }
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            errors.Add(Message(Prefix + nameof(options.KeyPrefix), "must be a non-empty name without spaces", options.KeyPrefix));
        }

        Range(errors, Prefix + nameof(options.NodeTimeout), options.NodeTimeout, 1, ResidentLimits.Server.MaxSeconds, DurationUnit.Seconds);
        Range(errors, Prefix + nameof(options.ConnectTimeout), options.ConnectTimeout, 0, ResidentLimits.Server.MaxSeconds, DurationUnit.Seconds);
    }

    /// <summary>Registers each cluster feature's services (WebSockets, presence, cron, durable tasks).</summary>
    public static void AddClusterFeatures(IServiceCollection services)
    {
        // The features register themselves here, one line each.
        WebSockets.WebSocketClusterFeature.Add(services);
        Presence.RedisPresenceFeature.AddPresence(services);
        Cron.RedisCronFeature.AddCronLock(services);
        Tasks.DurableTaskFeature.AddDurableTasks(services);
    }

    /// <summary>Fails the start, with the other settings' problems, when a <c>Resident:Redis</c> key is wrong.</summary>
    internal sealed class StartupCheck(IOptions<ResidentRedisOptions> options) : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(options.Value, context.Errors);
    }
}
