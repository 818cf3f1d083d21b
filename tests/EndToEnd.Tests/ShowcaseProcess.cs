using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Resident.EndToEnd.Tests;

/// <summary>The built Showcase running as a real process on a port the OS chooses.</summary>
internal sealed partial class ShowcaseProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ShowcaseProcess(Process process) => _process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int ProcessId => _process.Id;

    /// <summary>Starts the JIT build with <c>dotnet Showcase.dll</c>, from the project folder as <c>dotnet run</c> does.</summary>
    public static Task<ShowcaseProcess> StartAsync(params string[] extraArgs) =>
        StartAsync(Repository.ShowcaseAssembly, Repository.ShowcaseProject, extraArgs);

    /// <summary>Starts <paramref name="program"/> (a .dll runs under <c>dotnet</c>, anything else directly).</summary>
    public static async Task<ShowcaseProcess> StartAsync(string program, string workingDirectory, params string[] extraArgs)
    {
        if (!File.Exists(program))
        {
            throw new FileNotFoundException("Build the solution first: the Showcase is missing.", program);
        }

        var managed = program.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(managed ? "dotnet" : program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (managed)
        {
            start.ArgumentList.Add(program);
        }

        start.ArgumentList.Add("--Resident:ListenPort=0");

        if (Path.GetFileNameWithoutExtension(program) == "Showcase")
        {
            // The Showcase's extra ports too: showcases run side by side in the tests.
            start.ArgumentList.Add("--Resident:Sockets:tcp-echo:Port=0");
            start.ArgumentList.Add("--Resident:Sockets:udp-echo:Port=0");
        }
        foreach (var arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var showcase = new ShowcaseProcess(Process.Start(start)!);
        showcase._process.OutputDataReceived += (_, line) => showcase.Collect(line.Data);
        showcase._process.ErrorDataReceived += (_, line) => showcase.Collect(line.Data);
        showcase._process.BeginOutputReadLine();
        showcase._process.BeginErrorReadLine();

        try
        {
            showcase.BaseAddress = await showcase._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await showcase.DisposeAsync();
            throw new TimeoutException("The Showcase did not report its address. Output:\n" + showcase.Output);
        }

        return showcase;
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as `kill` or an orchestrator does, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (StartedLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups["address"].Value));
        }
    }

    /// <summary>The endpoint an extra port reported in its "listens on" log line.</summary>
    public System.Net.IPEndPoint SocketEndPoint(string port)
    {
        var match = Regex.Match(Output, $@"Port {Regex.Escape(port)} \((Tcp|Udp)\) listens on (?<endpoint>[0-9.]+:\d+)");
        return match.Success
            ? System.Net.IPEndPoint.Parse(match.Groups["endpoint"].Value)
            : throw new InvalidOperationException($"The Showcase did not report port {port}. Output:\n{Output}");
    }

    [GeneratedRegex(@"Resident server started in inline mode \(pid \d+\) on (?<address>http://[0-9.]+:\d+)")]
    private static partial Regex StartedLine();
}
