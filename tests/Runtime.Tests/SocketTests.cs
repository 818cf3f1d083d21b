using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resident.Sockets;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class SocketTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Task<TestServer> StartAsync(BackgroundProbe? probe, params string[] ports)
    {
        var settings = ports.ToDictionary(port => $"Resident:Sockets:{port}:Enabled", _ => (string?)"true");
        return TestServer.StartAsync(settings, configure: builder =>
        {
            if (probe is not null)
            {
                builder.Services.AddSingleton(probe);
            }
        }, mapWebSockets: false);
    }

    private static async Task<Socket> ConnectAsync(TestServer server, string port)
    {
        var endPoint = (IPEndPoint)server.Server.Sockets[port].LocalEndPoint!;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(endPoint, timeout.Token);
        return socket;
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Timeout);
        var received = 0;
        while (received < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"The server closed after {received} of {count} bytes.");
            }

            received += read;
        }

        return buffer;
    }

    /// <summary>Reads until <paramref name="text"/> has arrived whole (and returns everything read).</summary>
    private static async Task<string> ReceiveTextAsync(Socket socket, string text)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Timeout);
        while (received.Length < text.Length)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    /// <summary>True once the server has closed its side (a read returns 0 or the connection resets).</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Eof_framing_answers_lines_split_across_reads_and_many_in_one_write()
    {
        await using var server = await StartAsync(null, "lines");
        using var client = await ConnectAsync(server, "lines");

        // One line dribbled a byte at a time, then three lines (and the start of a fourth) in one write.
        foreach (var b in "hel"u8.ToArray())
        {
            await client.SendAsync(new[] { b });
            await Task.Delay(5);
        }

        await client.SendAsync("lo\r"u8.ToArray());
        await Task.Delay(5);
        await client.SendAsync("\nfirst\r\nsecond\r\nthird\r\nfou"u8.ToArray());
        await client.SendAsync("rth\r\n"u8.ToArray());

        const string expected = "Resident: hello\r\nResident: first\r\nResident: second\r\nResident: third\r\nResident: fourth\r\n";
        Assert.Equal(expected, await ReceiveTextAsync(client, expected));
    }

    [Fact]
    public async Task Quit_closes_the_connection_after_the_goodbye_and_the_handler_sees_open_and_close()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, "lines");
        using var client = await ConnectAsync(server, "lines");

        await client.SendAsync("quit\r\n"u8.ToArray());
        Assert.Equal("bye\r\n", await ReceiveTextAsync(client, "bye\r\n"));
        Assert.True(await ClosedByServerAsync(client));
        await probe.WaitForAsync(events => events.Any(e => e.StartsWith("close:", StringComparison.Ordinal)));
        Assert.StartsWith("connect:", probe.Events[0], StringComparison.Ordinal);
        Assert.Empty(((ITcpPort)server.Server.Sockets["lines"]).Connections);
    }

    [Fact]
    public async Task A_line_over_PackageMaxLength_closes_only_that_connection()
    {
        await using var server = await StartAsync(null, "lines");
        using var good = await ConnectAsync(server, "lines");
        using var bad = await ConnectAsync(server, "lines");

        // 64 bytes is the limit: a 65-byte line without its end is already too long.
        await bad.SendAsync(Encoding.ASCII.GetBytes(new string('x', 65)));
        Assert.True(await ClosedByServerAsync(bad));

        await good.SendAsync("still here\r\n"u8.ToArray());
        Assert.Equal("Resident: still here\r\n", await ReceiveTextAsync(good, "Resident: still here\r\n"));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("without the message delimiter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_exception_is_logged_with_the_connection_and_the_connection_stays_open()
    {
        await using var server = await StartAsync(null, "lines");
        using var client = await ConnectAsync(server, "lines");

        await client.SendAsync("boom\r\nafter\r\n"u8.ToArray());
        Assert.Equal("Resident: after\r\n", await ReceiveTextAsync(client, "Resident: after\r\n"));
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Error
            && entry.Message.Contains("OnReceive failed for connection", StringComparison.Ordinal)
            && entry.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task A_half_closed_client_still_gets_every_answer_before_the_server_closes()
    {
        await using var server = await StartAsync(null, "lines");
        using var client = await ConnectAsync(server, "lines");

        await client.SendAsync("one\r\ntwo\r\n"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);

        const string expected = "Resident: one\r\nResident: two\r\n";
        Assert.Equal(expected, await ReceiveTextAsync(client, expected));
        Assert.True(await ClosedByServerAsync(client));
    }

    [Fact]
    public async Task An_abrupt_reset_ends_that_connection_and_the_port_goes_on()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, "lines");
        var doomed = await ConnectAsync(server, "lines");
        await doomed.SendAsync("half a li"u8.ToArray());
        doomed.LingerState = new LingerOption(true, 0); // close sends RST
        doomed.Close();

        await probe.WaitForAsync(events => events.Any(e => e.StartsWith("close:", StringComparison.Ordinal)));
        using var next = await ConnectAsync(server, "lines");
        await next.SendAsync("ok\r\n"u8.ToArray());
        Assert.Equal("Resident: ok\r\n", await ReceiveTextAsync(next, "Resident: ok\r\n"));
    }

    [Fact]
    public async Task Length_framing_honours_header_offset_and_body_offset_across_splits()
    {
        await using var server = await StartAsync(null, "length");
        using var client = await ConnectAsync(server, "length");

        static byte[] Message(string body)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var message = new byte[6 + bytes.Length];
            message[0] = 0xAB;
            message[1] = 0xCD;
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(2), (uint)bytes.Length);
            bytes.CopyTo(message, 6);
            return message;
        }

        var stream = Message("alpha").Concat(Message("")).Concat(Message("gamma gamma")).ToArray();
        for (var offset = 0; offset < stream.Length; offset += 3)
        {
            await client.SendAsync(stream.AsMemory(offset, Math.Min(3, stream.Length - offset)));
        }

        Assert.Equal(stream, await ReceiveExactlyAsync(client, stream.Length));

        // A header that announces more than PackageMaxLength (1024) closes the connection.
        var oversized = new byte[6];
        BinaryPrimitives.WriteUInt32BigEndian(oversized.AsSpan(2), 5000);
        await client.SendAsync(oversized);
        Assert.True(await ClosedByServerAsync(client));
    }

    [Fact]
    public async Task Fixed_size_framing_cuts_every_eight_bytes()
    {
        await using var server = await StartAsync(null, "fixed");
        using var client = await ConnectAsync(server, "fixed");

        await client.SendAsync("12345678abcd"u8.ToArray());
        await Task.Delay(20);
        await client.SendAsync("efgh"u8.ToArray());
        Assert.Equal("[12345678][abcdefgh]", await ReceiveTextAsync(client, "[12345678][abcdefgh]"));
    }

    [Fact]
    public async Task A_thousand_concurrent_clients_each_get_their_own_answers()
    {
        await using var server = await StartAsync(null, "lines");
        var clients = Enumerable.Range(0, 1000).Select(async i =>
        {
            using var client = await ConnectAsync(server, "lines");
            await client.SendAsync(Encoding.ASCII.GetBytes($"client {i}\r\n"));
            var expected = $"Resident: client {i}\r\n";
            Assert.Equal(expected, await ReceiveTextAsync(client, expected));
        });

        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task A_client_that_does_not_read_fills_the_buffer_and_reading_empties_it()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, "raw");
        using var client = await ConnectAsync(server, "raw");

        await client.SendAsync("flood"u8.ToArray());
        await probe.WaitForAsync(events => events.Contains("buffer-full"));

        var total = 0;
        var buffer = new byte[1024 * 1024];
        using var timeout = new CancellationTokenSource(Timeout);
        while (total < 64 * 256 * 1024)
        {
            int read;
            try
            {
                read = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Stalled after {total} bytes; seen: {string.Join(" | ", probe.Events)}");
            }

            Assert.True(read > 0, $"The server closed after {total} bytes; seen: {string.Join(" | ", probe.Events)}");
            total += read;
        }

        await probe.WaitForAsync(events => events.Contains("buffer-empty") && events.Contains("flood-sent"));
    }

    [Fact]
    public async Task A_port_handler_shares_the_servers_task_queue()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, "lines");
        using var client = await ConnectAsync(server, "lines");

        await client.SendAsync("task\r\n"u8.ToArray());
        await probe.WaitForAsync(events => events.Contains("task:from-socket"));
    }

    [Fact]
    public async Task A_udp_port_echoes_datagrams_drops_oversized_ones_and_survives_a_throwing_handler()
    {
        await using var server = await StartAsync(null, "udp");
        var endPoint = (IPEndPoint)server.Server.Sockets["udp"].LocalEndPoint!;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[2048];

        async Task<string> RoundTripAsync(byte[] datagram)
        {
            await client.SendToAsync(datagram, endPoint);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var received = await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, received.ReceivedBytes);
        }

        Assert.Equal("Resident: ping", await RoundTripAsync("ping"u8.ToArray()));
        await client.SendToAsync(new byte[513], endPoint);     // over PackageMaxLength: dropped
        await client.SendToAsync("boom"u8.ToArray(), endPoint); // the handler throws: logged
        Assert.Equal("Resident: still there", await RoundTripAsync("still there"u8.ToArray()));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("dropped a datagram of 513 bytes", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("OnPacket failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_kestrel_listener_serves_its_own_pipeline_and_the_websocket_handlers_on_its_own_port()
    {
        var adminPort = 0;
        await using var server = await TestServer.StartAsync(
            configure: builder => builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0)),
            routes: app =>
            {
                // The README's recipe: a pipeline of its own for whatever arrives on the second port.
                app.MapWhen(
                    context => context.Connection.LocalPort == Volatile.Read(ref adminPort) && !context.WebSockets.IsWebSocketRequest,
                    admin => admin.Run(context => context.Response.WriteAsync("admin")));
            });

        var addresses = server.Server.ListenAddresses;
        Assert.Equal(2, addresses.Count);
        var other = new Uri(addresses.Single(address => new Uri(address).Port != server.BaseAddress.Port));
        Volatile.Write(ref adminPort, other.Port);

        using var http = new HttpClient { BaseAddress = other };
        Assert.Equal("admin", await http.GetStringAsync("/plaintext"));
        Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));

        // The WebSocket handlers answer on every address the app listens on.
        var (client, _) = await TestWebSocket.ConnectEchoAsync(other);
        await using (client)
        {
            Assert.Equal(System.Net.WebSockets.WebSocketState.Open, client.Socket.State);
        }
    }

    [Fact]
    public async Task A_port_that_cannot_bind_fails_the_start_naming_it()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var failure = await TestServer.StartFailureAsync(new()
        {
            ["Resident:Sockets:lines:Enabled"] = "true",
            ["Resident:Sockets:lines:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Contains($"Resident:Sockets:lines could not listen on 127.0.0.1:{port} (Tcp)", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Resident:Sockets:nobody:Enabled", "true", "Resident:Sockets:nobody names no socket handler")]
    [InlineData("Resident:Sockets:lines:Framing", "Eof", "")]
    [InlineData("Resident:Sockets:lines:PackageEof", "", "Resident:Sockets:lines:PackageEof must be set for Eof framing")]
    [InlineData("Resident:Sockets:lines:Type", "Udp", "LineHandler serves the Udp port 'lines' but does not implement IUdpHandler")]
    [InlineData("Resident:Sockets:lines:Host", "::1", "Resident:Sockets:lines:Host must be an IPv4 address for a Tcp port")]
    [InlineData("Resident:Sockets:lines:Type", "Serial", "Resident:Sockets:lines:Type must be one of Tcp, Tcp6, Udp, Udp6, Unix")]
    [InlineData("Resident:Sockets:length:LengthSize", "3", "Resident:Sockets:length:LengthSize must be 1, 2 or 4")]
    [InlineData("Resident:Sockets:fixed:FixedSize", "0", "Resident:Sockets:fixed:FixedSize must be from 1")]
    public async Task Bad_port_settings_fail_the_start_naming_the_key(string key, string value, string expected)
    {
        var port = key.Split(':')[2];
        var settings = new Dictionary<string, string?> { [key] = value };
        if (port != "nobody")
        {
            settings[$"Resident:Sockets:{port}:Enabled"] = "true";
        }

        if (expected.Length == 0)
        {
            // The control row: a valid override starts.
            var (app, _, _) = TestServer.Build(settings);
            await using (app)
            {
                await app.StartAsync();
                await app.StopAsync();
            }

            return;
        }

        var failure = await TestServer.StartFailureAsync(settings);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_framer_survives_random_streams_and_cuts_them_the_same_however_they_are_split()
    {
        var random = new Random(20261127);
        var framers = new[]
        {
            new MessageFramer(SocketFraming.None, [], 0, 4, true, -1, 0, 100),
            new MessageFramer(SocketFraming.Eof, "\r\n"u8.ToArray(), 0, 4, true, -1, 0, 100),
            new MessageFramer(SocketFraming.Eof, "|"u8.ToArray(), 0, 4, true, -1, 0, 7),
            new MessageFramer(SocketFraming.Length, [], 0, 1, true, -1, 0, 100),
            new MessageFramer(SocketFraming.Length, [], 3, 2, false, 7, 0, 300),
            new MessageFramer(SocketFraming.Length, [], 0, 4, true, -1, 0, 1000),
            new MessageFramer(SocketFraming.FixedSize, [], 0, 4, true, -1, 5, 100),
        };

        foreach (var framer in framers)
        {
            for (var round = 0; round < 300; round++)
            {
                var stream = new byte[random.Next(0, 600)];
                random.NextBytes(stream);
                if (round % 3 == 0)
                {
                    // Sprinkle delimiters so delimited framers find messages too.
                    for (var i = 0; i < stream.Length; i += random.Next(1, 12))
                    {
                        stream[i] = (byte)(random.Next(2) == 0 ? '|' : '\n');
                    }
                }

                var whole = Cut(framer, [stream]);
                var pieces = new List<byte[]>();
                for (var offset = 0; offset < stream.Length;)
                {
                    var length = Math.Min(random.Next(1, 40), stream.Length - offset);
                    pieces.Add(stream[offset..(offset + length)]);
                    offset += length;
                }

                var split = Cut(framer, pieces);
                if (framer != framers[0])
                {
                    // Raw chunks follow the reads by design; every other framing must not care how bytes arrive.
                    Assert.Equal(whole.Messages.Select(Convert.ToHexString), split.Messages.Select(Convert.ToHexString));
                    Assert.Equal(whole.Violation is null, split.Violation is null);
                }

                Assert.All(whole.Messages.Concat(split.Messages), message => Assert.InRange(message.Length, 0, framer.MaxLength));
            }
        }
    }

    /// <summary>Feeds <paramref name="reads"/> to the framer as a receive loop would; stops at a violation.</summary>
    private static (List<byte[]> Messages, string? Violation) Cut(MessageFramer framer, List<byte[]> reads)
    {
        var messages = new List<byte[]>();
        var pending = Array.Empty<byte>();
        foreach (var read in reads)
        {
            var buffer = new ReadOnlySequence<byte>([.. pending, .. read]);
            string? violation;
            while (framer.TryRead(ref buffer, out var message, out violation))
            {
                messages.Add(message.ToArray());
            }

            if (violation is not null)
            {
                return (messages, violation);
            }

            pending = buffer.ToArray();
        }

        return (messages, null);
    }
}
