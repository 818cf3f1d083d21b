using Microsoft.CodeAnalysis;

namespace Resident.Analyzers;

/// <summary>
/// The one catalogue of Resident's diagnostics. IDs are assigned by hand and never reused:
/// RES001–RES099 request-leak rules, RES100–RES199 misuse of Resident's attributes.
/// </summary>
internal static class Rules
{
    // Help pages live in the repository; the link is relative to its root until the project has a public home.
    public const string HelpRoot = "docs/rules/";

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
        "Static collection grows with every request",
        "Request code grows static collection '{0}' ({1}) and nothing in the compilation ever removes from it or clears it",
        LeakCategory,
        "A static collection that requests add to but nothing empties grows until the worker runs out of memory — the resident-server version of PHP's Test::$array[] = …. Bound it, evict from it, or keep the data per request.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor CaptiveRequestState = Rule(
        "RES003",
        "Singleton keeps request-scoped state",
        "Singleton '{0}' keeps {1} '{2}' of request-scoped type '{3}', which outlives the request it came from",
        LeakCategory,
        "A singleton lives as long as the worker. Holding HttpContext, HttpRequest, HttpResponse, ClaimsPrincipal or a scoped/transient service in it serves one request's objects to every later request (a captive dependency). Inject IHttpContextAccessor or IServiceScopeFactory instead, or register the type as scoped.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor HandlerFieldWritten = Rule(
        "RES004",
        "Singleton handler field written per connection",
        "'{0}' writes instance field '{1}' in '{2}' without synchronization, but one instance serves every connection and request",
        LeakCategory,
        "Resident builds each handler, cleaner and hook once; its per-connection and per-request callbacks run concurrently for different connections. An unsynchronized field written there mixes connections up and races. Keep per-connection state keyed by connection id in a concurrent collection, use lock or Interlocked, or keep it in locals.",
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
        "[{0}] class '{1}' {2}; the generated manifest skips it",
        MisuseCategory,
        "A class marked with a Resident attribute is built by a generated factory that calls its constructor with services from dependency injection. The class must be a concrete, non-generic class reachable from the assembly, implement the attribute's interface, and have one public or internal constructor the factory can call.");

    public const string MisuseCategory = "Resident.Declarations";

    public static readonly DiagnosticDescriptor InvalidCronExpression = Rule(
        "RES101",
        "Invalid cron expression",
        "[CronJob] '{0}' has the cron expression '{1}', which the scheduler rejects at start: {2}",
        MisuseCategory,
        "The runtime parses every [CronJob] expression with Cronos when the server starts and refuses to start on one it cannot parse. The expression takes five fields (minute hour day month weekday), or six with seconds first, or a macro such as @daily; this rule checks the same grammar at compile time.");

    public static readonly DiagnosticDescriptor NonPositiveInterval = Rule(
        "RES102",
        "Cron job interval is not positive",
        "[CronJob] '{0}' has the interval {1} ms; the scheduler refuses to start with an interval below 1 ms",
        MisuseCategory,
        "[CronJob(milliseconds)] runs the job every so many milliseconds. Zero or a negative interval never schedules a run, so the runtime refuses to start with it.");

    public static readonly DiagnosticDescriptor DuplicateName = Rule(
        "RES103",
        "Two declarations share one name",
        "[{0}] '{1}' is named '{2}', like '{3}'; {4}",
        MisuseCategory,
        "Custom processes, cron jobs, socket handlers and shared-memory tables are looked up by name, so a name belongs to one declaration. Two [CustomProcess], [CronJob] (the Name, which defaults to the class name, compared ignoring case) or [SocketHandler] declarations with one name stop the server at start; two [SwooleTable] structs with one name are both left out by the generator.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor InvalidWebSocketPath = Rule(
        "RES104",
        "Invalid or duplicate WebSocket path",
        "[WebSocketHandler] path '{0}' of '{1}' {2}",
        MisuseCategory,
        "Every WebSocket path must start with '/', and one path belongs to one handler. Routing ignores case and a trailing slash, so \"/ws\", \"/WS\" and \"/ws/\" are one path. The runtime refuses to start with a relative or repeated path.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor InvalidTableColumn = Rule(
        "RES105",
        "Table column the generator cannot store",
        "Column '{0}' of [SwooleTable] struct '{1}' {2}; the generator leaves the table out",
        MisuseCategory,
        "The instance fields of a [SwooleTable] struct are its columns, stored in a fixed-size row: long and int (integer), double (float) and string, which needs [Column(Size = n)] with 1 to 65535 UTF-8 bytes. Any other type, a string without a size, a readonly, fixed or required field, or an auto-property cannot be stored, and the generator leaves the whole table out.");

    public static readonly DiagnosticDescriptor InvalidTableDeclaration = Rule(
        "RES106",
        "Table struct the generator cannot use",
        "[SwooleTable] struct '{0}' {1}; the generator leaves the table out",
        MisuseCategory,
        "A [SwooleTable] row must be a public or internal, top-level, non-generic, non-readonly partial struct (the generator adds its codec to it), named with letters, digits, '_', '-' and '.' (at most 64 characters, not starting with '.'), with a Size of 1 to 16777216 rows. Otherwise the generator leaves the table out.");

    public static readonly DiagnosticDescriptor UnserializablePayload = Rule(
        "RES107",
        "Payload the generated JSON codec cannot serialize",
        "{0}",
        MisuseCategory,
        "A [BackgroundTask] or [AsyncEvent] object is written to JSON by a generated codec when it is queued or fired, and read back when it runs. The codec handles public properties of string, number, bool, Guid, date, TimeSpan, enum and byte[] types and arrays or lists of them, set through a setter, an init accessor or a constructor parameter of the same name. The runtime refuses to start with a payload it cannot handle.");

    public static readonly DiagnosticDescriptor InvalidAttributeValue = Rule(
        "RES108",
        "Attribute value the runtime rejects at start",
        "[{0}] on '{1}' sets {2}; {3}",
        MisuseCategory,
        "The runtime checks the numbers and settings of Resident's attributes when the server starts and refuses to start on a value out of range: a custom process's Num (1 to 64) or RestartInterval (0 to 3600 s), the Tries (1 to 100) and backoff of a background task or event listener, an empty name, and a socket handler's Port, PackageEof, LengthSize, FixedSize or PackageMaxLength for its framing.");

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, string description, params string[] tags) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description, HelpRoot + id + ".md", tags);
}
