using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Resident.Hosting;
using Resident.Metrics;
using Resident.Performance;

namespace Resident.Http;

/// <summary>
/// The first middleware of a Resident app: counts the request (and signals MaxRequest), applies trusted forwarded
/// headers, runs the RequestReceived hooks, and arranges for the Server header and ResponseGenerated hooks (just
/// before the headers are written), for <c>Connection: close</c> while the generation drains, and for the cleaners
/// (after the response has been sent). Then it sends the request on to the branch that can serve it: the WebSocket
/// branch for an upgrade, the static-file branch for a path the web root has, else straight to the app.
/// </summary>
/// <remarks>
/// A request pays only for what the app declared and the request can reach: no cleaners, no OnCompleted callback;
/// no ResponseGenerated hooks and no Server header, no OnStarting callback; no WebSocket handlers or no upgrade, no
/// WebSocket middleware; a path the web root does not have, no static-file middleware. Callbacks are bound once here
/// and receive the <see cref="HttpContext"/> as state, so a request allocates no closures, and every component is
/// called through a struct-specialized loop (see <see cref="ContainedCalls"/>), which NativeAOT compiles to direct
/// interface calls. MaxRequest and the drain cost a compare and a volatile read per request. Under inline scheduling
/// the app's response flushes are held while it runs without yielding (<see cref="HeldFlushResponseBody"/>).
/// </remarks>
internal sealed class ResidentRequestMiddleware
{
    private static readonly Func<object, Task> SetConnectionClose = static state =>
    {
        // An upgrade (a WebSocket that raced the drain) keeps Kestrel's "Connection: Upgrade"; the WebSocket server
        // closes it with 1012 itself.
        var response = ((HttpContext)state).Response;
        if (response.StatusCode != StatusCodes.Status101SwitchingProtocols)
        {
            response.Headers.Connection = "close";
        }

        return Task.CompletedTask;
    };

    private readonly RequestDelegate _app;
    private readonly RequestBranches _branches;
    private readonly ResidentServer _server;
    private readonly ConnectionDrain _drain;
    private readonly long _maxRequest;
    private readonly ForwardedHeadersMapper? _forwardedHeaders;
    private readonly StringValues _serverHeader;
    private readonly ContainedComponents<IRequestReceivedHook> _received;
    private readonly ContainedComponents<IResponseGeneratedHook> _generated;
    private readonly ContainedComponents<ICleaner> _cleaners;
    private readonly ILogger _logger;
    private readonly Func<object, Task>? _onStarting;
    private readonly Func<object, Task>? _onCompleted;
    private readonly bool _holdFlushes;

    public ResidentRequestMiddleware(
        RequestDelegate app,
        RequestBranches branches,
        ResidentServer server,
        ResidentRuntime runtime,
        ResidentOptions options,
        ConnectionDrain drain,
        ResidentMetrics metrics,
        ILogger logger)
    {
        _app = app;
        _branches = branches;
        _server = server;
        _drain = drain;

        // The count is at least 1 once incremented, so 0 (never recycle) never matches.
        _maxRequest = options.MaxRequest;
        _logger = logger;
        _forwardedHeaders = options.ForwardedHeaders ? new ForwardedHeadersMapper(new TrustedProxies(options.TrustedProxies)) : null;
        _serverHeader = string.IsNullOrEmpty(options.Server) ? StringValues.Empty : new StringValues(options.Server);

        var components = runtime.Components;
        _received = new(components.RequestReceivedHooks, ContainedComponents<IRequestReceivedHook>.RequestReceivedKind, "RequestReceived", logger, metrics);
        _generated = new(components.ResponseGeneratedHooks, ContainedComponents<IResponseGeneratedHook>.ResponseGeneratedKind, "ResponseGenerated", logger, metrics);
        _cleaners = new(components.Cleaners, ContainedComponents<ICleaner>.CleanerKind, stage: null, logger, metrics);
        _onStarting = _generated.Length > 0 || _serverHeader.Count > 0 ? OnStarting : null;
        _onCompleted = _cleaners.Length > 0 ? RunCleanersAsync : null;
        _holdFlushes = PerformanceSettings.InlineSchedulingInEffect(options.Performance);
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (_server.RequestReceived() == _maxRequest)
        {
            ReachMaxRequest();
        }

        if (_drain.IsDraining)
        {
            CloseConnectionAfterResponse(context);
        }

        _forwardedHeaders?.Apply(context);

        if (_onStarting is not null)
        {
            context.Response.OnStarting(_onStarting, context);
        }

        if (_onCompleted is not null)
        {
            context.Response.OnCompleted(_onCompleted, context);
        }

        if (_received.Length > 0)
        {
            var hooks = ContainedCalls.RunAsync<IRequestReceivedHook, RequestReceivedCall>(_received, context);
            if (!hooks.IsCompletedSuccessfully)
            {
                return AwaitReceivedHooksThenAppAsync(context, hooks);
            }
        }

        // After the hooks, which may rewrite the request.
        var next = _branches.For(context, _app);

        // Under inline scheduling the app's flushes wait for it to return or yield (HeldFlushResponseBody says why);
        // the WebSocket and static-file branches send on their own terms.
        var held = _holdFlushes && ReferenceEquals(next, _app) ? HoldFlushes(context) : null;
        Task app;
        try
        {
            app = next(context);
        }
        catch (Exception exception) when (CanAnswer(context, exception))
        {
            held?.Release();
            AnswerUnhandled(context, exception);
            return Task.CompletedTask;
        }

        if (held is not null && held.Release() && !app.IsCompleted)
        {
            return SendHeldThenAwaitAppAsync(context, app, held);
        }

        return app.IsCompletedSuccessfully ? app : AwaitAppAsync(context, app);
    }

