using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Timers;

/// <summary>The cron feature: the <c>Resident:CronJobs:{name}</c> overrides, their checks against the declarations, and the jobs.</summary>
internal static class CronFeature
{
    public static void AddCronJobs(IServiceCollection services)
    {
        services.AddSingleton<CronScheduler>();

        // One node unless a cluster package (Resident.Redis) registers a real lock, before or after this.
        services.TryAddSingleton<ICronClusterLock>(SingleNodeCronLock.Instance);
        services.AddResidentSection(Bind, provider => new CronStartupCheck(provider.GetRequiredService<CronScheduler>()));
    }

    /// <summary>The full key of a job's section: <c>Resident:CronJobs:{name}</c>.</summary>
    internal static string Key(string job) => OptionsReader.Key($"{nameof(ResidentOptions.CronJobs)}:{job}");

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        foreach (var (name, job, prefix) in Entries(section, nameof(ResidentOptions.CronJobs)))
        {
            var jobOptions = options.CronJobs.TryGetValue(name, out var existing) ? existing : options.CronJobs[name] = new CronJobOptions();
            ReadBool(job, nameof(CronJobOptions.Enabled), errors, value => jobOptions.Enabled = value, prefix);
            ReadDuration(job, nameof(CronJobOptions.Interval), DurationUnit.Milliseconds, errors, value => jobOptions.Interval = value, prefix);
            ReadString(job, nameof(CronJobOptions.Expression), value => jobOptions.Expression = value);
            ReadString(job, nameof(CronJobOptions.TimeZone), value => jobOptions.TimeZone = value);
            ReadEnum<CronScope>(job, nameof(CronJobOptions.Scope), errors, value => jobOptions.Scope = value, prefix);
        }
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        foreach (var (job, jobOptions) in options.CronJobs)
        {
            if (jobOptions.Interval is { } interval && (interval.TotalMilliseconds < ResidentLimits.CronJob.MinIntervalMilliseconds || interval.TotalMilliseconds > int.MaxValue))
            {
                errors.Add(Message($"{nameof(ResidentOptions.CronJobs)}:{job}:{nameof(CronJobOptions.Interval)}",
                    $"must be at least {ResidentLimits.CronJob.MinIntervalMilliseconds} (milliseconds) and at most {int.MaxValue}",
                    interval.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }

    private sealed class CronStartupCheck(CronScheduler scheduler) : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);

        public void CheckDeclarations(StartupContext context) => scheduler.Prepare(context.Errors);

        public void BuildComponents(StartupContext context) => scheduler.Build(context.Components);
    }
}
