using System.Net;
using System.Net.Sockets;
using Resident.Http;
using Resident.Sockets;

namespace Resident.Supervision;

/// <summary>
/// The listening sockets the master creates once and every worker generation inherits: the HTTP port, the optional
/// Unix socket and the extra [SocketHandler] ports. Closing a worker's copy never resets connections waiting in the
/// accept queue, because the master's copy keeps the socket open until the server stops.
/// </summary>
internal sealed class MasterListeners : IDisposable
{
    private readonly List<(string Name, Socket Socket)> _sockets = [];
    private readonly List<string> _socketFiles = [];

    /// <summary>What the server listens on, e.g. <c>http://127.0.0.1:5200</c>, <c>unix:/run/app.sock</c>, <c>tcp Chat 127.0.0.1:5291</c>.</summary>
    public List<string> Addresses { get; } = [];

    /// <summary>The sockets a worker inherits.</summary>
    public IReadOnlyList<System.Runtime.InteropServices.SafeHandle> Handles => [.. _sockets.Select(entry => entry.Socket.SafeHandle)];

    /// <summary>The <see cref="SupervisorEnvironment.Listeners"/> value for the workers.</summary>
    public string Descriptors => string.Join(';', _sockets.Select(entry => $"{entry.Name}={entry.Socket.SafeHandle.DangerousGetHandle()}"));

    /// <summary>Binds every listener; throws naming the key of the one that cannot bind.</summary>
    public static MasterListeners Bind(ResidentOptions options, IEnumerable<SocketServer.PortPlan> ports)
    {
        var listeners = new MasterListeners();
        try
        {
            var address = IPAddress.Parse(options.ListenIp);
            var http = listeners.Listen(SupervisorEnvironment.HttpListener, new IPEndPoint(address, options.ListenPort), SocketType.Stream,
                $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.ListenPort)}");
            var bound = (IPEndPoint)http.LocalEndPoint!;
            listeners.Addresses.Add(HttpAddress(bound));
            if (options.Metrics.ListenPort is not null)
            {
                var metrics = listeners.Listen(SupervisorEnvironment.MetricsListener, Resident.Metrics.ResidentEndpoints.OwnEndPoint(options), SocketType.Stream,
                    $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Metrics)}:{nameof(ResidentOptions.Metrics.ListenPort)}");
                listeners.Addresses.Add("metrics " + HttpAddress((IPEndPoint)metrics.LocalEndPoint!));
            }

            if (options.Socket is { Length: > 0 } path)
            {
                UnixSocketFile.PrepareForListening(path, $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Socket)}");
                listeners.Listen(SupervisorEnvironment.UnixListener, new UnixDomainSocketEndPoint(path), SocketType.Stream,
                    $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Socket)}");
                listeners._socketFiles.Add(path);

                // nginx runs as another user: let it connect to the upstream socket.
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
                }
                listeners.Addresses.Add($"http://unix:{path}");
            }

            foreach (var port in ports)
            {
                var key = $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Sockets)}:{port.Name}";
                if (port.EndPoint is UnixDomainSocketEndPoint unix)
                {
                    UnixSocketFile.PrepareForListening(unix.ToString(), key);
                    listeners._socketFiles.Add(unix.ToString());
                }

                var udp = port.Type is PortType.Udp or PortType.Udp6;
                var socket = listeners.Listen(SupervisorEnvironment.PortListener(port.Name), port.EndPoint, udp ? SocketType.Dgram : SocketType.Stream, key);
                listeners.Addresses.Add($"{port.Type.ToString().ToLowerInvariant()} {port.Name} {socket.LocalEndPoint}");
            }

            return listeners;
        }
        catch
        {
            listeners.Dispose();
            throw;
        }
    }

    private static string HttpAddress(IPEndPoint bound) =>
        $"http://{(bound.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address.ToString())}:{bound.Port}";

    private Socket Listen(string name, EndPoint endPoint, SocketType type, string key)
    {
        var protocol = endPoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp;
        var socket = new Socket(endPoint.AddressFamily, type, protocol);
        try
        {
            if (endPoint is IPEndPoint ip)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (ip.Address.Equals(IPAddress.IPv6Any))
                {
                    socket.DualMode = true;
                }
            }

            socket.Bind(endPoint);
            if (type == SocketType.Stream)
            {
                socket.Listen(ResidentLimits.Server.ListenBacklog);
            }

        }
        catch (Exception exception)
        {
            socket.Dispose();
            throw new InvalidOperationException($"{key}: the server cannot listen on {endPoint}: {exception.Message}", exception);
        }

        _sockets.Add((name, socket));
        return socket;
    }

    public void Dispose()
    {
        foreach (var (_, socket) in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
        foreach (var file in _socketFiles)
        {
            File.Delete(file);
        }

        _socketFiles.Clear();
    }
}
