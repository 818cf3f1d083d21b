using Microsoft.CodeAnalysis;
using Resident.Generators.Diagnostics;

namespace Resident.Analyzers;

/// <summary>
/// The one catalogue of Resident's diagnostics. IDs are assigned by hand and never reused:
/// RES001–RES099 request-leak rules, RES100–RES199 misuse of Resident's attributes, RESG001 the generator's own.
/// The message formats of the rules the declaration parsers decide are theirs (<see cref="RuleMessages"/>).
/// </summary>
internal static class Rules
{
    /// <summary>Every help link is <c>{HelpRoot}{id}.md</c>, an absolute URL to the page in the repository.</summary>
    public const string HelpRoot = HelpLinks.RulesRoot;

    public const string LeakCategory = "Resident.Leaks";

    public static readonly DiagnosticDescriptor StaticWrittenFromRequest = Rule(
        "RES001",
        "Static state written from request code",
        "Request code writes static {0} '{1}', which every request and every concurrent user of the worker shares",
        LeakCategory,
        "A resident server keeps the process alive between requests, so a static field or property written while handling a request carries one user's data into the next request and races with concurrent ones. Keep request state in locals, HttpContext or scoped services; use Interlocked for counters, AsyncLocal<T> for flow-local state, or a one-time lazy initialization.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor StaticCollectionGrows = Rule(
        "RES002",
        "Shared collection grows with every request",
        "Request code grows {0} ({1}) and nothing in the compilation ever removes from it or clears it",
        LeakCategory,
        "A static collection, or a collection field of a singleton, that requests add to but nothing empties grows until the worker runs out of memory — the resident-server version of PHP's Test::$array[] = …. Bound it, evict from it, or keep the data per request. Keys with few values (a Type, an enum, a constant, an element of a static readonly collection) are bounded and not reported.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor CaptiveRequestState = Rule(
        "RES003",
        "Singleton keeps request-scoped state",
        "Singleton '{0}' keeps {1} '{2}' of request-scoped type '{3}', which outlives the request it came from",
        LeakCategory,
        "A singleton lives as long as the worker. Holding HttpContext, HttpRequest, HttpResponse, ClaimsPrincipal, a DbContext, a scoped service, or a transient service that itself holds such state or a disposable resource serves one request's objects to every later request (a captive dependency). A stateless transient is fine. Inject IHttpContextAccessor or IServiceScopeFactory instead, or register the type as scoped.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor HandlerFieldWritten = Rule(
        "RES004",
        "Singleton field written per request without synchronization",
        "'{0}' writes instance field '{1}' in '{2}' without synchronization, but one instance ({3}) serves every connection and request",
        LeakCategory,
        "A singleton — a service registered with AddSingleton or AddHostedService, conventional middleware, a Resident handler, cleaner or hook — has one instance for the worker's life, and request code runs on it concurrently. An unsynchronized field or non-concurrent collection written there mixes requests up and races. Keep per-connection state keyed by connection id in a concurrent collection, use lock or Interlocked, or keep it in locals.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ProcessOrThreadBlocked = Rule(
        "RES005",
        "Request code ends the process or blocks a thread",
        "'{0}' {1}",
        LeakCategory,
        "A resident worker serves many requests on a few threads: Environment.Exit, FailFast or killing the process takes every in-flight request down, Console reads wait forever, and Thread.Sleep, Task.Result, Wait() or GetAwaiter().GetResult() in async code block a thread-pool thread and starve the server under load.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor DeclarationShape = Rule(
        "RES100",
        "Resident cannot construct this declaration",
        RuleMessages.DeclarationShape,
        MisuseCategory,
        "A class marked with a Resident attribute is built by a generated factory that calls its constructor with services from dependency injection. The class must be a concrete, non-generic class reachable from the assembly, implement the attribute's interface, and have one public or internal constructor the factory can call.");

    public const string MisuseCategory = "Resident.Declarations";

    public static readonly DiagnosticDescriptor InvalidCronExpression = Rule(
        "RES101",
        "Invalid cron expression",
        RuleMessages.InvalidCronExpression,
        MisuseCategory,
        "The runtime parses every [CronJob] expression with Cronos when the server starts and refuses to start on one it cannot parse. The expression takes five fields (minute hour day month weekday), or six with seconds first, or a macro such as @daily; this rule checks the same grammar at compile time.");

    public static readonly DiagnosticDescriptor NonPositiveInterval = Rule(
        "RES102",
        "Cron job interval is not positive",
        RuleMessages.NonPositiveInterval,
        MisuseCategory,
        "[CronJob(milliseconds)] runs the job every so many milliseconds. Zero or a negative interval never schedules a run, so the runtime refuses to start with it.");

