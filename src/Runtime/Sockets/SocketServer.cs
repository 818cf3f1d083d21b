using System.Collections;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Sockets;

/// <summary>
/// The extra ports: checked and bound before the server serves (a port that cannot bind fails the start naming it),
/// closed when it stops.
/// </summary>
internal sealed partial class SocketServer(
    ResidentRuntime runtime,
    IOptions<ResidentOptions> options,
    IServiceProvider services,
    ILoggerFactory loggerFactory) : ISocketPorts, IHostedLifecycleService
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

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var plans = Plan(runtime.Declarations.Sockets, options.Value);
        if (plans.Count == 0)
        {
            return;
        }

        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        foreach (var plan in plans)
        {
            var logger = loggerFactory.CreateLogger("Resident.Sockets." + plan.Name);
            object handler;
            try
            {
                handler = plan.Declaration.Factory(services);
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException($"Resident could not create the socket handler '{plan.Declaration.Name}': {exception.Message}", exception);
            }

            try
            {
                if (plan.Type is PortType.Udp or PortType.Udp6)
                {
                    var port = new UdpPort(plan.Name, plan.Type, (IUdpHandler)handler, plan.Framer.MaxLength, logger);
                    port.Bind((IPEndPoint)plan.EndPoint);
                    _ports.Add(plan.Name, port);
                }
                else
                {
                    if (plan.EndPoint is System.Net.Sockets.UnixDomainSocketEndPoint unix)
                    {
                        if (Resident.Http.UnixSocketFile.PrepareForListening(unix.ToString(), Key(plan.Name)))
                        {
                            Log.StaleSocketReplaced(_logger, plan.Name, unix.ToString());
                        }
                    }

                    var port = new TcpPort(plan.Name, plan.Type, (ITcpHandler)handler, plan.Framer, this, logger);
                    await port.BindAsync(transport, plan.EndPoint, cancellationToken).ConfigureAwait(false);
                    _ports.Add(plan.Name, port);
                }
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException(
                    $"{Key(plan.Name)} could not listen on {Describe(plan.EndPoint)} ({plan.Type}): {exception.Message}", exception);
            }

            Log.Listening(_logger, plan.Name, plan.Type, Describe(_ports[plan.Name].LocalEndPoint ?? plan.EndPoint), plan.Declaration.Name);
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

    internal sealed record PortPlan(string Name, PortType Type, EndPoint EndPoint, MessageFramer Framer, SocketHandlerDeclaration Declaration);

    /// <summary>Merges configuration over the attributes and checks every value; throws naming the key or class at fault.</summary>
    internal static List<PortPlan> Plan(SocketHandlerDeclaration[] declarations, ResidentOptions options)
    {
        var byName = new Dictionary<string, SocketHandlerDeclaration>(StringComparer.Ordinal);
        foreach (var declaration in declarations)
        {
            var name = declaration.Settings.Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new InvalidOperationException($"[SocketHandler] {declaration.Name} has an empty name; name it, such as [SocketHandler(\"tcp\")].");
            }

            if (!byName.TryAdd(name, declaration))
            {
                throw new InvalidOperationException(
                    $"The socket handlers {byName[name].Name} and {declaration.Name} are both named '{name}'; give each its own name.");
            }
        }

        foreach (var configured in options.Sockets.Keys)
        {
            if (!byName.ContainsKey(configured))
            {
                throw new InvalidOperationException(
                    $"{Key(configured)} names no socket handler; the handlers are: {(byName.Count == 0 ? "(none)" : string.Join(", ", byName.Keys))}.");
            }
        }

        var plans = new List<PortPlan>();
        foreach (var declaration in declarations)
        {
            var attribute = declaration.Settings;
            options.Sockets.TryGetValue(attribute.Name, out var configured);
            if (!(configured?.Enabled ?? attribute.Enabled))
            {
                continue;
            }

            var key = Key(attribute.Name);
            var where = $"({key} or [SocketHandler] on {declaration.Name})";
            var type = configured?.Type ?? attribute.Type;
            if (!Enum.IsDefined(type))
            {
                throw new InvalidOperationException($"{key}:Type is {type}; use Tcp, Tcp6, Udp, Udp6 or Unix.");
            }

            var isUdp = type is PortType.Udp or PortType.Udp6;
            if (!declaration.Handler.HasFlag(isUdp ? SocketHandlerKind.Udp : SocketHandlerKind.Tcp))
            {
                throw new InvalidOperationException(isUdp
                    ? $"{declaration.Name} serves the {type} port '{attribute.Name}' but does not implement IUdpHandler."
                    : $"{declaration.Name} serves the {type} port '{attribute.Name}' but does not implement ITcpHandler.");
            }

            var host = configured?.Host ?? attribute.Host;
            var port = configured?.Port ?? attribute.Port;
            EndPoint endPoint;
            if (type == PortType.Unix)
            {
                if (string.IsNullOrWhiteSpace(host))
                {
                    throw new InvalidOperationException($"{key}:Host must be the socket's path for a Unix port {where}.");
                }

                endPoint = new System.Net.Sockets.UnixDomainSocketEndPoint(host);
            }
            else
            {
                var v6 = type is PortType.Tcp6 or PortType.Udp6;
                host ??= v6 ? "::1" : "127.0.0.1";
                if (!IPAddress.TryParse(host, out var address)
                    || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) != v6)
                {
                    throw new InvalidOperationException(
                        $"{key}:Host must be an {(v6 ? "IPv6" : "IPv4")} address for a {type} port {where}, but is '{host}'.");
                }

                if (port is < 0 or > 65535)
                {
                    throw new InvalidOperationException(port == -1
                        ? $"{key}:Port is not set {where}; give the port a number (0 lets the system choose)."
                        : $"{key}:Port must be from 0 to 65535 {where}, but is {port}.");
                }

                endPoint = new IPEndPoint(address, port);
            }

            var maxLength = configured?.PackageMaxLength ?? attribute.PackageMaxLength;
            if (maxLength is < 1 or > 1024 * 1024 * 1024)
            {
                throw new InvalidOperationException($"{key}:PackageMaxLength must be from 1 to 1073741824 {where}, but is {maxLength}.");
            }

            var framing = isUdp ? SocketFraming.None : configured?.Framing ?? attribute.Framing;
            if (!Enum.IsDefined(framing))
            {
                throw new InvalidOperationException($"{key}:Framing is {framing}; use None, Eof, Length or FixedSize.");
            }

            var eof = configured?.PackageEof ?? attribute.PackageEof;
            var lengthOffset = configured?.LengthOffset ?? attribute.LengthOffset;
            var lengthSize = configured?.LengthSize ?? attribute.LengthSize;
            var bigEndian = configured?.LengthBigEndian ?? attribute.LengthBigEndian;
            var bodyOffset = configured?.BodyOffset ?? attribute.BodyOffset;
            var fixedSize = configured?.FixedSize ?? attribute.FixedSize;
            switch (framing)
            {
                case SocketFraming.Eof when string.IsNullOrEmpty(eof):
                    throw new InvalidOperationException($"{key}:PackageEof must be set for Eof framing {where}, such as \"\\r\\n\".");
                case SocketFraming.Length when lengthSize is not (1 or 2 or 4):
                    throw new InvalidOperationException($"{key}:LengthSize must be 1, 2 or 4 {where}, but is {lengthSize}.");
                case SocketFraming.Length when lengthOffset < 0 || lengthOffset + lengthSize > maxLength:
                    throw new InvalidOperationException($"{key}:LengthOffset must be from 0 to PackageMaxLength − LengthSize {where}, but is {lengthOffset}.");
                case SocketFraming.Length when bodyOffset < -1:
                    throw new InvalidOperationException($"{key}:BodyOffset must be −1 (right after the length field) or more {where}, but is {bodyOffset}.");
                case SocketFraming.FixedSize when fixedSize < 1 || fixedSize > maxLength:
                    throw new InvalidOperationException($"{key}:FixedSize must be from 1 to PackageMaxLength ({maxLength}) {where}, but is {fixedSize}.");
            }

            var framer = new MessageFramer(framing, Encoding.UTF8.GetBytes(eof ?? ""), lengthOffset, lengthSize, bigEndian, bodyOffset, fixedSize, maxLength);
            plans.Add(new PortPlan(attribute.Name, type, endPoint, framer, declaration));
        }

        return plans;
    }

    private static partial class Log
    {
        [LoggerMessage(77, LogLevel.Information, "Port {Port}: replaced the stale Unix socket file {Path} left by an earlier run.")]
        public static partial void StaleSocketReplaced(ILogger logger, string port, string path);

        [LoggerMessage(76, LogLevel.Information, "Port {Port} ({Type}) listens on {EndPoint}, served by {Handler}.")]
        public static partial void Listening(ILogger logger, string port, PortType type, string endPoint, string handler);
    }
}
