using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Resident.Metrics;

namespace Resident.Sockets;

/// <summary>A TCP or Unix-socket port: accepts connections and hands their framed messages to the handler.</summary>
internal sealed partial class TcpPort(string name, PortType type, ITcpHandler handler, MessageFramer framer, SocketServer server, ILogger logger) : ITcpPort
{
    private readonly ConcurrentDictionary<long, TcpConnection> _connections = new();
    private readonly ConcurrentDictionary<Task, byte> _serving = new();
    private readonly ResidentMetrics _metrics = server.Metrics;
    private readonly KeyValuePair<string, object?> _portTag = ResidentMetrics.PortTag(name);
    private IConnectionListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;

    public string Name { get; } = name;

    public PortType Type { get; } = type;

    public EndPoint? LocalEndPoint => _listener?.EndPoint;

    public IReadOnlyCollection<ITcpConnection> Connections => [.. _connections.Values];

    public async Task BindAsync(IConnectionListenerFactory transport, EndPoint endPoint, CancellationToken cancellationToken)
    {
        _listener = await transport.BindAsync(endPoint, cancellationToken).ConfigureAwait(false);
        _acceptLoop = AcceptAsync(_listener);
    }

    private async Task AcceptAsync(IConnectionListener listener)
    {
        while (true)
        {
            ConnectionContext? context;
            try
            {
                context = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception exception)
            {
                SocketLog.AcceptFailed(logger, Name, exception);
                continue;
            }

            if (context is null)
            {
                return; // Unbound: the server is stopping.
            }

            var serving = ServeAsync(context);
            _serving.TryAdd(serving, 0);
            _ = serving.ContinueWith(static (task, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(task, out _), _serving, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(ConnectionContext context)
    {
        var connection = new TcpConnection(server.NextConnectionId(), Name, context, handler, _metrics, _portTag, logger);
        _connections.TryAdd(connection.Id, connection);
        _metrics.SocketConnectionOpened(_portTag);
        var input = context.Transport.Input;
        try
        {
            await Contained(Callback.Connect, connection, default).ConfigureAwait(false);
            while (connection.IsOpen)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                string? violation = null;
                var oversized = false;
                while (framer.TryRead(ref buffer, out var message, out violation, out oversized))
                {
                    _metrics.SocketMessageReceived(_portTag);
                    await Contained(Callback.Receive, connection, message).ConfigureAwait(false);
                }

                if (violation is not null)
                {
                    if (oversized)
                    {
                        _metrics.SocketMessageOversized(_portTag);
                    }

                    SocketLog.FramingViolated(logger, Name, connection.Id, violation);
                    input.AdvanceTo(buffer.Start);
                    context.Abort(new ConnectionAbortedException(violation));
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break; // The client finished sending (or closed), or CloseAsync cancelled the read.
                }
            }
        }
        catch (Exception exception) when (exception is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException)
        {
            // The client went away abruptly: an ordinary end for a connection.
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
            _metrics.SocketConnectionClosed(_portTag);
            await connection.EndAsync().ConfigureAwait(false);
            await Contained(Callback.Close, connection, default).ConfigureAwait(false);
            await context.DisposeAsync().ConfigureAwait(false);
        }
    }

    private enum Callback
    {
        Connect,
        Receive,
        Close,
    }

    /// <summary>Calls the handler; whatever it throws, at once or later, is logged and goes no further.</summary>
    private ValueTask Contained(Callback callback, TcpConnection connection, ReadOnlySequence<byte> message)
    {
        ValueTask call;
        try
        {
            call = callback switch
            {
                Callback.Connect => handler.OnConnectAsync(connection),
                Callback.Receive => handler.OnReceiveAsync(connection, message),
                _ => handler.OnCloseAsync(connection),
            };
        }
        catch (Exception exception)
        {
            LogFailure(callback, connection, exception);
            return ValueTask.CompletedTask;
        }

        return call.IsCompletedSuccessfully ? ValueTask.CompletedTask : AwaitContainedAsync(call, callback, connection);
    }

    private async ValueTask AwaitContainedAsync(ValueTask call, Callback callback, TcpConnection connection)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogFailure(callback, connection, exception);
        }
    }

    private void LogFailure(Callback callback, TcpConnection connection, Exception exception)
    {
        _metrics.SocketHandlerFailed(_portTag);
        SocketLog.TcpHandlerFailed(logger, Name, "On" + callback, connection.Id, connection.RemoteEndPoint?.ToString() ?? "unix", exception);
    }

    /// <summary>Stops accepting, closes every connection and waits for them to end, until <paramref name="cutOff"/> (the stop's deadline).</summary>
    public async Task StopAsync(CancellationToken cutOff)
    {
        if (_listener is null)
        {
            return;
        }

        await _listener.UnbindAsync().ConfigureAwait(false);
        foreach (var connection in _connections.Values)
        {
            await connection.CloseAsync().ConfigureAwait(false);
        }

        await Task.WhenAll([.. _serving.Keys, _acceptLoop]).WaitAsync(cutOff).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }

        await _listener.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One connection of a TCP port: sends are serialized, back-pressure is reported to the handler.</summary>
internal sealed class TcpConnection(
    long id, string port, ConnectionContext context, ITcpHandler handler, ResidentMetrics metrics, KeyValuePair<string, object?> portTag, ILogger logger) : ITcpConnection
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private int _open = 1;

    public long Id { get; } = id;

    public string Port { get; } = port;

    public EndPoint? RemoteEndPoint { get; } = context.RemoteEndPoint;

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> data)
    {
        if (!IsOpen)
        {
            return false;
        }

        if (!_sendLock.Wait(0))
        {
            await _sendLock.WaitAsync().ConfigureAwait(false);
        }

        try
        {
            if (!IsOpen)
            {
                return false;
            }

            var flush = context.Transport.Output.WriteAsync(data);
            FlushResult result;
            if (flush.IsCompleted)
            {
                result = flush.Result;
            }
            else
            {
                Notify(static (h, c) => h.OnBufferFull(c));
                result = await flush.ConfigureAwait(false);
                Notify(static (h, c) => h.OnBufferEmpty(c));
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return false;
            }

            metrics.SocketMessageSent(portTag);
            return true;
        }
        catch (Exception exception) when (exception is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException or ObjectDisposedException)
        {
            return false; // The connection broke or ended under the send.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void Notify(Action<ITcpHandler, ITcpConnection> notification)
    {
        try
        {
            notification(handler, this);
        }
        catch (Exception exception)
        {
            metrics.SocketHandlerFailed(portTag);
            SocketLog.BufferNotificationFailed(logger, Port, Id, exception);
        }
    }

    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _open, 0) == 0)
        {
            return;
        }

        // After the sends in flight: the client gets everything, then the end of the stream.
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await context.Transport.Output.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        context.Transport.Input.CancelPendingRead();
    }

    /// <summary>The receive loop ended: no more sends.</summary>
    public async ValueTask EndAsync()
    {
        Volatile.Write(ref _open, 0);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await context.Transport.Output.CompleteAsync().ConfigureAwait(false);
            await context.Transport.Input.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public void Abort()
    {
        Volatile.Write(ref _open, 0);
        context.Abort();
    }
}
