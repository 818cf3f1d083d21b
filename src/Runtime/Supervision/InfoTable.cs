using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Resident.Supervision;

/// <summary>Renders the master's <c>info</c> JSON as the readable tables <c>app info</c> prints.</summary>
internal static class InfoTable
{
    public static string Render(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var text = new StringBuilder();
        text.AppendLine("Resident");
        Row(text, "Resident", Text(root, "resident"));
        Row(text, ".NET", Text(root, "dotnet"));
        Row(text, "App", $"{Text(root, "app")} ({Text(root, "environment")})" + (Text(root, "appVersion") is { Length: > 0 } version ? $", version {version}" : ""));
        Row(text, "Listen", string.Join(", ", root.GetProperty("listen").EnumerateArray().Select(address => address.GetString())));
        var master = root.GetProperty("master");
        Row(text, "Master", $"pid {master.GetProperty("pid").GetInt32()}, up {Duration(master.GetProperty("uptimeSeconds").GetDouble())}, " +
            $"RSS {master.GetProperty("rssBytes").GetInt64() / (1024 * 1024)} MiB, generation {master.GetProperty("generation").GetInt32()}, " +
            $"{master.GetProperty("reloads").GetInt32()} reload(s)");

        text.AppendLine();
        text.AppendLine($"{"Worker",-7}{"Pid",-9}{"Gen",-5}{"State",-10}{"Up",-10}{"Requests",-11}{"Conns",-7}{"WebSockets",-12}{"Tasks q/run",-13}Timers");
        long requests = 0, webSockets = 0, queued = 0, running = 0;
        JsonElement? timerStats = null;
        foreach (var worker in root.GetProperty("workers").EnumerateArray())
        {
            var stats = worker.TryGetProperty("stats", out var value) ? value : default;
            long Stat(string name) => stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty(name, out var number) ? number.GetInt64() : 0;
            requests += Stat("requests");
            webSockets += Stat("webSockets");
            queued += Stat("tasksQueued");
            running += Stat("tasksRunning");
            var timers = worker.GetProperty("timers").GetBoolean();
            if (timers && stats.ValueKind == JsonValueKind.Object)
            {
                timerStats = stats;
            }

            text.AppendLine($"{worker.GetProperty("id").GetInt32(),-7}{worker.GetProperty("pid").GetInt32(),-9}{worker.GetProperty("generation").GetInt32(),-5}" +
                $"{worker.GetProperty("state").GetString(),-10}{Duration(worker.GetProperty("uptimeSeconds").GetDouble()),-10}{Stat("requests"),-11}" +
                $"{Stat("connections"),-7}{Stat("webSockets"),-12}{$"{Stat("tasksQueued")}/{Stat("tasksRunning")}",-13}{(timers ? "yes" : "")}");
        }

        text.AppendLine($"{"total",-7}{"",-9}{"",-5}{"",-10}{"",-10}{requests,-11}{"",-7}{webSockets,-12}{$"{queued}/{running}",-13}");

        if (timerStats is { } timer && timer.TryGetProperty("cronJobs", out var jobs) && jobs.GetArrayLength() > 0)
        {
            text.AppendLine();
            text.AppendLine($"{"Cron job",-40}{"Runs",-8}{"Failures",-10}Next run");
            foreach (var job in jobs.EnumerateArray())
            {
                text.AppendLine($"{job.GetProperty("name").GetString(),-40}{job.GetProperty("runs").GetInt64(),-8}{job.GetProperty("failures").GetInt64(),-10}{job.GetProperty("next").GetString()}");
            }
        }

        if (timerStats is { } processes && processes.TryGetProperty("processes", out var list) && list.GetArrayLength() > 0)
        {
            text.AppendLine();
            text.AppendLine($"{"Custom process",-40}Instances");
            foreach (var process in list.EnumerateArray())
            {
                text.AppendLine($"{process.GetProperty("name").GetString(),-40}{process.GetProperty("instances").GetInt32()}");
            }
        }

        var tables = root.GetProperty("tables");
        if (tables.GetArrayLength() > 0)
        {
            text.AppendLine();
            text.AppendLine($"{"Table",-24}{"Rows",-10}{"Size",-10}Memory");
            foreach (var table in tables.EnumerateArray())
            {
                text.AppendLine($"{table.GetProperty("name").GetString(),-24}{table.GetProperty("rows").GetInt32(),-10}{table.GetProperty("size").GetInt32(),-10}" +
                    $"{table.GetProperty("memoryBytes").GetInt64() / 1024} KiB");
            }
        }

        return text.ToString();
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void Row(StringBuilder text, string label, string? value) => text.AppendLine($"  {label,-10}{value}");

    private static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m")
            : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0}s");
    }
}
