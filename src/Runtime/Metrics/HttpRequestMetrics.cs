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
/// of a plaintext request. Here a request whose tags repeat the last request's costs two timestamps, the series
/// tables' reference compares and four interlocked operations, and nothing at all with metrics off. What differs:
/// scrapes and health probes (answered before Resident's middleware) are not counted, the time ends when the app's
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

    private readonly Meter _meter;
    private readonly InstrumentState? _duration;
    private readonly InstrumentState? _active;
    private readonly bool[] _ignoredStatus = new bool[600];
    private readonly object?[] _boxedStatusCodes = new object?[600];
    private readonly object _boxedTrue = true;
    private readonly ConditionalWeakTable<Endpoint, EndpointTags> _endpoints = [];
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
        var method = Method(request.Method);
        var scheme = request.Scheme;
        var active = ActiveSeries(method, scheme);
        active?.Add(1);
        var start = new RequestStart(method, scheme, active, Stopwatch.GetTimestamp());
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

    // The in-flight series of the method and scheme (a repeat of the last tags is the series table's fast path).
    private SumSeries? ActiveSeries(string method, string scheme)
    {
        if (_active is null)
        {
            return null;
        }

        var buffer = new TagBuffer();
        Span<KeyValuePair<string, object?>> tags = buffer;
        tags[0] = new("url.scheme", scheme);
        tags[1] = new("http.request.method", method);
        return (SumSeries)_active.SeriesOf(tags[..2]);
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
        var endpointTags = endpoint is null ? null : TagsOf(endpoint);
        if (endpointTags is { Disabled: true })
        {
            return;
        }

        var buffer = new TagBuffer();
        Span<KeyValuePair<string, object?>> tags = buffer;
        tags[0] = new("url.scheme", start.Scheme);
        tags[1] = new("http.request.method", start.Method);
        tags[2] = new("network.protocol.version", ProtocolVersion(context.Request.Protocol));
        var count = 3;
        if (endpoint is null && status == StatusCodes.Status404NotFound
            && context.Items.TryGetValue(UnhandledItemKey, out var unhandled) && unhandled is true)
        {
            tags[count++] = new("aspnetcore.request.is_unhandled", _boxedTrue);
        }

        tags[count++] = new("http.response.status_code", Boxed(status));
        if (endpointTags?.Route is { } route)
        {
            tags[count++] = new("http.route", route);
        }

        if (exception is not null)
        {
            tags[count++] = new("error.type", exception.GetType().FullName);
        }

        _duration.Record(elapsed, tags[..count]);
    }

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
    private static string Method(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => HttpMethods.Get,
        _ when HttpMethods.IsPost(method) => HttpMethods.Post,
        _ when HttpMethods.IsPut(method) => HttpMethods.Put,
        _ when HttpMethods.IsDelete(method) => HttpMethods.Delete,
        _ when HttpMethods.IsHead(method) => HttpMethods.Head,
        _ when HttpMethods.IsPatch(method) => HttpMethods.Patch,
        _ when HttpMethods.IsOptions(method) => HttpMethods.Options,
        _ when HttpMethods.IsConnect(method) => HttpMethods.Connect,
        _ when HttpMethods.IsTrace(method) => HttpMethods.Trace,
        _ => "_OTHER",
    };

    private static string ProtocolVersion(string protocol) => protocol switch
    {
        _ when HttpProtocol.IsHttp11(protocol) => "1.1",
        _ when HttpProtocol.IsHttp2(protocol) => "2",
        _ when HttpProtocol.IsHttp3(protocol) => "3",
        _ when HttpProtocol.IsHttp10(protocol) => "1.0",
        _ => protocol.StartsWith("HTTP/", StringComparison.Ordinal) ? protocol[5..] : protocol,
    };

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

    private readonly record struct RequestStart(string Method, string Scheme, SumSeries? Active, long Timestamp);

    private sealed record EndpointTags(Endpoint Endpoint, string? Route, bool Disabled);

    [InlineArray(7)]
    private struct TagBuffer
    {
        private KeyValuePair<string, object?> _first;
    }
}
