using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Resident.Supervision;

/// <summary>What a frame on the control socket says. Workers, the master and the verbs' clients share one socket.</summary>
internal enum ControlKind : byte
{
    // Worker → master.
    Hello = 1,
    Ready = 2,
    Route = 3,
    Stats = 4,
    HandOver = 5,
    TimersStopped = 6,
    Recycle = 7,
    MetricsRequest = 8,
    Metrics = 9,
    StoppedAccepting = 10,

    // Master → worker.
    Retire = 20,
    StartTimers = 21,
    Routed = 22,
    PeerJoined = 23,
    PeerLeft = 24,
    StatsRequest = 25,
    TakeOver = 26,
    MetricsCollect = 27,
    MetricsReply = 28,

    // Verb client ↔ master.
    Command = 40,
    Reply = 41,
}

/// <summary>One frame: its kind and payload (owned by the frame).</summary>
internal readonly record struct ControlFrame(ControlKind Kind, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    public int Int32At(int offset) => BinaryPrimitives.ReadInt32LittleEndian(Payload.AsSpan(offset));
}

/// <summary>
/// One end of a control-socket connection: length-prefixed frames (<c>[int32 length][byte kind][payload]</c>),
/// written one at a time under a lock so frames from several threads never interleave, read by one loop.
/// </summary>
internal sealed class ControlChannel : IAsyncDisposable
{
    /// <summary>The largest frame accepted: a task hand-over batch can be large, a mesh message is small.</summary>
    public const int MaxFrameLength = 256 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public ControlChannel(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to the control socket at <paramref name="path"/>.</summary>
    public static async Task<ControlChannel> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new ControlChannel(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendAsync(ControlKind kind, string text) => SendAsync(kind, Encoding.UTF8.GetBytes(text));

    public Task SendAsync(ControlKind kind, int value)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, value);
        return SendAsync(kind, payload);
    }

    /// <summary>Sends a frame whose payload is <paramref name="prefix"/> followed by <paramref name="payload"/>.</summary>
    public async Task SendAsync(ControlKind kind, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> prefix = default)
    {
        var header = new byte[5];
        BinaryPrimitives.WriteInt32LittleEndian(header, 1 + prefix.Length + payload.Length);
        header[4] = (byte)kind;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(header).ConfigureAwait(false);
            if (!prefix.IsEmpty)
            {
                await _stream.WriteAsync(prefix).ConfigureAwait(false);
            }

            if (!payload.IsEmpty)
            {
                await _stream.WriteAsync(payload).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends without waiting; a broken connection is noticed by the reading side.</summary>
    public void Post(ControlKind kind, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> prefix = default) =>
        _ = SendAsync(kind, payload, prefix).ContinueWith(static task => _ = task.Exception, TaskContinuationOptions.OnlyOnFaulted);

    /// <summary>The next frame, or null when the other end closed the connection.</summary>
    /// <exception cref="InvalidDataException">The frame's length is out of range.</exception>
    public async Task<ControlFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        var header = new byte[5];
        if (!await ReadExactlyOrEndAsync(header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 1 || length > MaxFrameLength)
        {
            throw new InvalidDataException($"A control frame of {length} bytes is out of range (1 to {MaxFrameLength}).");
        }

        var payload = new byte[length - 1];
        if (!await ReadExactlyOrEndAsync(payload, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ControlFrame((ControlKind)header[4], payload);
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            var read = await _stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return read == buffer.Length;
        }
        catch (IOException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
