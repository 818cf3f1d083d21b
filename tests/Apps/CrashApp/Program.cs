using Resident;

var builder = WebApplication.CreateBuilder(args);
builder.AddResident();
var app = builder.Build();

// An exception on a thread nobody observes ends the process: WorkerError hooks get a last word first.
app.MapPost("/crash", () =>
{
    new Thread(() => throw new InvalidOperationException("the worker fell over")).Start();
    return "crashing";
});

return await app.RunResidentAsync(args);

[LifecycleHook(LifecycleEvent.WorkerError)]
public sealed class LastWords : ILifecycleHook
{
    public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine($"WorkerError hook: worker {context.WorkerId} (pid {context.WorkerProcessId}): {context.Exception?.Message}");
        return ValueTask.CompletedTask;
    }
}

[LifecycleHook(LifecycleEvent.WorkerError, Order = -1)]
public sealed class ThrowingLastWords : ILifecycleHook
{
    public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("a WorkerError hook that throws");
}
