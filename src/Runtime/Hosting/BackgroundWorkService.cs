using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Resident.Processes;
using Resident.Tasks;
using Resident.Timers;

namespace Resident.Hosting;

/// <summary>
/// Starts the task workers, cron jobs and custom processes with the server. Stopping them is the
/// <see cref="ShutdownCoordinator"/>'s: one deadline, one order.
/// </summary>
internal sealed class BackgroundWorkService(
    TaskQueue tasks,
    CronScheduler cron,
    CustomProcessSupervisor processes,
    Microsoft.Extensions.Logging.ILogger<BackgroundWorkService> logger) : IHostedLifecycleService
{
    private PosixSignalRegistration? _reloadSignal;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Declarations and settings were checked (and jobs planned) by the start-up checks (ResidentStartup).
        tasks.Start();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (Resident.Supervision.WorkerIdentity.OfThisProcess is { } worker)
        {
            // Supervised: one worker runs the cron jobs and custom processes (the master hands them over on reload),
            // and SIGUSR1 is the master's.
            if (worker.RunsTimers)
            {
                cron.Start(tasks.Aborted);
                processes.Start();
            }

            return Task.CompletedTask;
        }

        cron.Start(tasks.Aborted);
        processes.Start();
        if (!OperatingSystem.IsWindows())
        {
            // SIGUSR1 is LaravelS's reload signal; inline mode has no workers to replace, so it reloads the custom
            // processes (OnReloadAsync) and says so, or says why nothing happened.
            _reloadSignal = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
            {
                context.Cancel = true;
                HostingLog.InlineReloadSignal(logger, processes.Count);
                if (processes.Count > 0)
                {
                    _ = processes.ReloadAsync();
                }
            });
        }

        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        // A reload signal during the stop would reach processes that are stopping.
        _reloadSignal?.Dispose();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>LaravelS's reload signal; Linux and macOS number it differently.</summary>
    internal static int SigUsr1 => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 30 : 10;
}
