using System.Buffers;
using System.Net;

namespace Resident;

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
