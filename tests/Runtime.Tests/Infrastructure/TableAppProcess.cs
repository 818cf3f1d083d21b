using System.Diagnostics;
using System.Threading.Channels;

namespace Resident.Tests.Infrastructure;

/// <summary>tests/Apps/TableApp running as a second process that shares the test's tables.</summary>
public sealed class TableAppProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];

    private TableAppProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    public static TableAppProcess Start(string instanceName, string mode, string key, int times = 1, string? directory = null)
    {
        var assembly = Path.Combine(RepositoryRoot(), "tests", "Apps", "TableApp", "bin", Configuration, "net10.0", "TableApp.dll");
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException("Build tests/Apps/TableApp first.", assembly);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        foreach (var argument in new[]
                 {
                     assembly, "--Resident:ListenPort=0", $"--Resident:Tables:InstanceName={instanceName}",
                     $"--Mode={mode}", $"--Key={key}", $"--Times={times}", $"--Resident:Tables:Directory={directory}",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var app = new TableAppProcess(process);
        process.OutputDataReceived += (_, args) => app.Received(args.Data, "");
        process.ErrorDataReceived += (_, args) => app.Received(args.Data, "stderr: ");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Waits (bounded) for a line that starts with <paramref name="prefix"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(string prefix)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(timeout.Token))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new Xunit.Sdk.XunitException($"TableApp never printed '{prefix}…'. Output:\n{string.Join('\n', Output)}");
    }

    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM (a graceful stop), and waits until the process is gone; returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!)
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync();
    }

    /// <summary>Sends a command to <c>--Mode=serve</c> and returns the answer line that starts with <paramref name="answerPrefix"/>.</summary>
    public async Task<string> AskAsync(string command, string answerPrefix)
    {
        await SendLineAsync(command);
        return await WaitForLineAsync(answerPrefix);
    }

    /// <summary>SIGKILL, and waits until the process is gone (and reaped).</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Received(string? line, string prefix)
    {
        if (line is null)
        {
            return;
        }

        lock (_seen)
        {
            _seen.Add(prefix + line);
        }

        _lines.Writer.TryWrite(prefix + line);
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary>The repository's root (the folder holding Gen.sln), found from the test's output folder.</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Gen.sln not found above " + AppContext.BaseDirectory);
    }
}