    public static readonly DiagnosticDescriptor DuplicateName = Rule(
        "RES103",
        "Two declarations share one name",
        RuleMessages.DuplicateName,
        MisuseCategory,
        "Custom processes, cron jobs, socket handlers and shared-memory tables are looked up by name, so a name belongs to one declaration. Two [CustomProcess], [CronJob] (the Name, which defaults to the class name, compared ignoring case) or [SocketHandler] declarations with one name stop the server at start; two [SwooleTable] structs with one name are both left out by the generator.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor InvalidWebSocketPath = Rule(
        "RES104",
        "Invalid or duplicate WebSocket path",
        RuleMessages.InvalidWebSocketPath,
        MisuseCategory,
        "Every WebSocket path must start with '/', and one path belongs to one handler. Routing ignores case and a trailing slash, so \"/ws\", \"/WS\" and \"/ws/\" are one path. The runtime refuses to start with a relative or repeated path.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor InvalidTableColumn = Rule(
        "RES105",
        "Table column the generator cannot store",
        RuleMessages.InvalidTableColumn,
        MisuseCategory,
        $"The instance fields of a [SwooleTable] struct are its columns, stored in a fixed-size row: long and int (integer), double (float) and string, which needs [Column(Size = n)] with {N(ResidentLimits.Table.MinStringSize)} to {N(ResidentLimits.Table.MaxStringSize)} UTF-8 bytes. Any other type, a string without a size, a readonly, fixed or required field, or an auto-property cannot be stored, and the generator leaves the whole table out (the app refuses to start, listing it).");

    public static readonly DiagnosticDescriptor InvalidTableDeclaration = Rule(
        "RES106",
        "Table struct the generator cannot use",
        RuleMessages.InvalidTableDeclaration,
        MisuseCategory,
        $"A [SwooleTable] row must be a public or internal, top-level, non-generic, non-readonly partial struct (the generator adds its codec to it), named with letters, digits, '_', '-' and '.' (at most {N(ResidentLimits.Table.MaxNameLength)} characters, not starting with '.'), with a Size of {N(ResidentLimits.Table.MinSize)} to {N(ResidentLimits.Table.MaxSize)} rows. Otherwise the generator leaves the table out (the app refuses to start, listing it).");

    public static readonly DiagnosticDescriptor UnserializablePayload = Rule(
        "RES107",
        "Payload the generated JSON codec cannot serialize",
        RuleMessages.UnserializablePayload,
        MisuseCategory,
        "A [BackgroundTask] or [AsyncEvent] object is written to JSON by a generated codec when it is queued or fired, and read back when it runs. The codec handles public properties of string, number, bool, Guid, date, TimeSpan, enum and byte[] types and arrays or lists of them, set through a setter, an init accessor or a constructor parameter of the same name. The runtime refuses to start with a payload it cannot handle.");

    public static readonly DiagnosticDescriptor InvalidAttributeValue = Rule(
        "RES108",
        "Attribute value the runtime rejects at start",
        RuleMessages.InvalidAttributeValue,
        MisuseCategory,
        $"The generator checks the numbers and settings of Resident's attributes against the limits the runtime uses, leaves out a declaration with a value out of range and lists it, so the server refuses to start: a custom process's Num ({N(ResidentLimits.CustomProcess.MinNum)} to {N(ResidentLimits.CustomProcess.MaxNum)}) or RestartInterval ({N(ResidentLimits.CustomProcess.MinRestartIntervalSeconds)} to {N(ResidentLimits.CustomProcess.MaxRestartIntervalSeconds)} s), the Tries ({N(ResidentLimits.Retry.MinTries)} to {N(ResidentLimits.Retry.MaxTries)}) and backoff of a background task or event listener, a lifecycle hook's event, an empty name, and a socket handler's Port, PackageEof, LengthSize, FixedSize or PackageMaxLength for its framing.");

    /// <summary>RESG001, reported by the generator (<see cref="GeneratorDiagnostics"/>); catalogued here with the rest.</summary>
    public static readonly DiagnosticDescriptor GeneratorFailed = GeneratorDiagnostics.GeneratorFailed;

    /// <summary>The descriptor of a rule a declaration parser reports, by id.</summary>
    public static DiagnosticDescriptor? For(string id) => id switch
    {
        RuleMessages.DeclarationShapeId => DeclarationShape,
        RuleMessages.InvalidCronExpressionId => InvalidCronExpression,
        RuleMessages.NonPositiveIntervalId => NonPositiveInterval,
        RuleMessages.DuplicateNameId => DuplicateName,
        RuleMessages.InvalidWebSocketPathId => InvalidWebSocketPath,
        RuleMessages.InvalidTableColumnId => InvalidTableColumn,
        RuleMessages.InvalidTableDeclarationId => InvalidTableDeclaration,
        RuleMessages.UnserializablePayloadId => UnserializablePayload,
        RuleMessages.InvalidAttributeValueId => InvalidAttributeValue,
        _ => null,
    };

    private static string N(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, string description, params string[] tags) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description, HelpLinks.For(id), tags);
}
