using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Resident.Http;

/// <summary>The addresses and networks whose forwarded headers are believed.</summary>
internal sealed class TrustedProxies
{
    private readonly IPNetwork[] _networks;

    public TrustedProxies(IEnumerable<string> entries)
    {
        _networks = [.. entries.Select(entry => TryParseEntry(entry, out var network)
            ? network
            : throw new ArgumentException($"'{entry}' is not an IP address or CIDR network.", nameof(entries)))];
    }

    public static bool TryParseEntry(string? entry, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }

        entry = entry.Trim();
        if (entry.Contains('/'))
        {
            return IPNetwork.TryParse(entry, out network);
        }

        if (!IPAddress.TryParse(entry, out var address))
        {
            return false;
        }

        address = Normalize(address);
        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        address = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

/// <summary>
/// Applies the headers LaravelS's nginx recipe sends (<c>X-Real-IP</c>, <c>X-Real-PORT</c>, <c>Scheme</c>) and the
/// usual <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c>, but only when the request came from a trusted proxy or over
/// a Unix socket (which only local processes can reach).
/// </summary>
internal sealed class ForwardedHeadersMapper(TrustedProxies trusted)
{
    private const string RealIp = "X-Real-IP";
    private const string RealPort = "X-Real-PORT";
    private const string ForwardedFor = "X-Forwarded-For";
    private const string ForwardedProto = "X-Forwarded-Proto";
    private const string SchemeHeader = "Scheme";

    /// <remarks>
    /// A request without these headers costs a peer check and one dictionary miss per header: nothing is parsed,
    /// allocated or written.
    /// </remarks>
    public void Apply(HttpContext context)
    {
        var connection = context.Connection;
        var remote = connection.RemoteIpAddress;
        if (remote is not null && !trusted.Contains(remote))
        {
            return;
        }

        var headers = context.Request.Headers;
        var hasRealIp = headers.TryGetValue(RealIp, out var realIp);
        var hasForwardedFor = headers.TryGetValue(ForwardedFor, out var forwardedFor);
        if ((hasRealIp || hasForwardedFor) && ClientAddress(hasRealIp, realIp, hasForwardedFor, forwardedFor) is { } client)
        {
            connection.RemoteIpAddress = client;
        }

        if (headers.TryGetValue(RealPort, out var port)
            && int.TryParse(port.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber)
            && portNumber <= 65535)
        {
            connection.RemotePort = portNumber;
        }

        if ((headers.TryGetValue(ForwardedProto, out var scheme) || headers.TryGetValue(SchemeHeader, out scheme))
            && Scheme(scheme) is { } knownScheme)
        {
            context.Request.Scheme = knownScheme;
        }
    }

    private IPAddress? ClientAddress(bool hasRealIp, StringValues realIp, bool hasForwardedFor, StringValues forwardedFor)
    {
        if (hasRealIp && IPAddress.TryParse(realIp.ToString().Trim(), out var real))
        {
            return real;
        }

        if (!hasForwardedFor)
        {
            return null;
        }

        // Walk from the nearest hop outwards; the first address that is not a trusted proxy is the client.
        var hops = string.Join(',', forwardedFor.ToArray()).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IPAddress? farthest = null;
        for (var i = hops.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out var hop))
            {
                break;
            }

            farthest = hop;
            if (!trusted.Contains(hop))
            {
                return hop;
            }
        }

        return farthest;
    }

    private static string? Scheme(StringValues value)
    {
        // Through several proxies the header lists one scheme per hop; the last is what our trusted proxy saw.
        var text = value.ToString();
        text = text[(text.LastIndexOf(',') + 1)..].Trim();
        if (text.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            return "https";
        }

        return text.Equals("http", StringComparison.OrdinalIgnoreCase) ? "http" : null;
    }
}
