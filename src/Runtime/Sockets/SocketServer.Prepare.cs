using System.Net;
using System.Text;
using Resident.Hosting;
using Limits = Resident.ResidentLimits.Socket;

namespace Resident.Sockets;

// The start-up half of the extra ports: configuration merged over the attributes and checked (Plan), and the handlers
// built through the one component builder (Build). Problems are appended to the start-up error list, never thrown.
internal sealed partial class SocketServer
{
    private PortPlan[] _plans = [];
    private (PortPlan Plan, object Handler)[] _built = [];

    /// <summary>The enabled ports, planned by the start-up checks; the supervised master binds them for its workers.</summary>
    internal IEnumerable<PortPlan> Plans => _built.Select(built => built.Plan);

    internal sealed record PortPlan(string Name, PortType Type, EndPoint EndPoint, MessageFramer Framer, SocketHandlerDeclaration Declaration);

    /// <summary>Plans the enabled ports; adds a sentence naming the key or class for each problem.</summary>
    public void Prepare(SocketHandlerDeclaration[] declarations, ResidentOptions options, List<string> errors) =>
        _plans = [.. Plan(declarations, options, errors)];

    /// <summary>Builds the handler of every planned port.</summary>
    public void Build(ResidentComponents components) =>
        _built = [.. _plans
            .Select(plan => (Plan: plan, Handler: components.Create(plan.Declaration.Name, "socket handler", plan.Declaration.Factory)))
            .Where(port => port.Handler is not null)
            .Select(port => (port.Plan, port.Handler!))];

    /// <summary>Merges configuration over the attributes and checks every value; adds a sentence naming the key or class per problem.</summary>
    internal static List<PortPlan> Plan(SocketHandlerDeclaration[] declarations, ResidentOptions options, List<string> errors)
    {
        var byName = new Dictionary<string, SocketHandlerDeclaration>(StringComparer.Ordinal);
        foreach (var declaration in declarations)
        {
            var name = declaration.Settings.Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add($"[SocketHandler] {declaration.Name} has an empty name; name it, such as [SocketHandler(\"tcp\")].");
            }
            else if (!byName.TryAdd(name, declaration))
            {
                errors.Add($"The socket handlers {byName[name].Name} and {declaration.Name} are both named '{name}'; give each its own name.");
            }
        }

        foreach (var configured in options.Sockets.Keys)
        {
            if (!byName.ContainsKey(configured))
            {
                errors.Add($"{Key(configured)} names no socket handler; the handlers are: {OptionsReader.Names(byName.Keys)}.");
            }
        }

        var plans = new List<PortPlan>();
        foreach (var declaration in declarations)
        {
            var attribute = declaration.Settings;
            if (string.IsNullOrWhiteSpace(attribute.Name) || byName[attribute.Name] != declaration)
            {
                continue;
            }

            options.Sockets.TryGetValue(attribute.Name, out var configured);
            if (!(configured?.Enabled ?? attribute.Enabled))
            {
                continue;
            }

            if (PlanPort(declaration, configured, errors) is { } plan)
            {
                plans.Add(plan);
            }
        }

