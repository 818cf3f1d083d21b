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
        "Resident.Declarations",
        "A class marked with a Resident attribute is built by a generated factory that calls its constructor with services from dependency injection. The class must be a concrete, non-generic class reachable from the assembly, implement the attribute's interface, and have one public or internal constructor the factory can call.");

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, string description, params string[] tags) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description, HelpRoot + id + ".md", tags);
}
