using System.Diagnostics;
using System.Text;
using Resident;
using Resident.Tables;

// --Mode=read|incr|hold|crash|serve --Key=k [--Times=N] plus --Resident:Tables:InstanceName=… (shared with the test process).
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.AddResident();
var app = builder.Build();
await app.StartAsync();

var mode = app.Configuration["Mode"] ?? "read";
var key = app.Configuration["Key"] ?? "key";
var times = int.Parse(app.Configuration["Times"] ?? "1", System.Globalization.CultureInfo.InvariantCulture);
var table = app.Services.GetRequiredService<SwooleTable<CounterRow>>();
Console.WriteLine($"ready {Environment.ProcessId} {table.Path}");

switch (mode)
{
    case "read":
        Console.WriteLine(table.TryGet(key, out var row)
            ? $"row {row.Hits} {row.Small} {row.Score.ToString(System.Globalization.CultureInfo.InvariantCulture)} {row.Label}"
            : "missing");
        break;

    case "incr":
        // Waits for the test's go-ahead on stdin, so both processes increment at the same time.
        Console.WriteLine("waiting");
        Console.ReadLine();
        for (var i = 0; i < times; i++)
        {
            table.IncrHits(key);
        }

        Console.WriteLine($"done {times}");
        break;

    case "hold":
        // Takes the key's bucket lock mid-write and never lets go: the test kills this process now.
        TableKey.Encode(key, table.Name, out var encoded);
        table.Table.LockForTesting(encoded);
        Console.WriteLine("holding");
        Thread.Sleep(Timeout.Infinite);
        break;

    case "serve":
        // Serves commands from stdin ("set K N", "incr K", "get K", "exit") until "exit" or SIGTERM, then stops gracefully.
        Console.WriteLine("serving");
        var stopping = new TaskCompletionSource();
        using (app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult()))
        {
            while (true)
            {
                var read = Task.Run(Console.ReadLine); // Console.In reads synchronously, even "async"
                if (await Task.WhenAny(read, stopping.Task) != read || await read is not { } line || line == "exit")
                {
                    break;
                }

                var words = line.Split(' ');
                switch (words[0])
                {
                    case "set":
                        table.Set(words[1], new CounterRow { Hits = long.Parse(words[2], System.Globalization.CultureInfo.InvariantCulture) });
                        Console.WriteLine($"set {words[1]}");
                        break;
                    case "incr":
                        Console.WriteLine($"incremented {words[1]} {table.IncrHits(words[1])}");
                        break;
                    case "get":
                        Console.WriteLine(table.TryGetHits(words[1], out var hits) ? $"got {words[1]} {hits}" : $"got {words[1]} missing");
                        break;
                }
            }
        }

        Console.WriteLine("stopping");
        break;

    case "crash":
        table.Set(key, new CounterRow { Hits = 42, Label = "left behind" });
        Console.WriteLine("crashing");
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
        break;
}

await app.StopAsync();
return 0;

/// <summary>The same layout as the test process's <c>counters</c> table, so both open one shared table.</summary>
[SwooleTable("counters", Size = 1024)]
public partial struct CounterRow
{
    public long Hits;
    public int Small;
    public double Score;
    [Column(Size = 16)]
    public string Label;
}
