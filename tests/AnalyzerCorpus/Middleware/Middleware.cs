using System.Diagnostics;

namespace Corpus.Middleware;

/// <summary>Correct: the timing lives in locals and the response headers.</summary>
public sealed class RequestTimingMiddleware(RequestDelegate next, ILogger<RequestTimingMiddleware> logger)
{
    private static long s_total;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["X-Elapsed-Ms"] = Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("F1");
            return Task.CompletedTask;
        });
        await next(context);
        var total = Interlocked.Increment(ref s_total);
        logger.LogDebug("{Total} requests so far", total);
    }
}

/// <summary>Resolves the tenant from the host name and keeps it in a static: the next request sees it.</summary>
public sealed class TenantMiddleware(RequestDelegate next)
{
    public static string? CurrentTenant { get; private set; }

    public Task InvokeAsync(HttpContext context)
    {
        var tenant = context.Request.Host.Host.Split('.')[0];
        context.Items["tenant"] = tenant;
        CurrentTenant = tenant; // LEAK: RES001
        return next(context);
    }
}
