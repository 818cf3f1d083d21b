using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Resident.Hosting;
using Resident.Metrics;

namespace Resident.WebSockets;

/// <summary>
/// The endpoint of one <c>[WebSocketHandler]</c> path: checks the handshake, accepts, then runs the connection
/// (open, messages, close) inside the upgrade request, so the request's whole pipeline has run before OnOpen.
/// </summary>
internal sealed class WebSocketEndpoint
{
    private readonly WebSocketHandlerDeclaration _declaration;
    private readonly ResidentRuntime _runtime;
    private readonly WebSocketServer _server;
    private readonly Func<WebSocketFrame, ValueTask> _deliver;
    private readonly KeyValuePair<string, object?> _pathTag;
    private IWebSocketHandler? _handler;

    public WebSocketEndpoint(WebSocketHandlerDeclaration declaration, ResidentRuntime runtime, WebSocketServer server)
    {
        _declaration = declaration;
        _runtime = runtime;
        _server = server;
        _deliver = DeliverAsync;
        _pathTag = ResidentMetrics.PathTag(declaration.Path);
    }

    // Built with the other components at start; looked up once.
    private IWebSocketHandler Handler => _handler ??= _runtime.Components.WebSocketHandler(_declaration.Name);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("This path expects a WebSocket handshake.");
            return;
        }

        if (!IsAllowedOrigin(context.Request.Headers.Origin))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (!_server.TryAdmit())
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        try
        {
            await HandshakeAndServeAsync(context);
        }
        finally
        {
            _server.Release();
        }
    }

    private async Task HandshakeAndServeAsync(HttpContext context)
    {
        var handler = Handler;
        var requested = context.WebSockets.WebSocketRequestedProtocols;
        WebSocketHandshakeResult handshake;
        try
        {
            handshake = await handler.OnHandshakeAsync(new WebSocketHandshakeContext(context, [.. requested], Agree(requested)));
        }
        catch (Exception exception)
        {
            _server.ReportHandlerFailure(_declaration.Name, nameof(IWebSocketHandler.OnHandshakeAsync), 0, exception);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        if (!handshake.Accepted)
        {
            context.Response.StatusCode = handshake.StatusCode;
            return;
        }

        var settings = _server.Settings;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = handshake.SubProtocol,
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout > TimeSpan.Zero ? settings.KeepAliveTimeout : Timeout.InfiniteTimeSpan,
        });

        var connection = new WebSocketConnection(
            _server.NextId(), socket, _server, context.Request.Path.Value ?? "", _pathTag, handshake.SubProtocol, context.User, context.Connection.RemoteIpAddress);
        _server.Add(connection);
        var metrics = _server.Metrics;
        metrics.WebSocketOpened(_pathTag);
        var counted = false;
        try
        {
            if (_server.IsStopping)
            {
                connection.BeginClose(_server.ShutdownClose.Status, _server.ShutdownClose.Reason);
            }

            try
            {
                await handler.OnOpenAsync(_server, new WebSocketRequest(connection, context));
            }
            catch (Exception exception)
            {
                _server.ReportHandlerFailure(_declaration.Name, nameof(IWebSocketHandler.OnOpenAsync), connection.Id, exception);
            }

            var (status, reason) = await connection.ReceiveAsync(_deliver);
            _server.Remove(connection);
            metrics.WebSocketClosed(_pathTag, status);
            counted = true;
            try
            {
                await handler.OnCloseAsync(_server, connection.Id, status, reason);
            }
            catch (Exception exception)
            {
                _server.ReportHandlerFailure(_declaration.Name, nameof(IWebSocketHandler.OnCloseAsync), connection.Id, exception);
            }
        }
        finally
        {
            _server.Remove(connection);
            if (!counted)
            {
                // Ended by something the receive loop did not contain: no close handshake to speak of.
                metrics.WebSocketClosed(_pathTag, null);
            }
        }
    }

    private ValueTask DeliverAsync(WebSocketFrame frame)
    {
        ValueTask pending;
        try
        {
            pending = Handler.OnMessageAsync(_server, frame);
            if (pending.IsCompletedSuccessfully)
            {
                return ValueTask.CompletedTask;
            }
        }
        catch (Exception exception)
        {
            _server.ReportHandlerFailure(_declaration.Name, nameof(IWebSocketHandler.OnMessageAsync), frame.ConnectionId, exception);
            return ValueTask.CompletedTask;
        }

        return AwaitMessageAsync(pending, frame.ConnectionId);
    }

    private async ValueTask AwaitMessageAsync(ValueTask pending, long connectionId)
    {
        try
        {
            await pending;
        }
        catch (Exception exception)
        {
            _server.ReportHandlerFailure(_declaration.Name, nameof(IWebSocketHandler.OnMessageAsync), connectionId, exception);
        }
    }

    /// <summary>The handler's first listed sub-protocol the client offered; with none listed, the client's first (LaravelS).</summary>
    private string? Agree(IList<string> requested)
    {
        if (requested.Count == 0)
        {
            return null;
        }

        if (_declaration.SubProtocols.Length == 0)
        {
            return requested[0];
        }

        foreach (var supported in _declaration.SubProtocols)
        {
            foreach (var offered in requested)
            {
                if (string.Equals(supported, offered, StringComparison.Ordinal))
                {
                    return supported;
                }
            }
        }

        return null;
    }

    private bool IsAllowedOrigin(StringValues origin)
    {
        var allowed = _server.Settings.AllowedOrigins;
        if (allowed.Count == 0 || StringValues.IsNullOrEmpty(origin))
        {
            return true;
        }

        var value = origin.ToString().TrimEnd('/');
        foreach (var entry in allowed)
        {
            if (string.Equals(entry.TrimEnd('/'), value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
