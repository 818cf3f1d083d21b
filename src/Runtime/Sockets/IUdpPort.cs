using System.Buffers;
using System.Net;

namespace Resident;

/// <summary>A UDP port.</summary>
public interface IUdpPort : ISocketPort
{
    /// <summary>Sends one datagram to <paramref name="remote"/>; false if the port is closed or the send failed.</summary>
    ValueTask<bool> SendToAsync(ReadOnlyMemory<byte> data, EndPoint remote);
}
