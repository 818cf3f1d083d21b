using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Processes;
using Resident.Tasks;
using Resident.Timers;

namespace Resident.Hosting;

/// <summary>
/// Starts the task workers, cron jobs and custom processes with the server and stops them within MaxWaitTime:
/// cron jobs start no new run once the server is stopping; after requests have drained, processes get OnStop and
/// their token, the task queue runs what it holds, and whatever is left at the deadline is cancelled and logged.
/// </summary>
internal sealed partial class BackgroundWorkService(
    TaskQueue tasks,
    CronScheduler cron,
    CustomProcessSupervisor processes,
    IOptions<ResidentOptions> options,
    ILogger<BackgroundWorkService> logger) : IHostedLifecycleService
{
    private DateTimeOffset _deadline = DateTimeOffset.MaxValue;
    private PosixSignalRegistration? _reloadSignal;
    private Task _cronStopped = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Declarations and settings were checked (and jobs planned) by the start-up checks (ResidentStartup).
        tasks.Start();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        cron.Start(tasks.Aborted);
        processes.Start();
        if (!OperatingSystem.IsWindows() && processes.Count > 0)
        {
            // SIGUSR1 is LaravelS's reload signal; inline mode has no workers to replace, so it reloads the processes.
            _reloadSignal = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
            {
                context.Cancel = true;
                _ = processes.ReloadAsync();
            });
        }

        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _deadline = DateTimeOffset.UtcNow.Add(options.Value.MaxWaitTime);
        _cronStopped = cron.StopAsync();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _reloadSignal?.Dispose();
        // Processes and cron runs stop side by side with the queue draining; all share the deadline.
        var stopProcesses = processes.StopAsync();
        await tasks.StopAsync(_deadline).ConfigureAwait(false);
        var rest = Task.WhenAll(stopProcesses, _cronStopped);
        var left = _deadline - DateTimeOffset.UtcNow;
        await rest.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!rest.IsCompleted)
        {
            Log.StillRunning(logger, cron.Unfinished, processes.Unfinished);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Linux and macOS number SIGUSR1 differently.
    private static int SigUsr1 => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 30 : 10;

    private static partial class Log
    {
        [LoggerMessage(46, LogLevel.Warning, "MaxWaitTime ran out with {CronRuns} cron job(s) and {Processes} custom process instance(s) still running; the server stops without them.")]
        public static partial void StillRunning(ILogger logger, int cronRuns, int processes);
    }
}
