using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The README's supervisord recipe with Debian's supervisor: it starts the master, restarts it, stops it.</summary>
public sealed partial class SupervisorRecipeTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Supervisord_starts_restarts_and_stops_the_server()
    {
        Assert.True(File.Exists("/usr/bin/supervisord"),
            "supervisord is missing: this test runs the README's supervisord recipe. Install it: apt-get install -y supervisor");
        await using var server = SupervisedServer.Create();
        var configuration = Path.Combine(server.Directory, "supervisord.conf");
        var output = Path.Combine(server.Directory, "app.out");
        var command = string.Join(' ', new[] { "dotnet", server.Program, "start", "-i" }.Concat(server.Settings));
        await File.WriteAllTextAsync(configuration, $"""
            [unix_http_server]
            file={server.Directory}/supervisor.sock

            [supervisord]
            logfile={server.Directory}/supervisord.log
            pidfile={server.Directory}/supervisord.pid
            childlogdir={server.Directory}
            nodaemon=true

            [rpcinterface:supervisor]
            supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

            [supervisorctl]
            serverurl=unix://{server.Directory}/supervisor.sock

            [program:app]
            command={command}
            directory={server.Directory}
            autorestart=true
            startsecs=1
            stopsignal=TERM
            stopwaitsecs=60
            stdout_logfile={output}
            redirect_stderr=true
            """);
        using var supervisord = Process.Start(new ProcessStartInfo("/usr/bin/supervisord", ["-c", configuration]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            var first = await ServingAsync(server, output, startedLines: 1);
            var master = server.MasterProcessId;

            // The master dies: supervisord starts it again, and the new one serves.
            Process.GetProcessById(master).Kill();
            var second = await ServingAsync(server, output, startedLines: 2);
            Assert.NotEqual(master, server.MasterProcessId);
            Assert.True(await SupervisedServer.EventuallyAsync(() => !SupervisedServer.IsRunning(first.Worker), Generous), "the killed master's worker lives on");

            var (stopped, stopOutput) = await Supervisorctl(configuration, "stop", "app");
            Assert.True(stopped == 0, stopOutput);
            Assert.True(await SupervisedServer.EventuallyAsync(() => !SupervisedServer.IsRunning(second.Worker), Generous), "a worker outlived supervisorctl stop");
            Assert.False(File.Exists(server.PidFilePath), "the pid file is left after supervisorctl stop");
        }
        finally
        {
            await Supervisorctl(configuration, "shutdown");
            await supervisord.WaitForExitAsync().WaitAsync(Generous);
        }
    }

    private static async Task<(Uri Address, int Worker)> ServingAsync(SupervisedServer server, string output, int startedLines)
    {
        MatchCollection? started = null;
        Assert.True(await SupervisedServer.EventuallyAsync(() =>
        {
            started = Started().Matches(File.Exists(output) ? ReadShared(output) : "");
            return started.Count >= startedLines;
        }, Generous), "the server did not start under supervisord:\n" + (File.Exists(output) ? ReadShared(output) : "(no output)"));
        var address = new Uri(started![startedLines - 1].Groups["address"].Value);
        using var client = new HttpClient { BaseAddress = address };
        var who = await client.GetStringAsync("/who");
        return (address, int.Parse(who.Split(' ')[0]));
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    private static async Task<(int ExitCode, string Output)> Supervisorctl(string configuration, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/supervisorctl", ["-c", configuration, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Generous);
        return (process.ExitCode, text);
    }

    [GeneratedRegex(@"Resident started: (?<address>http://127\.0\.0\.1:\d+)")]
    private static partial Regex Started();
}
