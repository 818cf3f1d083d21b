using System.Buffers;
using System.Net;

namespace Resident;

/// <summary>Handles a TCP or Unix-socket port declared with <see cref="SocketHandlerAttribute">[SocketHandler]</see>.</summary>
public interface ITcpHandler
{
    /// <summary>A client connected. The default does nothing.</summary>
    ValueTask OnConnectAsync(ITcpConnection connection) => ValueTask.CompletedTask;

    /// <summary>
    /// One message, cut by the port's framing. <paramref name="message"/> points into the connection's receive buffer
    /// and is valid only until this call returns: copy what you keep. Messages of one connection arrive one at a time,
    /// in order. An exception is logged with the connection and the connection stays open.
    /// </summary>
    ValueTask OnReceiveAsync(ITcpConnection connection, ReadOnlySequence<byte> message);

    /// <summary>The connection closed (either side). The default does nothing.</summary>
    ValueTask OnCloseAsync(ITcpConnection connection) => ValueTask.CompletedTask;

    /// <summary>Sending to this connection has to wait for the client (its output buffer is full). The default does nothing.</summary>
    void OnBufferFull(ITcpConnection connection)
    {
    }

    /// <summary>The client caught up with what was sent after <see cref="OnBufferFull"/>. The default does nothing.</summary>
    void OnBufferEmpty(ITcpConnection connection)
    {
    }
}
