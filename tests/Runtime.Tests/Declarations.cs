using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Resident.Tests.Infrastructure;

namespace Resident.Tests;

// The test assembly's own Resident declarations. The real generator puts them in this assembly's manifest, so they
// run in every test host; each records into the host's own Recorder (resolved through the generated DI factory).
// Events carry "#<request id>" (the X-Test-Id header) so a test can pick out its own request.

internal static class RequestId
{
    public static string Of(HttpContext context) => context.Request.Headers["X-Test-Id"].ToString();
}

[Cleaner(Order = 1)]
public sealed class RecordingCleanerB(Recorder recorder) : ICleaner
{
    public ValueTask CleanAsync(HttpContext context)
    {
        recorder.Add($"clean:B#{RequestId.Of(context)}");
        return ValueTask.CompletedTask;
    }
}

[Cleaner(Order = 1)]
public sealed class RecordingCleanerA(Recorder recorder) : ICleaner
{
    public async ValueTask CleanAsync(HttpContext context)
    {
        // Completes asynchronously, so the slow path of the cleaner loop is covered too.
        await Task.Yield();
        recorder.Add($"clean:A#{RequestId.Of(context)}");
    }
}

[Cleaner(Order = -5)]
public sealed class FirstCleaner(Recorder recorder) : ICleaner
{
    public ValueTask CleanAsync(HttpContext context)
    {
        // Cleaners run once the response is out: it has started and its status is final.
        recorder.Add($"clean:first(started={context.Response.HasStarted},status={context.Response.StatusCode})#{RequestId.Of(context)}");
        return ValueTask.CompletedTask;
    }
}

[Cleaner]
public sealed class ThrowingCleaner(Recorder recorder) : ICleaner
{
    public ValueTask CleanAsync(HttpContext context)
    {
        if (recorder.ThrowInCleaner)
        {
            throw new InvalidOperationException("cleaner exploded");
        }

        recorder.Add($"clean:throwing-quiet#{RequestId.Of(context)}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Rewrites the query, a header and the form before the app sees the request.</summary>
[RequestHook]
public sealed class RewritingRequestHook(Recorder recorder) : IRequestReceivedHook
{
    public async ValueTask OnRequestReceivedAsync(HttpContext context)
    {
        recorder.Add($"received#{RequestId.Of(context)}");
        var request = context.Request;
        if (request.Query.ContainsKey("rewrite"))
        {
            request.QueryString = new QueryString("?name=rewritten");
            request.Headers["X-Hooked"] = "yes";
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            var fields = form.ToDictionary(pair => pair.Key, pair => pair.Value);
            fields["added"] = new StringValues("by-hook");
            request.Form = new FormCollection(fields);
        }
    }
}

/// <summary>Stamps the response and, when asked, changes its status just before the headers go out.</summary>
[RequestHook(Order = 1)]
public sealed class StampingResponseHook(Recorder recorder) : IResponseGeneratedHook
{
    public ValueTask OnResponseGeneratedAsync(HttpContext context)
    {
        recorder.Add($"generated#{RequestId.Of(context)}");
        context.Response.Headers["X-Generated-Status"] = context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (context.Request.Headers.TryGetValue("X-Change-Status", out var status))
        {
            context.Response.StatusCode = int.Parse(status.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Implements both hooks and runs first; throws when the recorder says so.</summary>
[RequestHook(Order = -1)]
public sealed class ThrowingRequestHook(Recorder recorder) : IRequestReceivedHook, IResponseGeneratedHook
{
    public ValueTask OnRequestReceivedAsync(HttpContext context) =>
        recorder.ThrowInRequestHooks ? throw new InvalidOperationException("received hook exploded") : ValueTask.CompletedTask;

    public ValueTask OnResponseGeneratedAsync(HttpContext context) =>
        recorder.ThrowInRequestHooks ? ValueTask.FromException(new InvalidOperationException("generated hook exploded")) : ValueTask.CompletedTask;
}

[LifecycleHook(LifecycleEvent.ServerStart)]
[LifecycleHook(LifecycleEvent.WorkerStart)]
[LifecycleHook(LifecycleEvent.WorkerStop)]
[LifecycleHook(LifecycleEvent.ServerStop)]
[LifecycleHook(LifecycleEvent.WorkerError)]
public sealed class LifecycleRecorder(Recorder recorder) : ILifecycleHook
{
    public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken)
    {
        if (context.Event == LifecycleEvent.ServerStart)
        {
            recorder.AddressesAtServerStart = context.Server.ListenAddresses.Count;
        }

        recorder.Add(context.Exception is null
            ? $"lifecycle:{context.Event}(worker={context.WorkerId})"
            : $"lifecycle:{context.Event}({context.Exception.Message})");
        return ValueTask.CompletedTask;
    }
}

[LifecycleHook(LifecycleEvent.WorkerStart, Order = 10)]
public sealed class LateWorkerStartHook(Recorder recorder) : ILifecycleHook
{
    public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken)
    {
        recorder.Add("lifecycle:WorkerStart:late");
        return ValueTask.CompletedTask;
    }
}

[LifecycleHook(LifecycleEvent.ServerStart, Order = -1)]
[LifecycleHook(LifecycleEvent.ServerStop, Order = -1)]
public sealed class ThrowingLifecycleHook(Recorder recorder) : ILifecycleHook
{
    public async ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (recorder.ThrowInLifecycleHooks)
        {
            throw new InvalidOperationException($"{context.Event} hook exploded");
        }
    }
}
