using System.Buffers;
using System.Net;

namespace Resident;

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
