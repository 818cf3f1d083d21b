using Resident;

namespace ClusterApp;

/// <summary>What the websocket tests drive on a node: push to, and look up, a connection of any node by its id.</summary>
public static class WebSocketEndpoints
{
    public static WebApplication MapWebSocketEndpoints(this WebApplication app)
    {
        // "true" when the push was accepted (here, or sent towards the node that holds the connection).
        app.MapPost("/ws/push/{id:long}", async (long id, string text, IWebSocketServer webSockets) =>
            (await webSockets.PushAsync(id, text)) ? "true" : "false");
        app.MapGet("/ws/established/{id:long}", (long id, IWebSocketServer webSockets) => webSockets.IsEstablished(id) ? "true" : "false");
        app.MapGet("/ws/count", (IWebSocketServer webSockets) => webSockets.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return app;
    }
}
