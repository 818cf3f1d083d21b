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
    /// One pass over the request's headers finds all five. None of them is a header Kestrel knows by name, so looking
    /// each one up would compare it with every known name of its length, five times per request; the pass costs a
    /// step per header the request has (a plain request has two or three), a length test per step and Kestrel's boxed
    /// header enumerator. A request without any of them stops there: no peer check, nothing parsed or written.
    /// </remarks>
    public void Apply(HttpContext context)
    {
        var found = Find(context.Request.Headers);
        if (!found.Any)
        {
            return;
        }

        var connection = context.Connection;
        var remote = connection.RemoteIpAddress;
        if (remote is not null && !trusted.Contains(remote))
        {
            return;
        }

        if ((found.RealIp.Count > 0 || found.ForwardedFor.Count > 0) && ClientAddress(found.RealIp, found.ForwardedFor) is { } client)
        {
            connection.RemoteIpAddress = client;
        }

        if (found.RealPort.Count > 0
            && int.TryParse(found.RealPort.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber)
            && portNumber <= 65535)
        {
            connection.RemotePort = portNumber;
        }

        var scheme = found.ForwardedProto.Count > 0 ? found.ForwardedProto : found.Scheme;
        if (scheme.Count > 0 && Scheme(scheme) is { } knownScheme)
        {
            context.Request.Scheme = knownScheme;
        }
    }

    private static ForwardedValues Find(IHeaderDictionary headers)
    {
        var found = default(ForwardedValues);
        foreach (var (name, value) in headers)
        {
            // The five names differ in length, so the length picks the one name to compare with.
            switch (name.Length)
            {
                case 6 when Is(name, SchemeHeader): found.Scheme = value; break;
                case 9 when Is(name, RealIp): found.RealIp = value; break;
                case 11 when Is(name, RealPort): found.RealPort = value; break;
                case 15 when Is(name, ForwardedFor): found.ForwardedFor = value; break;
                case 17 when Is(name, ForwardedProto): found.ForwardedProto = value; break;
            }
        }

        return found;

        static bool Is(string name, string forwarded) => name.Equals(forwarded, StringComparison.OrdinalIgnoreCase);
    }

    private IPAddress? ClientAddress(StringValues realIp, StringValues forwardedFor)
    {
        if (realIp.Count > 0 && IPAddress.TryParse(realIp.ToString().Trim(), out var real))
        {
            return real;
        }

        if (forwardedFor.Count == 0)
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

    /// <summary>The forwarded headers one request carries; an absent header is an empty value.</summary>
    private struct ForwardedValues
    {
        public StringValues RealIp;
        public StringValues RealPort;
        public StringValues ForwardedFor;
        public StringValues ForwardedProto;
        public StringValues Scheme;

        public readonly bool Any =>
            RealIp.Count + RealPort.Count + ForwardedFor.Count + ForwardedProto.Count + Scheme.Count > 0;
    }
}
