namespace ClusterApp;

/// <summary>What the websocket tests drive on a node.</summary>
public static class WebSocketEndpoints
{
    public static WebApplication MapWebSocketEndpoints(this WebApplication app) => app;
}
