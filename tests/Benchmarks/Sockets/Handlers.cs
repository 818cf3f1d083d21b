using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Resident;

namespace SocketsBench;

/// <summary>Resident's side: echo each '\n'-terminated line back with its delimiter.</summary>
[SocketHandler("echo", Port = 0, Framing = SocketFraming.Eof, PackageEof = "\n")]
public sealed class EchoHandler : ITcpHandler
{
    public ValueTask OnReceiveAsync(ITcpConnection connection, ReadOnlySequence<byte> message)
    {
        var answer = new byte[message.Length + 1];
        message.CopyTo(answer);
        answer[^1] = (byte)'\n';
        return Completed(connection.SendAsync(answer));
    }

    private static ValueTask Completed(ValueTask<bool> send) => send.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(send.AsTask());
}

/// <summary>Resident's side: echo each datagram with a prefix.</summary>
[SocketHandler("udp", Port = 0, Type = PortType.Udp)]
public sealed class UdpHandler : IUdpHandler
{
    public async ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, EndPoint remote)
    {
        var answer = new byte[10 + data.Length];
        "Resident: "u8.CopyTo(answer);
        data.Span.CopyTo(answer.AsSpan(10));
        await port.SendToAsync(answer, remote);
    }
}

/// <summary>The raw side: the textbook Kestrel ConnectionHandler line echo, same allocation per message.</summary>
public sealed class RawEchoHandler : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = buffer.Slice(0, end);
                var answer = new byte[line.Length + 1];
                line.CopyTo(answer);
                answer[^1] = (byte)'\n';
                await output.WriteAsync(answer);
                buffer = buffer.Slice(buffer.GetPosition(1, end));
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
    }
}
