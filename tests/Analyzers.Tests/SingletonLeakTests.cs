using Microsoft.CodeAnalysis.Testing;
using Resident.Analyzers.Tests.Infrastructure;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>
/// Singletons are shared state: the fields of services registered as singletons (every AddSingleton form,
/// AddHostedService), conventional middleware and Resident's handlers are checked like statics — RES002 for a
/// collection request code only grows, RES004 for an unsynchronized write — and the safe shapes are left alone.
/// </summary>
public sealed class SingletonLeakTests
{
    public static TheoryData<string> GrowsFlagged => new()
    {
        // A singleton queue gets an entry per webhook request and is never drained.
        """
        public sealed class WebhookInbox { private readonly ConcurrentQueue<string> _pending = new(); public void Add(string body) => {|#0:_pending.Enqueue(body)|}; }
        public sealed class WebhooksController(WebhookInbox inbox) : ControllerBase { public IActionResult Post(string body) { inbox.Add(body); return Ok(); } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton<WebhookInbox>(); }
        """,
        // Registered through an interface with a factory lambda; a dictionary keyed by request data.
        """
        public interface IVisits { void Seen(string user); }
        public sealed class Visits : IVisits { private readonly ConcurrentDictionary<string, DateTime> _last = new(); public void Seen(string user) => {|#0:_last[user]|} = DateTime.UtcNow; }
        public static class Endpoints
        {
            public static void Map(WebApplication app) => app.MapGet("/", (IVisits visits, HttpContext context) => { visits.Seen(context.TraceIdentifier); return "ok"; });
            public static void Add(IServiceCollection services) => services.AddSingleton<IVisits>(provider => new Visits());
        }
        """,
        // A hosted service's auto-property collection, fed by requests, never consumed.
        """
        public sealed class Exporter : BackgroundService
        {
            public ConcurrentBag<string> Spans { get; } = new();
            protected override Task ExecuteAsync(CancellationToken token) => Task.CompletedTask;
        }
        public sealed class TraceController(Exporter exporter) : ControllerBase { public IActionResult Get() { {|#0:exporter.Spans.Add(HttpContext.TraceIdentifier)|}; return Ok(); } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddHostedService<Exporter>(); }
        """,
    };

    [Theory]
    [MemberData(nameof(GrowsFlagged))]
    public Task Res002_flags_singleton_collections_request_code_only_grows(string source) =>
        Leak.VerifyAsync(source, Leak.At(Rules.StaticCollectionGrows));

    [Fact]
    public Task Res002_names_the_singleton_and_its_registration() =>
        Leak.VerifyAsync(
            """
            public sealed class WebhookInbox { private readonly ConcurrentQueue<string> _pending = new(); public void Add(string body) => {|#0:_pending.Enqueue(body)|}; }
            public sealed class WebhooksController(WebhookInbox inbox) : ControllerBase { public IActionResult Post(string body) { inbox.Add(body); return Ok(); } }
            public static class Setup { public static void Add(IServiceCollection services) => {|#1:services.AddSingleton<WebhookInbox>()|}; }
            """,
            new DiagnosticResult(Rules.StaticCollectionGrows).WithLocation(0).WithLocation(1).WithArguments(
                "collection '_pending' of singleton 'WebhookInbox' (registered with AddSingleton at Test0.cs(3))", "Enqueue"));

    public static TheoryData<string> WritesFlagged => new()
    {
        // A singleton's plain field, written by every request.
        """
        public sealed class Presence { private DateTime _lastSeen; public void Touch() { {|#0:_lastSeen = DateTime.UtcNow|}; } public DateTime Last => _lastSeen; }
        public sealed class PingController(Presence presence) : ControllerBase { public IActionResult Get() { presence.Touch(); return Ok(presence.Last); } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton(typeof(Presence)); }
        """,
        // Conventional middleware is built once: its fields are shared by every request.
        """
        public sealed class CountingMiddleware(RequestDelegate next)
        {
            private long _requests;
            public Task InvokeAsync(HttpContext context) { {|#0:_requests++|}; return next(context); }
        }
        """,
        // A keyed singleton registered by instance, counting in a non-thread-safe way.
        """
        public sealed class Stats { private int _hits; public void Hit() { {|#0:_hits += 1|}; } }
        public static class Endpoints
        {
            public static void Map(WebApplication app) => app.MapGet("/", ([FromKeyedServices("s")] Stats stats) => { stats.Hit(); return "ok"; });
            public static void Add(IServiceCollection services) => services.AddKeyedSingleton("s", new Stats());
        }
        """,
    };

    [Theory]
    [MemberData(nameof(WritesFlagged))]
    public Task Res004_flags_unsynchronized_singleton_writes_from_request_code(string source) =>
        Leak.VerifyAsync(source, Leak.At(Rules.HandlerFieldWritten));

