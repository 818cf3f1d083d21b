using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Connections.Features;
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
/// Hooks run on every request, so these keep to the cheap calls. The arrival is kept in one box per connection (per
/// stream under HTTP/2), found through Kestrel's <see cref="IPersistentStateFeature"/>: a new feature per request
/// would allocate, and setting any feature makes ASP.NET Core look up every feature the request already used again.
/// Features are read through the non-generic indexer (a generic virtual call costs a lookup under NativeAOT) and the
/// value is formatted into a stack buffer.
/// </remarks>
#if !WITHOUT_REQUEST_HOOKS // A benchmark variant (tests/Benchmarks/http-plaintext.sh) measures the Showcase without them.
[RequestHook]
#endif
public sealed class ResponseTimeHook : IRequestReceivedHook, IResponseGeneratedHook
{
    private const string HeaderName = "X-Response-Time-Ms";

    public ValueTask OnRequestReceivedAsync(HttpContext context)
    {
        if (ArrivalOf(context) is { } arrival)
        {
            arrival.Timestamp = Stopwatch.GetTimestamp();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnResponseGeneratedAsync(HttpContext context)
    {
        // Taken once (zeroed), so a later request on the connection never reports this one's arrival.
        if (ArrivalOf(context) is { Timestamp: not 0 } arrival)
        {
            var microseconds = (long)Stopwatch.GetElapsedTime(arrival.Timestamp).TotalMicroseconds;
            arrival.Timestamp = 0;
            context.Response.Headers[HeaderName] = Milliseconds(microseconds);
        }

        return ValueTask.CompletedTask;
    }

    // The connection's box, made by its first request; null on a server without persistent state (a test server).
    private static RequestArrival? ArrivalOf(HttpContext context)
    {
        if (context.Features[typeof(IPersistentStateFeature)] is not IPersistentStateFeature persistent)
        {
            return null;
        }

        var state = persistent.State;
        if (state.TryGetValue(typeof(RequestArrival), out var box))
        {
            return box as RequestArrival;
        }

        var arrival = new RequestArrival();
        state[typeof(RequestArrival)] = arrival;
        return arrival;
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

    /// <summary>The note the two hooks share, reused by every request of one connection (or HTTP/2 stream).</summary>
    private sealed class RequestArrival
    {
        public long Timestamp { get; set; }
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
