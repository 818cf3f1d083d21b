using Cronos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Metrics;

namespace Resident.Timers;

/// <summary>The app's cron jobs: built and checked at start, scheduled until the server stops.</summary>
internal sealed partial class CronScheduler : IDisposable
{
    private readonly CronJobDeclaration[] _declarations;
    private readonly ResidentOptions _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ResidentMetrics _metrics;
    private readonly ICronClusterLock _clusterLock;
    private readonly CancellationTokenSource _stopScheduling = new();
    private readonly List<Task> _loops = [];
    private ICronJobInfo[] _jobs = [];
    private MonotonicClock? _clock;
    private CronJobRunner[] _runners = [];

    public CronScheduler(ResidentRuntime runtime, IOptions<ResidentOptions> options, IServiceProvider services, TimeProvider time, ILoggerFactory loggerFactory, ResidentMetrics metrics,
        ICronClusterLock? clusterLock = null)
    {
        _clusterLock = clusterLock ?? SingleNodeCronLock.Instance;
        _time = time;
        _declarations = runtime.Declarations.Background.CronJobs;
        _options = options.Value;
        _services = services;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<CronScheduler>();
        _metrics = metrics;
    }

    public IReadOnlyList<ICronJobInfo> Jobs => Volatile.Read(ref _jobs);

    /// <summary>Starts scheduling every enabled job.</summary>
    public void Start(CancellationToken abort)
    {
        foreach (var runner in _runners)
        {
            _loops.Add(Task.Run(() => runner.RunAsync(_stopScheduling.Token, abort)));
        }

        if (_runners.Length > 0)
        {
            CronLog.Started(_logger, _runners.Length, string.Join(", ", _runners.Select(runner =>
                $"{runner.Name} ({runner.Schedule}{(_clusterLock.Shared ? runner.Scope == CronScope.Cluster ? ", once per cluster" : ", on every node" : "")})")));
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
    }

    private sealed record DisabledCronJob(string Name, string Schedule, CronScope Scope) : ICronJobInfo
    {
        public bool Enabled => false;

        public bool Stopped => false;

        public long Runs => 0;

        public long Failures => 0;

        public long Skipped => 0;

        public TimeSpan LastLag => TimeSpan.Zero;

        public DateTimeOffset? NextRun => null;
    }
}
