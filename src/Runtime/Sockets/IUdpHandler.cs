using System.Buffers;
using System.Net;

namespace Resident;

/// <summary>Handles a UDP port declared with <see cref="SocketHandlerAttribute">[SocketHandler]</see>.</summary>
public interface IUdpHandler
{
    /// <summary>
    /// One datagram. <paramref name="data"/> is valid only until this call returns. Answer with
    /// <see cref="IUdpPort.SendToAsync"/>. An exception is logged and the port goes on.
    /// </summary>
    ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, EndPoint remote);
}
