using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Performance;

/// <summary>
/// The <c>Resident:Performance</c> section: its keys and checks, Kestrel's socket-transport settings, the thread pool's
/// minimum, hosting's request Activity, and (in a supervised worker) the CPU pinning. The start-time environment of the
/// workers is set by the master through <see cref="WorkerTuning.Apply"/>.
/// </summary>
internal static class PerformanceFeature
{
    private const string Prefix = ResidentPerformanceOptions.SectionName + ":";

    /// <summary>The log category whose being on makes ASP.NET Core's hosting start an Activity for every request.</summary>
    internal const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static void AddPerformance(IServiceCollection services)
    {
        // As early as Resident runs in a worker: the fewer threads exist, the fewer had to be pinned one by one.
        var pinning = PinningOutcome.OfThisProcess();
        services.AddSingleton(pinning);
        services.AddSingleton<IConfigureOptions<SocketTransportOptions>, SocketTransportSetup>();
        services.AddSingleton<IPostConfigureOptions<LoggerFilterOptions>, RequestActivitySetup>();
        services.AddSingleton<IHostedService, PerformanceStartup>();
        services.AddResidentSection(Bind, _ => new PerformanceStartupCheck());
    }

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        var performance = section.GetSection(ResidentPerformanceOptions.SectionName);
        var settings = options.Performance;
        ReadEnum<PerformanceProfile>(performance, nameof(settings.Profile), errors, value => settings.Profile = value, Prefix);
        ReadBool(performance, nameof(settings.InlineScheduling), errors, value => settings.InlineScheduling = value, Prefix);
        ReadBool(performance, nameof(settings.InlineSocketCompletions), errors, value => settings.InlineSocketCompletions = value, Prefix);
        ReadInt(performance, nameof(settings.IOQueueCount), errors, value => settings.IOQueueCount = value, Prefix);
        ReadBool(performance, nameof(settings.WaitForDataBeforeAllocatingBuffer), errors, value => settings.WaitForDataBeforeAllocatingBuffer = value, Prefix);
        ReadEnum<GarbageCollectorMode>(performance, nameof(settings.GarbageCollector), errors, value => settings.GarbageCollector = value, Prefix);
        ReadBool(performance, nameof(settings.PinWorkers), errors, value => settings.PinWorkers = value, Prefix);
        ReadInt(performance, nameof(settings.MinThreads), errors, value => settings.MinThreads = value, Prefix);
        ReadBool(performance, nameof(settings.RequestActivityForLogging), errors, value => settings.RequestActivityForLogging = value, Prefix);
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        var settings = options.Performance;
        if (!Enum.IsDefined(settings.Profile))
        {
            errors.Add(Message(Prefix + nameof(settings.Profile), $"must be one of {string.Join(", ", Enum.GetNames<PerformanceProfile>())}", settings.Profile.ToString()));
        }

        if (settings.GarbageCollector is { } collector && !Enum.IsDefined(collector))
        {
            errors.Add(Message(Prefix + nameof(settings.GarbageCollector), $"must be one of {string.Join(", ", Enum.GetNames<GarbageCollectorMode>())}", collector.ToString()));
        }

        if (settings.IOQueueCount is { } queues)
        {
            Range(errors, Prefix + nameof(settings.IOQueueCount), queues, 0, ResidentLimits.Performance.MaxIOQueueCount);
        }

