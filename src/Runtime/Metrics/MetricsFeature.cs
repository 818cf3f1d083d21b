using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Metrics;

/// <summary>
/// The metrics feature: the meter factory (kept if the host already has one), <see cref="ResidentMetrics"/>, the
/// Prometheus exporter and the health endpoints, with their keys (<c>Resident:Metrics</c>, <c>Resident:Health</c>).
/// </summary>
internal static class MetricsFeature
{
    public static void AddResidentMetrics(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<ResidentMetrics>();
        services.TryAddSingleton<MetricsCollector>();
        services.TryAddSingleton<ResidentEndpoints>();
        services.AddHealthChecks().AddCheck<ResidentReadinessCheck>(ResidentReadinessCheck.Name);
        services.AddResidentSection(Bind, _ => new MetricsStartupCheck());
    }

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        const string metricsPrefix = ResidentMetricsOptions.SectionName + ":";
        var metricsSection = section.GetSection(ResidentMetricsOptions.SectionName);
        var metrics = options.Metrics;
        ReadBool(metricsSection, nameof(metrics.Enabled), errors, value => metrics.Enabled = value, metricsPrefix);
        ReadBool(metricsSection, nameof(metrics.AspNetCoreRequestMetrics), errors, value => metrics.AspNetCoreRequestMetrics = value, metricsPrefix);
        ReadString(metricsSection, nameof(metrics.Path), value => metrics.Path = value);
        ReadString(metricsSection, nameof(metrics.ListenIp), value => metrics.ListenIp = value);
        ReadInt(metricsSection, nameof(metrics.ListenPort), errors, value => metrics.ListenPort = value, metricsPrefix);
        ReadInt(metricsSection, nameof(metrics.MaxSeriesPerInstrument), errors, value => metrics.MaxSeriesPerInstrument = value, metricsPrefix);
        ReadList(metricsSection, nameof(metrics.Meters), value => metrics.Meters = value);
        ReadList(metricsSection, nameof(metrics.ExcludedInstruments), value => metrics.ExcludedInstruments = value);
        ReadList(metricsSection, nameof(metrics.IgnoredStatusCodes), values =>
        {
            var codes = new List<int>();
            for (var i = 0; i < values.Count; i++)
            {
                if (int.TryParse(values[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
                {
                    codes.Add(code);
                }
                else
                {
                    errors.Add(Message($"{metricsPrefix}{nameof(metrics.IgnoredStatusCodes)}:{i}", "must be an HTTP status code (100 to 599)", values[i]));
                }
            }

            metrics.IgnoredStatusCodes = codes;
        });

        const string healthPrefix = ResidentHealthOptions.SectionName + ":";
        var healthSection = section.GetSection(ResidentHealthOptions.SectionName);
        var health = options.Health;
        ReadBool(healthSection, nameof(health.Enabled), errors, value => health.Enabled = value, healthPrefix);
        ReadString(healthSection, nameof(health.LivePath), value => health.LivePath = value);
        ReadString(healthSection, nameof(health.ReadyPath), value => health.ReadyPath = value);
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        const string metricsPrefix = ResidentMetricsOptions.SectionName + ":";
        var metrics = options.Metrics;
        var paths = new List<(string Key, string Path)>();
        if (metrics.Enabled)
        {
            paths.Add((metricsPrefix + nameof(metrics.Path), metrics.Path));
        }

        if (metrics.ListenPort is { } port)
        {
            Range(errors, metricsPrefix + nameof(metrics.ListenPort), port, ResidentLimits.Server.MinListenPort, ResidentLimits.Server.MaxListenPort);
            if (port != 0 && port == options.ListenPort)
            {
                errors.Add(Message(metricsPrefix + nameof(metrics.ListenPort), "must differ from Resident:ListenPort (leave it unset to serve the metrics on the HTTP port)",
                    port.ToString(CultureInfo.InvariantCulture)));
            }
        }

        if (metrics.ListenIp.Length > 0 && !IPAddress.TryParse(metrics.ListenIp, out _))
        {
            errors.Add(Message(metricsPrefix + nameof(metrics.ListenIp), "must be an IPv4 or IPv6 address such as 127.0.0.1, or empty for Resident:ListenIp", metrics.ListenIp));
        }

        Range(errors, metricsPrefix + nameof(metrics.MaxSeriesPerInstrument), metrics.MaxSeriesPerInstrument,
            ResidentLimits.Metrics.MinMaxSeriesPerInstrument, ResidentLimits.Metrics.MaxMaxSeriesPerInstrument);
        for (var i = 0; i < metrics.IgnoredStatusCodes.Count; i++)
        {
            Range(errors, $"{metricsPrefix}{nameof(metrics.IgnoredStatusCodes)}:{i}", metrics.IgnoredStatusCodes[i], 100, 599);
        }

        NamePatterns.Validate(errors, metricsPrefix + nameof(metrics.Meters), metrics.Meters, "a meter name");
        NamePatterns.Validate(errors, metricsPrefix + nameof(metrics.ExcludedInstruments), metrics.ExcludedInstruments, "an instrument name");

        const string healthPrefix = ResidentHealthOptions.SectionName + ":";
        var health = options.Health;
        if (health.Enabled)
        {
            paths.Add((healthPrefix + nameof(health.LivePath), health.LivePath));
            paths.Add((healthPrefix + nameof(health.ReadyPath), health.ReadyPath));
        }

        foreach (var (key, path) in paths)
        {
            if (!path.StartsWith('/') || path.Length < 2 || path.Any(c => c <= ' ' || c is '?' or '#'))
            {
                errors.Add(Message(key, "must be a path such as /metrics: starting with '/', without spaces, '?' or '#'", path));
            }
        }

        foreach (var duplicate in paths.GroupBy(entry => entry.Path, StringComparer.OrdinalIgnoreCase).Where(group => group.Count() > 1))
        {
            errors.Add(Message(duplicate.Last().Key, $"must differ from {Key(duplicate.First().Key)}", duplicate.Key));
        }
    }

    private sealed class MetricsStartupCheck : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);
    }
}
