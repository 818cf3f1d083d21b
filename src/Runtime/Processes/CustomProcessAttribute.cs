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
    /// Answer requests with <see cref="CustomProcessContext.AnswerAsync"/> (each answer goes back to the caller that
    /// asked), or use the raw pipe: read messages with <see cref="CustomProcessContext.ReadAsync"/> and write with
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

    /// <summary>
    /// The next request asked with <see cref="ICustomProcessPipe.AskAsync(string, TimeSpan, CancellationToken)"/>;
    /// answer it with <see cref="CustomProcessRequest.ReplyAsync"/>. Instances share one queue of requests: each
    /// request is read by one instance. Requests whose caller stopped waiting before they were read are skipped.
    /// </summary>
    public ValueTask<CustomProcessRequest> ReadRequestAsync(CancellationToken cancellationToken = default) => _group.ReadRequestAsync(cancellationToken);

    /// <summary>
    /// Answers requests one at a time until the server stops (then it returns): each request's message goes to
    /// <paramref name="handler"/>, and what it returns goes back to the caller that asked. If the handler throws, that
    /// caller's ask fails with the exception's message and the next request is answered. The handler's token is
    /// <see cref="CancellationToken"/>. For several requests at once, raise <c>Num</c> or use <see cref="ReadRequestAsync"/>.
    /// </summary>
    public async Task AnswerAsync(Func<string, CancellationToken, ValueTask<string>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var stopping = CancellationToken;
        while (!stopping.IsCancellationRequested)
        {
            CustomProcessRequest request;
            try
            {
                request = await ReadRequestAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            string answer;
            try
            {
                answer = await handler(request.Message, stopping).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                await request.FailAsync(exception is OperationCanceledException && stopping.IsCancellationRequested
                    ? $"custom process {Name}#{Index} stopped before it answered"
                    : exception.Message).ConfigureAwait(false);
                continue;
            }

            await request.ReplyAsync(answer).ConfigureAwait(false);
        }
    }
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

    /// <summary>
    /// Reads the next message the process wrote with <see cref="CustomProcessContext.WriteAsync"/>. The raw pipe is one
    /// conversation: with several callers, or a read that gave up, answers are not matched to requests — use
    /// <see cref="AskAsync(string, TimeSpan, CancellationToken)"/> for that.
    /// </summary>
    ValueTask<string> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the process and returns its answer to this request — never another caller's, whatever the concurrency.
    /// One instance answers (with <c>Num</c> &gt; 1, the first free one). The process answers with
    /// <see cref="CustomProcessContext.AnswerAsync"/> or <see cref="CustomProcessContext.ReadRequestAsync"/>; a timed-out
    /// or cancelled ask leaves nothing behind (its late answer is dropped).
    /// </summary>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was signalled first.</exception>
    /// <exception cref="InvalidOperationException">The process failed the request, or has stopped.</exception>
    Task<string> AskAsync(string message, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="AskAsync(string, TimeSpan, CancellationToken)"/> with no timeout: waits until the process answers,
    /// <paramref name="cancellationToken"/> is signalled or the server stops.
    /// </summary>
    Task<string> AskAsync(string message, CancellationToken cancellationToken = default);
}

/// <summary>The app's custom processes by name (<c>IResidentServer.Processes</c>).</summary>
public interface ICustomProcesses : IReadOnlyCollection<ICustomProcessPipe>
{
    /// <summary>The process named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No [CustomProcess] has that name.</exception>
    ICustomProcessPipe this[string name] { get; }
}
