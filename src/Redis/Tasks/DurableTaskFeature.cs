using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Tasks;
using static Resident.Hosting.OptionsReader;

namespace Resident.Redis.Tasks;

/// <summary>The durable task queue on Redis Streams: its <c>Resident:Redis:Tasks</c> keys, their checks, and its services.</summary>
internal static class DurableTaskFeature
{
    private const string Prefix = ResidentRedisOptions.SectionName + ":" + DurableTaskOptions.SectionName + ":";

    public static void AddDurableTasks(IServiceCollection services)
    {
        services.AddOptions<DurableTaskOptions>();
        services.AddSingleton<IConfigureOptions<DurableTaskOptions>>(provider =>
        {
            var section = provider.GetRequiredService<IConfiguration>().GetSection(ResidentOptions.SectionName)
                .GetSection(ResidentRedisOptions.SectionName).GetSection(DurableTaskOptions.SectionName);
            return new ConfigureOptions<DurableTaskOptions>(options => Bind(section, options));
        });
        services.AddSingleton<IStartupCheck, StartupCheck>();
        services.AddSingleton<RedisTaskStreams>();
        services.AddSingleton<IDurableTaskTransport>(provider => provider.GetRequiredService<RedisTaskStreams>());
        services.AddSingleton<IDurableTasks>(provider => provider.GetRequiredService<RedisTaskStreams>());
        services.AddSingleton<DurableTaskConsumer>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<DurableTaskConsumer>());
    }

    public static void Bind(IConfigurationSection section, DurableTaskOptions options)
    {
        var errors = options.BindingErrors;
        ReadDuration(section, nameof(options.VisibilityTimeout), DurationUnit.Seconds, errors, value => options.VisibilityTimeout = value, Prefix);
        ReadDuration(section, nameof(options.DeliverTimeout), DurationUnit.Milliseconds, errors, value => options.DeliverTimeout = value, Prefix);
        ReadInt(section, nameof(options.DeadLetterMaxLength), errors, value => options.DeadLetterMaxLength = value, Prefix);
    }

    public static void Validate(DurableTaskOptions options, List<string> errors)
    {
        errors.AddRange(options.BindingErrors);
        Range(errors, Prefix + nameof(options.VisibilityTimeout), options.VisibilityTimeout,
            ResidentLimits.DurableTasks.MinVisibilityTimeoutSeconds, ResidentLimits.Server.MaxSeconds, DurationUnit.Seconds);
        Range(errors, Prefix + nameof(options.DeliverTimeout), options.DeliverTimeout, 0, ResidentLimits.DurableTasks.MaxDeliverTimeoutMilliseconds, DurationUnit.Milliseconds);
        Range(errors, Prefix + nameof(options.DeadLetterMaxLength), options.DeadLetterMaxLength, 1, int.MaxValue);
    }

    private sealed class StartupCheck(IOptions<DurableTaskOptions> options) : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(options.Value, context.Errors);
    }
}
