using System.Diagnostics.Metrics;
using Cronos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Timers;

/// <summary>The app's cron jobs: built and checked at start, scheduled until the server stops.</summary>
internal sealed partial class CronScheduler : IDisposable
{
    /// <summary>The meter Resident's own instruments are on.</summary>
    public const string MeterName = "Resident";

    private readonly CronJobDeclaration[] _declarations;
    private readonly ResidentOptions _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly CancellationTokenSource _stopScheduling = new();
    private readonly List<Task> _loops = [];
    private ICronJobInfo[] _jobs = [];
    private MonotonicClock? _clock;
    private CronJobRunner[] _runners = [];

    public CronScheduler(ResidentRuntime runtime, IOptions<ResidentOptions> options, IServiceProvider services, TimeProvider time, ILoggerFactory loggerFactory, IMeterFactory meterFactory)
    {
        _time = time;
        _declarations = runtime.Declarations.Background.CronJobs;
        _options = options.Value;
        _services = services;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<CronScheduler>();
        _meter = meterFactory.Create(MeterName);
    }

    public IReadOnlyList<ICronJobInfo> Jobs => Volatile.Read(ref _jobs);

    /// <summary>Checks the declarations against the configuration and builds the jobs; throws naming the job or key at fault.</summary>
    public void Prepare()
    {
        var lag = _meter.CreateHistogram<double>("resident.cron.lag", "ms", "How late each cron job run started, planned versus actual.");
        var byName = new Dictionary<string, CronJobDeclaration>(StringComparer.OrdinalIgnoreCase);
        foreach (var declaration in _declarations)
        {
            if (string.IsNullOrWhiteSpace(declaration.JobName))
            {
                throw new InvalidOperationException($"[CronJob] {declaration.Name} has an empty Name; leave it out to use the class name.");
            }

            if (!byName.TryAdd(declaration.JobName, declaration))
            {
                throw new InvalidOperationException(
                    $"The cron jobs {byName[declaration.JobName].Name} and {declaration.Name} are both named '{declaration.JobName}'; give one of them another Name.");
            }
        }

        foreach (var configured in _options.CronJobs.Keys)
        {
            if (!byName.ContainsKey(configured))
            {
                throw new InvalidOperationException(
                    $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.CronJobs)}:{configured} names no cron job; the jobs are: {Names(byName.Keys)}.");
            }
        }

        var jobs = new List<ICronJobInfo>();
        var runners = new List<CronJobRunner>();
        foreach (var declaration in _declarations)
        {
            _options.CronJobs.TryGetValue(declaration.JobName, out var overrides);
            var key = $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.CronJobs)}:{declaration.JobName}";
            var interval = declaration.IntervalMilliseconds;
            var expressionText = declaration.Expression;
            var source = $"[CronJob] {declaration.Name}";
            if (overrides?.Interval is { } configuredInterval)
            {
                (interval, expressionText, source) = (configuredInterval, null, $"{key}:{nameof(CronJobOptions.Interval)}");
            }
            else if (overrides?.Expression is { } configuredExpression)
            {
                (interval, expressionText, source) = (0, configuredExpression, $"{key}:{nameof(CronJobOptions.Expression)}");
            }

            var zoneId = overrides?.TimeZone ?? declaration.TimeZone;
            var zoneSource = overrides?.TimeZone is null ? $"[CronJob] {declaration.Name}" : $"{key}:{nameof(CronJobOptions.TimeZone)}";
            var timeZone = ParseTimeZone(zoneId, zoneSource);
            CronExpression? expression = null;
            if (expressionText is null)
            {
                if (interval < 1)
                {
                    throw new InvalidOperationException($"{source} has the interval {interval} ms; use at least 1.");
                }
            }
            else
            {
                expression = ParseExpression(expressionText, source);
            }

            if (overrides is { Enabled: false })
            {
                jobs.Add(new DisabledCronJob(declaration.JobName, Describe(interval, expressionText, timeZone)));
                continue;
            }

            var job = Build(declaration);
            _clock ??= new MonotonicClock("Resident cron clock", _time);
            var runner = new CronJobRunner(declaration.JobName, Describe(interval, expressionText, timeZone), interval, expression, timeZone,
                declaration.Immediate, declaration.AllowOverlap, job, _loggerFactory.CreateLogger("Resident.CronJobs." + declaration.JobName), lag, _clock);
            runners.Add(runner);
            jobs.Add(runner);
        }

        _runners = [.. runners];
        Volatile.Write(ref _jobs, [.. jobs]);
    }

    private ICronJob Build(CronJobDeclaration declaration)
    {
        try
        {
            return declaration.Factory(_services);
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException($"Resident could not create the cron job '{declaration.Name}': {exception.Message}", exception);
        }
    }

    /// <summary>Parses five fields, or six with seconds first, as Cronos does; throws naming where the expression came from.</summary>
    internal static CronExpression ParseExpression(string text, string source)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return CronExpression.Parse(text, format);
        }
        catch (CronFormatException exception)
        {
            throw new InvalidOperationException(
                $"{source} has the cron expression '{text}', which is not valid: {exception.Message} Use five fields (minute hour day month weekday) or six with seconds first.", exception);
        }
    }

    private static TimeZoneInfo ParseTimeZone(string? id, string source)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidOperationException($"{source} has the time zone '{id}', which this machine does not know; use an IANA id such as Europe/Berlin.", exception);
        }
    }

    private static string Describe(int interval, string? expression, TimeZoneInfo timeZone) =>
        expression is null ? $"every {interval} ms" : $"{expression} ({timeZone.Id})";

    private static string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "(none)";

    /// <summary>Starts scheduling every enabled job.</summary>
    public void Start(CancellationToken abort)
    {
        foreach (var runner in _runners)
        {
            _loops.Add(Task.Run(() => runner.RunAsync(_stopScheduling.Token, abort)));
        }

        if (_runners.Length > 0)
        {
            Log.Started(_logger, _runners.Length, string.Join(", ", _runners.Select(runner => $"{runner.Name} ({runner.Schedule})")));
        }
    }

    /// <summary>Starts no more runs; returns when the running ones have ended (or the caller stops waiting).</summary>
    public Task StopAsync()
    {
        _stopScheduling.Cancel();
        return Task.WhenAll(_loops);
    }

    /// <summary>Runs still going.</summary>
    public int Unfinished => _loops.Count(loop => !loop.IsCompleted);

    public void Dispose()
    {
        _stopScheduling.Cancel();
        _clock?.Dispose();
        _meter.Dispose();
    }

    private sealed record DisabledCronJob(string Name, string Schedule) : ICronJobInfo
    {
        public bool Enabled => false;

        public bool Stopped => false;

        public long Runs => 0;

        public long Failures => 0;

        public long Skipped => 0;

        public TimeSpan LastLag => TimeSpan.Zero;

        public DateTimeOffset? NextRun => null;
    }

    private static partial class Log
    {
        [LoggerMessage(51, LogLevel.Information, "Scheduled {Count} cron job(s): {Jobs}.")]
        public static partial void Started(ILogger logger, int count, string jobs);
    }
}
