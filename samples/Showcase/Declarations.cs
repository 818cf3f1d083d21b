using System.Diagnostics;
using System.Globalization;
using Resident;

namespace Showcase;

/// <summary>Resets the per-request <see cref="VisitCounter"/> after every response.</summary>
[Cleaner]
public sealed class VisitCounterCleaner(VisitCounter counter) : ICleaner
{
    public ValueTask CleanAsync(HttpContext context)
    {
        counter.Reset();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Both request hooks: RequestReceived stamps the request before the app sees it; ResponseGenerated turns the stamp
/// into an <c>X-Response-Time-Ms</c> header just before the headers are written.
/// </summary>
[RequestHook]
public sealed class ResponseTimeHook : IRequestReceivedHook, IResponseGeneratedHook
{
    private const string ReceivedAt = "X-Resident-Received-At";

    public ValueTask OnRequestReceivedAsync(HttpContext context)
    {
        context.Request.Headers[ReceivedAt] = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnResponseGeneratedAsync(HttpContext context)
    {
        if (long.TryParse(context.Request.Headers[ReceivedAt], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            context.Response.Headers["X-Response-Time-Ms"] = elapsed.ToString("0.000", CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Logs the server and worker lifecycle (LaravelS event_handlers).</summary>
[LifecycleHook(LifecycleEvent.ServerStart)]
[LifecycleHook(LifecycleEvent.WorkerStart)]
[LifecycleHook(LifecycleEvent.WorkerStop)]
[LifecycleHook(LifecycleEvent.ServerStop)]
[LifecycleHook(LifecycleEvent.WorkerError)]
public sealed class LifecycleLogger(ILogger<LifecycleLogger> logger) : ILifecycleHook
{
    public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken)
    {
        if (context.Exception is { } exception)
        {
            logger.LogCritical(exception, "{Event}: worker {WorkerId} (pid {ProcessId})", context.Event, context.WorkerId, context.WorkerProcessId);
        }
        else
        {
            logger.LogInformation("{Event}: worker {WorkerId} (pid {ProcessId})", context.Event, context.WorkerId, context.WorkerProcessId);
        }

        return ValueTask.CompletedTask;
    }
}