    [Fact]
    public Task Res004_flags_a_singleton_list_mutated_from_many_request_paths() =>
        Leak.VerifyAsync(
            """
            public sealed record Feed(string Url);
            public sealed class FeedRegistry
            {
                private readonly List<Feed> _feeds = new();
                public void Add(Feed feed) => {|#0:_feeds.Add(feed)|};
                public void Remove(string url) => {|#1:_feeds.RemoveAll(feed => feed.Url == url)|};
                public IReadOnlyList<Feed> All => _feeds.ToArray();
            }
            public sealed class FeedsController(FeedRegistry feeds) : ControllerBase
            {
                public IActionResult Add(string url) { feeds.Add(new Feed(url)); return Ok(); }
                public IActionResult Delete(string url) { feeds.Remove(url); return Ok(); }
                public IActionResult List() => Ok(feeds.All);
            }
            public static class Setup { public static void Add(IServiceCollection services) => {|#2:services.AddSingleton<FeedRegistry>()|}; }
            """,
            new DiagnosticResult(Rules.HandlerFieldWritten).WithLocation(0).WithLocation(2).WithArguments(
                "FeedRegistry", "_feeds", "Add", "registered with AddSingleton at Test0.cs(15)"),
            Leak.At(Rules.HandlerFieldWritten, 1));

    /// <summary>
    /// Oqtane's SyncManager (found on real code): a singleton behind an interface keeps its list in a private
    /// auto-property, trimmed and appended from dozens of controller actions and enumerated by others, unlocked.
    /// </summary>
    [Fact]
    public Task Res004_flags_a_singleton_auto_property_list_mutated_through_its_interface() =>
        Leak.VerifyAsync(
            """
            public sealed record SyncEvent(int TenantId, DateTime ModifiedOn);
            public interface ISyncManager { List<SyncEvent> GetSyncEvents(int tenantId); void AddSyncEvent(int tenantId); }
            public sealed class SyncManager : ISyncManager
            {
                private List<SyncEvent> SyncEvents { get; set; } = new();
                public List<SyncEvent> GetSyncEvents(int tenantId) => SyncEvents.FindAll(item => item.TenantId == tenantId);
                public void AddSyncEvent(int tenantId)
                {
                    {|#0:SyncEvents.RemoveAll(item => item.ModifiedOn < DateTime.UtcNow.AddHours(-1))|};
                    {|#1:SyncEvents.Add(new SyncEvent(tenantId, DateTime.UtcNow))|};
                }
            }
            public sealed class UserRoleController(ISyncManager sync) : ControllerBase
            {
                public IActionResult Post(int tenantId) { sync.AddSyncEvent(tenantId); return Ok(); }
                public IActionResult Get(int tenantId) => Ok(sync.GetSyncEvents(tenantId));
            }
            public static class Setup { public static void Add(IServiceCollection services) => {|#2:services.AddSingleton<ISyncManager, SyncManager>()|}; }
            """,
            new DiagnosticResult(Rules.HandlerFieldWritten).WithLocation(0).WithLocation(2).WithArguments(
                "SyncManager", "SyncEvents", "AddSyncEvent", "registered with AddSingleton at Test0.cs(18)"),
            Leak.At(Rules.HandlerFieldWritten, 1));

