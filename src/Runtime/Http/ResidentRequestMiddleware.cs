using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Resident.Hosting;

namespace Resident.Http;

/// <summary>
/// The first middleware of a Resident app: counts the request (and signals MaxRequest), applies trusted forwarded
/// headers, runs the RequestReceived hooks, and arranges for the Server header and ResponseGenerated hooks (just
/// before the headers are written), for <c>Connection: close</c> while the generation drains, and for the cleaners
/// (after the response has been sent).
/// </summary>
/// <remarks>
/// Callbacks are bound once here and receive the <see cref="HttpContext"/> as state, so a request allocates no
/// closures; with no hooks the request goes straight to the app. MaxRequest and the drain cost a compare and a
/// volatile read per request.
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

    private readonly RequestDelegate _next;
    private readonly ResidentServer _server;
    private readonly ConnectionDrain _drain;
    private readonly long _maxRequest;
    private readonly ForwardedHeadersMapper? _forwardedHeaders;
    private readonly StringValues _serverHeader;
    private readonly Named<IRequestReceivedHook>[] _received;
    private readonly Named<IResponseGeneratedHook>[] _generated;
    private readonly Named<ICleaner>[] _cleaners;
    private readonly ILogger _logger;
    private readonly Func<object, Task>? _onStarting;
    private readonly Func<object, Task>? _onCompleted;
    private readonly Action<string, Exception> _reportReceived;
    private readonly Action<string, Exception> _reportGenerated;
    private readonly Action<string, Exception> _reportCleaner;

    public ResidentRequestMiddleware(
        RequestDelegate next,
        ResidentServer server,
        ResidentRuntime runtime,
        ResidentOptions options,
        ConnectionDrain drain,
        ILogger logger)
    {
        _next = next;
        _server = server;
        _drain = drain;

        // The count is at least 1 once incremented, so 0 (never recycle) never matches.
        _maxRequest = options.MaxRequest;
        _logger = logger;
        _forwardedHeaders = options.ForwardedHeaders ? new ForwardedHeadersMapper(new TrustedProxies(options.TrustedProxies)) : null;
        _serverHeader = string.IsNullOrEmpty(options.Server) ? StringValues.Empty : new StringValues(options.Server);

        var components = runtime.Components;
        _received = components.RequestReceivedHooks;
        _generated = components.ResponseGeneratedHooks;
        _cleaners = components.Cleaners;
        _onStarting = _generated.Length > 0 || _serverHeader.Count > 0 ? OnStarting : null;
        _onCompleted = _cleaners.Length > 0 ? RunCleanersAsync : null;
        _reportReceived = (hook, exception) => HttpLog.RequestHookFailed(_logger, hook, "RequestReceived", exception);
        _reportGenerated = (hook, exception) => HttpLog.RequestHookFailed(_logger, hook, "ResponseGenerated", exception);
        _reportCleaner = (cleaner, exception) => HttpLog.CleanerFailed(_logger, cleaner, exception);
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
            return RunReceivedHooksThenAppAsync(context);
        }

        Task app;
        try
        {
            app = _next(context);
        }
        catch (Exception exception) when (CanAnswer(context, exception))
        {
            AnswerUnhandled(context, exception);
            return Task.CompletedTask;
        }

        return app.IsCompletedSuccessfully ? app : AwaitAppAsync(context, app);
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

    private async Task RunReceivedHooksThenAppAsync(HttpContext context)
    {
        await ContainedCalls.RunAsync(_received, context, static (hook, c) => hook.OnRequestReceivedAsync(c), _reportReceived);
        try
        {
            await _next(context);
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

        return ContainedCalls.RunAsync(_generated, context, static (hook, c) => hook.OnResponseGeneratedAsync(c), _reportGenerated);
    }

    private Task RunCleanersAsync(object state) =>
        ContainedCalls.RunAsync(_cleaners, (HttpContext)state, static (cleaner, c) => cleaner.CleanAsync(c), _reportCleaner);
}
