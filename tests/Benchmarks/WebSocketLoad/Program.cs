using System.Globalization;
using WebSocketLoad;

// dotnet WebSocketLoad.dll echo      --url ws://127.0.0.1:A/echo[,ws://127.0.0.1:B/echo] [--server-pid PA[,PB]] --clients 100 --seconds 10 --size 64 [--warmup 3] [--slice-ms 1000]
// dotnet WebSocketLoad.dll broadcast --url ws://127.0.0.1:A/echo[,...] [--server-pid PA[,...]] --clients 1000 --messages 500 --size 64 [--repeat 5]
// dotnet WebSocketLoad.dll idle      --url ws://127.0.0.1:A/echo --clients 10000 [--hold SECONDS]
// dotnet WebSocketLoad.dll push      --url ws://127.0.0.1:A/ws --messages 2000   (a supervised SupervisedApp, WorkerNum=2)
// With several servers, echo and broadcast load one at a time, alternating in short turns (A B B A A B ...) so a
// noisy machine hits them alike. Each server's figures end up on one line of key=value pairs, "target=<index>"
// first; that is the line websocket.sh reads.
if (args.Length == 0)
{
    Console.Error.WriteLine("Usage: WebSocketLoad echo|broadcast|idle --url ws://host:port/path[,...] [--clients N] [...]");
    return 2;
}

var options = Options.Parse(args.AsSpan(1));
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
return args[0] switch
{
    "echo" => await Scenarios.EchoAsync(options),
    "broadcast" => await Scenarios.BroadcastAsync(options),
    "idle" => await Scenarios.IdleAsync(options),
    "push" => await PushScenario.RunAsync(options),
    var other => Usage(other),
};

static int Usage(string scenario)
{
    Console.Error.WriteLine($"Unknown scenario '{scenario}': echo, broadcast or idle.");
    return 2;
}
