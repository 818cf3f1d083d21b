using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using Resident.Tests.Infrastructure;

namespace Resident.Tests;

// Declarations of the task hand-over tests (TaskHandOverTests): each records what ran, with its id, in its host's probe.

[BackgroundTask]
public sealed class HandOverTask : IBackgroundTask
{
    public string Id { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add("run:" + Id);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Fails its first try; retried after a fixed second.</summary>
[BackgroundTask(Tries = 3, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 1000)]
public sealed class HandOverFlakyTask : IBackgroundTask
{
    public string Id { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add($"try:{Id}:{context.Attempt}/{context.Tries}");
        if (context.Attempt == 1)
        {
            throw new InvalidOperationException("fails its first try");
        }

        return ValueTask.CompletedTask;
    }
}

[AsyncEvent]
public sealed class HandOverEvent
{
    public string Id { get; set; } = "";

    public bool FailSecondOnce { get; set; }
}

[EventListener(Order = 1)]
public sealed class HandOverFirstListener(BackgroundProbe probe) : IEventListener<HandOverEvent>
{
    public ValueTask<Propagation> HandleAsync(HandOverEvent @event, TaskContext context)
    {
        probe.Add("first:" + @event.Id);
        return ValueTask.FromResult(Propagation.Continue);
    }
}

/// <summary>Fails its first try when the event says so; retried after a fixed half second.</summary>
[EventListener(Order = 2, Tries = 2, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 500)]
public sealed class HandOverSecondListener(BackgroundProbe probe) : IEventListener<HandOverEvent>
{
    public ValueTask<Propagation> HandleAsync(HandOverEvent @event, TaskContext context)
    {
        probe.Add($"second:{@event.Id}:{context.Attempt}");
        if (@event.FailSecondOnce && context.Attempt == 1)
        {
            throw new InvalidOperationException("the second listener fails once");
        }

        return ValueTask.FromResult(Propagation.Continue);
    }
}

[EventListener(Order = 3)]
public sealed class HandOverThirdListener(BackgroundProbe probe) : IEventListener<HandOverEvent>
{
    public ValueTask<Propagation> HandleAsync(HandOverEvent @event, TaskContext context)
    {
        probe.Add("third:" + @event.Id);
        return ValueTask.FromResult(Propagation.Continue);
    }
}

/// <summary>A task type declared without a payload codec (only <see cref="UncodedManifest"/> declares it): it cannot leave its process.</summary>
public sealed class UncodedTask : IBackgroundTask
{
    public string Id { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add("uncoded:" + Id);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Declares <see cref="UncodedTask"/> with no codec (a hand-written manifest can; the generator always gives one or fails the start).</summary>
public sealed class UncodedManifest : IResidentManifest
{
    public string AssemblyName => "Resident.Tests.Uncoded";

    public void Describe(ResidentManifestBuilder builder)
    {
        builder.AddBackgroundTask<UncodedTask>(typeof(UncodedTask).FullName!, new BackgroundTaskAttribute(), hasFinish: false, codec: null, payloadProblem: null);
        builder.AddBackgroundTask<UnwritableTask>(typeof(UnwritableTask).FullName!, new BackgroundTaskAttribute(), hasFinish: false, new FailingCodec(), payloadProblem: null);
    }

    /// <summary>A codec that cannot write (as a payload whose getter throws would make a generated one fail).</summary>
    private sealed class FailingCodec : PayloadCodec<UnwritableTask>
    {
        public override void Write(System.Text.Json.Utf8JsonWriter writer, UnwritableTask value) => throw new InvalidOperationException("cannot write " + value.Id);

        public override UnwritableTask Read(ref System.Text.Json.Utf8JsonReader reader) => throw new System.Text.Json.JsonException("never written");
    }
}

/// <summary>A task type whose codec (declared by <see cref="UncodedManifest"/>) throws when it writes.</summary>
public sealed class UnwritableTask : IBackgroundTask
{
    public string Id { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add("unwritable:" + Id);
        return ValueTask.CompletedTask;
    }
}
