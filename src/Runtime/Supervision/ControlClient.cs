using System.Diagnostics;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Cli;

namespace Resident.Supervision;

/// <summary>
/// The verbs a shell runs against a supervised server: <c>start -d</c> (re-executes itself as the master in a new
/// session and waits until it serves), <c>stop</c>, <c>reload</c>, <c>info</c> and <c>restart</c>. Each is
/// synchronous, prints one line of outcome and exits non-zero with the reason when it could not do its job.
/// </summary>
internal static class ControlClient
{
    /// <summary>
    /// The running master's pid, or null when the pid file is missing or stale: left by a master killed with SIGKILL,
    /// perhaps naming a pid reused since, so its control socket does not answer.
    /// </summary>
    public static async Task<int?> RunningMasterAsync(PidFile pidFile)
    {
        if (await ConnectAsync(pidFile, report: false).ConfigureAwait(false) is not { } connection)
        {
            return null;
        }

        await connection.Channel.DisposeAsync().ConfigureAwait(false);
        return connection.ProcessId;
    }

    private static bool IsDaemonMaster => Environment.GetEnvironmentVariable(SupervisorEnvironment.ReadyDescriptor) is { Length: > 0 };

    public static async Task<int> RunAsync(WebApplication app, ResidentCommand command, string[] args)
    {
        var options = app.Services.GetRequiredService<IOptions<ResidentOptions>>().Value;
        var pidFile = PidFile.Of(options, app.Services.GetService<IHostEnvironment>());
        switch (command.Verb)
        {
            case ResidentVerb.Start or ResidentVerb.Restart when IsDaemonMaster:
                // This process is the master a `start -d` starter re-executed: serve, don't daemonize again.
                return await new Master(app, command, args).RunAsync().ConfigureAwait(false);
            case ResidentVerb.Start when command.Daemon:
                return await DaemonizeAsync(app, options, pidFile, command, args).ConfigureAwait(false);
            case ResidentVerb.Start:
                return await new Master(app, command, args).RunAsync().ConfigureAwait(false);
            case ResidentVerb.Stop:
                return await StopAsync(pidFile, options, reportNotRunning: true).ConfigureAwait(false);
            case ResidentVerb.Restart:
                var stopped = await StopAsync(pidFile, options, reportNotRunning: false).ConfigureAwait(false);
                if (stopped != 0)
                {
                    return stopped;
                }

                return command.Daemon
                    ? await DaemonizeAsync(app, options, pidFile, command, args).ConfigureAwait(false)
                    : await new Master(app, command, args).RunAsync().ConfigureAwait(false);
            case ResidentVerb.Reload:
                return await AskAsync(pidFile, "reload", reply => Console.Out.WriteLine("Resident " + reply)).ConfigureAwait(false);
            case ResidentVerb.Info:
                return await AskAsync(pidFile, "info", reply => Console.Out.Write(command.AsJson ? reply + Environment.NewLine : InfoTable.Render(reply))).ConfigureAwait(false);
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Verb, "Not a supervised-mode verb.");
        }
    }

    private static async Task<int> AskAsync(PidFile pidFile, string question, Action<string> print)
    {
        if (await ConnectAsync(pidFile).ConfigureAwait(false) is not { } connection)
        {
            return 1;
        }

        await using var channel = connection.Channel;
        await channel.SendAsync(ControlKind.Command, question).ConfigureAwait(false);
        var reply = await channel.ReadAsync(CancellationToken.None).ConfigureAwait(false);
        if (reply is not { Kind: ControlKind.Reply } answer)
        {
            Console.Error.WriteLine($"Resident (pid {connection.ProcessId}) closed the connection without answering '{question}'.");
            return 1;
        }

        var text = answer.Text;
        if (text.StartsWith("ok ", StringComparison.Ordinal))
        {
            print(text[3..]);
            return 0;
        }

        Console.Error.WriteLine("Resident " + (text.StartsWith("error ", StringComparison.Ordinal) ? text[6..] : text));
        return 1;
    }

    /// <summary>The running master's control connection, or null (said on standard error when <paramref name="report"/>).</summary>
    private static async Task<(ControlChannel Channel, int ProcessId)?> ConnectAsync(PidFile pidFile, bool report = true)
    {
        if (pidFile.Read() is not { } content || !PidFile.IsAlive(content.ProcessId))
        {
            if (report)
            {
                Console.Error.WriteLine($"Resident is not running (no live master in {pidFile.Path}).");
            }

            return null;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return (await ControlChannel.ConnectAsync(content.ControlSocket, timeout.Token).ConfigureAwait(false), content.ProcessId);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or IOException)
        {
            if (report)
            {
                Console.Error.WriteLine($"Resident is not running: pid {content.ProcessId} in {pidFile.Path} does not answer on {content.ControlSocket} ({exception.Message}).");
            }

            return null;
        }
    }

    /// <summary>Stops the server and returns once every process of it has exited.</summary>
    private static async Task<int> StopAsync(PidFile pidFile, ResidentOptions options, bool reportNotRunning)
    {
        if (await ConnectAsync(pidFile, reportNotRunning) is not { } connection)
        {
            return reportNotRunning ? 1 : 0;
        }

        await using (connection.Channel)
        {
            await connection.Channel.SendAsync(ControlKind.Command, "stop").ConfigureAwait(false);

            // The master answers at once, then holds the connection until it exits.
            var budget = options.MaxWaitTime + TimeSpan.FromSeconds(30);
            using var timeout = new CancellationTokenSource(budget);
            try
            {
                while (await connection.Channel.ReadAsync(timeout.Token).ConfigureAwait(false) is not null)
                {
                }
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"Resident (pid {connection.ProcessId}) did not stop within {budget.TotalSeconds:0} s.");
                return 1;
            }
        }

        // The connection closes as the master exits; its pid disappears a moment later.
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (IsRunningProcess(connection.ProcessId) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        Console.Out.WriteLine($"Resident stopped (pid {connection.ProcessId}).");
        return 0;
    }

    // A zombie (exited, not yet reaped by its parent) has stopped.
    private static bool IsRunningProcess(int processId)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{processId}/stat");
            var state = status[(status.LastIndexOf(')') + 2)..];
            return state.Length > 0 && state[0] != 'Z' && state[0] != 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>start -d</c>: .NET cannot fork, so the master is this executable again, in a new session, its output appended
    /// to the log file; it writes one line to a pipe when it serves (or why it could not), and this process prints it.
    /// </summary>
    private static async Task<int> DaemonizeAsync(WebApplication app, ResidentOptions options, PidFile pidFile, ResidentCommand command, string[] args)
    {
        if (!command.IgnorePidFile && await RunningMasterAsync(pidFile).ConfigureAwait(false) is { } running)
        {
            Console.Error.WriteLine($"Resident is already running (pid {running}); pid file {pidFile.Path}.");
            return 1;
        }

        var logFile = Path.GetFullPath(Path.Combine(app.Environment.ContentRootPath, options.LogFile is { Length: > 0 } log ? log : "resident.log"));
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        using var ready = new AnonymousPipeServerStream(PipeDirection.In, System.IO.HandleInheritability.Inheritable);
        var (executable, prefix) = Master.Executable();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" >>\"$RESIDENT_LOG_FILE\" 2>&1 </dev/null");
        start.ArgumentList.Add("resident");
        foreach (var argument in prefix.Prepend(executable).Concat(args))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["RESIDENT_LOG_FILE"] = logFile;
        start.Environment[SupervisorEnvironment.ReadyDescriptor] = ready.GetClientHandleAsString();
        using var master = Process.Start(start) ?? throw new InvalidOperationException("The master process did not start.");
        ready.DisposeLocalCopyOfClientHandle();

        using var reader = new StreamReader(ready);
        var line = await reader.ReadLineAsync().ConfigureAwait(false);
        if (line is not null && line.StartsWith("ready ", StringComparison.Ordinal))
        {
            Console.Out.WriteLine($"{line[6..]}; log {logFile}");
            return 0;
        }

        var reason = line is not null && line.StartsWith("error ", StringComparison.Ordinal)
            ? line[6..].Replace('\u001f', '\n')
            : $"the master (pid {master.Id}) exited before it was ready; see {logFile}.";
        Console.Error.WriteLine(reason);
        return 1;
    }
}
