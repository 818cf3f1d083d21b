using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resident.Hosting;
using Resident.Processes;
using Resident.Tasks;
using Resident.Timers;

namespace Resident.Supervision;

/// <summary>
/// A supervised worker's side of the control connection: says hello before anything starts and ready once Kestrel
/// listens; then obeys the master (retire, start timers, take over tasks, report stats) and carries the mesh. When
/// the master's connection ends without a retire, the master is gone and the worker stops: no orphans.
/// </summary>
internal sealed class WorkerAgent(
    WorkerIdentity identity,
    ControlMesh mesh,
    ResidentServer server,
    TaskQueue tasks,
    CronScheduler cron,
    CustomProcessSupervisor processes,
    GenerationDrain drain,
    Resident.Metrics.MetricsCollector metrics,
    IHostApplicationLifetime lifetime,
    ILogger<WorkerAgent> logger) : IHostedLifecycleService, IAsyncDisposable
{
    private ControlChannel? _channel;
    private Task _reading = Task.CompletedTask;
    private volatile bool _retiring;
    private volatile bool _timersRunning;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, TaskCompletionSource<byte[]>> _scrapes = new();
    private int _scrapeId;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        _channel = await ControlChannel.ConnectAsync(identity.ControlSocket, cancellationToken).ConfigureAwait(false);
        mesh.Attach(_channel);
        await _channel.SendAsync(ControlKind.Hello, Environment.ProcessId).ConfigureAwait(false);
        _reading = ReadAsync(_channel);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // BackgroundWorkService started the timers here if this worker runs them.
        _timersRunning = identity.RunsTimers;
        _ = drain.MaxRequestReached.ContinueWith(_ => RequestRecycle(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return _channel!.SendAsync(ControlKind.Ready, ReadOnlyMemory<byte>.Empty);
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _retiring = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The whole server's metrics for a scrape that reached this worker: the master gathers every process's figures
    /// and labels them. Null when the master cannot answer (it is stopping); the caller then shows this worker's own.
    /// </summary>
    public async Task<Resident.Metrics.MetricsSnapshot?> ScrapeServerAsync(CancellationToken cancellationToken)
    {
        if (_channel is not { } channel)
        {
            return null;
        }

        var id = Interlocked.Increment(ref _scrapeId);
        var pending = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _scrapes[id] = pending;
        try
        {
            await channel.SendAsync(ControlKind.MetricsRequest, id).ConfigureAwait(false);

            // The master waits up to the worker timeout for each worker; allow for that and the merge.
            var timeout = TimeSpan.FromMilliseconds(ResidentLimits.Metrics.WorkerScrapeTimeoutMilliseconds * 2);
            await ((Task)pending.Task).WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return pending.Task.IsCompletedSuccessfully ? Resident.Metrics.MetricsSnapshot.Read(pending.Task.Result) : null;
        }
        finally
        {
            _scrapes.TryRemove(id, out _);
        }
    }

    /// <summary>Whether this worker runs the cron jobs and custom processes (the dashboard says which worker does).</summary>
    internal bool TimersRunning => _timersRunning;

    /// <summary>Asks the master for a fresh worker in this one's place (MaxRequest reached).</summary>
    public void RequestRecycle() => _channel?.Post(ControlKind.Recycle, ReadOnlyMemory<byte>.Empty);

    private async Task ReadAsync(ControlChannel channel)
    {
        try
        {
            while (await channel.ReadAsync(CancellationToken.None).ConfigureAwait(false) is { } frame)
            {
                Handle(channel, frame);
            }
        }
        catch (InvalidDataException)
        {
        }

        if (!_retiring)
        {
            MasterLog.MasterGone(logger);
            _retiring = true;
            lifetime.StopApplication();
        }
    }

    private void Handle(ControlChannel channel, ControlFrame frame)
    {
        switch (frame.Kind)
        {
            case ControlKind.Retire:
                _ = RetireAsync(frame.Text);
                break;
            case ControlKind.StartTimers:
                if (!_timersRunning && !_retiring)
                {
                    _timersRunning = true;
                    cron.Start(tasks.Aborted);
                    processes.Start();
                }

                break;
            case ControlKind.Routed:
                mesh.Deliver(frame.Payload);
                break;
            case ControlKind.PeerJoined when frame.Payload.Length >= 4:
                mesh.Joined(frame.Int32At(0));
                break;
            case ControlKind.PeerLeft when frame.Payload.Length >= 4:
                mesh.Left(frame.Int32At(0));
                break;
            case ControlKind.StatsRequest when frame.Payload.Length >= 4:
                channel.Post(ControlKind.Stats, Stats(), frame.Payload.AsMemory(0, 4));
                break;
            case ControlKind.TakeOver:
                TakeOver(frame.Payload);
                break;
            case ControlKind.MetricsCollect when frame.Payload.Length >= 4:
                // Off the reading loop: a scrape reads every instrument, and mesh messages must not wait for it.
                _ = Task.Run(() => channel.Post(ControlKind.Metrics, metrics.Collect().Write(), frame.Payload.AsMemory(0, 4)));
                break;
            case ControlKind.MetricsReply when frame.Payload.Length >= 4:
                if (_scrapes.TryRemove(frame.Int32At(0), out var scrape))
                {
                    scrape.TrySetResult(frame.Payload[4..]);
                }

                break;
        }
    }

    /// <summary>
    /// Stop: the host's graceful stop. Reload or recycle: stop accepting connections and tell the master (a reload
    /// returns once the old generation takes no new connection), hand the timers over (stop them here, waiting for a
    /// running firing, then tell the master), hand the pending tasks to the successor, then drain.
    /// </summary>
    private async Task RetireAsync(string reason)
    {
        if (_retiring)
        {
            return;
        }

        _retiring = true;
        try
        {
            if (reason != "stop")
            {
                // A failed stop is logged by the drain (the graceful stop unbinds the listeners anyway); the master
                // hears either way, so a reload never waits on it.
                await ((Task)drain.StopAcceptingAsync()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await _channel!.SendAsync(ControlKind.StoppedAccepting, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
                if (_timersRunning)
                {
                    await Task.WhenAll(cron.StopAsync(), processes.StopAsync()).WaitAsync(server.Options.MaxWaitTime).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                await _channel!.SendAsync(ControlKind.TimersStopped, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
                await drain.RetireAsync(reason, CancellationToken.None, HandOver).ConfigureAwait(false);
            }
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    /// <summary>Queued, delayed and retrying deliveries go to the successor, which runs each once.</summary>
    private void HandOver()
    {
        var batch = tasks.HandOver();
        if (batch.Count > 0)
        {
            _channel?.Post(ControlKind.HandOver, batch.Bytes);
        }
    }

    private void TakeOver(byte[] batch) => tasks.TakeOver(batch);

    private byte[] Stats()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("workerId", identity.WorkerId);
            json.WriteNumber("slot", identity.Slot);
            json.WriteNumber("requests", server.RequestCount);
            json.WriteNumber("connections", server.ActiveConnections);
            json.WriteNumber("webSockets", server.WebSockets.Count);
            json.WriteNumber("tasksQueued", tasks.Pending);
            json.WriteNumber("tasksRunning", tasks.Running);
            json.WriteNumber("tasksCompleted", tasks.Completed);
            json.WriteNumber("tasksFailed", tasks.Failed);
            json.WriteNumber("memoryBytes", Environment.WorkingSet);
            json.WriteStartArray("cronJobs");
            if (_timersRunning)
            {
                foreach (var job in cron.Jobs)
                {
                    json.WriteStartObject();
                    json.WriteString("name", job.Name);
                    json.WriteNumber("runs", job.Runs);
                    json.WriteNumber("failures", job.Failures);
                    json.WriteString("next", job.NextRun?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "");
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            json.WriteStartArray("processes");
            if (_timersRunning)
            {
                foreach (var process in processes)
                {
                    json.WriteStartObject();
                    json.WriteString("name", process.Name);
                    json.WriteNumber("instances", process.Running);
                    json.WriteNumber("crashes", process.Crashes);
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is { } channel)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }

        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
