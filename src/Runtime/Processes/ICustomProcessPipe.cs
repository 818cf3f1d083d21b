namespace Resident;

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
