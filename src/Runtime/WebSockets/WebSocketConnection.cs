using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;

namespace Resident.WebSockets;

/// <summary>
/// One established connection: its ordered, bounded send queue and its receive loop.
/// </summary>
/// <remarks>
/// Sending: at most one send is in flight; messages pushed meanwhile wait in a queue bounded by
/// <c>SendQueueSize</c> bytes and go out in order, so frames of different messages never interleave. The pusher
/// starts the send itself when nothing is in flight, so a push to an idle connection costs one socket write and no
/// task switch. An idle connection holds no queue and no receive buffer.
/// </remarks>
internal sealed class WebSocketConnection : IWebSocketConnection
{
    // Messages start in a buffer this size and grow by doubling up to MaxMessageSize.
    private const int InitialReceiveBuffer = 4096;

    private const int Open = 0;
    private const int Closing = 1;
    private const int Closed = 2;

    private readonly WebSocket _socket;
    private readonly WebSocketServer _server;
    private readonly Lock _gate = new();
    private Queue<Outgoing>? _queue;
    private long _queuedBytes;
    private bool _sending;
    private int _state;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeReason;
    private TaskCompletionSource? _closeSent;

    // Cancelled when the connection ends, so a closed connection is not kept alive until the close timeout.
    private CancellationTokenSource? _closeDeadline;
    private long _lastActivity;

    public WebSocketConnection(
        long id, WebSocket socket, WebSocketServer server, string path, in KeyValuePair<string, object?> pathTag, string? subProtocol, ClaimsPrincipal user, IPAddress? remoteIpAddress)
    {
        Id = id;
        PathTag = pathTag;
        _socket = socket;
        _server = server;
        Path = path;
        SubProtocol = subProtocol;
        User = user;
        RemoteIpAddress = remoteIpAddress;
        ConnectedAt = server.Time.GetUtcNow();
        _lastActivity = server.NowMilliseconds();
    }

    public long Id { get; }

    public string Path { get; }

    /// <summary>The <c>path</c> tag of the handler's measurements (its declared path; <see cref="Path"/> is the requested one).</summary>
    internal KeyValuePair<string, object?> PathTag { get; }

    public string? SubProtocol { get; }

    public ClaimsPrincipal User { get; }

    public IPAddress? RemoteIpAddress { get; }

    public DateTimeOffset ConnectedAt { get; }

    public bool IsEstablished => Volatile.Read(ref _state) == Open;

    /// <summary>Milliseconds (<see cref="WebSocketServer.NowMilliseconds"/>) of the last message received.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public ValueTask<bool> PushAsync(string text) => ValueTask.FromResult(Enqueue(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text));

