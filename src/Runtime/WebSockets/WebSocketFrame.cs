using System.Net.WebSockets;
using System.Text;

namespace Resident;

/// <summary>One whole message received from a connection — LaravelS's <c>Frame</c>.</summary>
/// <remarks>
/// The payload lives in a pooled buffer that is reused once <see cref="IWebSocketHandler.OnMessageAsync"/> completes:
/// copy it (<c>Payload.ToArray()</c>) or read <see cref="Text"/> to keep it longer.
/// </remarks>
public readonly struct WebSocketFrame
{
    internal WebSocketFrame(long connectionId, WebSocketMessageType opcode, ReadOnlyMemory<byte> payload)
    {
        ConnectionId = connectionId;
        Opcode = opcode;
        Payload = payload;
    }

    /// <summary>The connection the message came from (LaravelS's <c>fd</c>).</summary>
    public long ConnectionId { get; }

    /// <summary><see cref="WebSocketMessageType.Text"/> or <see cref="WebSocketMessageType.Binary"/>.</summary>
    public WebSocketMessageType Opcode { get; }

    /// <summary>The message bytes; for a text message, valid UTF-8.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>
    /// Always true: fragmented messages are reassembled (up to <c>Resident:WebSocket:MaxMessageSize</c>) before the
    /// handler sees them. Kept for LaravelS's <c>$frame->finish</c>.
    /// </summary>
    public bool Finish => true;

    /// <summary>The payload decoded as UTF-8 (a new string on each call).</summary>
    public string Text => Encoding.UTF8.GetString(Payload.Span);
}
