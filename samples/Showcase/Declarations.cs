using System.Diagnostics;
using System.Globalization;
using Resident;

namespace Showcase;

/// <summary>Resets the per-request <see cref="VisitCounter"/> after every response.</summary>
#if !WITHOUT_CLEANER // A benchmark variant (tests/Benchmarks/http-plaintext.sh) measures the Showcase without it.
[Cleaner]
#endif
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
/// <remarks>
/// Hooks run on every request, so these keep to the cheap calls: the feature is read and written through the
/// non-generic indexer (a generic virtual call costs a lookup under NativeAOT) and the value is formatted into a
/// stack buffer.
/// </remarks>
#if !WITHOUT_REQUEST_HOOKS // A benchmark variant (tests/Benchmarks/http-plaintext.sh) measures the Showcase without them.
[RequestHook]
#endif
public sealed class ResponseTimeHook : IRequestReceivedHook, IResponseGeneratedHook
{
    private const string HeaderName = "X-Response-Time-Ms";

    public ValueTask OnRequestReceivedAsync(HttpContext context)
    {
        context.Features[typeof(RequestArrival)] = new RequestArrival(Stopwatch.GetTimestamp());
        return ValueTask.CompletedTask;
    }

    public ValueTask OnResponseGeneratedAsync(HttpContext context)
    {
        if (context.Features[typeof(RequestArrival)] is RequestArrival arrival)
        {
            var microseconds = (long)Stopwatch.GetElapsedTime(arrival.Timestamp).TotalMicroseconds;
            context.Response.Headers[HeaderName] = Milliseconds(microseconds);
        }

        return ValueTask.CompletedTask;
    }

    // "12.345": whole milliseconds, then three digits of microseconds.
    private static string Milliseconds(long microseconds)
    {
        Span<char> text = stackalloc char[24];
        (microseconds / 1000).TryFormat(text, out var length, provider: CultureInfo.InvariantCulture);
        var fraction = microseconds % 1000;
        text[length] = '.';
        text[length + 1] = (char)('0' + fraction / 100);
        text[length + 2] = (char)('0' + fraction / 10 % 10);
        text[length + 3] = (char)('0' + fraction % 10);
        return new string(text[..(length + 4)]);
    }

    /// <summary>The per-request note the two hooks share: a feature, so nothing is parsed back from a header.</summary>
    private sealed class RequestArrival(long timestamp)
    {
        public long Timestamp { get; } = timestamp;
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
