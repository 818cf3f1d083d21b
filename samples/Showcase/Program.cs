using Resident;
using Showcase;

var builder = WebApplication.CreateBuilder(args);

// Code defaults; the "Resident" section of appsettings.json, environment variables and the command line override them.
builder.AddResident(options =>
{
    options.Server = "Resident";
    options.HandleStatic = true;
});

// With a Redis (--Resident:Redis:Configuration=localhost:6379 and a Resident:NodeId per node) several Showcases are one
// server: the chat room, pushes and presence span every node. Without it everything runs in this process.
if (!string.IsNullOrWhiteSpace(builder.Configuration["Resident:Redis:Configuration"]))
{
    builder.AddRedis();
}

builder.Services.AddSingleton<VisitCounter>();
builder.Services.AddSingleton<MemoryProbe>();
builder.Services.AddSingleton<ChatRoom>();
builder.Services.AddSingleton<BackgroundLedger>();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ShowcaseJson.Default));

var app = builder.Build();

app.MapGet("/plaintext", () => "Hello, World!");
app.MapGet("/json", () => new Message("Hello, World!"));

// A per-request counter in a singleton: the VisitCounterCleaner resets it after every request, so each request
// starts from zero, as LaravelS's cleaners reset state one request leaves behind.
app.MapGet("/counter", (VisitCounter counter, int? times) =>
{
    for (var i = 0; i < Math.Clamp(times ?? 1, 1, 100); i++)
    {
        counter.Touch();
    }

    return new CounterReport(counter.Count);
});

// LaravelS's leak probe: managed heap now, at the previous call, and the difference.
app.MapGet("/debug-memory-leak", (MemoryProbe probe) => probe.Measure());

// What the server sees of the client. Behind nginx (LaravelS's recipe: X-Real-IP, X-Real-PORT, Scheme) this is the
// real client, because Resident believes those headers from trusted proxies and Unix-socket peers.
app.MapGet("/client", (HttpContext context) => new ClientReport(
    context.Connection.RemoteIpAddress?.ToString(),
    context.Connection.RemotePort,
    context.Request.Scheme));

app.MapGet("/server", (IResidentServer server) => new ServerReport(
    server.ProcessId,
    server.WorkerId,
    server.StartTime,
    server.RequestCount,
    server.ActiveConnections,
    [.. server.ListenAddresses]));

// Push from an HTTP endpoint to one WebSocket connection of the chat (/chat.html shows its connection id):
//   curl -X POST --data 'hello' http://127.0.0.1:5200/push/<id>
app.MapPost("/push/{id:long}", async (long id, HttpRequest request, IWebSocketServer webSockets) =>
{
    using var reader = new StreamReader(request.Body);
    var text = await reader.ReadToEndAsync();
    var pushed = await webSockets.PushAsync(id, ChatHandler.Serialize(new ChatEvent("message", 0, "server", text)));
    return pushed ? Results.Ok(new PushReport(id, true)) : Results.NotFound(new PushReport(id, false));
});

// The chat room's members (a presence group): on every node when Redis is configured.
app.MapGet("/chat/members", (IPresence presence) => ChatHandler.MembersAsync(presence));

// Background work: deliver a task, fire an event, talk to a custom process, and see what the cron jobs did.
//   curl -X POST 'http://127.0.0.1:5200/task?name=alice'; curl -X POST 'http://127.0.0.1:5200/event?name=bob'
//   curl -X POST 'http://127.0.0.1:5200/task?name=fail' (fails all three tries: see /resident's recent failures)
//   curl 'http://127.0.0.1:5200/process?message=hello'; curl http://127.0.0.1:5200/background
app.MapPost("/task", async (string name, ITaskQueue tasks) =>
{
    var accepted = await tasks.DeliverAsync(new WelcomeTask { Name = name });
    return accepted ? Results.Accepted(value: new DeliveryReport(name, true)) : Results.Json(new DeliveryReport(name, false), ShowcaseJson.Default.DeliveryReport, statusCode: 503);
});

app.MapPost("/event", async (string name, IEventDispatcher events) =>
{
    var accepted = await events.FireAsync(new UserSignedUp { Name = name });
    return accepted ? Results.Accepted(value: new DeliveryReport(name, true)) : Results.Json(new DeliveryReport(name, false), ShowcaseJson.Default.DeliveryReport, statusCode: 503);
});

// AskAsync matches the answer to this request: concurrent requests never read each other's answers.
app.MapGet("/process", async (string message, IResidentServer server, CancellationToken aborted) =>
{
    var pipe = server.Processes["reverser"];
    return new ProcessReport(pipe.Name, message, await pipe.AskAsync(message, TimeSpan.FromSeconds(5), aborted));
});

app.MapGet("/background", (IResidentServer server, BackgroundLedger ledger) => new BackgroundReport(
    ledger.Ticks,
    [.. server.CronJobs.Select(job => new CronJobReport(job.Name, job.Schedule, job.Enabled, job.Runs, job.Skipped, job.Failures, job.LastLag.TotalMilliseconds, job.NextRun))],
    server.Tasks.Pending,
    server.Tasks.Running,
    server.Tasks.Completed,
    server.Tasks.Failed,
    ledger.Recent));

// A counter in a [SwooleTable]: shared by every worker and process of this server, incremented atomically.
app.MapGet("/table/counter", (SwooleTable<CounterRow> counters) => new TableCounterReport("hits", counters.IncrValue("hits"), counters.Count));

// The live dashboard: the server, WebSockets by path, the task queue and its recent failures, cron jobs, tables,
// processes and ports, updated every second. Off unless mapped; in a real app protect it, e.g.
// app.MapResidentDashboard("/resident").RequireAuthorization("operators").
app.MapResidentDashboard("/resident");

// RunResidentAsync maps the [WebSocketHandler] classes (ChatHandler at /ws) before it serves.
return await app.RunResidentAsync(args);
