using System.Buffers;
using System.Net;
using System.Text;
using Resident;

namespace Showcase;

/// <summary>
/// LaravelS's TestTcpSocket on 127.0.0.1:5291: each "\r\n"-terminated line is answered with "Resident: line";
/// "quit" closes the connection. Try it with <c>telnet 127.0.0.1 5291</c> or <c>nc 127.0.0.1 5291</c>.
/// </summary>
[SocketHandler("tcp-echo", Port = 5291, Framing = SocketFraming.Eof, PackageEof = "\r\n", PackageMaxLength = 8192)]
public sealed class TcpEchoHandler(ILogger<TcpEchoHandler> logger) : ITcpHandler
{
    private static readonly byte[] Prefix = "Resident: "u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

    public ValueTask OnConnectAsync(ITcpConnection connection)
    {
        logger.LogInformation("TCP connection {Id} from {Remote}", connection.Id, connection.RemoteEndPoint);
        return ValueTask.CompletedTask;
    }

    public async ValueTask OnReceiveAsync(ITcpConnection connection, ReadOnlySequence<byte> message)
    {
        if (message.Length == 4 && message.FirstSpan.Length == 4 && message.FirstSpan.SequenceEqual("quit"u8))
        {
            await connection.SendAsync("Resident: bye\r\n"u8.ToArray());
            await connection.CloseAsync();
            return;
        }

        // One send per answer, so concurrent pushes never split it: prefix, line, delimiter.
        var answer = new byte[Prefix.Length + message.Length + LineEnd.Length];
        Prefix.CopyTo(answer, 0);
        message.CopyTo(answer.AsSpan(Prefix.Length));
        LineEnd.CopyTo(answer, answer.Length - LineEnd.Length);
        await connection.SendAsync(answer);
    }
}

/// <summary>A UDP port on 127.0.0.1:5292 that echoes each datagram with "Resident: " in front (<c>nc -u 127.0.0.1 5292</c>).</summary>
[SocketHandler("udp-echo", Port = 5292, Type = PortType.Udp, PackageMaxLength = 8192)]
public sealed class UdpEchoHandler : IUdpHandler
{
    public async ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, EndPoint remote)
    {
        var answer = new byte[10 + data.Length];
        "Resident: "u8.CopyTo(answer);
        data.Span.CopyTo(answer.AsSpan(10));
        await port.SendToAsync(answer, remote);
    }
}
