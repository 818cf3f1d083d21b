using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Resident.Hosting;

/// <summary>
/// Fires the lifecycle hooks around the host: ServerStart and WorkerStart before any hosted service starts (so
/// before Kestrel listens), WorkerStop and ServerStop after every hosted service has stopped (so after requests
/// drained), and WorkerError when an exception nothing caught is about to end the process.
/// </summary>
internal sealed class ResidentLifecycleService(
    ResidentRuntime runtime,
    ResidentServer server,
    Resident.WebSockets.WebSocketServer webSockets,
    IServiceProvider services,
    ILogger<ResidentLifecycleService> logger) : IHostedLifecycleService
{
    private static readonly TimeSpan WorkerErrorHookBudget = TimeSpan.FromSeconds(5);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        Resident.Http.ResidentKestrelSetup.PrepareSocket(server.Options, logger);
        server.MarkStarted();
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        await FireAsync(LifecycleEvent.ServerStart, null, cancellationToken);
        await FireAsync(LifecycleEvent.WorkerStart, null, cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        server.CaptureListenAddresses(services.GetService<IServer>());
        if (server.Options.Socket is { Length: > 0 } socket && File.Exists(socket) && !OperatingSystem.IsWindows() && !server.Supervised)
        {
            // nginx runs as another user: let it connect to the upstream socket.
            File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
                | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        }

        webSockets.Start();
        if (runtime.Declarations.WebSocketHandlers.Length > 0 && !runtime.WebSocketHandlersMapped)
        {
            HostingLog.WebSocketHandlersNotMapped(logger, runtime.Declarations.WebSocketHandlers.Length);
        }

        var mode = Resident.Supervision.WorkerIdentity.OfThisProcess is { } worker
            ? $"supervised mode as worker {worker.WorkerId} of generation {worker.Generation}"
            : "inline mode";
        HostingLog.ServerStarted(logger, mode, server.ProcessId, string.Join(", ", server.ListenAddresses));
        return Task.CompletedTask;
    }

    // The ShutdownCoordinator closes WebSocket connections (1001) before Kestrel drains requests.
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        if (server.Options.Socket is { Length: > 0 } socket && !server.Supervised)
        {
            // A supervised worker's socket file belongs to the master, which keeps it across reloads.
            File.Delete(socket);
        }

        await FireAsync(LifecycleEvent.WorkerStop, null, cancellationToken);
        await FireAsync(LifecycleEvent.ServerStop, null, cancellationToken);
    }

    private void OnUnhandledException(object sender, UnhandledExceptionEventArgs args)
    {
        var exception = args.ExceptionObject as Exception ?? new InvalidOperationException($"Non-exception thrown: {args.ExceptionObject}");
        HostingLog.WorkerFailing(logger, server.WorkerId, server.ProcessId, exception);

        // The process is going down: give the hooks a bounded moment, on another thread, then let it end.
        using var budget = new CancellationTokenSource(WorkerErrorHookBudget);
        var hooks = Task.Run(() => FireAsync(LifecycleEvent.WorkerError, exception, budget.Token));
        hooks.Wait(WorkerErrorHookBudget);
    }

    internal async Task FireAsync(LifecycleEvent lifecycleEvent, Exception? exception, CancellationToken cancellationToken)
    {
        if (runtime.BuiltComponents is not { } components)
        {
            // The start failed before the hooks were built (or has not happened): there is nothing to fire.
            return;
        }

        LifecycleEventContext? context = null;
        foreach (var (hookEvent, hook) in components.LifecycleHooks)
        {
            if (hookEvent != lifecycleEvent)
            {
                continue;
            }

            context ??= new LifecycleEventContext(lifecycleEvent, server, services, exception);
            try
            {
                await hook.Instance.OnLifecycleEventAsync(context, cancellationToken);
            }
            catch (Exception hookException)
            {
                HostingLog.LifecycleHookFailed(logger, hook.Name, lifecycleEvent, hookException);
            }
        }
    }
}
