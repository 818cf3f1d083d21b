using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Metrics;

namespace Resident.Http;

/// <summary>
/// Puts Resident's request middleware in front of the app's pipeline, with the WebSocket middleware (when the app has
/// WebSocket handlers) and the static-file middlewares (with HandleStatic) as branches it sends only the requests that
/// can use them to (see <see cref="RequestBranches"/>).
/// </summary>
internal sealed class ResidentStartupFilter(
    ResidentServer server,
    ConnectionDrain drain,
    ResidentRuntime runtime,
    IOptions<ResidentOptions> options,
    IWebHostEnvironment environment,
    ResidentMetrics metrics,
    ILoggerFactory loggerFactory) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var settings = options.Value;
        var logger = loggerFactory.CreateLogger("Resident.Http");
        HttpRequestMetrics? requestMetrics = null;
        if (settings.Metrics.Enabled)
        {
            // Before the first request, so the figures cover the whole run.
            var collector = app.ApplicationServices.GetRequiredService<MetricsCollector>();
            collector.Start();
            requestMetrics = collector.RequestMetrics;
        }

        // Scrapes and probes are answered first: no hooks, cleaners or MaxRequest count for them.
        if (app.ApplicationServices.GetRequiredService<ResidentEndpoints>() is { Active: true } endpoints)
        {
            app.Use(endpoints.Middleware);
        }

        IApplicationBuilder? webSockets = null;
        if (runtime.Declarations.WebSocketHandlers.Length > 0)
        {
            // Makes HttpContext.WebSockets work (HTTP/1.1 upgrade and HTTP/2 extended CONNECT) for the handler endpoints.
            webSockets = app.New();
            webSockets.UseWebSockets();
        }

        StaticFileIndex? index = null;
        IApplicationBuilder? staticFiles = null;
        if (settings.HandleStatic)
        {
            // The start-up checks report a missing web root; this guards a pipeline built without them.
            if (string.IsNullOrEmpty(environment.WebRootPath) || !Directory.Exists(environment.WebRootPath))
            {
                throw new InvalidOperationException(HttpFeature.MissingWebRoot(HttpFeature.WebRoot(environment)));
            }

            index = new StaticFileIndex(environment.WebRootFileProvider);
            app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(index.Dispose);
            staticFiles = app.New();
            staticFiles.UseDefaultFiles();
            staticFiles.UseStaticFiles();
        }

        app.Use(main =>
        {
            // As UseWhen does: each branch ends in the rest of the pipeline.
            RequestDelegate? staticBranch = null;
            if (staticFiles is not null)
            {
                staticFiles.Run(main);
                staticBranch = staticFiles.Build();
            }

            var afterWebSockets = new RequestBranches(null, index, staticBranch);
            RequestDelegate? webSocketBranch = null;
            if (webSockets is not null)
            {
                webSockets.Run(context => afterWebSockets.AfterWebSockets(context.Request, main)(context));
                webSocketBranch = webSockets.Build();
            }

            var branches = webSocketBranch is null && staticBranch is null
                ? RequestBranches.None
                : new RequestBranches(webSocketBranch, index, staticBranch);
            RequestDelegate resident = new ResidentRequestMiddleware(main, branches, server, runtime, settings, drain, metrics, logger).InvokeAsync;

            // Outside Resident's middleware, so the figures include its answer to an unhandled exception (a 500).
            return requestMetrics is null ? resident : requestMetrics.Measure(resident);
        });

        next(app);
    };
}
