using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Cli;
using Resident.Hosting;
using Resident.Metrics;
using Resident.Sockets;
using Resident.Tables;

namespace Resident.Supervision;

/// <summary>
/// The supervised server's master (<c>app start</c>): small and stable, never on the request path. It checks the
/// settings, creates the listening sockets and the shared-memory tables once, starts <c>WorkerNum</c> worker
/// processes (the same executable with <c>RESIDENT_ROLE=worker</c>) that inherit the sockets, restarts a worker that
/// dies, and on reload (<c>reload</c> verb or SIGUSR1) or MaxRequest starts fresh workers first and drains the old
/// ones after. Verbs reach it through its control socket, named in the pid file.
/// </summary>
internal sealed partial class Master
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopAcceptingWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly ResidentCommand _command;
    private readonly string[] _args;
    private readonly ResidentOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _operations = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<WorkerProcess> _live = [];
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly SystemdNotifier _systemd;
    private readonly ResidentMetrics _metrics;
    private readonly Resident.Performance.PerformanceSettings _performance;
    private readonly IReadOnlyList<int> _cpus = Resident.Performance.WorkerTuning.AllowedCpus();
    private List<WorkerProcess> _serving = [];
    private MasterListeners? _listeners;
    private Socket? _control;
    private string _controlPath = "";
    private int _generation;
    private int _statsRequest;
    private int _reloads;
    private bool _started;
    private StreamWriter? _readyPipe;

    public Master(WebApplication app, ResidentCommand command, string[] args)
    {
        _app = app;
        _command = command;
        _args = args;
        _options = app.Services.GetRequiredService<IOptions<ResidentOptions>>().Value;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Resident.Master");
        _systemd = new SystemdNotifier(_logger);
        _metrics = app.Services.GetRequiredService<ResidentMetrics>();
        _performance = Resident.Performance.PerformanceSettings.Of(_options.Performance);
        _metrics.ObserveSupervisorWorkers(CountWorkers);
    }

    /// <summary>Runs the master until the server has stopped; returns the exit code.</summary>
    public async Task<int> RunAsync()
    {
        OpenReadyPipe();
        if (_options.Metrics.Enabled)
        {
            // The master's own series (the supervisor's instruments, its runtime) join every scrape.
            _app.Services.GetRequiredService<Resident.Metrics.MetricsCollector>().Start();
        }

        try
        {
            _app.Services.GetRequiredService<ResidentStartup>().Run();
        }
        catch (ResidentStartupException exception)
        {
            return Fail("Resident could not start:" + Environment.NewLine + string.Join(Environment.NewLine, exception.Errors.Select(error => "  - " + error)));
        }

        var pidFile = PidFile.Of(_options, _app.Services.GetService<IHostEnvironment>());
        if (!_command.IgnorePidFile && await ControlClient.RunningMasterAsync(pidFile) is { } running)
        {
            return Fail($"Resident is already running (pid {running}); pid file {pidFile.Path}.");
        }

        var tables = _app.Services.GetRequiredService<SwooleTables>();
        try
        {
            _listeners = MasterListeners.Bind(_options, _app.Services.GetRequiredService<SocketServer>().Plans);
            tables.Open();
            OpenControlSocket();
            pidFile.Write(Environment.ProcessId, _controlPath);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or SocketException or UnauthorizedAccessException)
        {
            _listeners?.Dispose();
            tables.Close();
            CloseControlSocket();
            return Fail("Resident could not start: " + exception.Message);
        }

        using var signals = RegisterSignals();
        _ = AcceptAsync();
        try
        {
            _generation = 1;
            var first = Enumerable.Range(0, _options.WorkerNum).Select(id => Spawn(id, _generation, runsTimers: id == 0)).ToList();
            var failure = await WaitReadyAsync(first);
            if (failure is not null)
            {
                await StopWorkersAsync(first);
                return Fail($"Resident could not start: {failure}");
            }

            lock (_gate)
            {
                _serving = first;
                _started = true;
            }

            var started = $"Resident started: {string.Join(", ", _listeners.Addresses)}; master pid {Environment.ProcessId}, " +
                $"{first.Count} worker(s) pid {string.Join(", ", first.Select(worker => worker.ProcessId))}; pid file {pidFile.Path}";
            MasterLog.Started(_logger, started);
            SignalReady(started);
            _systemd.Ready($"serving {string.Join(", ", _listeners.Addresses)}");

            await using (var watcher = StartWatching())
            {
                await _stopRequested.Task;
            }

            _systemd.Stopping("stopping the workers");
            List<WorkerProcess> all;
            lock (_gate)
            {
                all = [.. _live];
            }

            await StopWorkersAsync(all);
            MasterLog.Stopped(_logger, Environment.ProcessId);
            return 0;
        }
        finally
        {
            _stopping.Cancel();
            _systemd.Dispose();
            tables.Close();
            _listeners.Dispose();
            pidFile.Delete(Environment.ProcessId);
            CloseControlSocket();
        }
    }

    // ---- Start-up plumbing -------------------------------------------------------------------------------------

    private void OpenReadyPipe()
    {
        if (Environment.GetEnvironmentVariable(SupervisorEnvironment.ReadyDescriptor) is not { Length: > 0 } descriptor)
        {
            return;
        }

        // The daemon: leave the starter's session, and keep the pipe out of the workers.
        InheritedDescriptors.CreateSession();
        InheritedDescriptors.SetCloseOnExec(int.Parse(descriptor, System.Globalization.CultureInfo.InvariantCulture));
        _readyPipe = new StreamWriter(new AnonymousPipeClientStream(PipeDirection.Out, descriptor)) { AutoFlush = true };
    }

    private void SignalReady(string message)
    {
        try
        {
            _readyPipe?.WriteLine("ready " + message);
        }
        catch (IOException)
        {
            // The starter gave up waiting; the server runs anyway.
        }

        _readyPipe?.Dispose();
        _readyPipe = null;
    }

    private int Fail(string message)
    {
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        try
        {
            _readyPipe?.WriteLine("error " + message.ReplaceLineEndings("\u001f"));
        }
        catch (IOException)
        {
        }

        _readyPipe?.Dispose();
        _readyPipe = null;
        return 1;
    }

    private void OpenControlSocket()
    {
        // Under /tmp: a Unix socket path has at most 107 bytes, and content roots can be longer than that.
        _controlPath = Path.Combine(Path.GetTempPath(), $"resident-{Environment.ProcessId}.ctl");
        File.Delete(_controlPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(_controlPath));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_controlPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        socket.Listen(64);
        _control = socket;
    }

    private void CloseControlSocket()
    {
        _control?.Dispose();
        if (_controlPath.Length > 0)
        {
            File.Delete(_controlPath);
        }
    }

    private IDisposable RegisterSignals()
    {
        var registrations = new List<PosixSignalRegistration>
        {
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                RequestStop("SIGTERM");
            }),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                RequestStop("SIGINT");
            }),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context =>
            {
                context.Cancel = true;
                RequestStop("SIGQUIT");
            }),
        };
        // SIGUSR1 is LaravelS's reload signal; SIGHUP is what systemd's Type=notify-reload sends by default.
        foreach (var (signal, name) in new[] { ((PosixSignal)BackgroundWorkService.SigUsr1, "SIGUSR1"), (PosixSignal.SIGHUP, "SIGHUP") })
        {
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _ = Task.Run(async () => MasterLog.ReloadResult(_logger, name, await ReloadAsync()));
            }));
        }
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose() => registrations.ForEach(registration => registration.Dispose());
    }

    private void RequestStop(string reason)
    {
        if (_stopRequested.TrySetResult())
        {
            MasterLog.Stopping(_logger, reason);
        }
    }

    /// <summary>The live workers by state, as <c>info</c> reports them (for <c>resident.supervisor.workers</c>).</summary>
    private (int Serving, int Draining, int Starting) CountWorkers()
    {
        lock (_gate)
        {
            var serving = _live.Count(_serving.Contains);
            var draining = _live.Count(worker => worker.Retiring && !_serving.Contains(worker));
            return (serving, draining, _live.Count - serving - draining);
        }
    }

    /// <summary>
    /// <c>start --watch</c>: rebuild on source changes and reload when the build succeeded (a failed build is printed
    /// and the running generation keeps serving). Null without <c>--watch</c>, or when no project is found.
    /// </summary>
    private SourceWatcher? StartWatching()
    {
        if (_command.WatchPaths is not { } paths)
        {
            return null;
        }

        var project = SourceWatchOptions.FindProjectFile(_app.Environment.ContentRootPath, AppContext.BaseDirectory);
        if (project is null)
        {
            MasterLog.NoProjectToWatch(_logger, _app.Environment.ContentRootPath);
            return null;
        }

        var options = SourceWatchOptions.ForProject(project, SourceWatchOptions.ConfigurationOf(AppContext.BaseDirectory),
            paths.Count == 0 ? null : [.. paths.Select(path => Path.GetFullPath(path, _app.Environment.ContentRootPath))]);
        var watcher = new SourceWatcher(options, async _ =>
        {
            var (succeeded, message) = await ReloadAsync().ConfigureAwait(false);
            MasterLog.ReloadResult(_logger, "watch mode", (succeeded, message));
        }, _logger);
        watcher.Start();
        return watcher;
    }

    // ---- Workers ------------------------------------------------------------------------------------------------

    private WorkerProcess Spawn(int workerId, int generation, bool runsTimers)
    {
        int slot;
        lock (_gate)
        {
            slot = Enumerable.Range(0, 256).First(candidate => _live.All(worker => worker.Slot != candidate));
        }

        var (executable, prefix) = Executable();
        var start = new ProcessStartInfo(executable) { UseShellExecute = false };
        foreach (var argument in prefix.Concat(_args))
        {
            start.ArgumentList.Add(argument);
        }

        var environment = start.Environment;
        environment.Remove(SupervisorEnvironment.ReadyDescriptor);
        environment.Remove("NOTIFY_SOCKET");
        environment[SupervisorEnvironment.Role] = "worker";
        environment[SupervisorEnvironment.WorkerId] = workerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[SupervisorEnvironment.Slot] = slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[SupervisorEnvironment.Generation] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[SupervisorEnvironment.ControlSocket] = _controlPath;
        environment[SupervisorEnvironment.Listeners] = _listeners!.Descriptors;
        environment[SupervisorEnvironment.Timers] = runsTimers ? "1" : "0";
        environment[SupervisorEnvironment.TablesInstance] = _app.Services.GetRequiredService<SwooleTables>().InstanceName;
        if (_command.AppVersion is { } version)
        {
            environment[SupervisorEnvironment.AppVersion] = version;
        }

        // Resident:Performance's start-time settings (inline completions, GC, CPU pinning): the master's advantage.
        Resident.Performance.WorkerTuning.Apply(environment, _performance, workerId, _cpus);

        if (_command.EnvironmentName is { } name)
        {
            environment["ASPNETCORE_ENVIRONMENT"] = name;
            environment["DOTNET_ENVIRONMENT"] = name;
        }

        // The listening sockets are inheritable only while this child starts (not by a watch-mode build, say).
        var process = InheritedDescriptors.StartInheriting(start, _listeners.Handles);
        var worker = new WorkerProcess(workerId, slot, generation, process, runsTimers);
        lock (_gate)
        {
            _live.Add(worker);
        }

        MasterLog.WorkerStarted(_logger, workerId, process.Id, generation);
        worker.Exit = MonitorAsync(worker);
        return worker;
    }

    /// <summary>The executable as it is on disk now: the apphost or NativeAOT binary, or <c>dotnet App.dll</c>.</summary>
    internal static (string Executable, string[] Prefix) Executable()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is unknown.");
        var entry = Environment.GetCommandLineArgs()[0];
        return Path.GetFileNameWithoutExtension(path) == "dotnet" && entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? (path, [entry])
            : (path, []);
    }

    /// <summary>Null when every worker reported ready; otherwise why not.</summary>
    private async Task<string?> WaitReadyAsync(IReadOnlyList<WorkerProcess> workers)
    {
        var timeout = Task.Delay(StartTimeout, _stopping.Token);
        foreach (var worker in workers)
        {
            var ready = await Task.WhenAny(worker.Ready.Task, timeout).ConfigureAwait(false);
            if (ready != worker.Ready.Task)
            {
                return $"worker {worker.Id} (pid {worker.ProcessId}) was not ready within {StartTimeout.TotalSeconds:0} s.";
            }

            if (!await worker.Ready.Task.ConfigureAwait(false))
            {
                return $"worker {worker.Id} (pid {worker.ProcessId}) exited with status {worker.ExitCode} before it was ready; its output is above.";
            }
        }

        return null;
    }

    private async Task MonitorAsync(WorkerProcess worker)
    {
        await worker.Process.WaitForExitAsync().ConfigureAwait(false);
        worker.ExitCode = worker.Process.ExitCode;
        worker.Ready.TrySetResult(false);
        worker.TimersStopped.TrySetResult();
        bool replace;
        lock (_gate)
        {
            _live.Remove(worker);
            replace = _started && !worker.Retiring && !_stopRequested.Task.IsCompleted && _serving.Contains(worker);

            // Under the gate: a newcomer that takes this slot is announced after this worker's departure.
            foreach (var peer in _live)
            {
                peer.Channel?.Post(ControlKind.PeerLeft, Int32(worker.Slot));
            }
        }

        worker.Channel = null;
        _metrics.AddWorkerExit(replace ? ResidentMetrics.WorkerExitReason.Crashed : _stopRequested.Task.IsCompleted ? ResidentMetrics.WorkerExitReason.Stopped
            : worker.Retiring ? ResidentMetrics.WorkerExitReason.Retired : ResidentMetrics.WorkerExitReason.Crashed);
        if (!replace)
        {
            MasterLog.WorkerExited(_logger, worker.Id, worker.ProcessId, worker.Generation, worker.ExitCode);
            return;
        }

        MasterLog.WorkerDied(_logger, worker.Id, worker.ProcessId, worker.ExitCode);
        await FireWorkerErrorAsync(worker).ConfigureAwait(false);

        // Back off when it keeps dying young (within 10 s of its start): at once, then 1 s, 2 s, 4 s … up to 30 s.
        var lived = DateTimeOffset.UtcNow - worker.StartedAt;
        var failures = lived < TimeSpan.FromSeconds(10) ? worker.RecentFailures + 1 : 0;
        var delay = failures <= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxRestartDelay.TotalSeconds, Math.Pow(2, failures - 2)));
        try
        {
            await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await _operations.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (_stopRequested.Task.IsCompleted || !_serving.Contains(worker))
                {
                    return;
                }
            }

            var replacement = Spawn(worker.Id, worker.Generation, worker.RunsTimers);
            replacement.RecentFailures = failures;
            lock (_gate)
            {
                _serving[_serving.IndexOf(worker)] = replacement;
            }
        }
        finally
        {
            _operations.Release();
        }
    }

    private async Task FireWorkerErrorAsync(WorkerProcess worker)
    {
        if (_app.Services.GetRequiredService<ResidentRuntime>().BuiltComponents is not { } components)
        {
            return;
        }

        var server = _app.Services.GetRequiredService<IResidentServer>();
        var exception = new InvalidOperationException($"Worker {worker.Id} (pid {worker.ProcessId}) exited with status {worker.ExitCode}.");
        using var budget = new CancellationTokenSource(KillGrace);
        foreach (var (hookEvent, hook) in components.LifecycleHooks)
        {
            if (hookEvent != LifecycleEvent.WorkerError)
            {
                continue;
            }

            try
            {
                var context = new LifecycleEventContext(LifecycleEvent.WorkerError, server, _app.Services, exception, (worker.Id, worker.ProcessId, worker.ExitCode));
                await hook.Instance.OnLifecycleEventAsync(context, budget.Token).ConfigureAwait(false);
            }
            catch (Exception hookException)
            {
                MasterLog.HookFailed(_logger, hook.Name, hookException);
            }
        }
    }

    /// <summary>Tells each worker to stop (a graceful stop within MaxWaitTime) and waits for all; kills the late.</summary>
    private async Task StopWorkersAsync(IReadOnlyList<WorkerProcess> workers)
    {
        foreach (var worker in workers)
        {
            Retire(worker, "stop");
        }

        await Task.WhenAll(workers.Select(worker => worker.Exit)).ConfigureAwait(false);
    }

    private void Retire(WorkerProcess worker, string reason)
    {
        worker.Retiring = true;
        if (worker.Exit.IsCompleted)
        {
            // Gone already: its pid may belong to another process by now.
            return;
        }

        if (worker.Channel is { } channel)
        {
            channel.Post(ControlKind.Retire, Encoding.UTF8.GetBytes(reason));
        }
        else
        {
            // Not connected yet (or any more): SIGTERM is a graceful stop too.
            NativeCalls.Signal(worker.ProcessId, 15);
        }

        _ = KillWhenLateAsync(worker);
    }

    private async Task KillWhenLateAsync(WorkerProcess worker)
    {
        var exited = await Task.WhenAny(worker.Exit, Task.Delay(_options.MaxWaitTime + KillGrace)).ConfigureAwait(false) == worker.Exit;
        if (!exited)
        {
            MasterLog.WorkerKilled(_logger, worker.Id, worker.ProcessId, (_options.MaxWaitTime + KillGrace).TotalSeconds);
            worker.Process.Kill(entireProcessTree: true);
        }
    }

    // ---- Reload and recycling ----------------------------------------------------------------------------------

    /// <summary>
    /// Starts a new generation, waits until it serves, then retires the old one and waits until it takes no new
    /// connection (it drains after that). Returns what happened.
    /// </summary>
    public async Task<(bool Succeeded, string Message)> ReloadAsync()
    {
        await _operations.WaitAsync().ConfigureAwait(false);
        try
        {
            List<WorkerProcess> old;
            lock (_gate)
            {
                if (!_started || _stopRequested.Task.IsCompleted)
                {
                    return (false, "the server is starting or stopping; nothing was reloaded.");
                }

                old = [.. _serving];
            }

            var began = Stopwatch.GetTimestamp();
            _systemd.Reloading($"starting generation {_generation + 1}");
            var generation = Interlocked.Increment(ref _generation);
            MasterLog.Reloading(_logger, generation);
            List<WorkerProcess> fresh = [];
            string? failure;
            try
            {
                for (var id = 0; id < _options.WorkerNum; id++)
                {
                    fresh.Add(Spawn(id, generation, runsTimers: false));
                }

                failure = await WaitReadyAsync(fresh).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                failure = $"a worker could not be started: {exception.Message}.";
            }

            if (failure is not null)
            {
                foreach (var worker in fresh)
                {
                    worker.Retiring = true;
                    worker.Process.Kill(entireProcessTree: true);
                }

                _systemd.Ready("reload failed; the previous generation keeps serving");
                return (false, $"reload failed: {failure} Generation {old[0].Generation} keeps serving.");
            }

            lock (_gate)
            {
                _serving = fresh;
            }

            Interlocked.Increment(ref _reloads);
            foreach (var worker in old)
            {
                worker.Successor = fresh.FirstOrDefault(candidate => candidate.Id == worker.Id) ?? fresh[0];
                if (worker.RunsTimers)
                {
                    _ = HandTimersAsync(worker, worker.Successor);
                }

                Retire(worker, "reload");
            }

            // Return once the old generation takes no new connection, so a client that connects after the reload
            // reaches the new code. A worker that never says so (wedged, or gone) holds the reload at most this long.
            var stillAccepting = false;
            try
            {
                await Task.WhenAll(old.Select(worker => Task.WhenAny(worker.StoppedAccepting.Task, worker.Exit))).WaitAsync(StopAcceptingWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                stillAccepting = true;
            }

            _metrics.AddSupervisorReload();

            var elapsed = Stopwatch.GetElapsedTime(began);
            _systemd.Ready($"generation {generation} serving");
            var message = $"reloaded in {elapsed.TotalMilliseconds:0} ms: generation {generation} serves (pid {string.Join(", ", fresh.Select(worker => worker.ProcessId))}); " +
                $"generation {old[0].Generation} (pid {string.Join(", ", old.Select(worker => worker.ProcessId))}) is draining" +
                (stillAccepting ? $", though it did not confirm within {StopAcceptingWait.TotalSeconds:0} s that it stopped accepting." : ".");
            MasterLog.Reloaded(_logger, message);
            return (true, message);
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>A worker served MaxRequest requests: a fresh one first, then the old one drains.</summary>
    private async Task RecycleAsync(WorkerProcess worker)
    {
        await _operations.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (worker.Retiring || _stopRequested.Task.IsCompleted || !_serving.Contains(worker))
                {
                    return;
                }
            }

            var fresh = Spawn(worker.Id, worker.Generation, runsTimers: false);
            if (await WaitReadyAsync([fresh]).ConfigureAwait(false) is { } failure)
            {
                fresh.Retiring = true;
                fresh.Process.Kill(entireProcessTree: true);
                MasterLog.RecycleFailed(_logger, worker.Id, failure);
                return;
            }

            lock (_gate)
            {
                _serving[_serving.IndexOf(worker)] = fresh;
            }

            MasterLog.Recycling(_logger, worker.Id, worker.ProcessId, _options.MaxRequest, fresh.ProcessId);
            worker.Successor = fresh;
            if (worker.RunsTimers)
            {
                _ = HandTimersAsync(worker, fresh);
            }

            Retire(worker, "recycle");
            _metrics.AddSupervisorRecycle();
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>
    /// Cron jobs and custom processes run in one worker. The old one stops them (waiting for a running firing) before
    /// the new one starts them, so no firing runs twice.
    /// </summary>
    private async Task HandTimersAsync(WorkerProcess from, WorkerProcess to)
    {
        await Task.WhenAny(from.TimersStopped.Task, Task.Delay(_options.MaxWaitTime + KillGrace)).ConfigureAwait(false);
        to.RunsTimers = true;
        from.RunsTimers = false;
        to.Channel?.Post(ControlKind.StartTimers, ReadOnlyMemory<byte>.Empty);
    }

    // ---- Control socket ----------------------------------------------------------------------------------------

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _control!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(new ControlChannel(accepted));
        }
    }

    private async Task ServeAsync(ControlChannel channel)
    {
        WorkerProcess? worker = null;
        try
        {
            var first = await channel.ReadAsync(_stopping.Token).ConfigureAwait(false);
            if (first is { Kind: ControlKind.Command } command)
            {
                await ServeCommandAsync(channel, command.Text).ConfigureAwait(false);
                return;
            }

            if (first is not { Kind: ControlKind.Hello } hello)
            {
                return;
            }

            var processId = hello.Int32At(0);
            lock (_gate)
            {
                worker = _live.FirstOrDefault(candidate => candidate.ProcessId == processId);
            }

            if (worker is null)
            {
                return;
            }

            // Tell the newcomer who is there, and everyone else that it arrived.
            lock (_gate)
            {
                worker.Channel = channel;
                foreach (var peer in _live.Where(peer => peer != worker && peer.Channel is not null))
                {
                    channel.Post(ControlKind.PeerJoined, Int32(peer.Slot));
                    peer.Channel?.Post(ControlKind.PeerJoined, Int32(worker.Slot));
                }
            }

            while (await channel.ReadAsync(_stopping.Token).ConfigureAwait(false) is { } frame)
            {
                HandleWorkerFrame(worker, frame);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or InvalidDataException or SocketException)
        {
        }
        finally
        {
            if (worker is not null && worker.Channel == channel)
            {
                worker.Channel = null;
            }

            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void HandleWorkerFrame(WorkerProcess worker, ControlFrame frame)
    {
        switch (frame.Kind)
        {
            case ControlKind.Ready:
                worker.Ready.TrySetResult(true);
                break;
            case ControlKind.Route when frame.Payload.Length >= 5:
                Route(worker, frame.Int32At(0), frame.Payload.AsMemory(4));
                break;
            case ControlKind.Stats when frame.Payload.Length >= 4:
                if (worker.PendingStats.TryRemove(frame.Int32At(0), out var pending))
                {
                    pending.TrySetResult(Encoding.UTF8.GetString(frame.Payload.AsSpan(4)));
                }

                break;
            case ControlKind.MetricsRequest when frame.Payload.Length >= 4:
                _ = AnswerScrapeAsync(worker, frame.Int32At(0));
                break;
            case ControlKind.Metrics when frame.Payload.Length >= 4:
                if (worker.PendingMetrics.TryRemove(frame.Int32At(0), out var scrape))
                {
                    scrape.TrySetResult(frame.Payload[4..]);
                }

                break;
            case ControlKind.HandOver:
                if (worker.Successor?.Channel is { } successor)
                {
                    successor.Post(ControlKind.TakeOver, frame.Payload);
                }
                else
                {
                    MasterLog.HandOverLost(_logger, worker.Id, frame.Payload.Length);
                }

                break;
            case ControlKind.StoppedAccepting:
                worker.StoppedAccepting.TrySetResult();
                break;
            case ControlKind.TimersStopped:
                worker.TimersStopped.TrySetResult();
                break;
            case ControlKind.Recycle:
                _ = RecycleAsync(worker);
                break;
        }
    }

    /// <summary>Forwards a mesh message: <c>[channel byte][message]</c> becomes <c>[from slot][channel][message]</c>.</summary>
    private void Route(WorkerProcess from, int target, ReadOnlyMemory<byte> channelAndMessage)
    {
        var prefix = Int32(from.Slot);
        List<WorkerProcess> targets;
        lock (_gate)
        {
            targets = target == IWorkerMesh.AllPeers
                ? [.. _live.Where(worker => worker != from)]
                : [.. _live.Where(worker => worker.Slot == target)];
        }

        foreach (var worker in targets)
        {
            worker.Channel?.Post(ControlKind.Routed, channelAndMessage, prefix);
        }
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private async Task ServeCommandAsync(ControlChannel channel, string command)
    {
        switch (command)
        {
            case "reload":
                var (succeeded, message) = await ReloadAsync().ConfigureAwait(false);
                await channel.SendAsync(ControlKind.Reply, (succeeded ? "ok " : "error ") + message).ConfigureAwait(false);
                break;
            case "info":
                await channel.SendAsync(ControlKind.Reply, "ok " + await InfoAsync().ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case "stop":
                RequestStop("the stop verb");
                await channel.SendAsync(ControlKind.Reply, "ok stopping").ConfigureAwait(false);

                // The connection stays open until the master exits: its end tells the verb everything has stopped.
                await Task.Delay(Timeout.Infinite, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                break;
            default:
                await channel.SendAsync(ControlKind.Reply, $"error unknown command '{command}'").ConfigureAwait(false);
                break;
        }
    }

    // ---- info ---------------------------------------------------------------------------------------------------

    private async Task<string> InfoAsync()
    {
        List<WorkerProcess> live;
        List<WorkerProcess> serving;
        lock (_gate)
        {
            live = [.. _live];
            serving = [.. _serving];
        }

        var stats = await Task.WhenAll(live.Select(RequestStatsAsync)).ConfigureAwait(false);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("resident", typeof(Master).Assembly.GetName().Version?.ToString());
            json.WriteString("dotnet", RuntimeInformation.FrameworkDescription);
            json.WriteString("app", _app.Environment.ApplicationName);
            json.WriteString("appVersion", _command.AppVersion);
            json.WriteString("environment", _app.Environment.EnvironmentName);
            json.WriteStartArray("listen");
            foreach (var address in _listeners?.Addresses ?? [])
            {
                json.WriteStringValue(address);
            }

            json.WriteEndArray();
            json.WriteStartObject("master");
            json.WriteNumber("pid", Environment.ProcessId);
            json.WriteString("startedAt", _startedAt);
            json.WriteNumber("uptimeSeconds", Math.Round((DateTimeOffset.UtcNow - _startedAt).TotalSeconds, 1));
            json.WriteNumber("rssBytes", Environment.WorkingSet);
            json.WriteNumber("generation", Volatile.Read(ref _generation));
            json.WriteNumber("reloads", Volatile.Read(ref _reloads));
            json.WriteEndObject();
            json.WriteStartArray("workers");
            for (var i = 0; i < live.Count; i++)
            {
                var worker = live[i];
                json.WriteStartObject();
                json.WriteNumber("id", worker.Id);
                json.WriteNumber("pid", worker.ProcessId);
                json.WriteNumber("generation", worker.Generation);
                json.WriteString("state", serving.Contains(worker) ? "serving" : worker.Retiring ? "draining" : "starting");
                json.WriteBoolean("timers", worker.RunsTimers);
                json.WriteNumber("uptimeSeconds", Math.Round((DateTimeOffset.UtcNow - worker.StartedAt).TotalSeconds, 1));
                if (stats[i] is { } workerStats)
                {
                    json.WritePropertyName("stats");
                    json.WriteRawValue(workerStats);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            Resident.Dashboard.DashboardSnapshot.WriteTables(json, _app.Services.GetRequiredService<SwooleTables>());
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private Task<string?> RequestStatsAsync(WorkerProcess worker) => AskAsync(worker, ControlKind.StatsRequest, worker.PendingStats, StatsTimeout);

    /// <summary>Sends <paramref name="kind"/> with a fresh id and waits (bounded) for the answer carrying that id; null if none came.</summary>
    private async Task<T?> AskAsync<T>(WorkerProcess worker, ControlKind kind, ConcurrentDictionary<int, TaskCompletionSource<T>> pending, TimeSpan timeout)
        where T : class
    {
        if (worker.Channel is not { } channel)
        {
            return null;
        }

        var id = Interlocked.Increment(ref _statsRequest);
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = answer;
        channel.Post(kind, Int32(id));
        var answered = await Task.WhenAny(answer.Task, Task.Delay(timeout)).ConfigureAwait(false) == answer.Task;
        pending.TryRemove(id, out _);
        return answered ? answer.Task.Result : null;
    }

    /// <summary>One worker process as the master sees it.</summary>
    private sealed class WorkerProcess(int id, int slot, int generation, Process process, bool runsTimers)
    {
        public int Id { get; } = id;

        public int Slot { get; } = slot;

        public int Generation { get; } = generation;

        public Process Process { get; } = process;

        public int ProcessId { get; } = process.Id;

        public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

        public volatile bool RunsTimers = runsTimers;

        public volatile bool Retiring;

        public volatile ControlChannel? Channel;

        public WorkerProcess? Successor { get; set; }

        public int RecentFailures { get; set; }

        public int ExitCode { get; set; }

        public Task Exit { get; set; } = Task.CompletedTask;

        public TaskCompletionSource<bool> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource TimersStopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completed when the worker, retiring, says it takes no new connection.</summary>
        public TaskCompletionSource StoppedAccepting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentDictionary<int, TaskCompletionSource<string>> PendingStats { get; } = new();

        public ConcurrentDictionary<int, TaskCompletionSource<byte[]>> PendingMetrics { get; } = new();
    }
}
