using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Resident.Hosting;

/// <summary>The server as this process sees it: inline (one process, worker 0) or one worker of a supervised master.</summary>
internal sealed class ResidentServer(
    IOptions<ResidentOptions> options,
    IWebSocketServer webSockets,
    ITaskQueue tasks,
    IEventDispatcher events,
    Resident.Timers.CronScheduler cron,
    ICustomProcesses processes,
    ISocketPorts sockets,
    SwooleTables tables) : IResidentServer
{
    private long _requestCount;
    private long _activeConnections;
    private long _startTimeTicks;
    private IReadOnlyList<string> _listenAddresses = [];

    public DateTimeOffset StartTime
    {
        get
        {
            var ticks = Interlocked.Read(ref _startTimeTicks);
            return ticks == 0 ? DateTimeOffset.MinValue : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public int ProcessId { get; } = Environment.ProcessId;

    public int WorkerId { get; } = Resident.Supervision.WorkerIdentity.OfThisProcess?.WorkerId ?? 0;

    public string? Version { get; } = Resident.Supervision.WorkerIdentity.OfThisProcess?.AppVersion;

    /// <summary>Whether this process is a worker of a supervised master.</summary>
    internal bool Supervised { get; } = Resident.Supervision.WorkerIdentity.OfThisProcess is not null;

    public long RequestCount => Interlocked.Read(ref _requestCount);

    public long ActiveConnections => Interlocked.Read(ref _activeConnections);

    public IReadOnlyList<string> ListenAddresses => Volatile.Read(ref _listenAddresses);

    public ResidentOptions Options => options.Value;

    public IWebSocketServer WebSockets => webSockets;

    public ITaskQueue Tasks => tasks;

    public IEventDispatcher Events => events;

    public IReadOnlyList<ICronJobInfo> CronJobs => cron.Jobs;

    public ICustomProcesses Processes => processes;

    public ISocketPorts Sockets => sockets;

    public SwooleTables Tables => tables;

    internal void MarkStarted() => Interlocked.Exchange(ref _startTimeTicks, DateTimeOffset.UtcNow.UtcTicks);

    /// <summary>Records where the server listens; <paramref name="server"/> is null in a host without one.</summary>
    internal void CaptureListenAddresses(IServer? server)
    {
        var addresses = server?.Features.Get<IServerAddressesFeature>()?.Addresses;
        Volatile.Write(ref _listenAddresses, addresses is null ? [] : [.. addresses]);
    }

    /// <summary>Counts a request; returns the new count (MaxRequest compares it).</summary>
    internal long RequestReceived() => Interlocked.Increment(ref _requestCount);

    internal void ConnectionOpened() => Interlocked.Increment(ref _activeConnections);

    internal void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);
}
