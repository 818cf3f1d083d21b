using Resident;

namespace ClusterApp;

/// <summary>The node's WebSocket handler for the cluster tests: says "welcome:&lt;id&gt;" on open, echoes text.</summary>
[WebSocketHandler("/ws/cluster")]
public sealed class ClusterWebSocketHandler : IWebSocketHandler
{
    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) =>
        await server.PushAsync(request.ConnectionId, $"welcome:{request.ConnectionId}");

    public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) =>
        await server.PushAsync(frame.ConnectionId, "echo:" + frame.Text);
}
