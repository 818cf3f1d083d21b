namespace Resident;

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
