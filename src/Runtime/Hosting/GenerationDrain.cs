using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Http;
using Resident.WebSockets;

namespace Resident.Hosting;

/// <summary>
/// Retires this worker generation without failing a request, for a reload or a MaxRequest recycle, while the next
/// generation accepts on the same inherited sockets:
/// <list type="number">
/// <item>stop accepting: the listeners close their listen sockets in this process only (the master and the next
/// generation keep theirs); open connections go on;</item>
/// <item>drain: every HTTP/1.x response carries <c>Connection: close</c>, so a keep-alive client finishes the request
/// it has in flight and reconnects to the next generation; WebSockets close with 1012 (service restart);</item>
/// <item>wait until the last connection has left, or a short grace period (<see cref="ConnectionGrace"/>, at most
/// MaxWaitTime) has passed; idle keep-alive connections that send nothing are then closed between requests by
/// Kestrel's graceful stop;</item>
/// <item>the rest of the stop through <see cref="ShutdownCoordinator.StopAsync(string, CancellationToken, Action?)"/>:
/// requests, ports, cron, tasks and processes within MaxWaitTime.</item>
/// </list>
/// It also carries the MaxRequest signal (<see cref="MaxRequestReached"/>) the worker uses to ask for its recycle.
/// </summary>
internal sealed class GenerationDrain(
    DrainableTransportFactory transport,
    ConnectionDrain connections,
    ResidentServer server,
    WebSocketServer webSockets,
    ShutdownCoordinator coordinator,
    IOptions<ResidentOptions> options,
    TimeProvider time,
    ILogger<GenerationDrain> logger) : IHostedService
{
    /// <summary>The longest wait for connections to leave on their own, unless MaxWaitTime is shorter.</summary>
    internal static readonly TimeSpan DefaultConnectionGrace = TimeSpan.FromSeconds(3);

    private readonly Lock _gate = new();

    // Started by the first caller, outside any lock of ours: closing the listen sockets waits for their pending accepts.
    private readonly Lazy<Task<int>> _stopAccepting = new(transport.StopAcceptingAsync);
    private Task? _retirement;

    /// <summary>
    /// Completes once, when this worker has served <c>MaxRequest</c> requests (never with <c>MaxRequest = 0</c>). The
    /// worker then asks the master for a fresh worker, which retires this one with <see cref="RetireAsync"/>.
    /// Continuations run on the thread pool, never on the request that reached the count.
    /// </summary>
    public Task MaxRequestReached => connections.MaxRequestReached;

    /// <summary>
    /// Whether this generation is on its way out: <see cref="RetireAsync"/> has been called, or it has stopped
    /// accepting (a supervised worker does that first, then hands its timers over before it retires).
    /// </summary>
    public bool IsRetiring
    {
        get
        {
            lock (_gate)
            {
                return _retirement is not null || _stopAccepting.IsValueCreated;
            }
        }
    }

    /// <summary>How long the retirement waits for connections to leave before the graceful stop closes the idle ones (capped by MaxWaitTime).</summary>
    internal TimeSpan ConnectionGrace { get; set; } = DefaultConnectionGrace;

    /// <summary>Whether this process is a worker started by the supervised mode's master.</summary>
    internal static bool RunsAsWorker => Resident.Supervision.WorkerIdentity.OfThisProcess is not null;

    internal static void AddGenerationDrain(IServiceCollection services)
    {
        services.AddSingleton<GenerationDrain>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<GenerationDrain>());
    }

    /// <summary>
    /// Retires this generation: stop accepting, close keep-alive connections after their current response and
    /// WebSockets with 1012, wait for the connections to leave (at most <see cref="ConnectionGrace"/>), then stop
    /// the rest within MaxWaitTime. Completes when the stop has finished; the host's own stop afterwards joins it.
    /// Calling it again returns the same retirement.
    /// </summary>
    /// <param name="reason">What the logs say the retirement is for ("reload", "MaxRequest").</param>
    /// <param name="cancellationToken">Stops waiting: the connection wait ends and what still runs is cancelled at once.</param>
    /// <param name="handOver">Runs once the requests have drained, before the tasks are stopped: the supervised worker
    /// hands its pending tasks to the next generation there.</param>
    public Task RetireAsync(string reason, CancellationToken cancellationToken, Action? handOver = null)
    {
        ArgumentNullException.ThrowIfNull(reason);
        lock (_gate)
        {
            return _retirement ??= RunAsync(reason, cancellationToken, handOver);
        }
    }

    /// <summary>
    /// Step 1 of <see cref="RetireAsync"/> on its own, for a worker that must stop taking connections before it
    /// hands its timers over (which may wait for a running cron firing): the listeners stop accepting once; every
    /// call returns that one stop, which completes with how many listeners it stopped.
    /// </summary>
    public Task<int> StopAcceptingAsync() => _stopAccepting.Value;

    private async Task RunAsync(string reason, CancellationToken cancellationToken, Action? handOver)
    {
        // Off the caller's lock and thread: the steps below close sockets and wait.
        await Task.Yield();
        var began = time.GetTimestamp();
        var maxWaitTime = options.Value.MaxWaitTime;
        var grace = ConnectionGrace < maxWaitTime ? ConnectionGrace : maxWaitTime;

        // 1. Stop accepting. Kestrel's accept loops end; the connections they accepted go on.
        var listeners = 0;
        try
        {
            listeners = await StopAcceptingAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Never keep a retiring worker from stopping: the graceful stop below unbinds the listeners again.
            HostingLog.StopAcceptingFailed(logger, exception);
        }

        // 2. Every response from now on closes its keep-alive connection.
        var idle = connections.BeginDraining(server);

        // 3. WebSocket clients reconnect to the next generation.
        webSockets.BeginShutdown(WebSocketServer.ServiceRestart, "service restart");
        HostingLog.Retiring(logger, reason, listeners, server.ActiveConnections, grace.TotalSeconds);

        await idle.WaitAsync(grace, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (idle.IsCompleted)
        {
            HostingLog.ConnectionsLeft(logger, (long)time.GetElapsedTime(began).TotalMilliseconds);
        }
        else
        {
            HostingLog.ConnectionsStillOpen(logger, server.ActiveConnections, grace.TotalSeconds);
        }

        // 4. The rest of the one stop: requests still running, ports, cron, tasks, processes.
        await coordinator.StopAsync(reason, cancellationToken, handOver).ConfigureAwait(false);
    }

    /// <summary>Says once at start that MaxRequest does nothing inline.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var maxRequest = options.Value.MaxRequest;
        if (maxRequest > 0 && !RunsAsWorker)
        {
            HostingLog.MaxRequestNeedsSupervisedMode(logger, maxRequest);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
