using Microsoft.AspNetCore.Http;

namespace Resident;

/// <summary>The outcome of a handshake: accept (with an optional sub-protocol) or reject with an HTTP status.</summary>
public readonly record struct WebSocketHandshakeResult
{
    private WebSocketHandshakeResult(bool accepted, string? subProtocol, int statusCode)
    {
        Accepted = accepted;
        SubProtocol = subProtocol;
        StatusCode = statusCode;
    }

    /// <summary>Whether the connection is accepted.</summary>
    public bool Accepted { get; }

    /// <summary>The sub-protocol answered in <c>Sec-WebSocket-Protocol</c> when accepted; null for none.</summary>
    public string? SubProtocol { get; }

    /// <summary>The HTTP status answered when rejected.</summary>
    public int StatusCode { get; }

    /// <summary>Accepts the connection, answering <paramref name="subProtocol"/> (null for none).</summary>
    public static WebSocketHandshakeResult Accept(string? subProtocol = null) => new(true, subProtocol, StatusCodes.Status101SwitchingProtocols);

    /// <summary>Rejects the connection with an HTTP status from 400 to 599 (e.g. 401, 403, 429).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not an error status.</exception>
    public static WebSocketHandshakeResult Reject(int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        return new(false, null, statusCode);
    }
}
