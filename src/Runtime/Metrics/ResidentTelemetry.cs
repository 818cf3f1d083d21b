namespace Resident;

/// <summary>
/// Names for an app's own telemetry pipeline. Resident exports its figures itself (<c>Resident:Metrics</c>); an app
/// that already runs OpenTelemetry adds Resident's instruments to it with one line:
/// <c>builder.Services.AddOpenTelemetry().WithMetrics(metrics =&gt; metrics.AddMeter(ResidentTelemetry.MeterName));</c>
/// </summary>
public static class ResidentTelemetry
{
    /// <summary>The meter every Resident instrument is on: <c>Resident</c>.</summary>
    public const string MeterName = Resident.Metrics.ResidentMetrics.MeterName;
}
