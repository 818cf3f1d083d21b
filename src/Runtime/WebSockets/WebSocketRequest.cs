using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Resident;

/// <summary>The upgrade request of a connection that has just opened — LaravelS's <c>onOpen</c> request.</summary>
public sealed class WebSocketRequest
{
    internal WebSocketRequest(IWebSocketConnection connection, HttpContext httpContext)
    {
        Connection = connection;
        HttpContext = httpContext;
    }

    /// <summary>The new connection's id, for <see cref="IWebSocketServer.PushAsync(long, string)"/> and friends.</summary>
    public long ConnectionId => Connection.Id;

    /// <summary>The new connection.</summary>
    public IWebSocketConnection Connection { get; }

    /// <summary>
    /// The upgrade request after the app's whole pipeline: routing, authentication, session. Valid during
    /// <see cref="IWebSocketHandler.OnOpenAsync"/>; do not keep it.
    /// </summary>
    public HttpContext HttpContext { get; }

    /// <summary>The authenticated user of the upgrade request (also kept as <see cref="IWebSocketConnection.User"/>).</summary>
    public ClaimsPrincipal User => HttpContext.User;

    /// <summary>The query string of the upgrade request.</summary>
    public IQueryCollection Query => HttpContext.Request.Query;
}
