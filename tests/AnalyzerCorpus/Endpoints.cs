using System.Diagnostics;
using Corpus.Services;

namespace Corpus;

/// <summary>The minimal APIs.</summary>
public static class Endpoints
{
    private static readonly ConcurrentDictionary<string, DateTimeOffset> s_online = new();
    private static readonly List<string> s_recentPaths = new();
    private static readonly object s_gate = new();
    private static int s_visits;
    private static long s_atomicVisits;
    private static string? s_motd;
    private static Dictionary<string, string>? s_settings;

    public static string Banner { get; set; } = "";

    public static string? LastUser { get; private set; }

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Banner);

        app.MapGet("/hello/{name}", (string name) => $"Hello, {name}!");

        app.MapGet("/visits", () =>
        {
            s_visits++; // LEAK: RES001
            return Results.Ok(new { visits = Volatile.Read(ref s_visits) });
        });

        app.MapGet("/visits/atomic", () => Interlocked.Increment(ref s_atomicVisits));

        app.MapGet("/track", (HttpContext context) =>
        {
            lock (s_gate)
            {
                s_recentPaths.Add(context.Request.Path); // LEAK: RES002
                return s_recentPaths.Count;
            }
        });

        app.MapPost("/online/{id}", (string id, IClock clock) => s_online.TryAdd(id, clock.Now));
        app.MapDelete("/online/{id}", (string id) => s_online.TryRemove(id, out _));
        app.MapGet("/online", () => s_online.Keys.Order().ToArray());

        app.MapGet("/motd", () => s_motd ??= LoadMessageOfTheDay());
        app.MapGet("/settings/{key}", (string key) => Settings().TryGetValue(key, out var value) ? value : null);

        app.MapGet("/me", (HttpContext context) =>
        {
            LastUser = context.User.Identity?.Name; // LEAK: RES001
            return LastUser ?? "anonymous";
        });

        app.MapGet("/slow", async () =>
        {
            Thread.Sleep(200); // LEAK: RES005
            await Task.Yield();
            return "done";
        });

        app.MapGet("/patient", async (CancellationToken token) =>
        {
            await Task.Delay(200, token);
            return "done";
        });

        app.MapPost("/admin/shutdown", () =>
        {
            Environment.Exit(0); // LEAK: RES005
        });

        app.MapGet("/admin/uptime", () => (DateTime.Now - Process.GetCurrentProcess().StartTime).ToString());

        app.MapGet("/prices/{sku}", (string sku, PriceCache prices) => prices.Get(sku));
        app.MapGet("/greeting", (GreetingService greetings, HttpContext context) => greetings.Greet(context));
        app.MapGet("/whoami", (CurrentUser user) => user.Name);
    }

    private static string LoadMessageOfTheDay() => "Be kind to your workers.";

    // Double-checked one-time initialization.
    private static Dictionary<string, string> Settings()
    {
        if (s_settings is null)
        {
            lock (s_gate)
            {
                if (s_settings is null)
                {
                    s_settings = new Dictionary<string, string> { ["region"] = "eu" };
                }
            }
        }

        return s_settings;
    }
}
