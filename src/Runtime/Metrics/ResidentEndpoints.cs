using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Metrics;

/// <summary>
/// Serves the Prometheus endpoint and the health probes in front of the app's pipeline (no hooks, cleaners or
/// request counting for a scrape). With <c>Resident:Metrics:ListenPort</c> they are served only on that port, and
/// that port serves nothing else. In supervised mode a scrape answers for the whole server: the master gathers
/// every process's figures and labels them <c>worker</c>.
/// </summary>
internal sealed class ResidentEndpoints(
    IOptions<ResidentOptions> options,
    MetricsCollector collector,
    HealthCheckService health,
    Resident.Http.ConnectionDrain drain,
    GenerationDrain generation,
    IServiceProvider services,
    ILogger<ResidentEndpoints> logger)
{
    private static readonly Func<HealthCheckRegistration, bool> LiveChecks = check => check.Tags.Contains("live");

    private readonly ResidentMetricsOptions _metrics = options.Value.Metrics;
    private readonly ResidentHealthOptions _health = options.Value.Health;

    // Converted once: comparing with a string would unescape it into a PathString on every request.
    private readonly PathString? _metricsPath = PathOf(options.Value.Metrics.Enabled, options.Value.Metrics.Path);
    private readonly PathString? _livePath = PathOf(options.Value.Health.Enabled, options.Value.Health.LivePath);
    private readonly PathString? _readyPath = PathOf(options.Value.Health.Enabled, options.Value.Health.ReadyPath);
    // The three paths' lengths as bits (63 for 63 or more), set with the middleware: most requests' paths have none
    // of them and go on after one test instead of three comparisons.
    private ulong _pathLengths;
    private ListenOptions? _metricsListen;
    private int _metricsPort = -1;

    // A path without its leading '/' is left to the start-up checks, which name its key.
    private static PathString? PathOf(bool enabled, string path) =>
        enabled && path.StartsWith('/') ? (PathString)path : null;

    private static ulong LengthBits(params PathString?[] paths) =>
        paths.Aggregate(0UL, (bits, path) => path?.Value is { } value ? bits | LengthBit(value.Length) : bits);

    private static ulong LengthBit(int length) => 1UL << Math.Min(length, 63);

    /// <summary>Whether anything is served (metrics or health on).</summary>
    public bool Active => _metrics.Enabled || _health.Enabled;

    /// <summary>Whether the metrics and probes have a port of their own.</summary>
    public bool HasOwnPort => _metrics.ListenPort is not null;

    /// <summary>The metrics port's number once bound; -1 before, or without a port of its own.</summary>
    public int MetricsPort
    {
        get
        {
            if (_metricsPort < 0 && _metricsListen?.EndPoint is IPEndPoint { Port: > 0 } bound)
            {
                _metricsPort = bound.Port;
            }

            return _metricsPort;
        }
    }

    /// <summary>Kestrel's endpoint for the metrics port (inline mode); its port is known once Kestrel has bound it.</summary>
    internal void UseListener(ListenOptions listen) => _metricsListen = listen;

    /// <summary>The metrics port a supervised worker inherited from its master: its number from the socket itself.</summary>
    internal void UseInheritedListener(int descriptor)
    {
        using var socket = new Socket(new SafeSocketHandle(descriptor, ownsHandle: false));
        _metricsPort = socket.LocalEndPoint is IPEndPoint endPoint ? endPoint.Port : -1;
    }

    /// <summary>The endpoint of the metrics port from <c>Resident:Metrics:ListenIp/ListenPort</c>.</summary>
    internal static IPEndPoint OwnEndPoint(ResidentOptions settings) =>
        new(IPAddress.Parse(settings.Metrics.ListenIp.Length > 0 ? settings.Metrics.ListenIp : settings.ListenIp), settings.Metrics.ListenPort ?? 0);

    public RequestDelegate Middleware(RequestDelegate next)
    {
        _pathLengths = LengthBits(_metricsPath, _livePath, _readyPath);
        if (!HasOwnPort)
        {
            return context => ServeAsync(context, next);
        }

        return context => context.Connection.LocalPort == MetricsPort
            ? ServeAsync(context, static context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            })
            : next(context);
    }

    private Task ServeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if ((_pathLengths & LengthBit(path.Value?.Length ?? 0)) == 0)
        {
            return next(context);
        }

        if (_metricsPath is { } metricsPath && path.Equals(metricsPath, StringComparison.OrdinalIgnoreCase))
        {
            return ScrapeAsync(context);
        }

        if (_livePath is { } livePath && path.Equals(livePath, StringComparison.OrdinalIgnoreCase))
        {
            return ProbeAsync(context, LiveChecks);
        }

        if (_readyPath is { } readyPath && path.Equals(readyPath, StringComparison.OrdinalIgnoreCase))
        {
            return ProbeAsync(context, null);
        }

        return next(context);
    }

    private async Task ScrapeAsync(HttpContext context)
    {
        MetricsSnapshot snapshot;
        if (services.GetService(typeof(Resident.Supervision.WorkerAgent)) is Resident.Supervision.WorkerAgent worker)
        {
            snapshot = await worker.ScrapeServerAsync(context.RequestAborted).ConfigureAwait(false) ?? collector.Collect();
        }
        else
        {
            snapshot = collector.Collect();
        }

        var openMetrics = PrometheusWriter.WantsOpenMetrics(context.Request.Headers.Accept);
        Prepare(context.Response);
        context.Response.ContentType = openMetrics ? PrometheusWriter.OpenMetricsContentType : PrometheusWriter.TextContentType;
        await context.Response.WriteAsync(PrometheusWriter.Write(snapshot, openMetrics), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Never cached; and, served ahead of Resident's request middleware, says what it would while draining, from the
    /// retirement's first step on: a prober that hears "draining" reconnects to the next generation.
    /// </summary>
    private void Prepare(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        if ((drain.IsDraining || generation.IsRetiring) && HttpProtocol.IsHttp11(response.HttpContext.Request.Protocol))
        {
            response.Headers.Connection = "close";
        }
    }

    private async Task ProbeAsync(HttpContext context, Func<HealthCheckRegistration, bool>? predicate)
    {
        var report = await health.CheckHealthAsync(predicate, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        Prepare(context.Response);
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries.Where(entry => entry.Value.Status != HealthStatus.Healthy))
        {
            text.Append(name).Append(": ").Append(entry.Status).Append(entry.Description is { Length: > 0 } description ? " - " + description : "").Append('\n');
        }

        if (report.Status == HealthStatus.Unhealthy)
        {
            MetricsLog.NotReady(logger, context.Request.Path.Value ?? "", text.ToString().TrimEnd().Replace('\n', ';'));
        }

        await context.Response.WriteAsync(text.ToString(), context.RequestAborted).ConfigureAwait(false);
    }
}
