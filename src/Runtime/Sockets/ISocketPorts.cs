using System.Buffers;
using System.Net;

namespace Resident;

/// <summary>The app's extra ports by name (<c>IResidentServer.Sockets</c>).</summary>
public interface ISocketPorts : IReadOnlyCollection<ISocketPort>
{
    /// <summary>The port named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No enabled [SocketHandler] has that name.</exception>
    ISocketPort this[string name] { get; }
}
