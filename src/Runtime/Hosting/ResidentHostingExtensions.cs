using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Cli;
using Resident.Hosting;

namespace Resident;

/// <summary>Turns an ASP.NET Core app into a Resident server.</summary>
public static class ResidentHostingExtensions
{
    /// <summary>
    /// Adds Resident to the app with the declarations of every loaded assembly (their generated manifests register
    /// themselves): binds the <c>Resident</c> configuration section over the defaults (and over any set in
    /// <paramref name="configure"/>), and checks settings and declarations when the host starts, failing the start
    /// once with every problem (<see cref="ResidentStartupException"/>).
    /// </summary>
    /// <typeparam name="TBuilder">The app's builder type (<c>WebApplicationBuilder</c>, <c>HostApplicationBuilder</c>…), returned for chaining.</typeparam>
    /// <param name="builder">The app's builder.</param>
    /// <param name="configure">Optional code defaults; configuration values override them.</param>
    public static TBuilder AddResident<TBuilder>(this TBuilder builder, Action<ResidentOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder =>
        builder.AddResident(ResidentManifests.All, configure);

    /// <summary>
    /// Adds Resident to the app with exactly the declarations of <paramref name="manifests"/> (a test host's choice,
    /// say <c>[Resident.Generated.ResidentManifestOf_MyApp.Manifest]</c>) instead of every loaded assembly's.
    /// </summary>
    /// <typeparam name="TBuilder">The app's builder type, returned for chaining.</typeparam>
    /// <param name="builder">The app's builder.</param>
    /// <param name="manifests">The generated manifests whose declarations the server runs.</param>
    /// <param name="configure">Optional code defaults; configuration values override them.</param>
    public static TBuilder AddResident<TBuilder>(this TBuilder builder, IEnumerable<IResidentManifest> manifests, Action<ResidentOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(manifests);
        var services = builder.Services;
        if (services.Any(service => service.ServiceType == typeof(ResidentServer)))
        {
            return builder;
        }

        var options = services.AddOptions<ResidentOptions>();
        if (configure is not null)
        {
            // Registered before the sections' binders, so configuration wins over code.
            options.Configure(configure);
        }

        // The shutdown budget is MaxWaitTime (LaravelS max_wait_time). Host options are read while the app is built,
        // before the start-up checks run, so read the setting unchecked and leave a bad value to the checks.
        services.AddSingleton<IConfigureOptions<HostOptions>>(provider => new ConfigureOptions<HostOptions>(host =>
        {
            var unvalidated = new ResidentOptions();
            foreach (var setup in provider.GetServices<IConfigureOptions<ResidentOptions>>())
            {
                setup.Configure(unvalidated);
            }

            if (ServerFeature.IsValidMaxWaitTime(unvalidated.MaxWaitTime))
            {
                host.ShutdownTimeout = unvalidated.MaxWaitTime;
            }
        }));

        var declarations = ResidentManifestBuilder.Collect(manifests);
        services.AddSingleton(provider => new ResidentRuntime(declarations, provider));
        services.AddSingleton<ResidentServer>();
        services.AddSingleton<IResidentServer>(provider => provider.GetRequiredService<ResidentServer>());

        // One line per feature: each registers its services, how it reads its part of the section and its start-up check.
        services.TryAddSingleton(TimeProvider.System);
        if (Resident.Supervision.WorkerIdentity.OfThisProcess is { } worker)
        {
            // A supervised worker: the master's control connection, the mesh over it, and signals left to the master.
            services.AddSingleton(worker);
            services.AddSingleton<Resident.Supervision.ControlMesh>();
            services.AddSingleton<Resident.Supervision.IWorkerMesh>(provider => provider.GetRequiredService<Resident.Supervision.ControlMesh>());
            services.AddSingleton<Resident.Supervision.WorkerAgent>();
            services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<Resident.Supervision.WorkerAgent>());
            services.AddSingleton<IHostLifetime, Resident.Supervision.WorkerLifetime>();
        }

        services.TryAddSingleton<Resident.Supervision.IWorkerMesh, Resident.Supervision.SingleProcessMesh>();
        ServerFeature.AddServer(services);
        Resident.Metrics.MetricsFeature.AddResidentMetrics(services);
        Resident.Http.HttpFeature.AddHttp(services);
        Resident.WebSockets.WebSocketFeature.AddWebSockets(services);
        Resident.Presence.PresenceFeature.AddPresence(services);
        Resident.Tasks.TaskFeature.AddTasks(services);
        Resident.Events.EventFeature.AddEvents(services);
        Resident.Timers.CronFeature.AddCronJobs(services);
        Resident.Processes.CustomProcessFeature.AddCustomProcesses(services);
        Resident.Sockets.SocketFeature.AddSockets(services);
        Resident.Tables.TableOptionsFeature.AddTableOptions(services);
        Resident.Performance.PerformanceFeature.AddPerformance(services);

        // First among hosted services, so its Starting/Stopped callbacks bracket everything else.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, ResidentLifecycleService>());

        // Second: its StoppingAsync stops accepting before Kestrel drains requests, its StopAsync (after Kestrel's)
        // runs the rest of the stop, before the WorkerStop/ServerStop hooks.
        services.AddSingleton<ShutdownCoordinator>();
        services.Insert(1, ServiceDescriptor.Singleton<IHostedService>(provider => provider.GetRequiredService<ShutdownCoordinator>()));
        GenerationDrain.AddGenerationDrain(services);

        // Third: starts the task workers, cron jobs and custom processes.
        services.Insert(2, ServiceDescriptor.Singleton<IHostedService, BackgroundWorkService>());

        // Fourth: ports bind before Kestrel listens (so a port that cannot bind fails the start); the coordinator closes them.
        services.Insert(3, ServiceDescriptor.Singleton<IHostedService>(provider => provider.GetRequiredService<Resident.Sockets.SocketServer>()));

        // Tables open before the lifecycle service starts (they insert themselves first)…
        Resident.Tables.TableHosting.AddTables(services, declarations.Tables);

        // …and before all of it, the one start-up pass: every setting, declaration and component checked at once.
        services.AddSingleton<ResidentStartup>();
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(provider => provider.GetRequiredService<ResidentStartup>()));
        return builder;
    }

    /// <summary>
    /// Runs the app. With no verb it serves inline in this process until Ctrl+C or SIGTERM, then stops gracefully
    /// within <c>MaxWaitTime</c>. With a verb it runs the supervised mode's command (<c>start [-d]</c>, <c>stop</c>,
    /// <c>restart</c>, <c>reload</c>, <c>info</c>, <c>help</c>; see the README); a worker the master started serves. It maps the <c>[WebSocketHandler]</c> classes first unless the app called
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
            // A worker the master started serves whatever verb its master was started with.
            _ when Resident.Supervision.WorkerIdentity.OfThisProcess is not null => await RunInlineAsync(app),
            ResidentVerb.Inline => await RunInlineAsync(app),
            ResidentVerb.Help => PrintUsage(),
            ResidentVerb.Unknown => command.Reject(Console.Error),
            _ when OperatingSystem.IsWindows() => Unsupported(command),
            _ => await RunSupervisedAsync(app, command, args ?? []),
        };
        Environment.ExitCode = exitCode;
        return exitCode;
    }

    private static int PrintUsage()
    {
        Console.Out.Write(ResidentCommand.Usage);
        return 0;
    }

    private static int Unsupported(ResidentCommand command)
    {
        Console.Error.WriteLine($"The verb '{command.Text}' needs a Unix system (the supervised mode inherits sockets across exec); run without a verb to serve in this process.");
        return 2;
    }

    private static Task<int> RunSupervisedAsync(WebApplication app, ResidentCommand command, string[] args) =>
        Resident.Supervision.ControlClient.RunAsync(app, command, args);

    private static async Task<int> RunInlineAsync(WebApplication app)
    {
        if (!app.Services.GetRequiredService<ResidentRuntime>().WebSocketHandlersMapped)
        {
            app.MapWebSocketHandlers();
        }

        try
        {
            await app.RunAsync();
        }
        catch (Exception exception) when (IsStartupFailure(exception))
        {
            // The host logged it once, as a plain list (ResidentStartupException has no stack trace): exit 1, no abort,
            // no "Unhandled exception" and no WorkerError hook — that one is for failures after the start.
            return 1;
        }

        return 0;
    }

    private static bool IsStartupFailure(Exception exception) =>
        exception is ResidentStartupException
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.All(IsStartupFailure));
}
