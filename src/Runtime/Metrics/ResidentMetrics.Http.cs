using System.Diagnostics.Metrics;

namespace Resident.Metrics;

/// <summary>The HTTP area's instruments: request hooks and cleaners that threw.</summary>
internal sealed partial class ResidentMetrics
{
    /// <summary>Counter of request hooks and cleaners that threw (each exception was logged and contained); tags <c>hook</c>, <c>hook.kind</c>.</summary>
    public const string HookErrorsName = "resident.http.hook.errors";

    private Counter<long> _hookErrors = null!;

    /// <summary>Counts one exception a hook or cleaner threw; both tags are made once per component (<see cref="HookTag"/>, <see cref="HookKindTag"/>).</summary>
    public void AddHookError(in KeyValuePair<string, object?> hook, in KeyValuePair<string, object?> kind) => _hookErrors.Add(1, hook, kind);

    /// <summary>The <c>hook</c> tag: the component's name (its full type name).</summary>
    public static KeyValuePair<string, object?> HookTag(string hook) => new("hook", hook);

    /// <summary>The <c>hook.kind</c> tag: <c>cleaner</c>, <c>request_received</c> or <c>response_generated</c>.</summary>
    public static KeyValuePair<string, object?> HookKindTag(string kind) => new("hook.kind", kind);

    partial void CreateHttpInstruments() =>
        _hookErrors = Meter.CreateCounter<long>(HookErrorsName, "{error}",
            "Request hooks and cleaners that threw; the exception was logged and the request went on.");
}
