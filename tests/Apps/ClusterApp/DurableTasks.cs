using Resident;

namespace ClusterApp;

/// <summary>
/// The durable task the tests drive across node processes: waits its <see cref="Milliseconds"/>, then records its
/// completion by idempotency key in this process's own journal file (one file per process: several processes
/// appending to one file would lose lines).
/// </summary>
[BackgroundTask(Durable = true, Tries = 3, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 50)]
public sealed class DurableWork : IBackgroundTask
{
    public string Label { get; set; } = "";

    public int Milliseconds { get; set; }

    public async ValueTask HandleAsync(TaskContext context)
    {
        if (Milliseconds > 0)
        {
            await Task.Delay(Milliseconds, context.CancellationToken);
        }

        TaskJournal.Record(context.Services.GetRequiredService<IConfiguration>(), context.IdempotencyKey ?? "-", Label, context.Attempt);
    }
}

/// <summary>Completions, one line each (<c>key label attempt</c>), in <c>{ClusterApp:TaskJournal}/{NodeId}-{pid}.log</c>.</summary>
internal static class TaskJournal
{
    private static readonly Lock Gate = new();

    public static void Record(IConfiguration configuration, string key, string label, int attempt)
    {
        if (configuration["ClusterApp:TaskJournal"] is not { Length: > 0 } directory)
        {
            return;
        }

        var path = Path.Combine(directory, $"{configuration["Resident:NodeId"] ?? "0"}-{Environment.ProcessId}.log");
        lock (Gate)
        {
            File.AppendAllText(path, $"{key} {label} {attempt}\n");
        }
    }
}