    public static TheoryData<string> SafeShapes => new()
    {
        // A scoped or transient service's fields belong to one request.
        """
        public sealed class Cart { private readonly List<string> _items = new(); private int _count; public void Add(string item) { _items.Add(item); _count++; } }
        public sealed class CartController(Cart cart) : ControllerBase { public IActionResult Add(string item) { cart.Add(item); return Ok(); } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddScoped<Cart>(); }
        """,
        // Under a lock, or with Interlocked.
        """
        public sealed class Presence
        {
            private readonly object _gate = new();
            private readonly List<string> _recent = new();
            private long _hits;
            public void Touch(string user) { Interlocked.Increment(ref _hits); lock (_gate) { _recent.Add(user); if (_recent.Count > 100) { _recent.RemoveAt(0); } } }
        }
        public sealed class PingController(Presence presence) : ControllerBase { public IActionResult Get(string user) { presence.Touch(user); return Ok(); } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton<Presence>(); }
        """,
        // The Oqtane SyncManager shape made safe: the auto-property list is trimmed and appended under a lock.
        """
        public interface ISyncManager { void AddSyncEvent(int tenantId); }
        public sealed class SyncManager : ISyncManager
        {
            private readonly object _gate = new();
            private List<DateTime> SyncEvents { get; set; } = new();
            public void AddSyncEvent(int tenantId) { lock (_gate) { SyncEvents.RemoveAll(item => item < DateTime.UtcNow.AddHours(-1)); SyncEvents.Add(DateTime.UtcNow); } }
        }
        public sealed class UserRoleController(ISyncManager sync) : ControllerBase { public IActionResult Post(int tenantId) { sync.AddSyncEvent(tenantId); return Ok(); } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton<ISyncManager, SyncManager>(); }
        """,
        // Bounded caches: keys that are Types, enum values, constants, or come from a static readonly collection.
        """
        public enum Region { Eu, Us }
        public sealed class Caches
        {
            private static readonly string[] s_countries = ["fr", "de", "us"];
            private static readonly Dictionary<string, string> s_aliases = new() { ["uk"] = "gb" };
            private readonly ConcurrentDictionary<Type, string> _names = new();
            private readonly ConcurrentDictionary<Region, int> _byRegion = new();
            private readonly ConcurrentDictionary<string, int> _byCountry = new();
            private readonly ConcurrentDictionary<string, string> _aliases = new();
            public string Name(object value) => _names.GetOrAdd(value.GetType(), type => type.Name);
            public void Count(Region region) => _byRegion[region] = 1;
            public void Warm() { foreach (var country in s_countries) { _byCountry.TryAdd(country, 0); } _byCountry["default"] = 0; }
            public void Alias(string input) { if (s_aliases.TryGetValue(input, out var alias)) { _aliases[alias] = input; } }
        }
        public sealed class InfoController(Caches caches) : ControllerBase
        {
            public IActionResult Get(string input) { caches.Count(Region.Eu); caches.Warm(); caches.Alias(input); return Ok(caches.Name(input)); }
        }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton<Caches>(); }
        """,
        // One-time initialisation: a flag set after a check of itself, double-checked under a lock, ??=.
        """
        public sealed class Catalogue
        {
            private readonly object _gate = new();
            private bool _loaded;
            private bool _warmed;
            private string[]? _names;
            public string[] Names()
            {
                if (!_loaded) { lock (_gate) { if (!_loaded) { _names = ["a"]; _loaded = true; } } }
                if (!_warmed) { _warmed = true; }
                _names ??= [];
                return _names;
            }
        }
        public sealed class CatalogueController(Catalogue catalogue) : ControllerBase { public IActionResult Get() => Ok(catalogue.Names()); }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton<Catalogue>(); }
        """,
        // A singleton's collection grown by requests and drained elsewhere (a background consumer).
        """
        public sealed class Outbox { public ConcurrentQueue<string> Pending { get; } = new(); }
        public sealed class Sender(Outbox outbox) : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken token) { while (outbox.Pending.TryDequeue(out _)) { await Task.Yield(); } }
        }
        public sealed class OrdersController(Outbox outbox) : ControllerBase { public IActionResult Post(string order) { outbox.Pending.Enqueue(order); return Ok(); } }
        public static class Setup { public static void Add(IServiceCollection services) { services.AddSingleton<Outbox>(); services.AddHostedService<Sender>(); } }
        """,
        // Written only at start-up (the constructor) and by background work, not by request code.
        """
        public sealed class Clock : BackgroundService
        {
            private DateTime _started;
            private DateTime _tick;
            public Clock() { _started = DateTime.UtcNow; }
            public DateTime Started => _started;
            protected override async Task ExecuteAsync(CancellationToken token) { _tick = DateTime.UtcNow; await Task.Delay(1000, token); }
        }
        public sealed class UptimeController(Clock clock) : ControllerBase { public IActionResult Get() => Ok(clock.Started); }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddHostedService<Clock>(); }
        """,
        // IMiddleware is resolved from DI per request with its own (here scoped) lifetime, not built once.
        """
        public sealed class Stamp : IMiddleware
        {
            private int _calls;
            public Task InvokeAsync(HttpContext context, RequestDelegate next) { _calls++; return next(context); }
        }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddScoped<Stamp>(); }
        """,
    };

    [Theory]
    [MemberData(nameof(SafeShapes))]
    public Task Safe_shapes_are_left_alone(string source) => Leak.VerifyAsync(source);

    public static TheoryData<string> CaptiveFlagged => new()
    {
        // A transient that itself keeps a scoped service is request state for the singleton that keeps it.
        """
        public sealed class Db { }
        public sealed class Orders(Db db) { public object Db => db; }
        public sealed class Reports(Orders {|#0:orders|}) { public object Get() => orders.Db; }
        public static class Setup
        {
            public static void Add(IServiceCollection services) { services.AddScoped<Db>(); services.AddTransient<Orders>(); services.AddSingleton<Reports>(); }
        }
        """,
        // Conventional middleware keeping a scoped service from its constructor.
        """
        public sealed class Db { }
        public sealed class AuditMiddleware(RequestDelegate next, Db {|#0:db|})
        {
            public Task InvokeAsync(HttpContext context) { _ = db; return next(context); }
        }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddScoped<Db>(); }
        """,
    };

    [Theory]
    [MemberData(nameof(CaptiveFlagged))]
    public Task Res003_flags_transients_holding_request_state_and_middleware_captives(string source) =>
        Leak.VerifyAsync(source, Leak.At(Rules.CaptiveRequestState));
}
