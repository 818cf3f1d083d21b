using System.Globalization;

namespace WebSocketBench;

/// <summary>What both modes share: quiet logging and the measurement endpoints.</summary>
internal static class Bench
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // 10,000 connections coming and going would flood the console; keep only warnings and "Now listening on".
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        // The supervised master's "Resident started: <address>; master pid …" line (throughput.sh reads it).
        builder.Logging.AddFilter("Resident.Master", LogLevel.Information);
        return builder;
    }

    /// <summary>
    /// GET /plaintext answers "Hello, World!"; POST /broadcast?count=N&amp;size=64 sends N messages of size bytes to every connection; GET /memory measures
    /// the process after a full blocking collection; GET /connections counts the open connections.
    /// </summary>
    public static void MapCommon(WebApplication app, Func<int> connections, Func<byte[], int, Task<long>> broadcast)
    {
        // The same minimal API as RawKestrel's and the Showcase's, for throughput.sh's HTTP rounds.
        app.MapGet("/plaintext", () => "Hello, World!");

        app.MapPost("/broadcast", async (int? count, int? size) =>
        {
            var payload = new byte[Math.Clamp(size ?? 64, 1, 1024 * 1024)];
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = (byte)('a' + (i % 26));
            }

            var sent = await broadcast(payload, Math.Max(1, count ?? 1));
            return Results.Text(sent.ToString(CultureInfo.InvariantCulture));
        });

        app.MapGet("/connections", () => Results.Text(connections().ToString(CultureInfo.InvariantCulture)));

        app.MapGet("/memory", () =>
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var managed = GC.GetTotalMemory(forceFullCollection: false);
            var info = GC.GetGCMemoryInfo();
            var json = string.Create(CultureInfo.InvariantCulture,
                $"{{\"managed\":{managed},\"rss\":{Rss()},\"committed\":{info.TotalCommittedBytes},\"heap\":{info.HeapSizeBytes},\"connections\":{connections()}}}");
            return Results.Text(json, "application/json");
        });
    }

    /// <summary>Resident set size in bytes (VmRSS of /proc/self/status; the working set elsewhere).</summary>
    private static long Rss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return Environment.WorkingSet;
    }
}
