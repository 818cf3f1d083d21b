using Resident.Analyzers.Tests.Infrastructure;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>RES001–RES005: for every rule, code it must flag and near-misses it must leave alone.</summary>
public sealed class LeakRuleTests
{
    // ---------------------------------------------------------------- RES001: static state written from request code

    public static TheoryData<string> Res001Flagged => new()
    {
        // A minimal-API handler keeps the current user in a static.
        """
        public static class Endpoints
        {
            public static ClaimsPrincipal? s_user;
            public static void Map(WebApplication app) => app.MapGet("/me", (HttpContext context) => { {|#0:s_user = context.User|}; return "ok"; });
        }
        """,
        // A controller action counts with ++ (the Interlocked fix applies).
        """
        public sealed class HomeController : Controller
        {
            private static int s_visits;
            public IActionResult Index() { {|#0:s_visits++|}; return Ok(); }
        }
        """,
        // Middleware writes a static auto-property, through a helper two calls deep.
        """
        public sealed class TenantMiddleware(RequestDelegate next)
        {
            public static string? CurrentTenant { get; set; }
            public Task InvokeAsync(HttpContext context) { Remember(context); return next(context); }
            private static void Remember(HttpContext context) => Store(context.Request.Host.Host);
            private static void Store(string host) { {|#0:CurrentTenant = host|}; }
        }
        """,
        // A Resident WebSocket handler writes a static on every message.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private static string s_last = "";
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) { {|#0:s_last = frame.Text|}; return default; }
        }
        """,
        // A service behind an interface, called from a route: the call is followed to the implementation.
        """
        public interface ICounter { void Hit(); }
        public sealed class Counter : ICounter { private static long s_hits; public void Hit() { {|#0:s_hits += 2|}; } }
        public static class Endpoints
        {
            public static void Map(WebApplication app) => app.MapPost("/hit", (ICounter counter) => counter.Hit());
        }
        """,
        // A SignalR hub method assigns a static in a compound way.
        """
        public sealed class ChatHub : Microsoft.AspNetCore.SignalR.Hub
        {
            private static int s_messages;
            public Task Send(string text) { {|#0:s_messages *= 1|}; return Task.CompletedTask; }
        }
        """,
    };

    public static TheoryData<string> Res001FlaggedMore => new()
    {
        // A local function of Main named as a route handler.
        """
        public static class Program
        {
            private static string s_last = "";
            public static void Main(string[] args)
            {
                var app = WebApplication.Create(args);
                app.MapGet("/", Handler);
                app.Run();
                string Handler() { {|#0:s_last = "x"|}; return s_last; }
            }
        }
        """,
        // A static of a generic class, written through a constructed type.
        """
        public static class Memo<T> { public static T? Last; }
        public sealed class ValuesController : ControllerBase { public IActionResult Put(int value) { {|#0:Memo<int>.Last = value|}; return Ok(); } }
        """,
    };

    [Theory]
    [MemberData(nameof(Res001FlaggedMore))]
    public Task Res001_flags_local_function_handlers_and_generic_statics(string source) => Leak.VerifyAsync(source, Leak.At(Rules.StaticWrittenFromRequest));

    public static TheoryData<string> Res001NotFlagged => new()
    {
        // Interlocked and Volatile are the thread-safe counters; const and readonly are never written.
        """
        public sealed class HomeController : Controller
        {
            private const int Limit = 10;
            private static readonly object s_gate = new();
            private static int s_visits;
            private static bool s_seen;
            public IActionResult Index() { Interlocked.Increment(ref s_visits); Volatile.Write(ref s_seen, true); return Ok(Limit); }
        }
        """,
        // [ThreadStatic] and AsyncLocal<T> are per thread / per flow.
        """
        public static class Endpoints
        {
            [ThreadStatic] private static int t_depth;
            private static readonly AsyncLocal<string?> s_user = new();
            public static void Map(WebApplication app) => app.MapGet("/", (HttpContext context) => { t_depth = 1; s_user.Value = context.User.Identity?.Name; return "ok"; });
        }
        """,
        // Lazy one-time initialization: ??=, if (x == null), Lazy<T>, LazyInitializer.
        """
        public sealed class Cache : ControllerBase
        {
            private static string? s_a;
            private static string? s_b;
            private static object? s_c;
            private static readonly Lazy<string> s_d = new(() => "d");
            public IActionResult Get()
            {
                s_a ??= "a";
                if (s_b == null) { s_b = "b"; }
                LazyInitializer.EnsureInitialized(ref s_c, () => new object());
                return Ok(s_a + s_b + s_c + s_d.Value);
            }
        }
        """,
        // Written at start-up, not from request code.
        """
        public static class Settings
        {
            public static string Name = "";
            public static void Configure(WebApplication app) { Name = app.Environment.ApplicationName; app.MapGet("/name", () => Name); }
        }
        """,
        // Writes beyond the call depth (five calls from the action) are not followed.
        """
        public sealed class DeepController : ControllerBase
        {
            private static int s_value;
            public IActionResult Get() { A(); return Ok(); }
            private static void A() => B();
            private static void B() => C();
            private static void C() => D();
            private static void D() => E();
            private static void E() { s_value = 1; }
        }
        """,
        // A static a background service writes is not request code.
        """
        public sealed class Ticker : BackgroundService
        {
            public static DateTime LastTick;
            protected override async Task ExecuteAsync(CancellationToken token) { LastTick = DateTime.UtcNow; await Task.Delay(1000, token); }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(Res001Flagged))]
    public Task Res001_flags(string source) => Leak.VerifyAsync(source, Leak.At(Rules.StaticWrittenFromRequest));

    [Theory]
    [MemberData(nameof(Res001NotFlagged))]
    public Task Res001_leaves_alone(string source) => Leak.VerifyAsync(source);

    // ---------------------------------------------------------------- RES002: static collections that only grow

    public static TheoryData<string> Res002Flagged => new()
    {
        // The LaravelS classic: Test::$array[] = … on every request.
        """
        public static class Endpoints
        {
            private static readonly List<string> s_seen = new();
            public static void Map(WebApplication app) => app.MapGet("/", (HttpContext context) => { {|#0:s_seen.Add(context.TraceIdentifier)|}; return s_seen.Count; });
        }
        """,
        // An indexer set on a static dictionary from a controller.
        """
        public sealed class SessionsController : ControllerBase
        {
            private static readonly Dictionary<string, DateTime> s_lastSeen = new();
            public IActionResult Touch(string id) { {|#0:s_lastSeen[id]|} = DateTime.UtcNow; return Ok(); }
        }
        """,
        // A concurrent collection is thread-safe, but still unbounded.
        """
        public sealed class AuditMiddleware(RequestDelegate next)
        {
            private static readonly ConcurrentQueue<string> s_audit = new();
            public async Task InvokeAsync(HttpContext context) { {|#0:s_audit.Enqueue(context.Request.Path)|}; await next(context); }
        }
        """,
        // A static string appended to with +=.
        """
        public sealed class LogController : ControllerBase
        {
            private static string s_log = "";
            public IActionResult Write(string line) { {|#0:s_log += line|}; return Ok(); }
        }
        """,
        // A stack pushed to from a WebSocket handler (popped nowhere).
        """
        [WebSocketHandler("/ws")]
        public sealed class History : IWebSocketHandler
        {
            private static readonly Stack<string> s_messages = new();
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) { {|#0:s_messages.Push(frame.Text)|}; return default; }
        }
        """,
    };

    public static TheoryData<string> Res002NotFlagged => new()
    {
        // Removed from elsewhere in the compilation.
        """
        public static class Endpoints
        {
            private static readonly ConcurrentDictionary<string, string> s_online = new();
            public static void Map(WebApplication app)
            {
                app.MapPost("/in/{id}", (string id) => s_online.TryAdd(id, id));
                app.MapPost("/out/{id}", (string id) => s_online.TryRemove(id, out _));
            }
        }
        """,
        // Cleared by a cleaner.
        """
        public static class Buffer { public static readonly List<string> Lines = new(); }
        public sealed class LinesController : ControllerBase { public IActionResult Add(string line) { Buffer.Lines.Add(line); return Ok(); } }
        [Cleaner] public sealed class Reset : ICleaner { public ValueTask CleanAsync(HttpContext context) { Buffer.Lines.Clear(); return default; } }
        """,
        // Reassigned (replaced by a fresh one) from time to time.
        """
        public sealed class BatchController : ControllerBase
        {
            private static List<int> s_batch = new();
            public IActionResult Add(int value) { lock (s_batch) { s_batch.Add(value); } return Ok(); }
            public static void Flush() { s_batch = new List<int>(); }
        }
        """,
        // Grown only at start-up.
        """
        public static class Routes
        {
            private static readonly List<string> s_paths = new();
            public static void Map(WebApplication app) { s_paths.Add("/"); app.MapGet("/", () => s_paths.Count); }
        }
        """,
        // A per-request (local or instance) collection is not static.
        """
        public sealed class ItemsController : ControllerBase
        {
            private readonly List<string> _items = new();
            public IActionResult Get() { var local = new List<string>(); local.Add("a"); _items.Add("b"); return Ok(local.Count + _items.Count); }
        }
        """,
        // Handed to a method of the compilation, which may empty it.
        """
        public static class Queue
        {
            private static readonly Queue<string> s_jobs = new();
            public static void Map(WebApplication app) => app.MapPost("/job", (string job) => { s_jobs.Enqueue(job); Drain(s_jobs); });
            private static void Drain(Queue<string> jobs) { }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(Res002Flagged))]
    public Task Res002_flags(string source) => Leak.VerifyAsync(source, Leak.At(Rules.StaticCollectionGrows));

    [Theory]
    [MemberData(nameof(Res002NotFlagged))]
    public Task Res002_leaves_alone(string source) => Leak.VerifyAsync(source);

    // ---------------------------------------------------------------- RES003: singletons keeping request state

    public static TheoryData<string> Res003Flagged => new()
    {
        // AddSingleton<T> of a class that keeps the HttpContext.
        """
        public sealed class Audit { private readonly HttpContext? {|#0:_context|}; public Audit(IHttpContextAccessor accessor) => _context = accessor.HttpContext; public string? Path => _context?.Request.Path; }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton<Audit>(); }
        """,
        // typeof form, keeping a ClaimsPrincipal property.
        """
        public interface IUserInfo { }
        public sealed class UserInfo : IUserInfo { public ClaimsPrincipal? {|#0:User|} { get; set; } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton(typeof(IUserInfo), typeof(UserInfo)); }
        """,
        // A scoped service captured by a singleton's constructor.
        """
        public sealed class UnitOfWork { }
        public sealed class Reports(UnitOfWork work) { private readonly UnitOfWork {|#0:_work|} = work; public object Work => _work; }
        public static class Setup
        {
            public static void Add(IServiceCollection services) { services.AddScoped<UnitOfWork>(); services.AddSingleton<Reports>(); }
        }
        """,
        // A hosted service captures a transient that holds a resource (disposable) through a primary-constructor parameter.
        """
        public sealed class Mailer : IDisposable { public void Send() { } public void Dispose() { } }
        public sealed class MailPump(Mailer {|#0:mailer|}) : BackgroundService
        {
            protected override Task ExecuteAsync(CancellationToken token) { mailer.Send(); return Task.CompletedTask; }
        }
        public static class Setup
        {
            public static void Add(IServiceCollection services) { services.AddTransient<Mailer>(); services.AddHostedService<MailPump>(); }
        }
        """,
        // A Resident WebSocket handler is a singleton by nature: it must not keep the upgrade request.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private HttpResponse? {|#0:_response|};
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
            public void Keep(HttpResponse response) => _response = response;
        }
        """,
    };

    public static TheoryData<string> Res003NotFlagged => new()
    {
        // A stateless transient (no request state, no resource) is safe in a singleton: here one reading the accessor per call.
        """
        public sealed class Mailer(IHttpContextAccessor accessor) { public string? Send() => accessor.HttpContext?.User.Identity?.Name; }
        public sealed class MailPump(Mailer mailer) : BackgroundService
        {
            protected override Task ExecuteAsync(CancellationToken token) { mailer.Send(); return Task.CompletedTask; }
        }
        public static class Setup
        {
            public static void Add(IServiceCollection services) { services.AddTransient<Mailer>(); services.AddHostedService<MailPump>(); }
        }
        """,
        // IHttpContextAccessor is the supported way.
        """
        public sealed class Audit(IHttpContextAccessor accessor) { public string? Path => accessor.HttpContext?.Request.Path; }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddSingleton<Audit>(); }
        """,
        // Scoped services may keep request state.
        """
        public sealed class Audit { public HttpContext? Context { get; set; } }
        public static class Setup { public static void Add(IServiceCollection services) => services.AddScoped<Audit>(); }
        """,
        // A singleton keeping another singleton.
        """
        public sealed class Clock { }
        public sealed class Reports(Clock clock) { public Clock Clock => clock; }
        public static class Setup { public static void Add(IServiceCollection services) { services.AddSingleton<Clock>(); services.AddSingleton<Reports>(); } }
        """,
        // A primary-constructor parameter only used to initialize (not captured) is not kept.
        """
        public sealed class Options { public string Name = ""; }
        public sealed class Greeter(Options options) { private readonly string _name = options.Name; public string Name => _name; }
        public static class Setup { public static void Add(IServiceCollection services) { services.AddScoped<Options>(); services.AddSingleton<Greeter>(); } }
        """,
        // A class never registered as a singleton, and a handler method taking the HttpContext as a parameter only.
        """
        public sealed class Holder { public HttpContext? Context; }
        [Cleaner] public sealed class Cleaner : ICleaner { public ValueTask CleanAsync(HttpContext context) { var holder = new Holder { Context = context }; return default; } }
        """,
    };

    [Theory]
    [MemberData(nameof(Res003Flagged))]
    public Task Res003_flags(string source) => Leak.VerifyAsync(source, Leak.At(Rules.CaptiveRequestState));

    [Theory]
    [MemberData(nameof(Res003NotFlagged))]
    public Task Res003_leaves_alone(string source) => Leak.VerifyAsync(source);

    // ---------------------------------------------------------------- RES004: handler fields written per connection

    public static TheoryData<string> Res004Flagged => new()
    {
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private string? _lastUser;
            public ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) { {|#0:_lastUser = request.User.Identity?.Name|}; return default; }
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
        }
        """,
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private int _messages;
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) { {|#0:_messages++|}; return default; }
        }
        """,
        // A list (not a concurrent collection) grown per connection.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private readonly List<long> _connections = new();
            public ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) { {|#0:_connections.Add(request.ConnectionId)|}; return default; }
            public void Reset() => _connections.Clear(); // Emptied (by code no connection runs), so not RES002 as well.
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
        }
        """,
        // A cleaner runs after every request.
        """
        [Cleaner]
        public sealed class Stats : ICleaner
        {
            private DateTime _lastRun;
            public ValueTask CleanAsync(HttpContext context) { {|#0:_lastRun = DateTime.UtcNow|}; return default; }
        }
        """,
        // An auto-property is a field too.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            public string? LastText { get; private set; }
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) { {|#0:LastText = frame.Text|}; return default; }
        }
        """,
        // A request hook writing through a helper.
        """
        [RequestHook]
        public sealed class Timing : IRequestReceivedHook
        {
            private long _started;
            public ValueTask OnRequestReceivedAsync(HttpContext context) { Start(); return default; }
            private void Start() { {|#0:_started = DateTime.UtcNow.Ticks|}; }
        }
        """,
    };

    public static TheoryData<string> Res004NotFlagged => new()
    {
        // Inside lock.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private readonly object _gate = new();
            private int _messages;
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) { lock (_gate) { _messages++; } return default; }
        }
        """,
        // Interlocked.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private int _messages;
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) { Interlocked.Increment(ref _messages); return default; }
        }
        """,
        // A concurrent collection's methods.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private readonly ConcurrentDictionary<long, string> _names = new();
            public ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) { _names[request.ConnectionId] = "guest"; _names.TryAdd(1, "x"); return default; }
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
            public ValueTask OnCloseAsync(IWebSocketServer server, long id, System.Net.WebSockets.WebSocketCloseStatus? status, string? reason) { _names.TryRemove(id, out _); return default; }
        }
        """,
        // Written in the constructor, and in a class that is not a handler.
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private readonly string _greeting;
            public Chat() { _greeting = "hi"; }
            public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) { var state = new PerMessage(); state.Count++; return default; }
        }
        public sealed class PerMessage { public int Count; public void Bump() => Count++; }
        """,
        // Under an async lock (SemaphoreSlim released in finally).
        """
        [WebSocketHandler("/ws")]
        public sealed class Chat : IWebSocketHandler
        {
            private readonly SemaphoreSlim _lock = new(1, 1);
            private string _last = "";
            public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
            {
                await _lock.WaitAsync();
                try { _last = frame.Text; } finally { _lock.Release(); }
            }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(Res004Flagged))]
    public Task Res004_flags(string source) => Leak.VerifyAsync(source, Leak.At(Rules.HandlerFieldWritten));

    [Theory]
    [MemberData(nameof(Res004NotFlagged))]
    public Task Res004_leaves_alone(string source) => Leak.VerifyAsync(source);

    // ---------------------------------------------------------------- RES005: exits and blocking waits

    public static TheoryData<string> Res005Flagged => new()
    {
        """
        public sealed class AdminController : ControllerBase { public IActionResult Stop() { {|#0:Environment.Exit(0)|}; return Ok(); } }
        """,
        """
        public static class Endpoints
        {
            public static void Map(WebApplication app) => app.MapPost("/kill", () => {|#0:System.Diagnostics.Process.GetCurrentProcess().Kill()|});
        }
        """,
        """
        public sealed class SlowController : ControllerBase
        {
            public async Task<IActionResult> Get() { {|#0:Thread.Sleep(100)|}; await Task.Yield(); return Ok(); }
        }
        """,
        """
        public sealed class Proxy(RequestDelegate next)
        {
            public Task InvokeAsync(HttpContext context, System.Net.Http.HttpClient client)
            {
                var body = {|#0:client.GetStringAsync("http://example").Result|};
                return next(context);
            }
        }
        """,
        // Async method of a Resident handler kind, even outside request code.
        """
        [LifecycleHook(LifecycleEvent.WorkerStart)]
        public sealed class Warmup : ILifecycleHook
        {
            public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token)
            {
                {|#0:Task.Delay(10).GetAwaiter().GetResult()|};
                return default;
            }
        }
        """,
        """
        public static class Endpoints
        {
            public static void Map(WebApplication app) => app.MapGet("/ask", () => {|#0:Console.ReadLine()|});
        }
        """,
        // A POCO controller: MVC's naming convention, no base class.
        """
        public sealed class PingController
        {
            public async Task<string> Ping() { {|#0:Thread.Sleep(5)|}; await Task.Yield(); return "pong"; }
        }
        """,
    };

    public static TheoryData<string> Res005NotFlagged => new()
    {
        // Exiting from Main, not from request code.
        """
        public static class Program { public static void Main() { Environment.Exit(1); } }
        """,
        // Thread.Sleep in a synchronous action, and in a synchronous lambda handed to Task.Run.
        """
        public sealed class SlowController : ControllerBase
        {
            public IActionResult Get() { Thread.Sleep(1); return Ok(); }
            public async Task<IActionResult> Later() { await Task.Run(() => Thread.Sleep(1)); return Ok(); }
        }
        """,
        // Awaiting is the fix.
        """
        public static class Endpoints
        {
            public static void Map(WebApplication app) => app.MapGet("/", async () => { await Task.Delay(10); return "ok"; });
        }
        """,
        // Blocking in a synchronous helper of a background job that is not a handler.
        """
        public sealed class Tool { public int Run() => Task.FromResult(1).Result; }
        """,
        // .Result of a task that was awaited (here through WhenAll) or checked for completion does not block.
        """
        public sealed class PairController : ControllerBase
        {
            public async Task<IActionResult> Get()
            {
                var first = Task.FromResult(1);
                var second = Task.FromResult(2);
                await Task.WhenAll(first, second);
                var ready = Task.FromResult(3);
                var third = ready.IsCompletedSuccessfully ? ready.Result : 0;
                return Ok(first.Result + second.Result + third);
            }
        }
        """,
        // Console output is fine; a ManualResetEventSlim.Wait is not a task wait.
        """
        public sealed class LogController : ControllerBase
        {
            public async Task<IActionResult> Get() { Console.WriteLine("hi"); using var gate = new ManualResetEventSlim(true); gate.Wait(); await Task.Yield(); return Ok(); }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(Res005Flagged))]
    public Task Res005_flags(string source) => Leak.VerifyAsync(source, Leak.At(Rules.ProcessOrThreadBlocked));

    [Theory]
    [MemberData(nameof(Res005NotFlagged))]
    public Task Res005_leaves_alone(string source) => Leak.VerifyAsync(source);

    // ---------------------------------------------------------------- RES005: blocking followed through calls

    public static TheoryData<string> Res005FlaggedThroughCalls => new()
    {
        // A retry helper sleeping on the request thread, called from an async upload action.
        """
        public sealed class UploadController : ControllerBase
        {
            public async Task<IActionResult> Upload() { await Task.Yield(); Store(3); return Ok(); }
            private static void Store(int attempts) => Retry(attempts);
            private static void Retry(int attempts) { {|#0:Thread.Sleep(1000 * attempts)|}; }
        }
        """,
        // Middleware blocking on an async database call through a synchronous service method, behind an interface.
        """
        public interface ITenants { string Find(string host); }
        public sealed class Tenants : ITenants
        {
            public string Find(string host) => {|#0:LoadAsync(host).GetAwaiter().GetResult()|};
            private static async Task<string> LoadAsync(string host) { await Task.Yield(); return host; }
        }
        public sealed class TenantMiddleware(RequestDelegate next, ITenants tenants)
        {
            public Task InvokeAsync(HttpContext context) { context.Items["tenant"] = tenants.Find(context.Request.Host.Host); return next(context); }
        }
        """,
        // A task-returning minimal-API handler calling a synchronous helper that waits.
        """
        public static class Endpoints
        {
            public static void Map(WebApplication app) => app.MapPost("/flush", async () => { await Task.Yield(); Flush(); return "ok"; });
            private static void Flush() { {|#0:Task.Delay(1).Wait()|}; }
        }
        """,
        // Blocking inside an async method is reported even where no request reaches it (a library's method).
        """
        public sealed class Repository
        {
            public async Task SaveAsync(Task pending) { {|#0:pending.Wait()|}; await Task.Yield(); }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(Res005FlaggedThroughCalls))]
    public Task Res005_flags_blocking_reached_synchronously_from_async_request_code(string source) =>
        Leak.VerifyAsync(source, Leak.At(Rules.ProcessOrThreadBlocked));

    [Fact]
    public Task Res005_names_the_call_chain() =>
        Leak.VerifyAsync(
            """
            public sealed class UploadController : ControllerBase
            {
                public async Task<IActionResult> Upload() { await Task.Yield(); Store(3); return Ok(); }
                private static void Store(int attempts) => Retry(attempts);
                private static void Retry(int attempts) { {|#0:Thread.Sleep(1000 * attempts)|}; }
            }
            """,
            new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Rules.ProcessOrThreadBlocked).WithLocation(0).WithArguments(
                "Thread.Sleep",
                "blocks a thread-pool thread: async request code calls it synchronously (UploadController.Upload → UploadController.Store → UploadController.Retry); make the chain async and await Task.Delay instead"));

    public static TheoryData<string> Res005NotFlaggedThroughCalls => new()
    {
        // A synchronous action calling a sleeping helper: synchronous all the way.
        """
        public sealed class SlowController : ControllerBase
        {
            public IActionResult Get() { Pause(); return Ok(); }
            private static void Pause() => Thread.Sleep(1);
        }
        """,
        // Offloaded to another thread with Task.Run (lambda and method group).
        """
        public sealed class SlowController : ControllerBase
        {
            public async Task<IActionResult> Get() { await Task.Run(() => Pause()); await Task.Run(Pause); return Ok(); }
            private static void Pause() => Thread.Sleep(1);
        }
        """,
        // A synchronous helper with a blocking wait that only start-up code calls.
        """
        public static class Startup
        {
            public static void Warm() => Task.Delay(1).Wait();
            public static async Task Main() { Warm(); Thread.Sleep(1); await Task.Yield(); }
        }
        """,
        // Called from async request code, but beyond the call depth.
        """
        public sealed class DeepController : ControllerBase
        {
            public async Task<IActionResult> Get() { await Task.Yield(); A(); return Ok(); }
            private static void A() => B();
            private static void B() => C();
            private static void C() => D();
            private static void D() => E();
            private static void E() => Thread.Sleep(1);
        }
        """,
    };

    [Theory]
    [MemberData(nameof(Res005NotFlaggedThroughCalls))]
    public Task Res005_leaves_alone_synchronous_and_offloaded_chains(string source) => Leak.VerifyAsync(source);

    // The testing library pins analyzer diagnostics to their default severity in the compilation options, which outrank
    // .editorconfig, so only "none" is observable here; raising to error was checked by building the corpus.
    [Fact]
    public async Task Severity_none_in_editorconfig_silences_a_rule()
    {
        var test = new LeakTest<Microsoft.CodeAnalysis.Testing.EmptyCodeFixProvider>("""
            public sealed class HomeController : ControllerBase
            {
                private static int s_visits;
                public IActionResult Index() { s_visits++; return Ok(); }
            }
            """);
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n[*.cs]\ndotnet_diagnostic.RES001.severity = none\n"));
        await test.RunAsync();
    }

    [Fact]
    public Task Code_outside_request_code_is_not_reported() =>
        Leak.VerifyAsync("""public static class Tool { private static int s_count; public static void Main() { s_count++; Environment.Exit(s_count); } }""");
}
