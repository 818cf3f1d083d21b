using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static Resident.Hosting.OptionsReader;

namespace Resident.Hosting;

/// <summary>
/// The server-wide keys that belong to no feature (<c>WorkerNum</c>, <c>MaxRequest</c>, <c>MaxWaitTime</c>), and the
/// server's own components: cleaners, request hooks and lifecycle hooks.
/// </summary>
internal static class ServerFeature
{
    public static void AddServer(IServiceCollection services) =>
        services.AddResidentSection(Bind, _ => new ServerStartupCheck());

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        ReadInt(section, nameof(ResidentOptions.WorkerNum), errors, value => options.WorkerNum = value);
        ReadInt(section, nameof(ResidentOptions.MaxRequest), errors, value => options.MaxRequest = value);
        ReadDuration(section, nameof(ResidentOptions.MaxWaitTime), DurationUnit.Seconds, errors, value => options.MaxWaitTime = value);
        ReadString(section, nameof(ResidentOptions.PidFile), value => options.PidFile = value);
        ReadString(section, nameof(ResidentOptions.LogFile), value => options.LogFile = value);
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        Range(errors, nameof(ResidentOptions.WorkerNum), options.WorkerNum, ResidentLimits.Server.MinWorkerNum, ResidentLimits.Server.MaxWorkerNum);
        Range(errors, nameof(ResidentOptions.MaxRequest), options.MaxRequest, 0, int.MaxValue);
        Range(errors, nameof(ResidentOptions.MaxWaitTime), options.MaxWaitTime,
            ResidentLimits.Server.MinMaxWaitTimeSeconds, ResidentLimits.Server.MaxMaxWaitTimeSeconds, DurationUnit.Seconds);
    }

    /// <summary>Whether <paramref name="maxWaitTime"/> is in range, so it can be the host's shutdown budget before validation ran.</summary>
    internal static bool IsValidMaxWaitTime(TimeSpan maxWaitTime) =>
        maxWaitTime >= TimeSpan.FromSeconds(ResidentLimits.Server.MinMaxWaitTimeSeconds)
        && maxWaitTime <= TimeSpan.FromSeconds(ResidentLimits.Server.MaxMaxWaitTimeSeconds);

    private sealed class ServerStartupCheck : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);

        public void BuildComponents(StartupContext context) => context.Components.BuildServerComponents(context.Declarations);
    }
}
