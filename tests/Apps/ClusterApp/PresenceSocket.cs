using System.Globalization;
using System.Net.WebSockets;
using Resident;

namespace ClusterApp;

/// <summary>
/// /presence/ws?group=a&amp;group=b&amp;user=u: binds the user, joins the groups, then says "joined:&lt;connection id&gt;".
/// </summary>
[WebSocketHandler("/presence/ws")]
public sealed class PresenceSocket(IPresence presence) : IWebSocketHandler
{
    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request)
    {
        var user = request.Query["user"].ToString();
        if (user.Length > 0)
        {
            await presence.BindUserAsync(user, request.ConnectionId);
        }

        foreach (var group in request.Query["group"])
        {
            await presence.JoinAsync(group!, request.ConnectionId);
        }

        await server.PushAsync(request.ConnectionId, "joined:" + request.ConnectionId.ToString(CultureInfo.InvariantCulture));
    }

    public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => ValueTask.CompletedTask;

    public ValueTask OnCloseAsync(IWebSocketServer server, long connectionId, WebSocketCloseStatus? status, string? reason) => ValueTask.CompletedTask;
}
