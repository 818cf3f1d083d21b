namespace Resident;

/// <summary>
/// Marks a class implementing <see cref="IWebSocketHandler"/> that serves WebSocket connections on
/// <see cref="Path"/> — LaravelS's <c>websocket.handler</c>. One instance serves every connection of the server; it is
/// built once by the generated factory, which resolves its constructor parameters from dependency injection.
/// </summary>
/// <remarks>
/// The upgrade request is an ordinary endpoint: it goes through routing, authentication, authorization and every
/// middleware of the app before <see cref="IWebSocketHandler.OnOpenAsync"/> runs. A class may carry the attribute
/// several times to serve several paths; two handlers on one path are a start-up error naming both.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class WebSocketHandlerAttribute : Attribute
{
    /// <summary>Declares a handler for <paramref name="path"/>.</summary>
    /// <param name="path">The request path, starting with '/' (a route pattern such as <c>/rooms/{room}</c> works too).</param>
    public WebSocketHandlerAttribute(string path) => Path = path;

    /// <summary>The request path the handler serves.</summary>
    public string Path { get; }

    /// <summary>
    /// The sub-protocols the handler speaks, in order of preference. The default handshake agrees on the first one
    /// the client asks for; with none listed it echoes the client's first (LaravelS's behaviour).
    /// </summary>
    public string[] SubProtocols { get; set; } = [];
}
