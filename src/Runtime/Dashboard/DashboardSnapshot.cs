using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using Resident.Processes;
using Resident.Supervision;
using Resident.Tasks;
using Resident.Timers;

namespace Resident.Dashboard;

/// <summary>
/// What the dashboard shows, read from the runtime's own objects at the moment of the request and written as JSON with
/// <see cref="Utf8JsonWriter"/> (no reflection, so NativeAOT-clean). In a supervised worker it is this worker's view:
/// its requests, connections and tasks; the WebSocket count covers every worker, cron jobs and custom processes run
/// in the worker that runs the timers.
/// </summary>
internal sealed class DashboardSnapshot
{
    private readonly ResidentServer _server;
    private readonly ResidentRuntime _runtime;
    private readonly TaskQueue _tasks;
    private readonly CronScheduler _cron;
    private readonly CustomProcessSupervisor _processes;
    private readonly SwooleTables _tables;
    private readonly ISocketPorts _ports;
    private readonly IWebSocketServer _webSockets;
    private readonly WorkerAgent? _worker;
    private readonly TimeProvider _time;

    public DashboardSnapshot(IServiceProvider services)
    {
        _server = services.GetRequiredService<ResidentServer>();
        _runtime = services.GetRequiredService<ResidentRuntime>();
        _tasks = services.GetRequiredService<TaskQueue>();
        _cron = services.GetRequiredService<CronScheduler>();
        _processes = services.GetRequiredService<CustomProcessSupervisor>();
        _tables = services.GetRequiredService<SwooleTables>();
        _ports = services.GetRequiredService<ISocketPorts>();
        _webSockets = services.GetRequiredService<IWebSocketServer>();
        _worker = services.GetService<WorkerAgent>();
        _time = services.GetRequiredService<TimeProvider>();
    }

    public void Write(Utf8JsonWriter json)
    {
        var now = _time.GetUtcNow();
        json.WriteStartObject();
        WriteTime(json, "now", now);
        WriteServer(json, now);
        WriteWebSockets(json);
        WriteTasks(json);
        WriteCronJobs(json);
        WriteTables(json);
        WriteProcesses(json);
        WritePorts(json);
        json.WriteEndObject();
    }

