using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Resident.Metrics;

/// <summary>
/// ASP.NET Core's two request instruments, <c>http.server.request.duration</c> and <c>http.server.active_requests</c>,
/// measured by Resident in front of its request middleware for the Prometheus endpoint: the same names, tags
/// (<c>url.scheme</c>, <c>http.request.method</c> with <c>_OTHER</c>, <c>network.protocol.version</c>,
/// <c>http.response.status_code</c>, <c>http.route</c>, <c>aspnetcore.request.is_unhandled</c>, <c>error.type</c>)
/// and buckets.
/// </summary>
/// <remarks>
/// Why not subscribe to ASP.NET Core's own: once either of its instruments has a listener, the hosting layer runs its
/// metrics path on every request (a tags feature set on the request, tag lists built at start and end, the
/// listener's tag-set lookups), which measured 2.5–3 µs of server CPU per request under NativeAOT, about an eighth
/// of a plaintext request. Here a request costs two timestamps, two cached-series look-ups by small integers (its
/// method and scheme; its endpoint's last status, protocol and method) and four interlocked operations, and nothing
/// at all with metrics off; only a request unlike its endpoint's last builds its tags and asks the series table.
/// What differs: scrapes and health probes (answered before Resident's middleware) are not counted, the time ends when the app's
/// pipeline completes rather than after Kestrel's last write, and tags an app adds through
/// <c>IHttpMetricsTagsFeature</c> need <c>Resident:Metrics:AspNetCoreRequestMetrics=true</c>.
/// The instruments live on a meter no listener can take (its scope is this object): only the collector reads them.
/// </remarks>
internal sealed class HttpRequestMetrics : IDisposable
{
    /// <summary>ASP.NET Core's duration instrument.</summary>
    public const string DurationName = "http.server.request.duration";

    /// <summary>ASP.NET Core's in-flight requests instrument.</summary>
    public const string ActiveName = "http.server.active_requests";

    // Where ASP.NET Core's terminal middleware marks a request no endpoint or middleware handled (a 404 of its own).
    private const string UnhandledItemKey = "__RequestUnhandled";

    // The tag values a cached series is found by, by index: the methods ASP.NET Core tags by name (any other is
    // _OTHER, the last), the two schemes (SchemeIndex) and the four protocol versions. A request outside them (a
    // scheme a proxy made up, HTTP/0.9) is measured all the same, through its tags.
    private static readonly string[] MethodTags =
    [
        HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Head, HttpMethods.Patch,
        HttpMethods.Options, HttpMethods.Connect, HttpMethods.Trace, "_OTHER",
    ];

    private const int SchemeCount = 2;
    private static readonly string[] ProtocolTags = ["1.1", "2", "3", "1.0"];

    private readonly Meter _meter;
    private readonly InstrumentState? _duration;
    private readonly InstrumentState? _active;
    private readonly bool[] _ignoredStatus = new bool[600];
    private readonly object?[] _boxedStatusCodes = new object?[600];
    private readonly object _boxedTrue = true;
    private readonly ConditionalWeakTable<Endpoint, EndpointTags> _endpoints = [];
    private readonly SumSeries?[] _activeSeries = new SumSeries?[SchemeCount * MethodTags.Length];
    private readonly EndpointTags _withoutEndpoint = new(null, null, false);
    private EndpointTags? _lastEndpoint;

    /// <summary>The two instruments, each unless <paramref name="excluded"/> names it.</summary>
    public HttpRequestMetrics(ResidentMetricsOptions settings, NamePatterns excluded)
    {
        _meter = new Meter(new MeterOptions("Resident.Http.Requests") { Scope = this });
        if (!excluded.Matches(DurationName))
        {
            // Unit "s" gives it the second buckets ASP.NET Core advises for its own.
            var duration = _meter.CreateHistogram<double>(DurationName, "s", "Duration of HTTP server requests.");
            _duration = InstrumentState.For(duration, settings.MaxSeriesPerInstrument, skip: null);
        }

        if (!excluded.Matches(ActiveName))
        {
            var active = _meter.CreateUpDownCounter<long>(ActiveName, "{request}", "Number of active HTTP server requests.");
            _active = InstrumentState.For(active, settings.MaxSeriesPerInstrument, skip: null);
        }

        foreach (var status in settings.IgnoredStatusCodes)
        {
            if (status is >= 0 and < 600)
            {
                _ignoredStatus[status] = true;
            }
        }
    }

