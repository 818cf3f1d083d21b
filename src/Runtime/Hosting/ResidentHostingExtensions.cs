using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Cli;
using Resident.Hosting;
using Resident.Http;

namespace Resident;

/// <summary>Turns an ASP.NET Core app into a Resident server.</summary>
public static class ResidentHostingExtensions
{
    /// <summary>
    /// Adds Resident to the app: binds the <c>Resident</c> configuration section over the defaults (and over any
    /// <paramref name="defaults"/> set in code), validates it when the host starts, and wires every declaration
    /// of the generated manifests (cleaners, request hooks, lifecycle hooks) into the server.
    /// </summary>
    /// <param name="builder">The app's builder.</param>
    /// <param name="defaults">Optional code defaults; configuration values override them.</param>
    public static WebApplicationBuilder AddResident(this WebApplicationBuilder builder, Action<ResidentOptions>? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(service => service.ServiceType == typeof(ResidentServer)))
        {
            return builder;
        }

        var options = services.AddOptions<ResidentOptions>();
        if (defaults is not null)
        {
            options.Configure(defaults);
        }

        services.AddSingleton<IConfigureOptions<ResidentOptions>, ResidentOptionsSetup>();
        services.AddSingleton<IValidateOptions<ResidentOptions>, ResidentOptionsValidator>();
        options.ValidateOnStart();

        // The shutdown budget is MaxWaitTime (LaravelS max_wait_time). Host options are read while the app is built,
        // before validation runs at start, so read the setting unvalidated and leave a bad value to the validator.
        services.AddSingleton<IConfigureOptions<HostOptions>>(provider => new ConfigureOptions<HostOptions>(host =>
        {
            var unvalidated = new ResidentOptions();
            foreach (var setup in provider.GetServices<IConfigureOptions<ResidentOptions>>())
            {
                setup.Configure(unvalidated);
            }

            if (unvalidated.MaxWaitTime is >= ResidentOptions.MinMaxWaitTime and <= ResidentOptions.MaxMaxWaitTime)
            {
                host.ShutdownTimeout = TimeSpan.FromSeconds(unvalidated.MaxWaitTime);
            }
        }));

        var declarations = ResidentManifestBuilder.Collect(ResidentManifests.All);
        services.AddSingleton(provider => new ResidentRuntime(declarations, provider));
        services.AddSingleton<ResidentServer>();
        services.AddSingleton<IResidentServer>(provider => provider.GetRequiredService<ResidentServer>());
        services.AddSingleton<Resident.WebSockets.WebSocketServer>();
        services.AddSingleton<IWebSocketServer>(provider => provider.GetRequiredService<Resident.WebSockets.WebSocketServer>());
        services.AddSingleton<Resident.Tasks.TaskQueue>();
        services.AddSingleton<ITaskQueue>(provider => provider.GetRequiredService<Resident.Tasks.TaskQueue>());
        services.AddSingleton<IEventDispatcher, Resident.Events.EventDispatcher>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Resident.Timers.CronScheduler>();
        services.AddSingleton<Resident.Processes.CustomProcessSupervisor>();
        services.AddSingleton<ICustomProcesses>(provider => provider.GetRequiredService<Resident.Processes.CustomProcessSupervisor>());
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ResidentKestrelSetup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, ResidentStartupFilter>());

        // First among hosted services, so its Starting/Stopped callbacks bracket everything else.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, ResidentLifecycleService>());

        // Second: its StoppingAsync stops accepting before Kestrel drains requests, its StopAsync (after Kestrel's)
        // runs the rest of the stop, before the WorkerStop/ServerStop hooks.
        services.AddSingleton<ShutdownCoordinator>();
        services.Insert(1, ServiceDescriptor.Singleton<IHostedService>(provider => provider.GetRequiredService<ShutdownCoordinator>()));

        // Third: starts the task workers, cron jobs and custom processes.
        services.Insert(2, ServiceDescriptor.Singleton<IHostedService, BackgroundWorkService>());

        // Fourth: ports bind before Kestrel listens (so a port that cannot bind fails the start); the coordinator closes them.
        services.AddSingleton<Resident.Sockets.SocketServer>();
        services.AddSingleton<ISocketPorts>(provider => provider.GetRequiredService<Resident.Sockets.SocketServer>());
        services.Insert(3, ServiceDescriptor.Singleton<IHostedService>(provider => provider.GetRequiredService<Resident.Sockets.SocketServer>()));

        Resident.Tables.TableHosting.AddTables(services, declarations.Tables);
        return builder;
    }

    /// <summary>
    /// Runs the app. With no verb it serves inline in this process until Ctrl+C or SIGTERM, then stops gracefully
    /// within <c>MaxWaitTime</c>. It maps the <c>[WebSocketHandler]</c> classes first unless the app called
    /// <see cref="WebSocketEndpointExtensions.MapWebSocketHandlers"/> itself. Returns the process exit code (also set as <see cref="Environment.ExitCode"/>).
    /// </summary>
    /// <param name="app">The built app.</param>
    /// <param name="args">The command-line arguments; the first one not starting with '-' is the verb.</param>
    public static async Task<int> RunResidentAsync(this WebApplication app, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<ResidentServer>() is null)
        {
            throw new InvalidOperationException("RunResidentAsync needs builder.AddResident() to have been called before builder.Build().");
        }

        var command = ResidentCommand.Parse(args ?? []);
        var exitCode = command.Verb switch
        {
            ResidentVerb.Inline => await RunInlineAsync(app),
            _ => command.Reject(Console.Error),
        };
        Environment.ExitCode = exitCode;
        return exitCode;
    }

    private static async Task<int> RunInlineAsync(WebApplication app)
    {
        if (!app.Services.GetRequiredService<ResidentRuntime>().WebSocketHandlersMapped)
        {
            app.MapWebSocketHandlers();
        }

        await app.RunAsync();
        return 0;
    }
}
