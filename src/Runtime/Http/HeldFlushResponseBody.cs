using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Resident.Http;

/// <summary>
/// The response body of a request under inline scheduling (<c>Resident:Performance:InlineScheduling</c>): while the
/// app runs without yielding, its flushes are held back, so the whole response leaves in Kestrel's own flush at the
/// end of the request (one send) instead of one send per flush.
/// </summary>
/// <remarks>
/// With inline scheduling Kestrel sends on the thread that flushes. A minimal API's string answer is chunked: it
/// flushes the first chunk, and Kestrel writes the last chunk when the app returns, so every response took two sends
/// (twice the system calls and TCP segments), which cost more than inline scheduling saved. Without inline scheduling
/// Kestrel's I/O queue coalesces the two already, and this body is not used.
/// <para>
/// Only flushes are held: the bytes go straight to Kestrel's writer, and writes through <see cref="Stream"/> (which
/// flush at once) stay in order with them. A flush goes through once more than <see cref="MaxHeldBytes"/> wait, so a
/// large response keeps Kestrel's back-pressure, and when the app yields the middleware sends what is held
/// (<see cref="SendHeldAsync"/>). From then on the app's flushes and stream writes wait for that send, because the
/// writer takes one flush at a time.
/// </para>
/// </remarks>
internal sealed class HeldFlushResponseBody(IHttpResponseBodyFeature inner) : PipeWriter, IHttpResponseBodyFeature
{
    /// <summary>A quarter of Kestrel's default response buffer (64 KiB): more than this is sent as flushed.</summary>
    private const int MaxHeldBytes = 16 * 1024;

    // The app may resume on another thread while the middleware releases the body, so the hand-over is one atomic
    // state: a flush is either held before the release (and sent by the middleware) or made after it.
    private const int Holding = 0;
    private const int HoldingAFlush = 1;
    private const int Released = 2;
    private const int ReleasedWithAFlushHeld = 3;

    private readonly PipeWriter _writer = inner.Writer;
    private Lock? _gate;
    private int _state;
    private long _unflushed;
    private Task? _sendingHeld;
    private AfterHeldStream? _stream;

    public Stream Stream => _stream ??= new AfterHeldStream(inner.Stream, this);

    // Taken only after a release with a flush held, so a request that never yields with one allocates no lock.
    private Lock Gate => _gate ?? Interlocked.CompareExchange(ref _gate, new Lock(), null) ?? _gate;

    public PipeWriter Writer => this;

    /// <summary>
    /// Stops holding flushes (the app returned or yielded). True when a flush was held: the caller sends it with
    /// <see cref="SendHeldAsync"/> if the app is still running, or leaves it to Kestrel's flush at the end.
    /// </summary>
    public bool Release()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state >= Released)
            {
                return false;
            }

            var released = state == HoldingAFlush ? ReleasedWithAFlushHeld : Released;
            if (Interlocked.CompareExchange(ref _state, released, state) == state)
            {
                return state == HoldingAFlush;
            }
        }
    }

    /// <summary>
    /// Sends what the app flushed before it yielded. A client that went away, or a flush the app started meanwhile on
    /// another thread (the writer takes one at a time, and that one sends the same bytes), is the app's to notice.
    /// </summary>
    public Task SendHeldAsync()
    {
        lock (Gate)
        {
            try
            {
                var flush = _writer.FlushAsync();
                if (flush.IsCompletedSuccessfully)
                {
                    return Task.CompletedTask;
                }

                return _sendingHeld = AwaitSendAsync(flush);
            }
            catch (Exception exception) when (IsExpected(exception))
            {
                return Task.CompletedTask;
            }
        }

        static async Task AwaitSendAsync(ValueTask<FlushResult> flush)
        {
            try
            {
                await flush;
            }
            catch (Exception exception) when (IsExpected(exception))
            {
            }
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state >= Released)
            {
                return SendingHeld is { } sending ? FlushAfterAsync(sending, cancellationToken) : _writer.FlushAsync(cancellationToken);
            }

            // Holding: hold this flush, or past the limit send everything (nothing is held then).
            var heldBytes = _unflushed <= MaxHeldBytes;
            if (Interlocked.CompareExchange(ref _state, heldBytes ? HoldingAFlush : Holding, state) != state)
            {
                continue;
            }

            if (heldBytes)
            {
                return new(new FlushResult(isCanceled: false, isCompleted: false));
            }

            _unflushed = 0;
            return _writer.FlushAsync(cancellationToken);
        }
    }

    private async ValueTask<FlushResult> FlushAfterAsync(Task sending, CancellationToken cancellationToken)
    {
        await sending.WaitAsync(cancellationToken);
        return await FlushAsync(cancellationToken);
    }

    /// <summary>The held send still under way, for the stream to wait for; null when there is none.</summary>
    private Task? SendingHeld
    {
        get
        {
            if (Volatile.Read(ref _state) != ReleasedWithAFlushHeld)
            {
                return null;
            }

            lock (Gate)
            {
                return _sendingHeld is { IsCompleted: false } sending ? sending : null;
            }
        }
    }

    public override void Advance(int bytes)
    {
        _unflushed += bytes;
        _writer.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _writer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _writer.GetSpan(sizeHint);

    public override void CancelPendingFlush() => _writer.CancelPendingFlush();

    // Completing sends everything: nothing is held any more.
    public override void Complete(Exception? exception = null)
    {
        StopHolding();
        _writer.Complete(exception);
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        StopHolding();
        return _writer.CompleteAsync(exception);
    }

    public override bool CanGetUnflushedBytes => _writer.CanGetUnflushedBytes;

    public override long UnflushedBytes => _writer.UnflushedBytes;

    // Holding lasts only while the app runs without yielding; a streaming app yields between its items.
    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        inner.SendFileAsync(path, offset, count, cancellationToken);

    Task IHttpResponseBodyFeature.CompleteAsync()
    {
        StopHolding();
        return inner.CompleteAsync();
    }

    // The app completes the body, which sends everything: nothing is held from here on.
    private void StopHolding()
    {
        int state;
        while ((state = Volatile.Read(ref _state)) < Released && Interlocked.CompareExchange(ref _state, Released, state) != state)
        {
        }
    }

    private static bool IsExpected(Exception exception) =>
        WebSockets.WebSocketConnection.IsConnectionFailure(exception) || exception is InvalidOperationException;

    /// <summary>Kestrel's response stream, whose writes and flushes wait for a held send under way.</summary>
    private sealed class AfterHeldStream(Stream inner, HeldFlushResponseBody body) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
            body.SendingHeld?.GetAwaiter().GetResult();
            inner.Flush();
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (body.SendingHeld is { } sending)
            {
                await sending.WaitAsync(cancellationToken);
            }

            await inner.FlushAsync(cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            body.SendingHeld?.GetAwaiter().GetResult();
            inner.Write(buffer, offset, count);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            body.SendingHeld is { } sending ? WriteAfterAsync(sending, buffer, cancellationToken) : inner.WriteAsync(buffer, cancellationToken);

        private async ValueTask WriteAfterAsync(Task sending, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
        {
            await sending.WaitAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);
    }
}
