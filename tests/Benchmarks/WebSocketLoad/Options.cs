using System.Globalization;

namespace WebSocketLoad;

/// <summary>The command line: --name value pairs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(ReadOnlySpan<string> args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value, got '{args[i]}'.");
            }

            options._values[args[i][2..]] = args[++i];
        }

        return options;
    }

    /// <summary>
    /// The servers of --url (comma-separated), each with its pids from --server-pid (comma-separated per server; a
    /// supervised server's master and workers joined by '+'; none when not given).
    /// </summary>
    public IReadOnlyList<Target> Targets
    {
        get
        {
            var urls = (_values.TryGetValue("url", out var url) ? url : throw new ArgumentException("--url is required.")).Split(',');
            var pids = _values.TryGetValue("server-pid", out var pid) ? pid.Split(',') : [];
            return [.. urls.Select((address, i) => new Target(i, new Uri(address), i < pids.Length ? ProcessIds(pids[i]) : []))];
        }
    }

    private static int[] ProcessIds(string text) =>
        [.. text.Split('+', StringSplitOptions.RemoveEmptyEntries).Select(pid => int.Parse(pid, CultureInfo.InvariantCulture)).Where(pid => pid > 0)];

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}

/// <summary>One server under load: its WebSocket address and, to read its CPU time from /proc, its processes' pids.</summary>
internal sealed record Target(int Index, Uri Url, IReadOnlyList<int> Pids)
{
    /// <summary>The server's HTTP root, from the WebSocket address.</summary>
    public Uri HttpRoot => new UriBuilder(Url) { Scheme = Url.Scheme == "wss" ? "https" : "http", Path = "/", Query = "" }.Uri;
}
