using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>
/// The supervised mode with real processes: a master started by <c>start -d</c>, worker processes serving the
/// socket the master created, and the verbs a shell user runs.
/// </summary>
public sealed class SupervisedModeTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_serve_reload_stop_keeps_the_port_and_pid_file_and_leaves_no_process()
    {
        await using var server = await SupervisedServer.StartAsync();
        var master = server.MasterProcessId;
        var before = await server.WhoAsync();
        Assert.NotEqual(master, before.ProcessId); // A worker answers, not the master.
        Assert.Equal(0, before.WorkerId);

        var (reloaded, reloadOutput) = await server.RunAsync("reload");
        Assert.True(reloaded == 0, reloadOutput + server.Log);
        Assert.Contains("generation 2 serves", reloadOutput, StringComparison.Ordinal);

        // Reload returns once the old worker takes no new connection: the next one reaches the new worker.
        var after = await server.WhoAsync();
        Assert.True(after.ProcessId != before.ProcessId, "a new connection reached the old worker after reload returned; log:\n" + server.Log);
        Assert.Equal(master, server.MasterProcessId);
        Assert.True(await SupervisedServer.EventuallyAsync(() => !SupervisedServer.IsRunning(before.ProcessId), Generous), "the old worker did not exit after the reload");

        var (stopped, stopOutput) = await server.RunAsync("stop");
        Assert.True(stopped == 0, stopOutput + server.Log);
        Assert.False(File.Exists(server.PidFilePath), "the pid file is left after stop");
        Assert.False(SupervisedServer.IsRunning(master), "the master still runs after stop returned");
        Assert.False(SupervisedServer.IsRunning(after.ProcessId), "a worker still runs after stop returned");
        await Assert.ThrowsAsync<HttpRequestException>(() => server.WhoAsync());
    }

    [Fact]
    public async Task Restart_stops_the_server_and_starts_a_new_master_that_serves()
    {
        await using var server = await SupervisedServer.StartAsync();
        var master = server.MasterProcessId;
        var worker = (await server.WhoAsync()).ProcessId;

        var (exitCode, output) = await server.RunAsync("restart", "-d");

        Assert.True(exitCode == 0, output + server.Log);
        Assert.NotEqual(master, server.MasterProcessId);
        Assert.False(SupervisedServer.IsRunning(master), "the old master still runs");
        Assert.False(SupervisedServer.IsRunning(worker), "the old worker still runs");
        server.UseAddressFrom(output);
        Assert.NotEqual(worker, (await server.WhoAsync()).ProcessId);
    }

    [Fact]
    public async Task Start_while_running_says_already_running_with_the_pid_and_fails()
    {
        await using var server = await SupervisedServer.StartAsync();

        var (exitCode, output) = await server.RunAsync("start", "-d");

        Assert.Equal(1, exitCode);
        Assert.Contains($"already running (pid {server.MasterProcessId})", output, StringComparison.Ordinal);
        await server.WhoAsync(); // The first one still serves.
    }

    [Fact]
    public async Task Verbs_without_a_server_say_not_running_and_fail()
    {
        await using var server = SupervisedServer.Create();
        foreach (var verb in new[] { "stop", "reload", "info" })
        {
            var (exitCode, output) = await server.RunAsync(verb);
            Assert.Equal(1, exitCode);
            Assert.Contains("not running", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Killing_the_master_ends_its_workers_and_leaves_a_stale_pid_file_that_start_replaces()
    {
        await using var server = await SupervisedServer.StartAsync();
        var master = server.MasterProcessId;
        var worker = (await server.WhoAsync()).ProcessId;

        Process.GetProcessById(master).Kill();

        Assert.True(await SupervisedServer.EventuallyAsync(() => !SupervisedServer.IsRunning(worker), Generous), "the worker outlived its master");
        Assert.True(File.Exists(server.PidFilePath));

        var (exitCode, output) = await server.RunAsync("start", "-d");
        Assert.True(exitCode == 0, output + server.Log);
        Assert.NotEqual(master, server.MasterProcessId);
    }

    [Fact]
    public async Task Start_with_ignore_skips_the_pid_check()
    {
        await using var first = await SupervisedServer.StartAsync();
        var firstMaster = first.MasterProcessId;

        // The same pid file, a server running: -i starts anyway (what containers and supervisord want).
        var (exitCode, output) = await first.RunAsync("start", "-d", "-i");
        try
        {
            Assert.True(exitCode == 0, output + first.Log);
            Assert.NotEqual(firstMaster, first.MasterProcessId);
        }
        finally
        {
            Process.GetProcessById(firstMaster).Kill();
        }
    }

    [Fact]
    public async Task A_killed_worker_is_replaced_and_serves_and_the_WorkerError_hook_runs_in_the_master()
    {
        await using var server = await SupervisedServer.StartAsync();
        var victim = (await server.WhoAsync()).ProcessId;

        Process.GetProcessById(victim).Kill();

        Assert.True(await SupervisedServer.EventuallyAsync(() => server.Journal.Any(line => line.StartsWith("workerError 0 " + victim, StringComparison.Ordinal)), Generous),
            "no WorkerError hook line; log:\n" + server.Log);
        Assert.Contains(server.Journal, line => line == $"workerError 0 {victim} 137"); // 128 + SIGKILL
        var replacement = 0;
        Assert.True(await SupervisedServer.EventuallyAsync(() =>
        {
            try
            {
                replacement = server.WhoAsync().GetAwaiter().GetResult().ProcessId;
                return replacement != victim;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Generous), "no worker serves after the crash; log:\n" + server.Log);
        Assert.NotEqual(victim, replacement);
    }

    [Fact]
    public async Task Info_reports_the_master_workers_and_listen_address_as_json_and_as_a_table()
    {
        // -x is an option of start (the other verbs refuse it), not a setting every verb gets.
        await using var server = SupervisedServer.Create();
        var (started, startOutput) = await server.RunAsync("start", "-d", "-x", "v42");
        Assert.True(started == 0, startOutput + server.Log);
        server.UseAddressFrom(startOutput);
        var worker = await server.WhoAsync();
        Assert.Equal("v42", worker.Version);

        var (exitCode, json) = await server.RunAsync("info", "--json");
        Assert.True(exitCode == 0, json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(server.MasterProcessId, root.GetProperty("master").GetProperty("pid").GetInt32());
        Assert.Equal("v42", root.GetProperty("appVersion").GetString());
        Assert.Contains(server.BaseAddress.ToString().TrimEnd('/'), root.GetProperty("listen").EnumerateArray().Select(address => address.GetString()));
        var workers = root.GetProperty("workers").EnumerateArray().ToArray();
        Assert.Single(workers);
        Assert.Equal(worker.ProcessId, workers[0].GetProperty("pid").GetInt32());
        Assert.True(workers[0].GetProperty("stats").GetProperty("requests").GetInt64() >= 1);

        var (tableExit, table) = await server.RunAsync("info");
        Assert.Equal(0, tableExit);
        Assert.Contains($"pid {server.MasterProcessId}", table, StringComparison.Ordinal);
        Assert.Contains("FastCron", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_workers_serve_one_port_and_only_one_runs_the_cron_jobs()
    {
        await using var server = await SupervisedServer.StartAsync("--Resident:WorkerNum=2");
        var seen = new HashSet<int>();
        for (var i = 0; i < 200 && seen.Count < 2; i++)
        {
            // A new connection each time, so the kernel can hand it to either worker.
            using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = server.BaseAddress };
            client.DefaultRequestHeaders.ConnectionClose = true;
            seen.Add((await server.WhoAsync(client)).WorkerId);
        }

        Assert.Equal([0, 1], seen.Order());
        Assert.True(await SupervisedServer.EventuallyAsync(() => server.Journal.Count(line => line.StartsWith("cron ", StringComparison.Ordinal)) >= 10, Generous));
        var cronProcesses = server.Journal.Where(line => line.StartsWith("cron ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]).Distinct().ToArray();
        Assert.Single(cronProcesses);
    }

    [Fact]
    public async Task A_cron_job_through_reloads_never_fires_twice_and_resumes_in_the_new_generation()
    {
        await using var server = await SupervisedServer.StartAsync();
        for (var reload = 0; reload < 3; reload++)
        {
            var firings = CronFirings(server).Length;
            Assert.True(await SupervisedServer.EventuallyAsync(() => CronFirings(server).Length >= firings + 5, Generous), "the cron job stopped firing; log:\n" + server.Log);
            var (exitCode, output) = await server.RunAsync("reload");
            Assert.True(exitCode == 0, output);
        }

        var final = CronFirings(server).Length;
        Assert.True(await SupervisedServer.EventuallyAsync(() => CronFirings(server).Length >= final + 5, Generous), "the cron job did not resume after the last reload");

        var firingsInOrder = CronFirings(server);
        Assert.True(firingsInOrder.Select(firing => firing.Process).Distinct().Count() >= 4, "the cron job did not move to each new generation");

        // A firing run twice shows as two firings planned (nearly) at once; the interval is 100 ms.
        var ordered = firingsInOrder.Select(firing => firing.PlannedAt).Order().ToArray();
        var tooClose = ordered.Zip(ordered.Skip(1), (earlier, later) => later - earlier).Count(gap => gap < 50);
        Assert.True(tooClose == 0, $"{tooClose} firing(s) within 50 ms of another: {string.Join(", ", ordered)}");
    }

    [Fact]
    public async Task After_reload_returns_no_new_connection_reaches_the_old_generation_even_while_its_cron_firing_runs()
    {
        // Each firing works 2 s, so the old worker is nearly always in one when the reload comes: it stops accepting
        // before it waits for that firing to hand the timers over.
        await using var server = await SupervisedServer.StartAsync("--App:CronMilliseconds=2000");
        var before = await server.WhoAsync();
        Assert.True(await SupervisedServer.EventuallyAsync(() => CronFirings(server).Length > 0, Generous), "the cron job never fired; log:\n" + server.Log);

        var (reloaded, output) = await server.RunAsync("reload");
        Assert.True(reloaded == 0, output + server.Log);
        Assert.DoesNotContain("did not confirm", output, StringComparison.Ordinal);

        // Both generations wait on the one inherited socket until the old one stops: were it still accepting, about
        // half of these would reach it.
        for (var connection = 0; connection < 20; connection++)
        {
            var who = await server.WhoAsync();
            Assert.True(who.ProcessId != before.ProcessId, $"connection {connection} after the reload reached the old worker; log:\n" + server.Log);
        }
    }

    private static (long PlannedAt, string Process)[] CronFirings(SupervisedServer server) =>
        [.. server.Journal.Where(line => line.StartsWith("cron ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')).Where(parts => parts.Length == 3).Select(parts => (long.Parse(parts[1]), parts[2]))];

    [Fact]
    public async Task Systemd_hears_ready_reloading_ready_and_stopping_in_order()
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"notify-{Guid.NewGuid():N}".Substring(0, 20) + ".sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        try
        {
            var environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath };
            await using var server = SupervisedServer.Create();
            var (started, startOutput) = await server.RunAsync(environment, "start", "-d");
            Assert.True(started == 0, startOutput + server.Log);
            Assert.StartsWith("READY=1", await ReceiveAsync(notify), StringComparison.Ordinal);

            Assert.Equal(0, (await server.RunAsync("reload")).ExitCode);
            var reloading = await ReceiveAsync(notify);
            Assert.Contains("RELOADING=1", reloading, StringComparison.Ordinal);
            Assert.Contains("MONOTONIC_USEC=", reloading, StringComparison.Ordinal);
            Assert.StartsWith("READY=1", await ReceiveAsync(notify), StringComparison.Ordinal);

            Assert.Equal(0, (await server.RunAsync("stop")).ExitCode);
            Assert.StartsWith("STOPPING=1", await ReceiveAsync(notify), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer).WaitAsync(Generous);
        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}

/// <summary>What a reload or a recycle must not lose: requests, tasks, WebSocket clients.</summary>
public sealed class SupervisedReloadTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Reloads_under_keep_alive_load_fail_no_request()
    {
        await using var server = await SupervisedServer.StartAsync();
        var (failures, served) = await KeepAliveLoad.RunAsync(server.BaseAddress, async () =>
        {
            for (var reload = 0; reload < 5; reload++)
            {
                var (exitCode, output) = await server.RunAsync("reload");
                Assert.True(exitCode == 0, output);
            }
        });

        Assert.True(failures.Count == 0, $"{failures.Count} of {served + failures.Count} requests failed: {string.Join("; ", failures.Take(5))}\nLog:\n{server.Log}");
        Assert.True(served > 100, $"only {served} requests were served");
    }

    [Fact]
    public async Task MaxRequest_recycles_the_worker_under_load_without_a_failed_request()
    {
        await using var server = await SupervisedServer.StartAsync("--Resident:MaxRequest=300");
        var first = (await server.WhoAsync()).ProcessId;
        var (failures, served) = await KeepAliveLoad.RunAsync(server.BaseAddress, async () =>
            Assert.True(await SupervisedServer.EventuallyAsync(() => server.Log.Split('\n').Count(line => line.Contains("served MaxRequest", StringComparison.Ordinal)) >= 3, Generous),
                "fewer than 3 recycles; log:\n" + server.Log));

        Assert.True(failures.Count == 0, $"{failures.Count} of {served + failures.Count} requests failed: {string.Join("; ", failures.Take(5))}");
        Assert.NotEqual(first, (await server.WhoAsync()).ProcessId);
    }

    [Fact]
    public async Task Tasks_queued_and_delayed_before_a_reload_run_exactly_once_after_it()
    {
        await using var server = await SupervisedServer.StartAsync();
        var oldWorker = (await server.WhoAsync()).ProcessId;
        using (var client = new HttpClient { BaseAddress = server.BaseAddress })
        {
            // Due well after the old worker has drained (up to 3 s for its keep-alive connections): it hands them over.
            for (var i = 0; i < 20; i++)
            {
                (await client.PostAsync($"/task?id=later{i}&delayMs=10000", null)).EnsureSuccessStatusCode();
            }

            (await client.PostAsync("/task?id=now&delayMs=0", null)).EnsureSuccessStatusCode();
        }

        var (exitCode, output) = await server.RunAsync("reload");
        Assert.True(exitCode == 0, output);

        Assert.True(await SupervisedServer.EventuallyAsync(() => !SupervisedServer.IsRunning(oldWorker), Generous), "the old worker did not exit");
        Assert.True(await SupervisedServer.EventuallyAsync(() => server.Journal.Count(line => line.StartsWith("task later", StringComparison.Ordinal)) >= 20, Generous),
            "the delayed tasks did not all run; journal:\n" + string.Join("\n", server.Journal) + "\nlog:\n" + server.Log);
        var runs = server.Journal.Where(line => line.StartsWith("task ", StringComparison.Ordinal)).Select(line => line.Split(' ')).ToArray();
        foreach (var id in Enumerable.Range(0, 20).Select(i => $"later{i}").Append("now"))
        {
            Assert.Equal(1, runs.Count(parts => parts[1] == id));
        }

        // The delayed ones were handed over: they ran in the new generation.
        Assert.All(runs.Where(parts => parts[1].StartsWith("later", StringComparison.Ordinal)), parts => Assert.NotEqual(oldWorker.ToString(), parts[2]));
    }

    [Fact]
    public async Task WebSocket_clients_get_1012_on_reload_and_reconnect_to_the_new_generation()
    {
        await using var server = await SupervisedServer.StartAsync();
        var uri = new Uri($"ws://{server.BaseAddress.Authority}/ws");
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None);
        var hello = await ReceiveTextAsync(socket);
        var firstPid = hello.Split(' ')[2];

        var reload = server.RunAsync("reload");
        var buffer = new byte[256];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Generous);
        Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((System.Net.WebSockets.WebSocketCloseStatus)1012, socket.CloseStatus);
        Assert.Equal(0, (await reload).ExitCode);

        using var again = new System.Net.WebSockets.ClientWebSocket();
        await again.ConnectAsync(uri, CancellationToken.None);
        Assert.NotEqual(firstPid, (await ReceiveTextAsync(again)).Split(' ')[2]);
    }

    [Fact]
    public async Task With_two_workers_a_push_reaches_a_connection_on_the_other_worker_and_a_broadcast_reaches_all()
    {
        await using var server = await SupervisedServer.StartAsync("--Resident:WorkerNum=2");
        var uri = new Uri($"ws://{server.BaseAddress.Authority}/ws");

        // Connect until there is a client on each worker (the kernel picks the worker per connection).
        var clients = new List<(System.Net.WebSockets.ClientWebSocket Socket, long Id, string Pid)>();
        for (var attempt = 0; attempt < 100 && clients.Select(client => client.Pid).Distinct().Count() < 2; attempt++)
        {
            var socket = new System.Net.WebSockets.ClientWebSocket();
            await socket.ConnectAsync(uri, CancellationToken.None);
            var parts = (await ReceiveTextAsync(socket)).Split(' ');
            clients.Add((socket, long.Parse(parts[1]), parts[2]));
        }

        try
        {
            var a = clients[0];
            var b = clients.First(client => client.Pid != a.Pid);
            Assert.True(await SupervisedServer.EventuallyAsync(() =>
            {
                SendText(a.Socket, "count").GetAwaiter().GetResult();
                return ReceiveTextAsync(a.Socket).GetAwaiter().GetResult() == $"count {clients.Count}";
            }, Generous), "the directory never covered both workers");

            await SendText(a.Socket, $"push {b.Id} across");
            Assert.Equal("across", await ReceiveTextAsync(b.Socket));
            Assert.Equal("pushed", await ReceiveTextAsync(a.Socket));

            await SendText(b.Socket, "broadcast to-everyone");
            foreach (var client in clients)
            {
                Assert.Equal("to-everyone", await ReceiveTextAsync(client.Socket));
            }

            Assert.Equal($"broadcast to {clients.Count}", await ReceiveTextAsync(b.Socket));
        }
        finally
        {
            clients.ForEach(client => client.Socket.Dispose());
        }
    }

    private static Task SendText(System.Net.WebSockets.ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<string> ReceiveTextAsync(System.Net.WebSockets.ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Generous);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
