using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Resident;
using SocketsBench;

var rounds = args.Length > 0 ? int.Parse(args[0]) : 3;
var seconds = args.Length > 1 ? int.Parse(args[1]) : 5;
const int Connections = 100;
const int UdpWindow = 32;

// Resident: the [SocketHandler]s of this assembly on ports the OS chooses.
var builder = WebApplication.CreateSlimBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Resident:ListenPort"] = "0" });
builder.Logging.ClearProviders();
builder.AddResident();
var resident = builder.Build();
await resident.StartAsync();
var ports = resident.Services.GetRequiredService<ISocketPorts>();
var residentTcp = (IPEndPoint)ports["echo"].LocalEndPoint!;
var residentUdp = (IPEndPoint)ports["udp"].LocalEndPoint!;

// Raw: a minimal Kestrel ConnectionHandler doing the same line echo, and a bare UDP socket loop.
var rawBuilder = WebApplication.CreateSlimBuilder();
rawBuilder.Logging.ClearProviders();
rawBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseConnectionHandler<RawEchoHandler>()));
var raw = rawBuilder.Build();
await raw.StartAsync();
var rawTcp = IPEndPoint.Parse(new Uri(raw.Urls.First()).Authority);
using var rawUdpSocket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
rawUdpSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
var rawUdp = (IPEndPoint)rawUdpSocket.LocalEndPoint!;
_ = RawUdpEchoAsync(rawUdpSocket);

Console.WriteLine($"Socket benchmark: TCP echo of 64-byte '\\n'-framed messages over {Connections} connections, UDP echo with {UdpWindow} datagrams in flight; {seconds} s per side, {rounds} round(s)");
var tcpRatios = new List<double>();
var udpRatios = new List<double>();
var tcpRates = new List<(double Resident, double Raw)>();
var udpRates = new List<(double Resident, double Raw)>();
for (var round = 1; round <= rounds; round++)
{
    var residentFirst = round % 2 == 1;
    double rTcp = 0, bTcp = 0, rUdp = 0, bUdp = 0;
    foreach (var isResident in residentFirst ? new[] { true, false } : [false, true])
    {
        var rate = await TcpEchoAsync(isResident ? residentTcp : rawTcp, Connections, TimeSpan.FromSeconds(seconds));
        (rTcp, bTcp) = isResident ? (rate, bTcp) : (rTcp, rate);
    }

    foreach (var isResident in residentFirst ? new[] { true, false } : [false, true])
    {
        var rate = await UdpEchoAsync(isResident ? residentUdp : rawUdp, UdpWindow, TimeSpan.FromSeconds(seconds));
        (rUdp, bUdp) = isResident ? (rate, bUdp) : (rUdp, rate);
    }

    tcpRates.Add((rTcp, bTcp));
    udpRates.Add((rUdp, bUdp));
    tcpRatios.Add(rTcp / bTcp);
    udpRatios.Add(rUdp / bUdp);
    Console.WriteLine($"round {round}: TCP resident {rTcp:N0} msg/s raw {bTcp:N0} msg/s ratio {rTcp / bTcp:F3}; UDP resident {rUdp:N0} pkt/s raw {bUdp:N0} pkt/s ratio {rUdp / bUdp:F3}");
}

Console.WriteLine($"TCP echo: resident median {Median(tcpRates.Select(r => r.Resident)):N0} msg/s, raw ConnectionHandler median {Median(tcpRates.Select(r => r.Raw)):N0} msg/s, paired ratio median {Median(tcpRatios):F3} (goal >= 0.9)");
Console.WriteLine($"UDP echo: resident median {Median(udpRates.Select(r => r.Resident)):N0} packets/s, raw socket loop median {Median(udpRates.Select(r => r.Raw)):N0} packets/s, paired ratio median {Median(udpRatios):F3}");
await resident.StopAsync();
await raw.StopAsync();
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static async Task<double> TcpEchoAsync(IPEndPoint server, int connections, TimeSpan duration)
{
    var message = new byte[64];
    Array.Fill(message, (byte)'x');
    message[^1] = (byte)'\n';
    var sockets = new Socket[connections];
    for (var i = 0; i < connections; i++)
    {
        sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await sockets[i].ConnectAsync(server);
    }

    long total = 0;
    var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var start = Stopwatch.GetTimestamp();
    await Task.WhenAll(sockets.Select(socket => Task.Run(async () =>
    {
        var buffer = new byte[64];
        long count = 0;
        while (Stopwatch.GetTimestamp() < stop)
        {
            await socket.SendAsync(message, SocketFlags.None);
            var received = 0;
            while (received < 64)
            {
                received += await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
            }

            count++;
        }

        Interlocked.Add(ref total, count);
    })));
    var elapsed = Stopwatch.GetElapsedTime(start);
    foreach (var socket in sockets)
    {
        socket.Dispose();
    }

    return total / elapsed.TotalSeconds;
}

static async Task<double> UdpEchoAsync(IPEndPoint server, int window, TimeSpan duration)
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    var datagram = new byte[64];
    long received = 0;
    var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var start = Stopwatch.GetTimestamp();
    using var done = new CancellationTokenSource();

    // Keep a window of datagrams in flight: each answer (or a 50 ms loss timeout) lets the next one go.
    var credits = new SemaphoreSlim(window, window);
    var receiver = Task.Run(async () =>
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (true)
            {
                await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, done.Token);
                Interlocked.Increment(ref received);
                credits.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    while (Stopwatch.GetTimestamp() < stop)
    {
        if (!await credits.WaitAsync(50))
        {
            credits.Release(); // a datagram was lost: refill its credit
        }

        await socket.SendToAsync(datagram, SocketFlags.None, server);
    }

    var elapsed = Stopwatch.GetElapsedTime(start);
    var count = Interlocked.Read(ref received);
    done.Cancel();
    await receiver;
    return count / elapsed.TotalSeconds;
}

static async Task RawUdpEchoAsync(Socket socket)
{
    var buffer = new byte[65536];
    EndPoint any = new IPEndPoint(IPAddress.Any, 0);
    while (true)
    {
        var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any);
        var answer = new byte[10 + received.ReceivedBytes];
        "Resident: "u8.CopyTo(answer);
        buffer.AsSpan(0, received.ReceivedBytes).CopyTo(answer.AsSpan(10));
        await socket.SendToAsync(answer, SocketFlags.None, received.RemoteEndPoint);
    }
}
