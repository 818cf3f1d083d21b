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
/// Both request hooks: RequestReceived notes when the request arrived, before the app sees it; ResponseGenerated
/// turns that into an <c>X-Response-Time-Ms</c> header just before the headers are written.
/// </summary>
[RequestHook]
public sealed class ResponseTimeHook : IRequestReceivedHook, IResponseGeneratedHook
{
    public ValueTask OnRequestReceivedAsync(HttpContext context)
    {
        context.Features.Set(new RequestArrival(Stopwatch.GetTimestamp()));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnResponseGeneratedAsync(HttpContext context)
    {
        if (context.Features.Get<RequestArrival>() is { } arrival)
        {
            var microseconds = (long)Stopwatch.GetElapsedTime(arrival.Timestamp).TotalMicroseconds;
            context.Response.Headers["X-Response-Time-Ms"] = string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1000}.{microseconds % 1000:D3}");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The per-request note the two hooks share: a feature, so nothing is parsed back from a header.</summary>
    private sealed record RequestArrival(long Timestamp);
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
