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

/// <summary>One connection of a TCP or Unix-socket port.</summary>
public interface ITcpConnection
{
    /// <summary>Unique among the connections of the server while it runs.</summary>
    long Id { get; }

    /// <summary>The port's name.</summary>
    string Port { get; }

    /// <summary>The client's address (null for a Unix socket).</summary>
    EndPoint? RemoteEndPoint { get; }

    /// <summary>Whether the connection is still open.</summary>
    bool IsOpen { get; }

    /// <summary>
    /// Sends <paramref name="data"/> (whole, never interleaved with another send); completes when the bytes are handed
    /// to the socket, waiting while the client is slow. False if the connection is closed.
    /// </summary>
    ValueTask<bool> SendAsync(ReadOnlyMemory<byte> data);

    /// <summary>Sends what is pending, then closes the connection.</summary>
    ValueTask CloseAsync();
}

/// <summary>Handles a UDP port declared with <see cref="SocketHandlerAttribute">[SocketHandler]</see>.</summary>
public interface IUdpHandler
{
    /// <summary>
    /// One datagram. <paramref name="data"/> is valid only until this call returns. Answer with
    /// <see cref="IUdpPort.SendToAsync"/>. An exception is logged and the port goes on.
    /// </summary>
    ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, EndPoint remote);
}

/// <summary>An extra port of the server.</summary>
public interface ISocketPort
{
    /// <summary>The port's name.</summary>
    string Name { get; }

    /// <summary>Its type.</summary>
    PortType Type { get; }

    /// <summary>The address it listens on (with the port the operating system chose for port 0).</summary>
    EndPoint? LocalEndPoint { get; }
}

/// <summary>A TCP or Unix-socket port: its open connections.</summary>
public interface ITcpPort : ISocketPort
{
    /// <summary>The connections open right now.</summary>
    IReadOnlyCollection<ITcpConnection> Connections { get; }
}

/// <summary>A UDP port.</summary>
public interface IUdpPort : ISocketPort
{
    /// <summary>Sends one datagram to <paramref name="remote"/>; false if the port is closed or the send failed.</summary>
    ValueTask<bool> SendToAsync(ReadOnlyMemory<byte> data, EndPoint remote);
}

/// <summary>The app's extra ports by name (<c>IResidentServer.Sockets</c>).</summary>
public interface ISocketPorts : IReadOnlyCollection<ISocketPort>
{
    /// <summary>The port named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No enabled [SocketHandler] has that name.</exception>
    ISocketPort this[string name] { get; }
}
