using System.Net.WebSockets;
using Resident;
using WebSocketBench;

// dotnet WebSocketServer.dll --mode resident --Resident:ListenPort=0
// dotnet WebSocketServer.dll --mode raw --urls http://127.0.0.1:0
var mode = "";
var rest = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--mode" && i + 1 < args.Length)
    {
        mode = args[++i];
    }
    else if (args[i].StartsWith("--mode=", StringComparison.Ordinal))
    {
        mode = args[i]["--mode=".Length..];
    }
    else
    {
        rest.Add(args[i]);
    }
}

switch (mode)
{
    case "resident":
    {
        // Resident's defaults as they ship; its KeepAliveInterval (120 s) equals ASP.NET Core's (2 minutes) in raw mode.
        var builder = Bench.CreateBuilder([.. rest]);
        builder.AddResident();
        var app = builder.Build();
        var server = app.Services.GetRequiredService<IWebSocketServer>();
        Bench.MapCommon(app, () => server.Count, async (payload, count) =>
        {
            long sent = 0;
            for (var i = 0; i < count; i++)
            {
                sent += await server.BroadcastAsync(payload, WebSocketMessageType.Binary);
            }

            return sent;
        });
        // The mode goes on as one '-' word, which the verb parser skips: a supervised master (`start`) starts its
        // workers with these arguments, and they must come up in resident mode too.
        return await app.RunResidentAsync([.. rest, "--mode=resident"]);
    }

    case "raw":
    {
        var builder = Bench.CreateBuilder([.. rest]);
        var app = builder.Build();
        var registry = new RawRegistry();
        app.UseWebSockets();
        app.Map("/echo", registry.AcceptAsync);
        Bench.MapCommon(app, () => registry.Count, registry.BroadcastAsync);
        await app.RunAsync();
        return 0;
    }

    default:
        Console.Error.WriteLine("Usage: WebSocketServer --mode resident|raw [ASP.NET Core / Resident configuration arguments]");
        return 2;
}
