using System.Buffers;
using System.Net;
using System.Text;
using Resident.Tests.Infrastructure;

namespace Resident.Tests;

// Extra ports of the test assembly: closed unless a test enables them (Resident:Sockets:{name}:Enabled=true).

/// <summary>LaravelS's TestTcpSocket: answers each line, closes on "quit", throws on "boom".</summary>
[SocketHandler("lines", Enabled = false, Port = 0, Framing = SocketFraming.Eof, PackageEof = "\r\n", PackageMaxLength = 64)]
public sealed class LineHandler(ITaskQueue tasks, BackgroundProbe? probe = null) : ITcpHandler
{
    public ValueTask OnConnectAsync(ITcpConnection connection)
    {
        probe?.Add($"connect:{connection.Id}");
        return ValueTask.CompletedTask;
    }

    public async ValueTask OnReceiveAsync(ITcpConnection connection, ReadOnlySequence<byte> message)
    {
        var line = Encoding.UTF8.GetString(message);
        switch (line)
        {
            case "quit":
                await connection.SendAsync("bye\r\n"u8.ToArray());
                await connection.CloseAsync();
                return;
            case "boom":
                throw new InvalidOperationException("handler failure on boom");
            case "task":
                await tasks.DeliverAsync(new RecordTask { Label = "from-socket" });
                break;
        }

        await connection.SendAsync(Encoding.UTF8.GetBytes($"Resident: {line}\r\n"));
    }

    public ValueTask OnCloseAsync(ITcpConnection connection)
    {
        probe?.Add($"close:{connection.Id}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Echoes length-prefixed messages whole: a 2-byte tag, then a 4-byte big-endian body length.</summary>
[SocketHandler("length", Enabled = false, Port = 0, Framing = SocketFraming.Length, LengthOffset = 2, LengthSize = 4, BodyOffset = 6, PackageMaxLength = 1024)]
public sealed class LengthHandler : ITcpHandler
{
    public async ValueTask OnReceiveAsync(ITcpConnection connection, ReadOnlySequence<byte> message) =>
        await connection.SendAsync(message.ToArray());
}

[SocketHandler("fixed", Enabled = false, Port = 0, Framing = SocketFraming.FixedSize, FixedSize = 8)]
public sealed class FixedHandler : ITcpHandler
{
    public async ValueTask OnReceiveAsync(ITcpConnection connection, ReadOnlySequence<byte> message) =>
        await connection.SendAsync(Encoding.ASCII.GetBytes($"[{Encoding.ASCII.GetString(message)}]"));
}

/// <summary>Raw chunks; "flood" makes it send far more than the client reads, to see the buffer notifications.</summary>
[SocketHandler("raw", Enabled = false, Port = 0)]
public sealed class RawHandler(BackgroundProbe? probe = null) : ITcpHandler
{
    public async ValueTask OnReceiveAsync(ITcpConnection connection, ReadOnlySequence<byte> message)
    {
        if (Encoding.ASCII.GetString(message).StartsWith("flood", StringComparison.Ordinal))
        {
            var chunk = new byte[256 * 1024];
            for (var i = 0; i < 64; i++)
            {
                await connection.SendAsync(chunk);
            }

            probe?.Add("flood-sent");
            return;
        }

        await connection.SendAsync(message.ToArray());
    }

    public void OnBufferFull(ITcpConnection connection) => probe?.Add("buffer-full");

    public void OnBufferEmpty(ITcpConnection connection) => probe?.Add("buffer-empty");
}

[SocketHandler("udp", Enabled = false, Port = 0, Type = PortType.Udp, PackageMaxLength = 512)]
public sealed class UdpEchoHandler : IUdpHandler
{
    public async ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, EndPoint remote)
    {
        if (data.Span.SequenceEqual("boom"u8))
        {
            throw new InvalidOperationException("udp handler failure");
        }

        await port.SendToAsync(Encoding.UTF8.GetBytes("Resident: " + Encoding.UTF8.GetString(data.Span)), remote);
    }
}
