using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Processes;
using Resident.Sockets;
using Resident.Tasks;
using Resident.Timers;
using Resident.WebSockets;

namespace Resident.Hosting;

/// <summary>
/// The one stop of the server: one deadline (<c>MaxWaitTime</c> from the moment the stop began, read from the
/// injected <see cref="TimeProvider"/>), one cut-off token, and one order:
/// <list type="number">
/// <item>stop accepting: WebSocket handshakes are refused and connections closed with 1001, cron jobs start no new run;</item>
/// <item>drain requests (Kestrel; the host does it between <see cref="StoppingAsync"/> and <see cref="StopAsync(CancellationToken)"/>),
/// then close the extra ports and their connections;</item>
/// <item>stop cron: the runs still going are waited for (side by side with what follows);</item>
/// <item>refuse deliveries;</item>
/// <item>stop processes: <c>OnStopAsync</c>, then their token;</item>
/// <item>finish tasks: the queue runs what it holds, waits for delayed deliveries due by the deadline and drops
/// later ones;</item>
/// <item>cancel the rest at the deadline (or when the host stops waiting), and log what was left.</item>
/// </list>
/// Every wait is a completion (no polling). The host drives it through <see cref="IHostedLifecycleService"/>; the
/// supervised mode drives the same sequence for a reload with <see cref="StopAsync(string, CancellationToken, Action?)"/>.
/// </summary>
internal sealed class ShutdownCoordinator(
    TaskQueue tasks,
    CronScheduler cron,
    CustomProcessSupervisor processes,
    SocketServer sockets,
    WebSocketServer webSockets,
    IOptions<ResidentOptions> options,
    TimeProvider time,
    IServiceProvider services,
    ILogger<ShutdownCoordinator> logger) : IHostedLifecycleService, IDisposable
{
    private const string MaxWaitTimeRanOut = "MaxWaitTime ran out";

    private readonly CancellationTokenSource _cutOff = new();
    private readonly Lock _gate = new();
    private readonly List<CancellationTokenRegistration> _callerTokens = [];
    private string _reason = "";
    private string? _cutOffCause;
    private long _beganTimestamp;
    private long _deadlineTimestamp;
    private ITimer? _deadlineTimer;
    private Task _cronStopped = Task.CompletedTask;
    private Task? _completion;
    private bool _began;

    /// <summary>Signalled when the stop's deadline passes or its caller stops waiting: whatever still runs must end.</summary>
    public CancellationToken CutOff => _cutOff.Token;

    /// <summary>Whether a stop has begun.</summary>
    public bool IsStopping
    {
        get
        {
            lock (_gate)
            {
                return _began;
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The host's stop begins: stop accepting (step 1); the host then drains requests (step 2).</summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        Begin("the host is stopping", cancellationToken);
        return Task.CompletedTask;
    }

    /// <summary>After the host drained requests: the rest of the sequence, within the one deadline.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Begin("the host is stopping", cancellationToken);
        return Complete(drainRequests: false, handOver: null);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs the whole stop without the host: stop accepting, drain requests (the server's own graceful stop), and the
    /// rest, within MaxWaitTime. <paramref name="cancellationToken"/> cuts it short like the deadline does. Calling it
    /// again, or the host stopping afterwards, joins the same stop.
    /// </summary>
    /// <param name="reason">What the log says the stop is for (e.g. "reload").</param>
    /// <param name="cancellationToken">Stops waiting: what still runs is cancelled at once.</param>
    /// <param name="handOver">Runs after the requests drained and the ports closed, before deliveries are refused (a
    /// reload hands the pending tasks to the next generation there).</param>
    public Task StopAsync(string reason, CancellationToken cancellationToken, Action? handOver = null)
    {
        Begin(reason, cancellationToken);
        return Complete(drainRequests: true, handOver);
    }

    private void Begin(string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_began)
            {
                Watch(cancellationToken);
                return;
            }

            _began = true;
            _reason = reason;
            var budget = options.Value.MaxWaitTime;
            _beganTimestamp = time.GetTimestamp();
            _deadlineTimestamp = PreciseDelay.FromNow(time, budget);
            _deadlineTimer = time.CreateTimer(static state => ((ShutdownCoordinator)state!).CutOffNow(MaxWaitTimeRanOut), this, budget, Timeout.InfiniteTimeSpan);
            HostingLog.Stopping(logger, reason, budget.TotalSeconds);

            // 1. Stop accepting. Under the gate, so a concurrent caller joining the stop finds these set.
            webSockets.BeginShutdown();
            _cronStopped = cron.StopAsync();
            Watch(cancellationToken);
        }
    }

    // Called under the gate: the caller's token cuts the stop short like the deadline does.
    private void Watch(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _callerTokens.Add(cancellationToken.UnsafeRegister(static state => ((ShutdownCoordinator)state!).CallerStoppedWaiting(), this));
        }
    }

    // The host's token is its ShutdownTimeout, which AddResident sets to MaxWaitTime: it fires with the deadline,
    // having started a moment earlier. Only a token that fires clearly earlier cut the stop short on its own.
    private void CallerStoppedWaiting()
    {
        long deadline, began;
        lock (_gate)
        {
            (deadline, began) = (_deadlineTimestamp, _beganTimestamp);
        }

        var tolerance = Math.Min(time.TimestampFrequency, Math.Max(time.TimestampFrequency / 10, (deadline - began) / 10));
        CutOffNow(time.GetTimestamp() >= deadline - tolerance ? MaxWaitTimeRanOut : "The caller stopped waiting");
    }

    private void CutOffNow(string cause)
    {
        Interlocked.CompareExchange(ref _cutOffCause, cause, null);
        _cutOff.Cancel();
    }

    private Task Complete(bool drainRequests, Action? handOver)
    {
        lock (_gate)
        {
            return _completion ??= RunAsync(drainRequests, handOver);
        }
    }

    private async Task RunAsync(bool drainRequests, Action? handOver)
    {
        // 2. Drain requests. The host has Kestrel drained before it calls StopAsync; a stop of our own asks it.
        if (drainRequests && services.GetService<IServer>() is { } server)
        {
            await server.StopAsync(CutOff).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // The extra ports close after the requests have drained (as documented), their connections within the deadline.
        await sockets.StopPortsAsync(CutOff).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // 3. Cron: no new run since step 1; its runs end side by side with what follows.
        // 4. Refuse deliveries (a reload first hands the pending ones over).
        handOver?.Invoke();
        tasks.StopAccepting();

        // 5. Stop processes.
        var processesStopped = processes.StopAsync();

        // 6. Finish tasks.
        await tasks.DrainAsync(_deadlineTimestamp, CutOff).ConfigureAwait(false);
        var rest = Task.WhenAll(processesStopped, _cronStopped);
        await rest.WaitAsync(CutOff).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // 7. Cancel the rest.
        var cause = CutOff.IsCancellationRequested ? Volatile.Read(ref _cutOffCause) ?? "The stop was cut short" : null;
        tasks.Abort(cause);
        if (!rest.IsCompleted)
        {
            HostingLog.StillRunning(logger, cause ?? MaxWaitTimeRanOut, cron.Unfinished, processes.Unfinished);
        }

        HostingLog.Stopped(logger, _reason, (long)time.GetElapsedTime(_beganTimestamp).TotalMilliseconds);
        _deadlineTimer?.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var registration in _callerTokens)
            {
                registration.Dispose();
            }

            _callerTokens.Clear();
        }

        // _cutOff has no timer of its own, so it needs no disposing (and a late cut-off may still cancel it).
        _deadlineTimer?.Dispose();
    }
}
