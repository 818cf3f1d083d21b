using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Resident.Metrics;

namespace Resident.Sockets;

/// <summary>A UDP port: one receive loop hands each datagram to the handler.</summary>
internal sealed partial class UdpPort(string name, PortType type, IUdpHandler handler, int maxLength, ResidentMetrics metrics, ILogger logger) : IUdpPort
{
    // The largest UDP payload over IPv4 and (without jumbograms) IPv6.
    private const int MaxDatagram = 65_527;

    private readonly CancellationTokenSource _stopping = new();
    private readonly KeyValuePair<string, object?> _portTag = ResidentMetrics.PortTag(name);
    private Socket? _socket;
    private Task _receiveLoop = Task.CompletedTask;

    public string Name { get; } = name;

    public PortType Type { get; } = type;

    public EndPoint? LocalEndPoint => _socket?.LocalEndPoint;

    public void Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, System.Net.Sockets.SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Adopt(socket);
    }

    /// <summary>Serves a socket bound elsewhere (a supervised worker's, created by its master).</summary>
    public void Adopt(Socket socket)
    {
        _socket = socket;
        _receiveLoop = ReceiveAsync(socket);
    }

    private async Task ReceiveAsync(Socket socket)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram + 1, pinned: true);
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception)
            {
                // A datagram that could not be read (e.g. truncated) ends nothing but itself.
                SocketLog.ReceiveFailed(logger, Name, exception.SocketErrorCode.ToString());
                continue;
            }

            if (received.ReceivedBytes > maxLength)
            {
                metrics.SocketMessageOversized(_portTag);
                SocketLog.Oversized(logger, Name, received.ReceivedBytes, maxLength, received.RemoteEndPoint.ToString() ?? "");
                continue;
            }

            metrics.SocketMessageReceived(_portTag);
            try
            {
                await handler.OnPacketAsync(this, buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                metrics.SocketHandlerFailed(_portTag);
                SocketLog.UdpHandlerFailed(logger, Name, received.RemoteEndPoint.ToString() ?? "", exception);
            }
        }
    }

    public async ValueTask<bool> SendToAsync(ReadOnlyMemory<byte> data, EndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (_socket is not { } socket || _stopping.IsCancellationRequested)
        {
            return false;
        }

        try
        {
            if (await socket.SendToAsync(data, SocketFlags.None, remote).ConfigureAwait(false) != data.Length)
            {
                return false;
            }

            metrics.SocketMessageSent(_portTag);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket?.Dispose();
    }
}
