using Microsoft.AspNetCore.Http;

namespace Resident;

/// <summary>What a handler's <see cref="IWebSocketHandler.OnHandshakeAsync"/> sees of an upgrade request.</summary>
public sealed class WebSocketHandshakeContext
{
    internal WebSocketHandshakeContext(HttpContext httpContext, IReadOnlyList<string> requestedSubProtocols, string? agreedSubProtocol)
    {
        HttpContext = httpContext;
        RequestedSubProtocols = requestedSubProtocols;
        AgreedSubProtocol = agreedSubProtocol;
    }

    /// <summary>The upgrade request, after the app's middleware (authentication included).</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The sub-protocols the client offered (<c>Sec-WebSocket-Protocol</c>), in its order.</summary>
    public IReadOnlyList<string> RequestedSubProtocols { get; }

    /// <summary>The sub-protocol the default handshake would answer with, or null for none.</summary>
    public string? AgreedSubProtocol { get; }
}
