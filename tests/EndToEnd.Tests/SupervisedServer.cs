using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Resident.EndToEnd.Tests;

/// <summary>
/// tests/Apps/SupervisedApp driven through its verbs as a shell user would (<c>dotnet SupervisedApp.dll start -d</c>,
/// <c>reload</c>, <c>info</c>, <c>stop</c>), in a directory of its own that holds the pid file, the log and the journal.
/// </summary>
internal sealed partial class SupervisedServer : IAsyncDisposable
{
    private static readonly TimeSpan VerbTimeout = TimeSpan.FromSeconds(180);
    private readonly List<string> _settings;

    private SupervisedServer(string program, IEnumerable<string> settings)
    {
        Program = program;
        Directory = Path.Combine(Path.GetTempPath(), "resident-supervised-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        _settings =
        [
            "--Resident:ListenPort=0",
            $"--Resident:PidFile={PidFilePath}",
            $"--Resident:LogFile={LogPath}",
            $"--App:Journal={JournalPath}",
            "--Logging:Console:FormatterName=simple",
            "--Logging:Console:FormatterOptions:SingleLine=true",
            .. settings,
        ];
    }

    /// <summary>The settings every verb gets (after the verb and its options).</summary>
    public IReadOnlyList<string> Settings => _settings;

    /// <summary>The executable: a .dll runs under <c>dotnet</c>.</summary>
    public string Program { get; }

    public string Directory { get; }

    public string PidFilePath => Path.Combine(Directory, "app.pid");

    public string LogPath => Path.Combine(Directory, "app.log");

    public string JournalPath => Path.Combine(Directory, "journal.txt");

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The master's pid, from the pid file.</summary>
    public int MasterProcessId => int.Parse(File.ReadAllLines(PidFilePath)[0]);

    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    /// <summary>Every process's journal lines (each writes its own file: see the app's Journal), file by file.</summary>
    public string[] Journal =>
        [.. System.IO.Directory.EnumerateFiles(Directory, Path.GetFileName(JournalPath) + ".*").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines)];

    /// <summary>A server that has not been started yet.</summary>
    public static SupervisedServer Create(params string[] settings) => new(Repository.SupervisedAppAssembly, settings);

    /// <summary>Runs <c>start -d</c> and returns once it serves; fails with the server's log when it does not.</summary>
    public static Task<SupervisedServer> StartAsync(params string[] settings) => StartProgramAsync(Repository.SupervisedAppAssembly, settings);

    /// <summary>Runs <c>start -d</c> of <paramref name="program"/> (say, the NativeAOT Showcase) and returns once it serves.</summary>
    public static async Task<SupervisedServer> StartProgramAsync(string program, params string[] settings)
    {
        var server = new SupervisedServer(program, settings);
        var (exitCode, output) = await server.RunAsync("start", "-d");
        if (exitCode != 0)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"start -d exited with {exitCode}:\n{output}\nLog:\n{server.Log}");
        }

        server.UseAddressFrom(output);
        return server;
    }

    /// <summary>Takes the address a <c>start -d</c> (or <c>restart -d</c>) printed.</summary>
    public void UseAddressFrom(string output) => BaseAddress = new Uri(ListenAddress().Match(output).Value);

    /// <summary>Runs <c>app {verb} {args…}</c> with the server's settings and returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] verbAndOptions) =>
        await RunAsync(null, verbAndOptions);

    /// <summary>Same, with extra environment variables.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(IDictionary<string, string>? environment, params string[] verbAndOptions)
    {
        using var process = Process.Start(StartInfo(environment, verbAndOptions))!;
        var output = new StringBuilder();
        var reading = Task.WhenAll(
            process.StandardOutput.ReadToEndAsync().ContinueWith(text => { lock (output) { output.Append(text.Result); } }),
            process.StandardError.ReadToEndAsync().ContinueWith(text => { lock (output) { output.Append(text.Result); } }));
        try
        {
            await process.WaitForExitAsync().WaitAsync(VerbTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', verbAndOptions)}' did not finish within {VerbTimeout.TotalSeconds} s. Log:\n{Log}");
        }

        // The daemon's output goes to the log, not to these pipes, so they end with the verb.
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, output.ToString());
    }

    /// <summary>Starts <c>app {verb}</c> in the foreground (the master itself, as supervisord runs it) with output captured.</summary>
    public Process StartForeground(IDictionary<string, string>? environment, params string[] verbAndOptions)
    {
        var process = Process.Start(StartInfo(environment, verbAndOptions))!;
        return process;
    }

    public ProcessStartInfo StartInfo(IDictionary<string, string>? environment, params string[] verbAndOptions)
    {
        var managed = Program.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(managed ? "dotnet" : Program)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (managed)
        {
            start.ArgumentList.Add(Program);
        }

        foreach (var argument in verbAndOptions.Concat(_settings))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Whether <paramref name="processId"/> runs (a zombie waiting to be reaped has stopped).</summary>
    public static bool IsRunning(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..];
            return state[0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds, polling a process-level fact no event reports.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout) =>
        EventuallyAsync(() => Task.FromResult(condition()), timeout);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds (one asked over the network, say).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Which process answered: (pid, worker id, version).</summary>
    public async Task<(int ProcessId, int WorkerId, string Version)> WhoAsync(HttpClient? client = null)
    {
        using var own = client is null ? new HttpClient { BaseAddress = BaseAddress } : null;
        var text = await (client ?? own!).GetStringAsync(new Uri(BaseAddress, "/who"));
        var parts = text.Split(' ');
        return (int.Parse(parts[0]), int.Parse(parts[1]), parts.Length > 2 ? parts[2] : "");
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(PidFilePath))
        {
            int? master = null;
            try
            {
                master = MasterProcessId;
                await RunAsync("stop");
            }
            catch (Exception)
            {
                // Fall through to the kill below.
            }

            if (master is { } pid && IsRunning(pid))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                }
            }
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListenAddress();
}
