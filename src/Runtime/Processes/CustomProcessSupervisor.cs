using System.Collections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Metrics;
using Resident.Timers;

namespace Resident.Processes;

/// <summary>
/// Inline mode's custom processes: each instance is a supervised loop in this process. An instance that returns
/// or throws is logged, counted and started again — fresh from its factory — after its RestartInterval.
/// </summary>
internal sealed partial class CustomProcessSupervisor : ICustomProcesses
{
    private readonly CustomProcessDeclaration[] _declarations;
    private readonly ResidentOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResidentMetrics _metrics;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, CustomProcessGroup> _groups = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];
    private readonly List<(ICustomProcess Instance, CustomProcessContext Context)> _running = [];

    public CustomProcessSupervisor(ResidentRuntime runtime, IOptions<ResidentOptions> options, IServiceProvider services, TimeProvider time, ILogger<CustomProcessSupervisor> logger,
        ResidentMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
        _declarations = runtime.Declarations.Background.CustomProcesses;
        _options = options.Value;
        _services = services;
        _logger = logger;
        foreach (var declaration in _declarations)
        {
            _groups.TryAdd(declaration.ProcessName, new CustomProcessGroup(declaration.ProcessName));
        }

        metrics.ObserveCustomProcesses([.. _groups.Values.Select(group => (group.MetricTag, (Func<int>)(() => group.Running)))]);
    }

    public int Count => _groups.Count;

    public ICustomProcessPipe this[string name] =>
        _groups.TryGetValue(name, out var group)
            ? group
            : throw new KeyNotFoundException($"No [CustomProcess] is named '{name}'; the processes are: {(_groups.Count == 0 ? "(none)" : string.Join(", ", _groups.Keys))}.");

    public IEnumerator<ICustomProcessPipe> GetEnumerator() => _groups.Values.Cast<ICustomProcessPipe>().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Start()
    {
        foreach (var (declaration, num) in _plan)
        {
            var group = _groups[declaration.ProcessName];
            for (var index = 0; index < num; index++)
            {
                var instanceIndex = index;
                _loops.Add(Task.Run(() => SuperviseAsync(declaration, group, instanceIndex)));
            }
        }
    }

    private async Task SuperviseAsync(CustomProcessDeclaration declaration, CustomProcessGroup group, int index)
    {
        var stopping = _stopping.Token;
        var restartInterval = TimeSpan.FromSeconds(declaration.RestartIntervalSeconds);

        // When the ended instance may start again: read on the host's clock the moment it ended, before the end is
        // logged, so the interval counts from the crash however late this loop gets to wait.
        var restartDue = 0L;
        for (var restarts = 0; !stopping.IsCancellationRequested; restarts++)
        {
            if (restarts > 0)
            {
                if (!await PreciseDelay.UntilAsync(_time, restartDue, stopping).ConfigureAwait(false))
                {
                    return;
                }

                _metrics.AddProcessRestart(group.MetricTag);
            }

            var context = new CustomProcessContext(group, index, restarts, _services, stopping);
            ICustomProcess instance;
            try
            {
                instance = declaration.Factory(_services);
            }
            catch (Exception exception)
            {
                restartDue = PreciseDelay.FromNow(_time, restartInterval);
                group.InstanceEnded(crashed: true, started: false);
                ProcessLog.CouldNotCreate(_logger, declaration.ProcessName, index, declaration.RestartIntervalSeconds, exception);
                continue;
            }

            lock (_running)
            {
                _running.Add((instance, context));
            }

            group.InstanceStarted();
            var crashed = false;
            try
            {
                await Task.Run(() => instance.RunAsync(context), CancellationToken.None).ConfigureAwait(false);
                restartDue = PreciseDelay.FromNow(_time, restartInterval);
                if (!stopping.IsCancellationRequested)
                {
                    crashed = true;
                    ProcessLog.Returned(_logger, declaration.ProcessName, index, declaration.RestartIntervalSeconds);
                }
            }
            catch (Exception exception) when (!stopping.IsCancellationRequested || exception is not OperationCanceledException)
            {
                restartDue = PreciseDelay.FromNow(_time, restartInterval);
                crashed = !stopping.IsCancellationRequested;
                ProcessLog.Threw(_logger, declaration.ProcessName, index, declaration.RestartIntervalSeconds, exception);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the expected way out.
            }
            finally
            {
                lock (_running)
                {
                    _running.RemoveAll(entry => ReferenceEquals(entry.Context, context));
                }

                group.InstanceEnded(crashed, started: true);
            }
        }
    }

    /// <summary>Calls every running instance's <see cref="ICustomProcess.OnReloadAsync"/>.</summary>
    public Task ReloadAsync() => ForEachRunningAsync((instance, context) => instance.OnReloadAsync(context), "OnReload");

    /// <summary>Calls OnStop on every running instance, signals their token and waits for them to return.</summary>
    public async Task StopAsync()
    {
        await ForEachRunningAsync((instance, context) => instance.OnStopAsync(context), "OnStop").ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var group in _groups.Values)
        {
            group.Stop();
        }
    }

    /// <summary>Instances still running.</summary>
    public int Unfinished => _loops.Count(loop => !loop.IsCompleted);

    private async Task ForEachRunningAsync(Func<ICustomProcess, CustomProcessContext, ValueTask> hook, string hookName)
    {
        (ICustomProcess Instance, CustomProcessContext Context)[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        foreach (var (instance, context) in running)
        {
            try
            {
                await hook(instance, context).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                ProcessLog.HookFailed(_logger, context.Name, context.Index, hookName, exception);
            }
        }
    }
}
