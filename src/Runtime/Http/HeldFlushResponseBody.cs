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
/// Only the flush is held: the bytes go straight to Kestrel's writer, so writes through <see cref="Stream"/> (which
/// flush at once) stay in order. A flush goes through once more than <see cref="MaxHeldBytes"/> wait, so a large
/// response keeps Kestrel's back-pressure, and as soon as the app yields (see <see cref="Release"/>).
/// </remarks>
internal sealed class HeldFlushResponseBody(IHttpResponseBodyFeature inner) : PipeWriter, IHttpResponseBodyFeature
{
    /// <summary>Kestrel's default response buffer (<c>MaxResponseBufferSize</c>): more than this is sent as flushed.</summary>
    private const int MaxHeldBytes = 64 * 1024;

    private readonly PipeWriter _writer = inner.Writer;
    private bool _holding = true;
    private bool _flushHeld;
    private long _unflushed;

    public Stream Stream => inner.Stream;

    public PipeWriter Writer => this;

    /// <summary>
    /// Stops holding flushes (the app returned or yielded). True when a flush was held: the caller sends it with
    /// <see cref="FlushHeldAsync"/> if the app is still running, or leaves it to Kestrel's flush at the end.
    /// </summary>
    public bool Release()
    {
        _holding = false;
        return _flushHeld;
    }

    /// <summary>
    /// Sends what the app flushed before it yielded. A client that went away, or a response the app ended meanwhile
    /// on another thread (the writer then refuses a flush), is the app's to notice on its next write.
    /// </summary>
    public async Task FlushHeldAsync()
    {
        try
        {
            await _writer.FlushAsync();
        }
        catch (Exception exception) when (WebSockets.WebSocketConnection.IsConnectionFailure(exception) || exception is InvalidOperationException)
        {
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_holding && _unflushed <= MaxHeldBytes)
        {
            _flushHeld = true;
            return new(new FlushResult(isCanceled: false, isCompleted: false));
        }

        _unflushed = 0;
        _flushHeld = false;
        return _writer.FlushAsync(cancellationToken);
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
        _flushHeld = false;
        _writer.Complete(exception);
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        _flushHeld = false;
        return _writer.CompleteAsync(exception);
    }

    public override bool CanGetUnflushedBytes => _writer.CanGetUnflushedBytes;

    public override long UnflushedBytes => _writer.UnflushedBytes;

    public void DisableBuffering()
    {
        _holding = false;
        inner.DisableBuffering();
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        inner.SendFileAsync(path, offset, count, cancellationToken);

    Task IHttpResponseBodyFeature.CompleteAsync()
    {
        _flushHeld = false;
        return inner.CompleteAsync();
    }
}
