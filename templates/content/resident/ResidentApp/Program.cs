using Resident;

var builder = WebApplication.CreateBuilder(args);
builder.AddResident();                       // binds the "Resident" section of appsettings.json, checked at start
builder.Services.AddSingleton<Visitors>();
var app = builder.Build();

app.MapGet("/", (Visitors visitors) => $"Hello from Resident! Visitors so far: {visitors.Count}");

// Queues a background task and returns at once.
app.MapPost("/welcome", async (string name, ITaskQueue tasks) =>
    await tasks.DeliverAsync(new WelcomeTask { Name = name }) ? Results.Accepted() : Results.StatusCode(503));

// No verb: serve in this process. `start -d`, `stop`, `reload`, `info`: the supervised mode (see the Resident README).
return await app.RunResidentAsync(args);

/// <summary>State that lives as long as the server: a singleton shared by every request.</summary>
public sealed class Visitors
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}

/// <summary>Runs after every response has been sent: reset here what a request must not leave behind.</summary>
[Cleaner]
public sealed class CountVisitor(Visitors visitors) : ICleaner
{
    public ValueTask CleanAsync(HttpContext context)
    {
        visitors.Add();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Sees every response just before its headers go out.</summary>
[RequestHook]
public sealed class ServedBy : IResponseGeneratedHook
{
    public ValueTask OnResponseGeneratedAsync(HttpContext context)
    {
        context.Response.Headers["X-Served-By"] = "ResidentApp";
        return ValueTask.CompletedTask;
    }
}

/// <summary>ws://127.0.0.1:5200/ws echoes every text message; push from anywhere with IWebSocketServer.</summary>
[WebSocketHandler("/ws")]
public sealed class Echo : IWebSocketHandler
{
    public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) =>
        await server.PushAsync(frame.ConnectionId, frame.Text);
}

/// <summary>A background task: delivered by POST /welcome, run by the task workers, retried on failure.</summary>
[BackgroundTask(Tries = 3)]
public sealed class WelcomeTask : IBackgroundTask
{
    public string Name { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<ILogger<WelcomeTask>>().LogInformation("Welcome, {Name}!", Name);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Every 10 seconds (Resident:CronJobs:Heartbeat:Enabled turns it off).</summary>
[CronJob(10_000)]
public sealed class Heartbeat(Visitors visitors, ILogger<Heartbeat> logger) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        logger.LogInformation("{Count} visitor(s) so far", visitors.Count);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Lets the test project start this app (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