        return plans;
    }

    private static PortPlan? PlanPort(SocketHandlerDeclaration declaration, SocketOptions? configured, List<string> errors)
    {
        var problems = errors.Count;
        var attribute = declaration.Settings;
        var key = Key(attribute.Name);
        var where = $"({key} or [SocketHandler] on {declaration.Name})";
        var type = configured?.Type ?? attribute.Type;
        if (!Enum.IsDefined(type))
        {
            errors.Add($"{key}:Type is {type}; use {string.Join(", ", Enum.GetNames<PortType>())}.");
            return null;
        }

        var isUdp = type is PortType.Udp or PortType.Udp6;
        if (!declaration.Handler.HasFlag(isUdp ? SocketHandlerKind.Udp : SocketHandlerKind.Tcp))
        {
            errors.Add(isUdp
                ? $"{declaration.Name} serves the {type} port '{attribute.Name}' but does not implement IUdpHandler."
                : $"{declaration.Name} serves the {type} port '{attribute.Name}' but does not implement ITcpHandler.");
        }

        var host = configured?.Host ?? attribute.Host;
        var port = configured?.Port ?? attribute.Port;
        EndPoint? endPoint = null;
        if (type == PortType.Unix)
        {
            if (string.IsNullOrWhiteSpace(host))
            {
                errors.Add($"{key}:Host must be the socket's path for a Unix port {where}.");
            }
            else if (Encoding.UTF8.GetByteCount(host) > ResidentLimits.Server.MaxUnixSocketPathBytes)
            {
                errors.Add($"{key}:Host must be a path of at most {ResidentLimits.Server.MaxUnixSocketPathBytes} bytes for a Unix port {where}, but is '{host}'.");
            }
            else
            {
                endPoint = new System.Net.Sockets.UnixDomainSocketEndPoint(host);
            }
        }
        else
        {
            var v6 = type is PortType.Tcp6 or PortType.Udp6;
            host ??= v6 ? "::1" : "127.0.0.1";
            var validHost = IPAddress.TryParse(host, out var address)
                && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) == v6;
            if (!validHost)
            {
                errors.Add($"{key}:Host must be an {(v6 ? "IPv6" : "IPv4")} address for a {type} port {where}, but is '{host}'.");
            }

            if (port is < Limits.MinPort or > Limits.MaxPort)
            {
                errors.Add(port == Limits.UnsetPort
                    ? $"{key}:Port is not set {where}; give the port a number (0 lets the system choose)."
                    : $"{key}:Port must be from {Limits.MinPort} to {Limits.MaxPort} {where}, but is {port}.");
            }
            else if (validHost)
            {
                endPoint = new IPEndPoint(address!, port);
            }
        }

        var maxLength = configured?.PackageMaxLength ?? attribute.PackageMaxLength;
        if (maxLength is < Limits.MinPackageMaxLength or > Limits.MaxPackageMaxLength)
        {
            errors.Add($"{key}:PackageMaxLength must be from {Limits.MinPackageMaxLength} to {Limits.MaxPackageMaxLength} {where}, but is {maxLength}.");
        }

        var framing = isUdp ? SocketFraming.None : configured?.Framing ?? attribute.Framing;
        if (!Enum.IsDefined(framing))
        {
            errors.Add($"{key}:Framing is {framing}; use {string.Join(", ", Enum.GetNames<SocketFraming>())}.");
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
                errors.Add($"{key}:PackageEof must be set for Eof framing {where}, such as \"\\r\\n\".");
                break;
            case SocketFraming.Length when lengthSize is not (1 or 2 or 4):
                errors.Add($"{key}:LengthSize must be 1, 2 or 4 {where}, but is {lengthSize}.");
                break;
            case SocketFraming.Length when lengthOffset < 0 || lengthOffset + lengthSize > maxLength:
                errors.Add($"{key}:LengthOffset must be from 0 to PackageMaxLength − LengthSize {where}, but is {lengthOffset}.");
                break;
            case SocketFraming.Length when bodyOffset < Limits.DefaultBodyOffset:
                errors.Add($"{key}:BodyOffset must be {Limits.DefaultBodyOffset} (right after the length field) or more {where}, but is {bodyOffset}.");
                break;
            case SocketFraming.FixedSize when fixedSize < 1 || fixedSize > maxLength:
                errors.Add($"{key}:FixedSize must be from 1 to PackageMaxLength ({maxLength}) {where}, but is {fixedSize}.");
                break;
        }

        if (errors.Count > problems || endPoint is null)
        {
            return null;
        }

        var framer = new MessageFramer(framing, Encoding.UTF8.GetBytes(eof ?? ""), lengthOffset, lengthSize, bigEndian, bodyOffset, fixedSize, maxLength);
        return new PortPlan(attribute.Name, type, endPoint, framer, declaration);
    }
}