    private void WriteServer(Utf8JsonWriter json, DateTimeOffset now)
    {
        var options = _server.Options;
        var started = _server.StartTime;
        json.WriteStartObject("server");
        json.WriteString("mode", _server.Supervised ? "supervised" : "inline");
        json.WriteNumber("pid", _server.ProcessId);
        json.WriteNumber("workerId", _server.WorkerId);
        json.WriteNumber("workerNum", _server.Supervised ? options.WorkerNum : 1);
        json.WriteBoolean("runsTimers", _worker?.TimersRunning ?? true);
        if (_server.Version is { } version)
        {
            json.WriteString("version", version);
        }

        if (started == DateTimeOffset.MinValue)
        {
            json.WriteNull("startTime");
            json.WriteNumber("uptimeSeconds", 0);
        }
        else
        {
            WriteTime(json, "startTime", started);
            json.WriteNumber("uptimeSeconds", Math.Max(0, (long)(now - started).TotalSeconds));
        }

        json.WriteNumber("requests", _server.RequestCount);
        json.WriteNumber("connections", _server.ActiveConnections);
        json.WriteStartArray("listenAddresses");
        foreach (var address in _server.ListenAddresses)
        {
            json.WriteStringValue(address);
        }

        json.WriteEndArray();
        json.WriteNumber("maxRequest", options.MaxRequest);
        json.WriteNumber("maxWaitTimeSeconds", (long)options.MaxWaitTime.TotalSeconds);
        json.WriteNumber("memoryBytes", Environment.WorkingSet);
        json.WriteNumber("gcHeapBytes", GC.GetTotalMemory(forceFullCollection: false));
        json.WriteString("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
        json.WriteEndObject();
    }

    private void WriteWebSockets(Utf8JsonWriter json)
    {
        // Every declared path shows, with zero connections too; a connection on a path no handler declares (another
        // node's, say) gets a row of its own.
        var byPath = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var declaration in _runtime.Declarations.WebSocketHandlers)
        {
            byPath.TryAdd(declaration.Path, 0);
        }

        foreach (var connection in _webSockets.Connections)
        {
            byPath[connection.Path] = byPath.TryGetValue(connection.Path, out var count) ? count + 1 : 1;
        }

        json.WriteStartObject("webSockets");
        json.WriteNumber("connections", _webSockets.Count);
        json.WriteStartArray("paths");
        foreach (var (path, count) in byPath.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteString("handler", _runtime.Declarations.WebSocketHandlers.FirstOrDefault(declaration => declaration.Path == path)?.Name ?? "");
            json.WriteNumber("connections", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void WriteTasks(Utf8JsonWriter json)
    {
        json.WriteStartObject("tasks");
        json.WriteNumber("pending", _tasks.Pending);
        json.WriteNumber("running", _tasks.Running);
        json.WriteNumber("completed", _tasks.Completed);
        json.WriteNumber("failed", _tasks.Failed);
        json.WriteNumber("workers", _server.Options.TaskWorkerNum);
        json.WriteNumber("capacity", _server.Options.TaskQueueCapacity);
        json.WriteStartArray("recentFailures");
        foreach (var failure in _tasks.RecentFailures)
        {
            json.WriteStartObject();
            json.WriteString("task", failure.Task);
            json.WriteNumber("attempt", failure.Attempt);
            WriteTime(json, "at", failure.At);
            json.WriteString("exception", failure.Exception);
            json.WriteString("message", failure.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void WriteCronJobs(Utf8JsonWriter json)
    {
        json.WriteStartArray("cronJobs");
        foreach (var job in _cron.Jobs)
        {
            json.WriteStartObject();
            json.WriteString("name", job.Name);
            json.WriteString("schedule", job.Schedule);
            json.WriteBoolean("enabled", job.Enabled);
            json.WriteBoolean("stopped", job.Stopped);
            json.WriteString("scope", job.Scope == CronScope.Cluster ? "cluster" : "node");
            json.WriteNumber("runs", job.Runs);
            json.WriteNumber("failures", job.Failures);
            json.WriteNumber("skipped", job.Skipped);
            json.WriteNumber("ranElsewhere", job.RanElsewhere);
            WriteTime(json, "lastRun", job.LastRun);
            json.WriteNumber("lastLagMilliseconds", Math.Round(job.LastLag.TotalMilliseconds, 3));
            WriteTime(json, "nextRun", job.NextRun);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private void WriteTables(Utf8JsonWriter json) => WriteTables(json, _tables);

    /// <summary>The tables' usage as the dashboard and the <c>info</c> verb show it.</summary>
    internal static void WriteTables(Utf8JsonWriter json, SwooleTables tables)
    {
        json.WriteStartArray("tables");
        foreach (var table in tables)
        {
            json.WriteStartObject();
            json.WriteString("name", table.Name);
            json.WriteNumber("rows", table.Count);
            json.WriteNumber("size", table.Size);
            json.WriteNumber("memoryBytes", table.MemorySize);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private void WriteProcesses(Utf8JsonWriter json)
    {
        var instances = _runtime.Declarations.Background.CustomProcesses.ToDictionary(declaration => declaration.ProcessName, declaration => declaration.Num, StringComparer.Ordinal);
        json.WriteStartArray("processes");
        foreach (var process in _processes)
        {
            json.WriteStartObject();
            json.WriteString("name", process.Name);
            json.WriteNumber("instances", instances.GetValueOrDefault(process.Name));
            json.WriteNumber("running", process.Running);
            json.WriteNumber("restarts", process.Crashes);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private void WritePorts(Utf8JsonWriter json)
    {
        json.WriteStartArray("ports");
        foreach (var port in _ports)
        {
            json.WriteStartObject();
            json.WriteString("name", port.Name);
            json.WriteString("type", port.Type.ToString());
            json.WriteString("endpoint", port.LocalEndPoint?.ToString() ?? "");
            if (port is ITcpPort tcp)
            {
                json.WriteNumber("connections", tcp.Connections.Count);
            }
            else
            {
                json.WriteNull("connections");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