        if (settings.MinThreads is { } threads)
        {
            Range(errors, Prefix + nameof(settings.MinThreads), threads, 0, ResidentLimits.Performance.MaxMinThreads);
        }
    }

    private static bool IsValid(ResidentOptions options)
    {
        var errors = new List<string>();
        Validate(options, errors);
        return errors.Count == 0 && options.BindingErrors.Count == 0;
    }

    private sealed class PerformanceStartupCheck : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);
    }

    /// <summary>Kestrel's socket transport as the settings say (Kestrel reads these when it binds).</summary>
    private sealed class SocketTransportSetup(IOptions<ResidentOptions> options) : IConfigureOptions<SocketTransportOptions>
    {
        public void Configure(SocketTransportOptions transport)
        {
            if (!IsValid(options.Value))
            {
                // The start-up checks report the bad keys with every other problem.
                return;
            }

            var settings = PerformanceSettings.Of(options.Value.Performance);
            transport.UnsafePreferInlineScheduling = PerformanceSettings.InlineSchedulingInEffect(options.Value.Performance);
            if (settings.IOQueueCount is { } queues)
            {
                transport.IOQueueCount = queues;
            }

            if (settings.WaitForDataBeforeAllocatingBuffer is { } wait)
            {
                transport.WaitForDataBeforeAllocatingBuffer = wait;
            }
        }
    }

    /// <summary>
    /// Turns hosting's log category off when the settings want no request Activity for logging alone. Hosting starts
    /// one per request whenever that category is on at any level, with nothing tracing: under NativeAOT its tags, the
    /// <c>traceparent</c> lookups and <c>Activity.Current</c> measured 1–2 µs of server CPU per plaintext request
    /// (docs/performance.md). A post-configure rule comes after the configuration's and the app's, so it wins over
    /// every rule for all providers; a provider's own rule still outranks it, and a logger factory of a library's own
    /// ignores it, which start-up reports.
    /// </summary>
    private sealed class RequestActivitySetup(IOptions<ResidentOptions> options) : IPostConfigureOptions<LoggerFilterOptions>
    {
        public void PostConfigure(string? name, LoggerFilterOptions filter)
        {
            if (IsValid(options.Value) && !PerformanceSettings.Of(options.Value.Performance).RequestActivityForLogging)
            {
                filter.Rules.Add(new LoggerFilterRule(null, HostingDiagnosticsCategory, LogLevel.None, null));
            }
        }
    }

    /// <summary>
    /// Applies the in-process settings when the host starts and says what is in effect: the thread pool's minimum,
    /// the pinning, and a warning for a start-time setting this process did not start with.
    /// </summary>
    private sealed class PerformanceStartup(IOptions<ResidentOptions> options, PinningOutcome pinning, ILoggerFactory loggers, ILogger<PerformanceStartup> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!IsValid(options.Value))
            {
                return Task.CompletedTask;
            }

            var settings = PerformanceSettings.Of(options.Value.Performance);
            if (settings.MinThreads is { } threads)
            {
                ThreadPool.GetMinThreads(out _, out var io);
                ThreadPool.SetMinThreads(threads, io);
            }

            if (pinning.Error is { } error)
            {
                PerformanceLog.PinningFailed(logger, error);
            }

            var supervised = Resident.Supervision.WorkerIdentity.OfThisProcess is not null;
            var inlineCompletionsOn = WorkerTuning.InlineCompletionsInThisProcess;
            var inlineScheduling = PerformanceSettings.InlineSchedulingInEffect(options.Value.Performance);
            if (!supervised && settings.InlineSocketCompletions && !inlineCompletionsOn)
            {
                PerformanceLog.StartTimeSettingMissing(logger, $"{Key(Prefix + nameof(ResidentPerformanceOptions.InlineSocketCompletions))}",
                    $"{WorkerTuning.InlineCompletionsVariable}=1");
                if (settings.InlineScheduling && !inlineScheduling)
                {
                    PerformanceLog.InlineSchedulingWaitsForCompletions(logger, $"{WorkerTuning.InlineCompletionsVariable}=1");
                }
            }

            var requestActivity = loggers.CreateLogger(HostingDiagnosticsCategory).IsEnabled(LogLevel.Critical);
            if (!settings.RequestActivityForLogging && requestActivity)
            {
                PerformanceLog.RequestActivityStillForLogging(logger, HostingDiagnosticsCategory);
            }

            if (settings.ChangesAnything)
            {
                PerformanceLog.InEffect(logger, options.Value.Performance.Profile, inlineScheduling, settings.InlineSocketCompletions
                    && inlineCompletionsOn, pinning.Cpu?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none", requestActivity);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Whether this process pinned itself to a CPU (a supervised worker with <c>PinWorkers</c>), and why not if it failed.</summary>
internal sealed record PinningOutcome(int? Cpu, string? Error)
{
    private static readonly Lazy<PinningOutcome> Current = new(Pin);

    /// <summary>Pins this process once, when the master asked it to; later calls return the first outcome.</summary>
    public static PinningOutcome OfThisProcess() => Current.Value;

    private static PinningOutcome Pin()
    {
        try
        {
            return new PinningOutcome(WorkerTuning.PinThisProcess(), null);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return new PinningOutcome(null, exception.Message);
        }
    }
}