    public ValueTask<bool> PushAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary)
    {
        CheckDataType(messageType);
        return ValueTask.FromResult(IsEstablished && Enqueue(payload.ToArray(), messageType));
    }

    public ValueTask<bool> DisconnectAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? reason = null) =>
        ValueTask.FromResult(BeginClose(status, reason));

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageType"/> is not Text or Binary.</exception>
    internal static void CheckDataType(WebSocketMessageType messageType)
    {
        if (messageType is not (WebSocketMessageType.Text or WebSocketMessageType.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "Push Text or Binary messages; close a connection with DisconnectAsync.");
        }
    }

    /// <summary>Queues a message whose payload nobody else will write to (it may be shared by a broadcast).</summary>
    internal bool Enqueue(ReadOnlyMemory<byte> payload, WebSocketMessageType type)
    {
        var message = new Outgoing(payload, type);
        var overflowed = false;
        lock (_gate)
        {
            if (_state != Open)
            {
                return false;
            }

            if (_sending)
            {
                if (_queuedBytes + payload.Length <= _server.Settings.SendQueueSize)
                {
                    (_queue ??= new Queue<Outgoing>()).Enqueue(message);
                    _queuedBytes += payload.Length;
                    return true;
                }

                // A client that cannot keep up: drop what it has not taken and close it.
                StartClosingLocked(WebSocketCloseStatus.PolicyViolation, "send queue full");
                _queue = null;
                _queuedBytes = 0;
                overflowed = true;
            }
            else
            {
                _sending = true;
            }
        }

        if (overflowed)
        {
            _server.ReportOverflow(this);
            _ = CloseBehindStuckSendAsync();
            return false;
        }

        _ = SendAsync(message);
        return true;
    }

    /// <summary>
    /// Starts the close handshake after what is already queued (the server's own close, or the answer to the
    /// client's). False if the connection is already closing.
    /// </summary>
    internal bool BeginClose(WebSocketCloseStatus status, string? reason)
    {
        bool sendNow;
        lock (_gate)
        {
            if (_state != Open)
            {
                return false;
            }

            StartClosingLocked(status, reason);
            sendNow = !_sending;
            if (sendNow)
            {
                _sending = true;
            }
            else
            {
                (_queue ??= new Queue<Outgoing>()).Enqueue(new Outgoing(default, WebSocketMessageType.Close));
            }
        }

        if (sendNow)
        {
            _ = SendAsync(new Outgoing(default, WebSocketMessageType.Close));
        }

        _ = DropIfNotClosedAsync();
        return true;
    }

    private void StartClosingLocked(WebSocketCloseStatus status, string? reason)
    {
        _state = Closing;
        _closeStatus = status;

        // 1005 means "no status" and can carry no reason.
        _closeReason = status == WebSocketCloseStatus.Empty ? null : reason;
        _closeSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _closeDeadline = new CancellationTokenSource();
    }

    private async Task CloseBehindStuckSendAsync()
    {
        try
        {
            // The close frame waits behind the send in flight; if the client does not take it in time, drop the connection.
            using var timeout = new CancellationTokenSource(_server.CloseTimeout, _server.Time);
            await _socket.CloseOutputAsync(_closeStatus!.Value, _closeReason, timeout.Token);
        }
        catch (Exception)
        {
            _socket.Abort();
        }
        finally
        {
            _closeSent?.TrySetResult();
        }

        await DropIfNotClosedAsync();
    }

    private async Task SendAsync(Outgoing message)
    {
        try
        {
            while (true)
            {
                if (message.Type == WebSocketMessageType.Close)
                {
                    try
                    {
                        await _socket.CloseOutputAsync(_closeStatus!.Value, _closeReason, CancellationToken.None);
                    }
                    finally
                    {
                        _closeSent?.TrySetResult();
                    }

                    return;
                }

                await _socket.SendAsync(message.Payload, message.Type, endOfMessage: true, CancellationToken.None);
                _server.Metrics.WebSocketMessageSent(PathTag);
                lock (_gate)
                {
                    if (_queue is null || _queue.Count == 0)
                    {
                        _sending = false;
                        _queue = null; // An idle connection keeps no queue.
                        return;
                    }

                    message = _queue.Dequeue();
                    _queuedBytes -= message.Payload.Length;
                }
            }
        }
        catch (Exception exception)
        {
            // The connection broke under the send (anything else would be a bug, but must not wedge the queue
            // either): the receive loop sees the abort and ends the connection.
            if (!IsConnectionFailure(exception))
            {
                _server.ReportBroken(this, exception);
            }

            lock (_gate)
            {
                _queue = null;
                _queuedBytes = 0;
                _state = Math.Max(_state, Closing);
            }

            _closeSent?.TrySetResult();
            _socket.Abort();
        }
    }

    private async Task DropIfNotClosedAsync()
    {
        var connectionEnded = _closeDeadline?.Token ?? CancellationToken.None;
        await Task.Delay(_server.CloseTimeout, _server.Time, connectionEnded).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Volatile.Read(ref _state) != Closed)
        {
            _socket.Abort();
        }
    }

    /// <summary>Reads messages and hands them to the handler until the connection ends; returns how it ended.</summary>
    internal async Task<(WebSocketCloseStatus? Status, string? Reason)> ReceiveAsync(Func<WebSocketFrame, ValueTask> onMessage)
    {
        var maxMessageSize = _server.Settings.MaxMessageSize;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                // A zero-byte read waits for data without holding a buffer: idle connections cost no receive memory.
                var peek = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
                var length = 0;
                var tooBig = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        buffer = Grow(buffer, length, maxMessageSize);
                    }

                    // Read at most one byte past the limit: enough to know a message is too big.
                    var window = Math.Min(buffer.Length, maxMessageSize + 1) - length;
                    result = await _socket.ReceiveAsync(buffer.AsMemory(tooBig ? 0 : length, window), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    Volatile.Write(ref _lastActivity, _server.NowMilliseconds());
                    if (!tooBig)
                    {
                        length += result.Count;
                        if (length > maxMessageSize)
                        {
                            // Close with 1009 and read the rest of the message into the void until the client answers.
                            tooBig = true;
                            _server.ReportMessageTooBig(this, maxMessageSize);
                            BeginClose(WebSocketCloseStatus.MessageTooBig, "message too big");
                            length = 0;
                        }
                    }
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (!tooBig && Volatile.Read(ref _state) == Open)
                {
                    _server.Metrics.WebSocketMessageReceived(PathTag);
                    await onMessage(new WebSocketFrame(Id, result.MessageType, buffer.AsMemory(0, length)));
                }

                // Give the buffer back between messages, so an idle connection holds none.
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }

            // The client sent a close frame: answer it with its status after what is queued (or it answered ours).
            BeginClose(_socket.CloseStatus ?? WebSocketCloseStatus.Empty, _socket.CloseStatusDescription);
        }
        catch (Exception exception)
        {
            // A malformed frame, a reset or an abort ends this connection only; so does anything unexpected, so
            // that OnClose still runs and the connection leaves the registry.
            if (IsEstablished || !IsConnectionFailure(exception))
            {
                _server.ReportBroken(this, exception);
            }

            _socket.Abort();
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        if (_closeSent is { } closeSent)
        {
            // Let our close frame reach the client before the request (and with it the connection) ends.
            await closeSent.Task.WaitAsync(_server.CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return Finish();
    }

    private (WebSocketCloseStatus? Status, string? Reason) Finish()
    {
        lock (_gate)
        {
            _state = Closed;
            _queue = null;
            _queuedBytes = 0;
            _closeDeadline?.Cancel();

            // Whoever closed first set the status; a connection that broke has none.
            return (_closeStatus, _closeReason);
        }
    }

    private static byte[] Grow(byte[] buffer, int length, int maxMessageSize)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxMessageSize + 1L));
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    internal static bool IsConnectionFailure(Exception exception) =>
        exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException or Microsoft.AspNetCore.Connections.ConnectionResetException;

    private readonly record struct Outgoing(ReadOnlyMemory<byte> Payload, WebSocketMessageType Type);
}
