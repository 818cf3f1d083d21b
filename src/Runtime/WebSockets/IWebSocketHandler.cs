using System.Net.WebSockets;

namespace Resident;

/// <summary>
/// Serves the WebSocket connections of one path; declare it with <see cref="WebSocketHandlerAttribute"/>. The
/// methods follow LaravelS's handler: handshake, open, message, close. Only <see cref="OnMessageAsync"/> is required.
/// </summary>
/// <remarks>
/// One instance serves every connection, so its fields are shared by all of them. Calls for one connection never
/// overlap: the next message is read only after <see cref="OnMessageAsync"/> has completed. An exception thrown by
/// any method is logged with the connection id and contained; the connection stays open unless the handler closes it.
/// </remarks>
public interface IWebSocketHandler
{
    /// <summary>
    /// Decides whether to accept the upgrade. The default accepts with the sub-protocol the attribute agreed on;
    /// return <see cref="WebSocketHandshakeResult.Reject"/> to answer with an HTTP status instead.
    /// </summary>
    ValueTask<WebSocketHandshakeResult> OnHandshakeAsync(WebSocketHandshakeContext context) =>
        ValueTask.FromResult(WebSocketHandshakeResult.Accept(context.AgreedSubProtocol));

    /// <summary>
    /// The connection is established. <paramref name="request"/> is the upgrade request after the whole ASP.NET Core
    /// pipeline, so the user, query, cookies and session are readable; pushing to the connection works from here on.
    /// </summary>
    ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) => ValueTask.CompletedTask;

    /// <summary>A whole message arrived (fragments are reassembled first). The payload is valid until this call completes.</summary>
    ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame);

    /// <summary>
    /// The connection closed, for whatever reason — called once per connection that was opened, never for a rejected
    /// handshake. <paramref name="status"/> is null when the connection ended without a close frame.
    /// </summary>
    ValueTask OnCloseAsync(IWebSocketServer server, long connectionId, WebSocketCloseStatus? status, string? reason) => ValueTask.CompletedTask;
}