    /// <summary>What the collector reads at a scrape.</summary>
    public IEnumerable<InstrumentState> Instruments => new[] { _duration, _active }.OfType<InstrumentState>();

    /// <summary>Whether there is anything to measure (both instruments may be excluded).</summary>
    public bool Active => _duration is not null || _active is not null;

    /// <summary><paramref name="next"/>, measured.</summary>
    public RequestDelegate Measure(RequestDelegate next) => context => InvokeAsync(context, next);

    private Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var method = MethodIndex(request.Method);
        var scheme = request.Scheme;
        var schemeIndex = SchemeIndex(scheme);
        var active = ActiveSeries(method, scheme, schemeIndex);
        active?.Add(1);
        var start = new RequestStart(method, scheme, schemeIndex, active, Stopwatch.GetTimestamp());
        Task served;
        try
        {
            served = next(context);
        }
        catch (Exception exception)
        {
            End(context, start, exception);
            throw;
        }

        if (served.IsCompletedSuccessfully)
        {
            End(context, start, exception: null);
            return served;
        }

        return AwaitAsync(context, served, start);
    }

    private async Task AwaitAsync(HttpContext context, Task served, RequestStart start)
    {
        try
        {
            await served;
        }
        catch (Exception exception)
        {
            End(context, start, exception);
            throw;
        }

        End(context, start, exception: null);
    }

    // The in-flight series of the method and scheme: an array slot once the pair has been seen.
    private SumSeries? ActiveSeries(int method, string scheme, int schemeIndex)
    {
        if (_active is null)
        {
            return null;
        }

        var slot = schemeIndex < 0 ? -1 : schemeIndex * MethodTags.Length + method;
        if (slot >= 0 && Volatile.Read(ref _activeSeries[slot]) is { } cached)
        {
            return cached;
        }

        var buffer = new TagBuffer();
        Span<KeyValuePair<string, object?>> tags = buffer;
        tags[0] = new("url.scheme", scheme);
        tags[1] = new("http.request.method", MethodTags[method]);
        var series = (SumSeries)_active.SeriesOf(tags[..2]);
        if (slot >= 0)
        {
            // A race stores the same series twice: the table gives one series per tag set.
            Volatile.Write(ref _activeSeries[slot], series);
        }

        return series;
    }

    private void End(HttpContext context, in RequestStart start, Exception? exception)
    {
        start.Active?.Add(-1);
        if (_duration is null)
        {
            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(start.Timestamp).TotalSeconds;
        var status = context.Response.StatusCode;
        if ((uint)status < (uint)_ignoredStatus.Length && _ignoredStatus[status])
        {
            return;
        }

        var endpoint = context.GetEndpoint();
        var endpointTags = endpoint is null ? _withoutEndpoint : TagsOf(endpoint);
        if (endpointTags.Disabled)
        {
            return;
        }

        var protocol = context.Request.Protocol;
        var protocolIndex = ProtocolIndex(protocol);
        var unhandled = endpoint is null && status == StatusCodes.Status404NotFound
            && context.Items.TryGetValue(UnhandledItemKey, out var mark) && mark is true;

        // Most requests repeat their endpoint's last status, method, scheme and protocol: its series, without tags.
        var key = exception is null
            ? SeriesKey(status, start.Method, start.SchemeIndex, protocolIndex, unhandled)
            : -1;
        if (key >= 0 && Volatile.Read(ref endpointTags.Last) is { } last && last.Key == key)
        {
            last.Series.Record(elapsed);
            return;
        }

        var buffer = new TagBuffer();
        Span<KeyValuePair<string, object?>> tags = buffer;
        tags[0] = new("url.scheme", start.Scheme);
        tags[1] = new("http.request.method", MethodTags[start.Method]);
        var version = protocolIndex >= 0 ? ProtocolTags[protocolIndex] : OtherProtocolVersion(protocol);
        tags[2] = new("network.protocol.version", version);
        var count = 3;
        if (unhandled)
        {
            tags[count++] = new("aspnetcore.request.is_unhandled", _boxedTrue);
        }

        tags[count++] = new("http.response.status_code", Boxed(status));
        if (endpointTags.Route is { } route)
        {
            tags[count++] = new("http.route", route);
        }

        if (exception is not null)
        {
            tags[count++] = new("error.type", exception.GetType().FullName);
        }

        var series = (HistogramSeries)_duration.SeriesOf(tags[..count]);
        series.Record(elapsed);
        if (key >= 0)
        {
            Volatile.Write(ref endpointTags.Last, new KeyedSeries(key, series));
        }
    }

    // What tells one duration series of an endpoint from another, in one number: the status code (10 bits), the
    // method (4), the scheme (1), the protocol (2) and the unhandled mark; -1 when a value has no index (the series
    // is then found by its tags every time). A request that failed is never cached: its error type is a tag.
    private static int SeriesKey(int status, int method, int scheme, int protocol, bool unhandled) =>
        (uint)status < 1024 && scheme >= 0 && protocol >= 0
            ? status | method << 10 | scheme << 14 | protocol << 15 | (unhandled ? 1 << 17 : 0)
            : -1;

    // The route tag and the opt-out, read once per endpoint: the last endpoint is one compare away, others one
    // weak-table lookup (endpoints come and go with their data source, so a strong cache could keep them alive).
    private EndpointTags TagsOf(Endpoint endpoint)
    {
        var last = Volatile.Read(ref _lastEndpoint);
        if (last is not null && ReferenceEquals(last.Endpoint, endpoint))
        {
            return last;
        }

        var tags = _endpoints.GetValue(endpoint, static endpoint => new EndpointTags(
            endpoint,
            endpoint.Metadata.GetMetadata<IRouteDiagnosticsMetadata>()?.Route,
            endpoint.Metadata.GetMetadata<IDisableHttpMetricsMetadata>() is not null));
        Volatile.Write(ref _lastEndpoint, tags);
        return tags;
    }

    // As ASP.NET Core tags methods: the known ones by name, any other as _OTHER, so a client cannot mint series.
    // The index into MethodTags.
    private static int MethodIndex(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => 0,
        _ when HttpMethods.IsPost(method) => 1,
        _ when HttpMethods.IsPut(method) => 2,
        _ when HttpMethods.IsDelete(method) => 3,
        _ when HttpMethods.IsHead(method) => 4,
        _ when HttpMethods.IsPatch(method) => 5,
        _ when HttpMethods.IsOptions(method) => 6,
        _ when HttpMethods.IsConnect(method) => 7,
        _ when HttpMethods.IsTrace(method) => 8,
        _ => 9,
    };

    // 0 for http, 1 for https, or -1.
    private static int SchemeIndex(string scheme) => scheme switch
    {
        "http" => 0,
        "https" => 1,
        _ => -1,
    };

    // The index into ProtocolTags, or -1.
    private static int ProtocolIndex(string protocol) => protocol switch
    {
        _ when HttpProtocol.IsHttp11(protocol) => 0,
        _ when HttpProtocol.IsHttp2(protocol) => 1,
        _ when HttpProtocol.IsHttp3(protocol) => 2,
        _ when HttpProtocol.IsHttp10(protocol) => 3,
        _ => -1,
    };

    // A version outside ProtocolTags, as ASP.NET Core tags it.
    private static string OtherProtocolVersion(string protocol) =>
        protocol.StartsWith("HTTP/", StringComparison.Ordinal) ? protocol[5..] : protocol;

    private object Boxed(int status)
    {
        if ((uint)status >= (uint)_boxedStatusCodes.Length)
        {
            return status;
        }

        // A race boxes a code twice; either box is equal.
        return _boxedStatusCodes[status] ??= status;
    }

    public void Dispose() => _meter.Dispose();

    // Method is an index into MethodTags; SchemeIndex is SchemeIndex(Scheme).
    private readonly record struct RequestStart(
        int Method, string Scheme, int SchemeIndex, SumSeries? Active, long Timestamp);

    /// <summary>What an endpoint's request durations are tagged with, and the series its last request went to.</summary>
    private sealed class EndpointTags(Endpoint? endpoint, string? route, bool disabled)
    {
        public Endpoint? Endpoint { get; } = endpoint;

        public string? Route { get; } = route;

        public bool Disabled { get; } = disabled;

        /// <summary>Written whole, so a reader never pairs one request's key with another's series.</summary>
        public KeyedSeries? Last;
    }

    private sealed record KeyedSeries(int Key, HistogramSeries Series);

    [InlineArray(7)]
    private struct TagBuffer
    {
        private KeyValuePair<string, object?> _first;
    }
}
