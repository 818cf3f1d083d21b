using System.Threading.Channels;

namespace Resident;

/// <summary>The instances of one custom process and the pipe they share.</summary>
internal sealed class CustomProcessGroup(string name) : ICustomProcessPipe
{
    private const int PipeCapacity = 1024;

    private readonly Channel<string> _inbox = Channel.CreateBounded<string>(new BoundedChannelOptions(PipeCapacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<string> _outbox = Channel.CreateBounded<string>(new BoundedChannelOptions(PipeCapacity) { FullMode = BoundedChannelFullMode.Wait });
    private int _running;
    private int _crashes;

    public string Name { get; } = name;

    public int Running => Volatile.Read(ref _running);

    public int Crashes => Volatile.Read(ref _crashes);

    public ValueTask WriteAsync(string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _inbox.Writer.WriteAsync(message, cancellationToken);
    }

    public ValueTask<string> ReadAsync(CancellationToken cancellationToken = default) => _outbox.Reader.ReadAsync(cancellationToken);

    internal ValueTask<string> ReadInboxAsync(CancellationToken cancellationToken) => _inbox.Reader.ReadAsync(cancellationToken);

    internal ValueTask WriteOutboxAsync(string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _outbox.Writer.WriteAsync(message, cancellationToken);
    }

    internal void InstanceStarted() => Interlocked.Increment(ref _running);

    internal void InstanceEnded(bool crashed, bool started)
    {
        if (started)
        {
            Interlocked.Decrement(ref _running);
        }

        if (crashed)
        {
            Interlocked.Increment(ref _crashes);
        }
    }
}
