using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace WebSocketLoad;

/// <summary>
/// Push latency across the workers of one supervised server (tests/Apps/SupervisedApp's /ws, started with
/// WorkerNum = 2): clients connect until two share a worker and one sits on the other; then the sender asks the server
/// to push to a receiver ("push {id} {text}"), one message at a time, and the time from send to receipt is measured
/// for a receiver on the sender's own worker and for one on the other worker, alternating.
/// </summary>
internal static class PushScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Targets[0].Url;
        var messages = options.Int("messages", 2000);
        var clients = new List<(ClientWebSocket Socket, long Id, string Worker)>();
        try
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var socket = new ClientWebSocket();
                await socket.ConnectAsync(url, CancellationToken.None);
                var parts = (await ReceiveAsync(socket)).Split(' ');
                clients.Add((socket, long.Parse(parts[1]), parts[2]));
                var sender = clients[0];
                if (clients.Count(client => client.Worker == sender.Worker) >= 2 && clients.Any(client => client.Worker != sender.Worker))
                {
                    break;
                }
            }

            var from = clients[0];
            var near = clients.Skip(1).FirstOrDefault(client => client.Worker == from.Worker);
            var far = clients.FirstOrDefault(client => client.Worker != from.Worker);
            if (near.Socket is null || far.Socket is null)
            {
                Console.Error.WriteLine("Could not get clients on two workers: is the server supervised with WorkerNum=2?");
                return 1;
            }

            // The sender's own acknowledgements ("pushed") are read and dropped as they come.
            using var stop = new CancellationTokenSource();
            var acknowledgements = Task.Run(async () =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await ReceiveAsync(from.Socket, stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });

            var sameWorker = new List<long>(messages);
            var otherWorker = new List<long>(messages);
            for (var i = 0; i < messages * 2; i++)
            {
                var (target, into) = i % 2 == 0 ? (near, sameWorker) : (far, otherWorker);
                var started = Stopwatch.GetTimestamp();
                await from.Socket.SendAsync(Encoding.UTF8.GetBytes($"push {target.Id} m{i}"), WebSocketMessageType.Text, true, CancellationToken.None);
                var text = await ReceiveAsync(target.Socket);
                var elapsed = Stopwatch.GetTimestamp() - started;
                if (text != $"m{i}")
                {
                    Console.Error.WriteLine($"Expected m{i}, got '{text}'.");
                    return 1;
                }

                if (i >= messages / 5)
                {
                    // The first fifth warms both paths up.
                    into.Add(elapsed);
                }
            }

            stop.Cancel();
            await acknowledgements;
            Report("same-worker", sameWorker);
            Report("other-worker", otherWorker);
            return 0;
        }
        finally
        {
            clients.ForEach(client => client.Socket.Dispose());
        }
    }

    private static void Report(string name, List<long> ticks)
    {
        ticks.Sort();
        string Micros(double fraction) => (ticks[(int)Math.Ceiling(fraction * ticks.Count) - 1] * 1_000_000.0 / Stopwatch.Frequency).ToString("F0");
        Console.WriteLine($"{name}: p50_us={Micros(0.50)} p99_us={Micros(0.99)} messages={ticks.Count}");
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