    private static HeldFlushResponseBody? HoldFlushes(HttpContext context)
    {
        var features = context.Features;
        if (features[typeof(IHttpResponseBodyFeature)] is not IHttpResponseBodyFeature body)
        {
            return null;
        }

        var held = new HeldFlushResponseBody(body);
        features[typeof(IHttpResponseBodyFeature)] = held;
        return held;
    }

    private async Task SendHeldThenAwaitAppAsync(HttpContext context, Task app, HeldFlushResponseBody held)
    {
        // The app yielded (it awaits I/O): what it flushed so far goes out now, as it expects.
        await held.SendHeldAsync();
        await AwaitAppAsync(context, app);
    }

    private void ReachMaxRequest()
    {
        if (_drain.ReachMaxRequest())
        {
            HttpLog.MaxRequestReached(_logger, _maxRequest);
        }
    }

    // While the generation drains, each HTTP/1.x response tells its client to close the connection, so a keep-alive
    // client finishes this request and reconnects (to the next generation) instead of being cut off between requests.
    // Set just before the headers go out, so neither the app nor an error answer can drop it; HTTP/2 and HTTP/3 have
    // no Connection header (their connections end with GOAWAY when the server stops).
    private static void CloseConnectionAfterResponse(HttpContext context)
    {
        var protocol = context.Request.Protocol;
        if (HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol))
        {
            context.Response.OnStarting(SetConnectionClose, context);
        }
    }

    private async Task AwaitReceivedHooksThenAppAsync(HttpContext context, Task hooks)
    {
        // ContainedCalls contains every hook's exception, so this await does not throw.
        await hooks;
        try
        {
            await _branches.For(context, _app)(context);
        }
        catch (Exception exception) when (CanAnswer(context, exception))
        {
            AnswerUnhandled(context, exception);
        }
    }

    private async Task AwaitAppAsync(HttpContext context, Task app)
    {
        try
        {
            await app;
        }
        catch (Exception exception) when (CanAnswer(context, exception))
        {
            AnswerUnhandled(context, exception);
        }
    }

    // Kestrel would answer an unhandled exception with a bare 500 that skips OnStarting, so neither the Server header
    // nor the ResponseGenerated hooks would see it. Answer it here instead, as LaravelS does. Once the response has
    // started, or when the client went away, Kestrel's own handling (abort the connection) is the right one.
    private static bool CanAnswer(HttpContext context, Exception exception) =>
        !context.Response.HasStarted
        && !(exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested);

    private void AnswerUnhandled(HttpContext context, Exception exception)
    {
        HttpLog.UnhandledRequestException(_logger, context.Request.Method, context.Request.Path, exception);
        var response = context.Response;
        response.Clear();
        response.StatusCode = StatusCodes.Status500InternalServerError;
    }

    private Task OnStarting(object state)
    {
        var context = (HttpContext)state;
        if (_serverHeader.Count > 0)
        {
            context.Response.Headers.Server = _serverHeader;
        }

        return _generated.Length > 0
            ? ContainedCalls.RunAsync<IResponseGeneratedHook, ResponseGeneratedCall>(_generated, context)
            : Task.CompletedTask;
    }

    private Task RunCleanersAsync(object state) =>
        ContainedCalls.RunAsync<ICleaner, CleanerCall>(_cleaners, (HttpContext)state);
}
