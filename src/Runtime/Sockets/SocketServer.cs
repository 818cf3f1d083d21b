using System.Collections;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Metrics;

namespace Resident.Sockets;

/// <summary>
/// The extra ports: checked and bound before the server serves (a port that cannot bind fails the start naming it),
/// closed when it stops.
/// </summary>
internal sealed partial class SocketServer(ILoggerFactory loggerFactory, ResidentMetrics metrics) : ISocketPorts, IHostedLifecycleService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<SocketServer>();
    private readonly Dictionary<string, ISocketPort> _ports = new(StringComparer.Ordinal);
    private long _connectionIds;

    public int Count => _ports.Count;

    public ISocketPort this[string name] =>
        _ports.TryGetValue(name, out var port)
            ? port
            : throw new KeyNotFoundException($"No enabled [SocketHandler] is named '{name}'; the ports are: {(_ports.Count == 0 ? "(none)" : string.Join(", ", _ports.Keys))}.");

    public IEnumerator<ISocketPort> GetEnumerator() => _ports.Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal long NextConnectionId() => Interlocked.Increment(ref _connectionIds);

    /// <summary>The instruments the ports count on (each port makes its <c>port</c> tag once).</summary>
    internal ResidentMetrics Metrics => metrics;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        // Checked, planned and built by the start-up checks (SocketServer.Prepare.cs).
        var plans = _built;
        if (plans.Length == 0)
        {
            return;
        }

        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        foreach (var (plan, handler) in plans)
        {
            var logger = loggerFactory.CreateLogger("Resident.Sockets." + plan.Name);

            // A supervised worker serves the socket its master created for the port.
            int? inherited = Resident.Supervision.WorkerIdentity.OfThisProcess?.Listeners.TryGetValue(
                Resident.Supervision.SupervisorEnvironment.PortListener(plan.Name), out var descriptor) == true ? descriptor : null;
            try
            {
                if (plan.Type is PortType.Udp or PortType.Udp6)
                {
                    var port = new UdpPort(plan.Name, plan.Type, (IUdpHandler)handler, plan.Framer.MaxLength, metrics, logger);
                    if (inherited is { } udp)
                    {
                        port.Adopt(new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(udp, ownsHandle: true)));
                    }
                    else
                    {
                        port.Bind((IPEndPoint)plan.EndPoint);
                    }

                    _ports.Add(plan.Name, port);
                }
                else if (inherited is { } tcp)
                {
                    var port = new TcpPort(plan.Name, plan.Type, (ITcpHandler)handler, plan.Framer, this, logger);
                    await port.BindAsync(transport, new Microsoft.AspNetCore.Connections.FileHandleEndPoint((ulong)tcp, Microsoft.AspNetCore.Connections.FileHandleType.Auto), cancellationToken).ConfigureAwait(false);
                    _ports.Add(plan.Name, port);
                }
                else
                {
                    if (plan.EndPoint is System.Net.Sockets.UnixDomainSocketEndPoint unix)
                    {
                        if (Resident.Http.UnixSocketFile.PrepareForListening(unix.ToString(), Key(plan.Name)))
                        {
                            SocketLog.StaleSocketReplaced(_logger, plan.Name, unix.ToString());
                        }
                    }

                    var port = new TcpPort(plan.Name, plan.Type, (ITcpHandler)handler, plan.Framer, this, logger);
                    await port.BindAsync(transport, plan.EndPoint, cancellationToken).ConfigureAwait(false);
                    _ports.Add(plan.Name, port);
                }
            }
            catch (Exception exception) when (IsAddressInUse(exception))
            {
                // The user's to fix, not a bug: a start-up error without a stack trace, with the way out.
                throw new ResidentStartupException([
                    $"{Key(plan.Name)} could not listen on {Describe(plan.EndPoint)} ({plan.Type}): the address is already in use by another process. "
                    + $"Stop it, or choose another port with {Key(plan.Name)}:Port (0 lets the system pick a free one)."]);
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException(
                    $"{Key(plan.Name)} could not listen on {Describe(plan.EndPoint)} ({plan.Type}): {exception.Message}", exception);
            }

            SocketLog.Listening(_logger, plan.Name, plan.Type, Describe(_ports[plan.Name].LocalEndPoint ?? plan.EndPoint), plan.Declaration.Name);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // The ShutdownCoordinator closes the ports (StopPortsAsync), in its order and within its deadline.
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Stops accepting on every port, closes their connections and waits for them to end, until
    /// <paramref name="cutOff"/> (the stop's deadline); then deletes the Unix socket files.
    /// </summary>
    internal async Task StopPortsAsync(CancellationToken cutOff)
    {
        var stops = _ports.Values.Select(port => port switch
        {
            TcpPort tcp => tcp.StopAsync(cutOff),
            UdpPort udp => udp.StopAsync(),
            _ => Task.CompletedTask,
        });
        await Task.WhenAll(stops).ConfigureAwait(false);
        foreach (var plan in _ports.Values.Where(port => port.Type == PortType.Unix))
        {
            if (plan.LocalEndPoint is System.Net.Sockets.UnixDomainSocketEndPoint unix && unix.ToString() is { Length: > 0 } path)
            {
                File.Delete(path);
            }
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Key(string name) => $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Sockets)}:{name}";

    private static string Describe(EndPoint endPoint) => endPoint is IPEndPoint ip ? ip.ToString() : $"unix:{endPoint}";

    private static bool IsAddressInUse(Exception exception) =>
        exception is Microsoft.AspNetCore.Connections.AddressInUseException
            or System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }
        || (exception.InnerException is { } inner && IsAddressInUse(inner));
}
