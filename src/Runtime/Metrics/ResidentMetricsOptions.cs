namespace Resident.Metrics;

/// <summary>The Prometheus endpoint's settings (section <c>Resident:Metrics</c>).</summary>
public sealed class ResidentMetricsOptions
{
    /// <summary>The section name under <c>Resident</c>.</summary>
    public const string SectionName = "Metrics";

    /// <summary>Whether the server answers <see cref="Path"/> with its metrics. Off by default: the figures are for operators, not the public.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where the metrics are served (default <c>/metrics</c>).</summary>
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// A port of its own for the metrics (and the health endpoints), so they need not be public: unset (the default)
    /// serves them on the HTTP port; 0 lets the system pick one (tests). The HTTP port then does not serve them.
    /// </summary>
    public int? ListenPort { get; set; }

    /// <summary>The address of <see cref="ListenPort"/>; empty (the default) means <c>Resident:ListenIp</c>.</summary>
    public string ListenIp { get; set; } = "";

    /// <summary>
    /// Responses with these status codes are left out of the request metrics (<c>http.server.request.duration</c>),
    /// like LaravelS's <c>ignored_http_codes</c>: e.g. <c>[404]</c> keeps scanners' probes out of the figures.
    /// </summary>
    public IList<int> IgnoredStatusCodes { get; set; } = [];

    /// <summary>
    /// More meters to export besides Resident's, ASP.NET Core's and the runtime's (e.g. the app's own <c>"Shop"</c>
    /// meter). A name ending in <c>*</c> takes every meter starting with it.
    /// </summary>
    public IList<string> Meters { get; set; } = [];

    /// <summary>
    /// Instruments left out of the export (and so never measured) although their meter is exported, by instrument
    /// name, e.g. <c>http.server.active_requests</c>; a name ending in <c>*</c> leaves out every instrument starting
    /// with it. Per-request instruments cost server CPU on every request.
    /// </summary>
    public IList<string> ExcludedInstruments { get; set; } = [];

    /// <summary>
    /// Who measures the request instruments <c>http.server.request.duration</c> and <c>http.server.active_requests</c>.
    /// False (the default): Resident, in front of its request middleware, with ASP.NET Core's names, tags and buckets,
    /// for a fraction of the cost (scrapes and health probes are not counted). True: ASP.NET Core's hosting layer, which
    /// also takes the tags an app adds through <c>IHttpMetricsTagsFeature</c> and costs 2–3 µs of server CPU per request.
    /// </summary>
    public bool AspNetCoreRequestMetrics { get; set; }

    /// <summary>
    /// The most tag combinations kept per instrument (default 2000); measurements with more land in one series tagged
    /// <c>otel_metric_overflow="true"</c>, so an unbounded tag value cannot exhaust memory.
    /// </summary>
    public int MaxSeriesPerInstrument { get; set; } = ResidentLimits.Metrics.DefaultMaxSeriesPerInstrument;
}

/// <summary>The health endpoints' settings (section <c>Resident:Health</c>).</summary>
public sealed class ResidentHealthOptions
{
    /// <summary>The section name under <c>Resident</c>.</summary>
    public const string SectionName = "Health";

    /// <summary>Whether the server answers the liveness and readiness probes (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Liveness (default <c>/health/live</c>): 200 while the process serves requests; runs the health checks tagged <c>live</c>.</summary>
    public string LivePath { get; set; } = "/health/live";

    /// <summary>
    /// Readiness (default <c>/health/ready</c>): 200 when Resident is ready (listening, tables open, task workers up,
    /// not draining) and every registered health check passes; 503 otherwise.
    /// </summary>
    public string ReadyPath { get; set; } = "/health/ready";
}
