using System.Buffers;
using System.Net;

namespace Resident;

/// <summary>A TCP or Unix-socket port: its open connections.</summary>
public interface ITcpPort : ISocketPort
{
    /// <summary>The connections open right now.</summary>
    IReadOnlyCollection<ITcpConnection> Connections { get; }
}
