using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Resident.Hosting;

/// <summary>The inline-mode server: one process, worker 0.</summary>
internal sealed class ResidentServer(IOptions<ResidentOptions> options, IServiceProvider services) : IResidentServer
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

    public int WorkerId => 0;

    public long RequestCount => Interlocked.Read(ref _requestCount);

    public long ActiveConnections => Interlocked.Read(ref _activeConnections);

    public IReadOnlyList<string> ListenAddresses => Volatile.Read(ref _listenAddresses);

    public ResidentOptions Options => options.Value;

    public IWebSocketServer WebSockets => services.GetRequiredService<IWebSocketServer>();

    public ITaskQueue Tasks => services.GetRequiredService<ITaskQueue>();

    public IEventDispatcher Events => services.GetRequiredService<IEventDispatcher>();

    public IReadOnlyList<ICronJobInfo> CronJobs => services.GetRequiredService<Resident.Timers.CronScheduler>().Jobs;

    public ICustomProcesses Processes => services.GetRequiredService<ICustomProcesses>();

    public ISocketPorts Sockets => services.GetRequiredService<ISocketPorts>();

    public SwooleTables Tables => services.GetRequiredService<SwooleTables>();

    internal void MarkStarted() => Interlocked.Exchange(ref _startTimeTicks, DateTimeOffset.UtcNow.UtcTicks);

    internal void CaptureListenAddresses()
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        Volatile.Write(ref _listenAddresses, addresses is null ? [] : [.. addresses]);
    }

    internal void RequestReceived() => Interlocked.Increment(ref _requestCount);

    internal void ConnectionOpened() => Interlocked.Increment(ref _activeConnections);

    internal void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);
}
