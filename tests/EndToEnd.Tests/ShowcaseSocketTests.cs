using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Showcase's extra ports, as telnet and nc would use them.</summary>
public sealed class ShowcaseSocketTests
{
    [Fact]
    public async Task The_tcp_port_answers_lines_and_quits_and_the_udp_port_echoes()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(showcase.SocketEndPoint("tcp-echo"), timeout.Token);
        await tcp.SendAsync("hello\r\nworld\r\nquit\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
        var received = new StringBuilder();
        var buffer = new byte[1024];
        int read;
        while ((read = await tcp.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.Equal("Resident: hello\r\nResident: world\r\nResident: bye\r\n", received.ToString());

        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = showcase.SocketEndPoint("udp-echo");
        for (var attempt = 0; ; attempt++)
        {
            // UDP may drop a datagram; a few tries keep the test honest about the echo, not about loss.
            await udp.SendToAsync("ping"u8.ToArray(), SocketFlags.None, port, timeout.Token);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            wait.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                var answer = await udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wait.Token);
                Assert.Equal("Resident: ping", Encoding.UTF8.GetString(buffer, 0, answer.ReceivedBytes));
                break;
            }
            catch (OperationCanceledException) when (attempt < 5 && !timeout.IsCancellationRequested)
            {
            }
        }
    }
}
