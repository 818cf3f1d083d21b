using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Metrics;

/// <summary>
/// Aggregates this process's measurements for the Prometheus endpoint: Resident's meter, ASP.NET Core's, the
/// runtime's and the ones <c>Resident:Metrics:Meters</c> adds, through one <see cref="MeterListener"/>. Only this
/// host's meters are taken (a meter made by another host's factory in the same process is not), so several
/// servers in one process never mix. Nothing listens until <see cref="Start"/>: with metrics off, instruments stay
/// disabled and cost nothing.
/// </summary>
internal sealed class MetricsCollector(IMeterFactory meterFactory, IOptions<ResidentOptions> options) : IDisposable
{
    /// <summary>The meters exported besides the configured ones.</summary>
    internal static readonly string[] BuiltInMeters =
    [
        ResidentMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "System.Runtime",
        "System.Net.Http",
    ];

    private const string HostingMeterName = "Microsoft.AspNetCore.Hosting";
    private const string RoutingMeterName = "Microsoft.AspNetCore.Routing";
    private const string RoutingMatchAttemptsName = "aspnetcore.routing.match_attempts";
    private const string StatusCodeTag = "http.response.status_code";

    private readonly Lock _gate = new();
    private readonly List<InstrumentState> _instruments = [];
    private MeterListener? _listener;

    /// <summary>
    /// The request instruments Resident measures itself (unless <c>Resident:Metrics:AspNetCoreRequestMetrics</c>);
    /// set by <see cref="Start"/>, null when ASP.NET Core measures them or both are excluded.
    /// </summary>
    public HttpRequestMetrics? RequestMetrics { get; private set; }

    /// <summary>Starts listening (once).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }

            var settings = options.Value.Metrics;
            var exported = new NamePatterns(BuiltInMeters.Concat(settings.Meters));
            var excluded = new NamePatterns(settings.ExcludedInstruments);
            var ignored = settings.IgnoredStatusCodes.ToHashSet();
            Func<ReadOnlySpan<KeyValuePair<string, object?>>, bool>? skipIgnored = ignored.Count == 0 ? null : tags => HasIgnoredStatus(tags, ignored);
            var maxSeries = settings.MaxSeriesPerInstrument;
            if (!settings.AspNetCoreRequestMetrics)
            {
                var requests = new HttpRequestMetrics(settings, excluded);
                if (requests.Active)
                {
                    RequestMetrics = requests;
                    _instruments.AddRange(requests.Instruments);
                }
                else
                {
                    // Both excluded: nothing to measure, and a meter stays registered until disposed.
                    requests.Dispose();
                }
            }

            var listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    var meter = instrument.Meter;
                    if ((meter.Scope is not null && !ReferenceEquals(meter.Scope, meterFactory))
                        || !exported.Matches(meter.Name)
                        || excluded.Matches(instrument.Name)
                        || (!settings.AspNetCoreRequestMetrics && IsAspNetCorePerRequest(meter.Name, instrument.Name)))
                    {
                        return;
                    }

                    var skip = instrument.Name == HttpRequestMetrics.DurationName && meter.Name == HostingMeterName ? skipIgnored : null;
                    if (InstrumentState.For(instrument, maxSeries, skip) is { } state)
                    {
                        lock (_gate)
                        {
                            _instruments.Add(state);
                        }

                        listener.EnableMeasurementEvents(instrument, state);
                    }
                },
                MeasurementsCompleted = (instrument, state) =>
                {
                    lock (_gate)
                    {
                        _instruments.Remove((InstrumentState)state!);
                    }
                },
            };
            listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
            listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
            listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
            listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
            listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
            listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
            listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
            _listener = listener;
            listener.Start();
        }
    }

    /// <summary>Everything measured so far, with the observable instruments read now.</summary>
    public MetricsSnapshot Collect()
    {
        var snapshot = new MetricsSnapshot();
        lock (_gate)
        {
            if (_listener is null)
            {
                return snapshot;
            }

            foreach (var instrument in _instruments)
            {
                instrument.BeginObservation();
            }

            _listener.RecordObservableInstruments();
            foreach (var instrument in _instruments)
            {
                instrument.Collect(snapshot);
            }
        }

        return snapshot;
    }

    // Left disabled, ASP.NET Core's per-request instruments cost nothing: Resident measures the request duration and the
    // requests in flight itself, and routing's match attempts (one more measurement per request) repeat the duration's
    // count by route.
    private static bool IsAspNetCorePerRequest(string meter, string instrument) =>
        (meter == HostingMeterName && instrument is HttpRequestMetrics.DurationName or HttpRequestMetrics.ActiveName)
        || (meter == RoutingMeterName && instrument == RoutingMatchAttemptsName);

    private static bool HasIgnoredStatus(ReadOnlySpan<KeyValuePair<string, object?>> tags, HashSet<int> ignored)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == StatusCodeTag && tag.Value is int status)
            {
                return ignored.Contains(status);
            }
        }

        return false;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _listener?.Dispose();
            _listener = null;
            _instruments.Clear();
            RequestMetrics?.Dispose();
            RequestMetrics = null;
        }
    }
}
