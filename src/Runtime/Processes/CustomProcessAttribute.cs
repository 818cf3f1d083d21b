namespace Resident;

/// <summary>
/// Declares a custom process (LaravelS <c>CustomProcess</c>): a long-running <see cref="ICustomProcess.RunAsync"/>
/// that Resident supervises — if it returns or throws, it is logged and started again after
/// <see cref="RestartInterval"/>. Inline mode runs it as a background loop in the server process; the supervised
/// mode backs the same API with a child process.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CustomProcessAttribute(string name) : Attribute
{
    /// <summary>The process name: <c>IResidentServer.Processes[name]</c> and <c>Resident:CustomProcesses:{name}</c>.</summary>
    public string Name { get; } = name;

    /// <summary>How many instances run, 1–64. Default 1.</summary>
    public int Num { get; set; } = ResidentLimits.CustomProcess.DefaultNum;

    /// <summary>Seconds to wait before restarting an instance that returned or threw, 0–3600. Default 5.</summary>
    public int RestartInterval { get; set; } = ResidentLimits.CustomProcess.DefaultRestartIntervalSeconds;
}

/// <summary>A custom process declared with <see cref="CustomProcessAttribute">[CustomProcess]</see>.</summary>
public interface ICustomProcess
{
    /// <summary>
    /// Runs until <see cref="CustomProcessContext.CancellationToken"/> is signalled; it must not return before.
    /// Read messages written to the process with <see cref="CustomProcessContext.ReadAsync"/> and answer with
    /// <see cref="CustomProcessContext.WriteAsync"/>.
    /// </summary>
    Task RunAsync(CustomProcessContext context);

    /// <summary>Called when the server reloads (SIGUSR1 or the <c>reload</c> verb). The default does nothing.</summary>
    ValueTask OnReloadAsync(CustomProcessContext context) => ValueTask.CompletedTask;

    /// <summary>Called when the server stops, before the cancellation token is signalled. The default does nothing.</summary>
    ValueTask OnStopAsync(CustomProcessContext context) => ValueTask.CompletedTask;
}

/// <summary>One running instance of a custom process.</summary>
public sealed class CustomProcessContext
{
    private readonly CustomProcessGroup _group;

    internal CustomProcessContext(CustomProcessGroup group, int index, int restarts, IServiceProvider services, CancellationToken stopping)
    {
        _group = group;
        Index = index;
        Restarts = restarts;
        Services = services;
        CancellationToken = stopping;
    }

    /// <summary>The process name.</summary>
    public string Name => _group.Name;

    /// <summary>This instance's number, 0 to Num − 1.</summary>
    public int Index { get; }

    /// <summary>How many times this instance was restarted before this run.</summary>
    public int Restarts { get; }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Signalled when the server stops (after <see cref="ICustomProcess.OnStopAsync"/>): return promptly.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The next message written to the process (by <see cref="ICustomProcessPipe.WriteAsync"/>); instances share one inbox.</summary>
    public ValueTask<string> ReadAsync(CancellationToken cancellationToken = default) => _group.ReadInboxAsync(cancellationToken);

    /// <summary>Writes a message that <see cref="ICustomProcessPipe.ReadAsync"/> reads; waits while the outbox is full.</summary>
    public ValueTask WriteAsync(string message, CancellationToken cancellationToken = default) => _group.WriteOutboxAsync(message, cancellationToken);
}

/// <summary>The pipe to a custom process and its counters (LaravelS <c>$process-&gt;write()</c>/<c>read()</c>).</summary>
public interface ICustomProcessPipe
{
    /// <summary>The process name.</summary>
    string Name { get; }

    /// <summary>Instances running right now.</summary>
    int Running { get; }

    /// <summary>How many times an instance returned or threw.</summary>
    int Crashes { get; }

    /// <summary>Writes a message the process reads with <see cref="CustomProcessContext.ReadAsync"/>; waits while its inbox (1,024 messages) is full.</summary>
    ValueTask WriteAsync(string message, CancellationToken cancellationToken = default);

    /// <summary>Reads the next message the process wrote with <see cref="CustomProcessContext.WriteAsync"/>.</summary>
    ValueTask<string> ReadAsync(CancellationToken cancellationToken = default);
}

/// <summary>The app's custom processes by name (<c>IResidentServer.Processes</c>).</summary>
public interface ICustomProcesses : IReadOnlyCollection<ICustomProcessPipe>
{
    /// <summary>The process named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No [CustomProcess] has that name.</exception>
    ICustomProcessPipe this[string name] { get; }
}
