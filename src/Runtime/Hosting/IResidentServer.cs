using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Resident;

/// <summary>
/// The running server — Resident's <c>app('swoole')</c>. Resolve it from dependency injection anywhere in a
/// Resident app. Later features add table and process APIs here.
/// </summary>
public interface IResidentServer
{
    /// <summary>When the server started; <see cref="DateTimeOffset.MinValue"/> before it has started.</summary>
    DateTimeOffset StartTime { get; }

    /// <summary>The id of the process serving this code.</summary>
    int ProcessId { get; }

    /// <summary>The worker id: 0 in inline mode, 0 to WorkerNum − 1 in supervised mode.</summary>
    int WorkerId { get; }

    /// <summary>The app version given with <c>start -x</c> (LaravelS <c>-x|--x-version</c>), or null.</summary>
    string? Version { get; }

    /// <summary>Requests received since the server started.</summary>
    long RequestCount { get; }

    /// <summary>Connections open right now on the server's listeners.</summary>
    long ActiveConnections { get; }

    /// <summary>The addresses the server listens on, known once it has started (e.g. <c>http://127.0.0.1:5200</c>).</summary>
    IReadOnlyList<string> ListenAddresses { get; }

    /// <summary>The validated settings the server runs with.</summary>
    ResidentOptions Options { get; }

    /// <summary>The WebSocket connections: push, broadcast, disconnect (also injectable as <see cref="IWebSocketServer"/>).</summary>
    IWebSocketServer WebSockets { get; }

    /// <summary>The task queue: deliver background tasks (also injectable as <see cref="ITaskQueue"/>).</summary>
    ITaskQueue Tasks { get; }

    /// <summary>Fires async events (also injectable as <see cref="IEventDispatcher"/>).</summary>
    IEventDispatcher Events { get; }

    /// <summary>The cron jobs with their schedules and counters, known once the server has started.</summary>
    IReadOnlyList<ICronJobInfo> CronJobs { get; }

    /// <summary>The custom processes by name, with their pipes (also injectable as <see cref="ICustomProcesses"/>).</summary>
    ICustomProcesses Processes { get; }

    /// <summary>The extra TCP, UDP and Unix-socket ports by name (also injectable as <see cref="ISocketPorts"/>).</summary>
    ISocketPorts Sockets { get; }

    /// <summary>The <see cref="SwooleTableAttribute">[SwooleTable]</see>s by name (LaravelS's <c>app('swoole')-&gt;wsTable</c> is <c>Tables["ws"]</c>).</summary>
    SwooleTables Tables { get; }
}
