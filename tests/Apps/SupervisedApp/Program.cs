using Resident;

var builder = WebApplication.CreateBuilder(args);
builder.AddResident();
builder.Services.AddSingleton<Journal>();
var app = builder.Build();
using var supervisorMetrics = SupervisorMetricsJournal.Start(app.Services.GetRequiredService<Journal>());

// Which process answered: "pid worker version".
app.MapGet("/who", (IResidentServer server) => $"{server.ProcessId} {server.WorkerId} {server.Version}");
app.MapGet("/plaintext", () => "Hello, World!");

// Delivers a task that writes "task {id} {pid}" to the journal, after the delay asked for.
app.MapPost("/task", async (string id, int? delayMs, ITaskQueue tasks) =>
    await tasks.DeliverAsync(new JournalTask { Id = id }, TimeSpan.FromMilliseconds(delayMs ?? 0)) ? Results.Ok("queued") : Results.StatusCode(503));

// Holds the request open until released or the time is up: a request in flight across a reload.
app.MapGet("/slow", async (int ms) =>
{
    await Task.Delay(ms);
    return "slow done";
});

// Ends this worker's process at once, as a crash would.
app.MapPost("/die", () =>
{
    _ = Task.Run(async () =>
    {
        await Task.Delay(50);
#pragma warning disable RES005 // Dying is this endpoint's job: the tests kill a worker with it.
        Environment.Exit(3);
#pragma warning restore RES005
    });
    return "dying";
});

return await app.RunResidentAsync(args);

/// <summary>
/// Appends lines to this process's own file, App:Journal + "." + pid. .NET opens files for append without O_APPEND (it
/// seeks to the end, then writes at that offset), so writers sharing one file overwrite each other's lines.
/// </summary>
public sealed class Journal(IConfiguration configuration)
{
    private readonly string? _path = configuration["App:Journal"] is { } journal ? $"{journal}.{Environment.ProcessId}" : null;
    private readonly Lock _writing = new();

    public void Write(string line)
    {
        if (_path is not null)
        {
            lock (_writing)
            {
                File.AppendAllText(_path, line + "\n");
            }
        }
    }
}

/// <summary>
/// Every 100 ms: "cron {planned unix ms} {pid}". With App:CronMilliseconds each firing then works that long, without
/// heeding cancellation (a job in the middle of its work), so a hand-over has a running firing to wait for.
/// </summary>
[CronJob(100)]
public sealed class FastCron(Journal journal, IConfiguration configuration) : ICronJob
{
    private readonly int _works = int.TryParse(configuration["App:CronMilliseconds"], out var milliseconds) ? milliseconds : 0;

    public async ValueTask RunAsync(CronJobContext context)
    {
        journal.Write($"cron {context.PlannedAt.ToUnixTimeMilliseconds()} {Environment.ProcessId}");
        if (_works > 0)
        {
            await Task.Delay(_works, CancellationToken.None);
        }
    }
}

[BackgroundTask]
public sealed class JournalTask : IBackgroundTask
{
    public string Id { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<Journal>().Write($"task {Id} {Environment.ProcessId}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Echoes text; "who" answers with the process id; "push {id} {text}" pushes to another connection.</summary>
[WebSocketHandler("/ws")]
public sealed class EchoHandler : IWebSocketHandler
{
    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) =>
        await server.PushAsync(request.ConnectionId, $"id {request.ConnectionId} {Environment.ProcessId}");

    public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
    {
        var text = frame.Text;
        if (text.StartsWith("push ", StringComparison.Ordinal))
        {
            var parts = text.Split(' ', 3);
            var pushed = await server.PushAsync(long.Parse(parts[1]), parts[2]);
            await server.PushAsync(frame.ConnectionId, pushed ? "pushed" : "not pushed");
        }
        else if (text.StartsWith("broadcast ", StringComparison.Ordinal))
        {
            var count = await server.BroadcastAsync(text[10..]);
            await server.PushAsync(frame.ConnectionId, $"broadcast to {count}");
        }
        else if (text == "count")
        {
            await server.PushAsync(frame.ConnectionId, $"count {server.Count}");
        }
        else
        {
            await server.PushAsync(frame.ConnectionId, text);
        }
    }
}

/// <summary>Runs in the master when a worker dies: "workerError {id} {pid} {exit}".</summary>
[LifecycleHook(LifecycleEvent.WorkerError)]
public sealed class WorkerErrorJournal(Journal journal) : ILifecycleHook
{
    public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"workerError {context.WorkerId} {context.WorkerProcessId} {context.ExitCode}");
        return ValueTask.CompletedTask;
    }
}
