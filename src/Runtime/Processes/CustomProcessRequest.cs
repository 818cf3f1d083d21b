namespace Resident;

/// <summary>
/// A request asked of a custom process with <see cref="ICustomProcessPipe.AskAsync(string, TimeSpan, CancellationToken)"/>,
/// read with <see cref="CustomProcessContext.ReadRequestAsync"/>: answer it once with <see cref="ReplyAsync"/> (or
/// <see cref="FailAsync"/>), and the answer goes to the caller that asked it, and to no one else.
/// </summary>
public sealed class CustomProcessRequest
{
    private readonly CustomProcessGroup _group;
    private int _answered;

    internal CustomProcessRequest(CustomProcessGroup group, long id, string message)
    {
        _group = group;
        Id = id;
        Message = message;
    }

    /// <summary>The correlation id the answer is matched by (unique per process name while the server runs).</summary>
    public long Id { get; }

    /// <summary>What the caller asked.</summary>
    public string Message { get; }

    /// <summary>Whether the caller still waits (it has not timed out or been cancelled): when not, a reply is dropped.</summary>
    public bool IsAwaited => _group.IsAwaited(Id);

    /// <summary>Sends <paramref name="answer"/> to the caller; dropped when the caller stopped waiting.</summary>
    /// <exception cref="InvalidOperationException">The request was answered already.</exception>
    public ValueTask ReplyAsync(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        MarkAnswered();
        _group.Answer(Id, answer, error: null);
        return ValueTask.CompletedTask;
    }

    /// <summary>Fails the caller's ask: it throws an <see cref="InvalidOperationException"/> that carries <paramref name="error"/>.</summary>
    /// <exception cref="InvalidOperationException">The request was answered already.</exception>
    public ValueTask FailAsync(string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        MarkAnswered();
        _group.Answer(Id, answer: null, error);
        return ValueTask.CompletedTask;
    }

    private void MarkAnswered()
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            throw new InvalidOperationException($"Request {Id} to custom process '{_group.Name}' was answered already.");
        }
    }
}
