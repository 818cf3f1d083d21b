using System.Net.WebSockets;
using Resident;

namespace WebSocketBench;

/// <summary>Resident mode: pushes every message back to its sender, as it came (text or binary).</summary>
[WebSocketHandler("/echo")]
public sealed class EchoHandler : IWebSocketHandler
{
    public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) =>
        await server.PushAsync(frame.ConnectionId, frame.Payload, frame.Opcode);
}
