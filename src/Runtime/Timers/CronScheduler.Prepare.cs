using Cronos;
using Resident.Hosting;

namespace Resident.Timers;

// The start-up half of the scheduler: checking the declarations against the configuration (Prepare) and building
// the jobs (Build). Both append to the start-up error list instead of throwing, so every problem is reported at once.
internal sealed partial class CronScheduler
{
    private CronJobPlan[] _plan = [];

    /// <summary>Checks the declarations against the configuration and plans each job; adds a sentence per problem.</summary>
    public void Prepare(List<string> errors)
    {
        var byName = new Dictionary<string, CronJobDeclaration>(StringComparer.OrdinalIgnoreCase);
        foreach (var declaration in _declarations)
        {
            if (string.IsNullOrWhiteSpace(declaration.JobName))
            {
                errors.Add($"[CronJob] {declaration.Name} has an empty Name; leave it out to use the class name.");
            }
            else if (!byName.TryAdd(declaration.JobName, declaration))
            {
                errors.Add($"The cron jobs {byName[declaration.JobName].Name} and {declaration.Name} are both named '{declaration.JobName}'; give one of them another Name.");
            }
        }

        foreach (var configured in _options.CronJobs.Keys)
        {
            if (!byName.ContainsKey(configured))
            {
                errors.Add($"{CronFeature.Key(configured)} names no cron job; the jobs are: {OptionsReader.Names(byName.Keys)}.");
            }
        }

        var plan = new List<CronJobPlan>();
        foreach (var declaration in _declarations)
        {
            _options.CronJobs.TryGetValue(declaration.JobName, out var overrides);
            var key = CronFeature.Key(declaration.JobName);
            var interval = declaration.IntervalMilliseconds;
            var expressionText = declaration.Expression;
            var source = $"[CronJob] {declaration.Name}";
            if (overrides?.Interval is { } configuredInterval)
            {
                // Its range is a settings check (CronFeature); here it only replaces the schedule.
                interval = configuredInterval.TotalMilliseconds is >= 1 and <= int.MaxValue ? (int)configuredInterval.TotalMilliseconds : 1;
                (expressionText, source) = (null, $"{key}:{nameof(CronJobOptions.Interval)}");
            }
            else if (overrides?.Expression is { } configuredExpression)
            {
                (interval, expressionText, source) = (0, configuredExpression, $"{key}:{nameof(CronJobOptions.Expression)}");
            }

            var zoneId = overrides?.TimeZone ?? declaration.TimeZone;
            var zoneSource = overrides?.TimeZone is null ? $"[CronJob] {declaration.Name}" : $"{key}:{nameof(CronJobOptions.TimeZone)}";
            var valid = true;
            TimeZoneInfo timeZone = TimeZoneInfo.Utc;
            CronExpression? expression = null;
            try
            {
                timeZone = ParseTimeZone(zoneId, zoneSource);
            }
            catch (InvalidOperationException exception)
            {
                errors.Add(exception.Message);
                valid = false;
            }

            if (expressionText is null)
            {
                if (interval < ResidentLimits.CronJob.MinIntervalMilliseconds)
                {
                    errors.Add($"{source} has the interval {interval} ms; use at least {ResidentLimits.CronJob.MinIntervalMilliseconds}.");
                    valid = false;
                }
            }
            else
            {
                try
                {
                    expression = ParseExpression(expressionText, source);
                }
                catch (InvalidOperationException exception)
                {
                    errors.Add(exception.Message);
                    valid = false;
                }
            }

            var scope = overrides?.Scope ?? declaration.Scope;
            if (!Enum.IsDefined(scope))
            {
                errors.Add($"[CronJob] {declaration.Name} has the scope {(int)scope}; use CronScope.Cluster or CronScope.Node.");
                valid = false;
            }

            if (valid)
            {
                plan.Add(new CronJobPlan(declaration, overrides is not { Enabled: false }, interval, expression, timeZone, Describe(interval, expressionText, timeZone), scope));
            }
        }

        _plan = [.. plan];
    }

    /// <summary>Builds the enabled jobs through the one component builder and readies their runners.</summary>
    public void Build(ResidentComponents components)
    {
        var jobs = new List<ICronJobInfo>();
        var runners = new List<CronJobRunner>();
        foreach (var (declaration, enabled, interval, expression, timeZone, schedule, scope) in _plan)
        {
            if (!enabled)
            {
                jobs.Add(new DisabledCronJob(declaration.JobName, schedule, scope));
                continue;
            }

            if (components.Create(declaration.Name, "cron job", declaration.Factory) is not { } job)
            {
                continue;
            }

            _clock ??= new MonotonicClock("Resident cron clock", _time);
            var runner = new CronJobRunner(declaration.JobName, schedule, interval, expression, timeZone,
                declaration.Immediate, declaration.AllowOverlap, job, _loggerFactory.CreateLogger("Resident.CronJobs." + declaration.JobName), _metrics, _clock,
                scope, _clusterLock);
            runners.Add(runner);
            jobs.Add(runner);
        }

        _runners = [.. runners];
        Volatile.Write(ref _jobs, [.. jobs]);
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

    private sealed record CronJobPlan(CronJobDeclaration Declaration, bool Enabled, int Interval, CronExpression? Expression, TimeZoneInfo TimeZone, string Schedule,
        CronScope Scope);
}
