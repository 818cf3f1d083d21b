using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Http;

/// <summary>Puts Resident's request middleware (and, with HandleStatic, the static-file middleware) in front of the app's pipeline.</summary>
internal sealed class ResidentStartupFilter(
    ResidentServer server,
    ConnectionDrain drain,
    ResidentRuntime runtime,
    IOptions<ResidentOptions> options,
    IWebHostEnvironment environment,
    ILoggerFactory loggerFactory) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var settings = options.Value;
        var logger = loggerFactory.CreateLogger("Resident.Http");
        if (settings.Metrics.Enabled)
        {
            // Before the first request, so the figures cover the whole run.
            app.ApplicationServices.GetRequiredService<Resident.Metrics.MetricsCollector>().Start();
        }

        // Scrapes and probes are answered first: no hooks, cleaners or MaxRequest count for them.
        if (app.ApplicationServices.GetRequiredService<Resident.Metrics.ResidentEndpoints>() is { Active: true } endpoints)
        {
            app.Use(endpoints.Middleware);
        }

        app.Use(nextMiddleware => new ResidentRequestMiddleware(nextMiddleware, server, runtime, settings, drain, logger).InvokeAsync);
        if (runtime.Declarations.WebSocketHandlers.Length > 0)
        {
            // Makes HttpContext.WebSockets work (HTTP/1.1 upgrade and HTTP/2 extended CONNECT) for the handler endpoints.
            app.UseWebSockets();
        }

        if (settings.HandleStatic)
        {
            // The start-up checks report a missing web root; this guards a pipeline built without them.
            if (string.IsNullOrEmpty(environment.WebRootPath) || !Directory.Exists(environment.WebRootPath))
            {
                throw new InvalidOperationException(HttpFeature.MissingWebRoot(HttpFeature.WebRoot(environment)));
            }

            var index = new StaticFileIndex(environment.WebRootFileProvider);
            app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(index.Dispose);
            app.UseWhen(context => index.MayServe(context.Request.Path), files =>
            {
                files.UseDefaultFiles();
                files.UseStaticFiles();
            });
        }

        next(app);
    };
}
