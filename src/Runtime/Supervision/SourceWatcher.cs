using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Resident.Supervision;

/// <summary>A command the watcher runs to build: a program, its arguments, and the directory it runs in.</summary>
internal sealed record SourceBuildCommand(string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory)
{
    /// <summary>
    /// <c>dotnet build &lt;project&gt; -c &lt;configuration&gt; --nologo</c>, run in the project's directory, plus
    /// <paramref name="extraArguments"/>.
    /// </summary>
    public static SourceBuildCommand DotnetBuild(string projectFile, string configuration, params string[] extraArguments) =>
        new("dotnet", ["build", projectFile, "-c", configuration, "--nologo", .. extraArguments],
            Path.GetDirectoryName(Path.GetFullPath(projectFile))!);

    public override string ToString() => FileName + " " + string.Join(' ', Arguments);
}

/// <summary>What one build did.</summary>
/// <param name="Succeeded">The command exited with 0.</param>
/// <param name="ExitCode">The command's exit code; -1 when it could not start or was stopped.</param>
/// <param name="ErrorLines">The build's error lines (each once, at most <see cref="SourceWatcher.MaxErrorLines"/>).</param>
/// <param name="Changes">The changed paths that caused this build (at most <see cref="SourceWatcher.MaxChangesKept"/>).</param>
/// <param name="Elapsed">How long the build took.</param>
/// <param name="Reloaded">The reload callback ran and completed without throwing.</param>
internal sealed record SourceBuildResult(
    bool Succeeded, int ExitCode, IReadOnlyList<string> ErrorLines, IReadOnlyList<string> Changes, TimeSpan Elapsed, bool Reloaded);

/// <summary>Settings of <see cref="SourceWatcher"/>.</summary>
internal sealed class SourceWatchOptions
{
    /// <summary>The extensions whose changes rebuild (anything under <c>wwwroot/</c> does too).</summary>
    public static readonly IReadOnlyList<string> DefaultExtensions = [".cs", ".cshtml", ".razor", ".json", ".csproj", ".props", ".targets"];

    /// <summary>Directories whose contents never rebuild: build output and the repository.</summary>
    public static readonly IReadOnlyList<string> IgnoredDirectories = ["bin", "obj", ".git"];

    /// <summary>The default quiet time after the last change before building.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(500);

    /// <summary>The directories (or single files) watched, recursively; by default the project's directory.</summary>
    public required IReadOnlyList<string> Paths { get; init; }

    /// <summary>What runs on a change, e.g. <see cref="SourceBuildCommand.DotnetBuild"/>.</summary>
    public required SourceBuildCommand Build { get; init; }

    /// <summary>
    /// The build waits until no change arrived for this long, so a burst of saves (an editor writing several files, a
    /// <c>git checkout</c>) makes one build.
    /// </summary>
    public TimeSpan Debounce { get; init; } = DefaultDebounce;

    /// <summary>Extensions (with the dot, any case) whose changes rebuild.</summary>
    public IReadOnlyList<string> Extensions { get; init; } = DefaultExtensions;

    /// <summary>
    /// The options for watching the project in <paramref name="projectFile"/> (or <paramref name="paths"/> when any are
    /// given) and building it with <paramref name="configuration"/>.
    /// </summary>
    public static SourceWatchOptions ForProject(string projectFile, string configuration, IReadOnlyList<string>? paths = null) => new()
    {
        Paths = paths is { Count: > 0 } ? paths : [Path.GetDirectoryName(Path.GetFullPath(projectFile))!],
        Build = SourceBuildCommand.DotnetBuild(projectFile, configuration),
    };

    /// <summary>
    /// The project file of the running app: the one <c>*.csproj</c> found first walking up from each of
    /// <paramref name="startDirectories"/> in turn (pass the content root, then <see cref="AppContext.BaseDirectory"/>,
    /// which lies under the project's <c>bin/</c> when the app runs from its build output). Null when none is found; a
    /// directory holding several project files is ambiguous and skipped.
    /// </summary>
    public static string? FindProjectFile(params string[] startDirectories)
    {
        foreach (var start in startDirectories)
        {
            for (var directory = new DirectoryInfo(Path.GetFullPath(start)); directory is not null; directory = directory.Parent)
            {
                if (!directory.Exists)
                {
                    continue;
                }

                var projects = directory.GetFiles("*.csproj");
                if (projects.Length == 1)
                {
                    return projects[0].FullName;
                }

                if (projects.Length > 1)
                {
                    break;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The build configuration an app runs from, read from its directory: <c>…/bin/&lt;Configuration&gt;/…</c> (e.g.
    /// <c>bin/Release/net10.0/</c>, also under <c>publish/</c>); <paramref name="fallback"/> when the path has no such part.
    /// </summary>
    public static string ConfigurationOf(string applicationDirectory, string fallback = "Debug")
    {
        var parts = Path.GetFullPath(applicationDirectory).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var index = parts.Length - 2; index >= 0; index--)
        {
            if (parts[index] == "bin")
            {
                return parts[index + 1];
            }
        }

        return fallback;
    }
}

/// <summary>
/// Watch mode (<c>start --watch</c>): watches the sources under <see cref="SourceWatchOptions.Paths"/>, and after a burst
/// of changes (one debounce window) runs the build command once; when it succeeds, calls the reload callback; when it
/// fails, logs the build's error lines and leaves the running generation serving. Changes during a build make exactly
/// one more build after it. Changes under <c>bin/</c>, <c>obj/</c> and <c>.git/</c> are ignored (the build writes
/// there). Uses <see cref="FileSystemWatcher"/> (inotify on Linux, one watch per directory): when the system's limit
/// <c>fs.inotify.max_user_watches</c> (or <c>max_user_instances</c>) is reached, the part that cannot be watched is
/// logged with the sysctl to raise, and the server keeps running without reloading on changes there.
/// </summary>
internal sealed partial class SourceWatcher : IAsyncDisposable
{
    /// <summary>At most this many error lines are kept and logged per build.</summary>
    public const int MaxErrorLines = 30;

    /// <summary>At most this many changed paths are kept per build.</summary>
    public const int MaxChangesKept = 20;

    /// <summary>Changes that keep coming postpone a build by at most this many debounce windows.</summary>
    public const int MaxQuietWindows = 20;

    // How long the build's output may stay open after the build exited.
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(5);

    private readonly SourceWatchOptions _options;
    private readonly Func<CancellationToken, Task> _reload;
    private readonly ILogger _logger;
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly HashSet<string> _extensions;
    private Task _loop = Task.CompletedTask;
    private int _started;

    public SourceWatcher(SourceWatchOptions options, Func<CancellationToken, Task> reload, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(reload);
        if (options.Paths.Count == 0)
        {
            throw new ArgumentException("Watch mode needs at least one path to watch.", nameof(options));
        }

        _options = options;
        _reload = reload;
        _logger = logger ?? NullLogger.Instance;
        _extensions = new HashSet<string>(options.Extensions, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Raised after each build (and its reload, when it succeeded), on the watcher's loop.</summary>
    public event Action<SourceBuildResult>? BuildFinished;

    /// <summary>
    /// Arms the watchers (every change after this returns is seen) and starts the build loop. A path that does not
    /// exist or cannot be watched is logged and skipped; the others are watched.
    /// </summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The source watcher is already started.");
        }

        foreach (var path in _options.Paths)
        {
            Watch(Path.GetFullPath(path));
        }

        SupervisionLog.WatchStarted(_logger, string.Join(", ", _watchers.Select(watcher => watcher.Path)), _options.Build.ToString());
        _loop = Task.Run(() => LoopAsync(_stopping.Token));
    }

    /// <summary>Stops watching; a build in progress is killed, a reload in progress is cancelled and awaited.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers)
        {
            watcher.EnableRaisingEvents = false;
            watcher.Dispose();
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _changes.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    /// <summary>Whether a change to <paramref name="fullPath"/> under the watched <paramref name="root"/> should rebuild.</summary>
    internal bool IsSourceChange(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        var segments = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        if (segments.Take(segments.Length - 1).Any(segment => SourceWatchOptions.IgnoredDirectories.Contains(segment, StringComparer.OrdinalIgnoreCase)))
        {
            return false;
        }

        return _extensions.Contains(Path.GetExtension(fullPath))
            || segments.Take(segments.Length - 1).Contains("wwwroot", StringComparer.OrdinalIgnoreCase);
    }

    private void Watch(string path)
    {
        var isFile = File.Exists(path);
        if (!isFile && !Directory.Exists(path))
        {
            SupervisionLog.WatchPathMissing(_logger, path);
            return;
        }

        var directory = isFile ? Path.GetDirectoryName(path)! : path;
        var watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = !isFile,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        if (isFile)
        {
            watcher.Filter = Path.GetFileName(path);
        }

        watcher.Changed += (_, change) => OnChange(directory, change.FullPath);
        watcher.Created += (_, change) => OnChange(directory, change.FullPath);
        watcher.Deleted += (_, change) => OnChange(directory, change.FullPath);
        watcher.Renamed += (_, change) =>
        {
            // Editors save by writing a temporary file and renaming it over the source: the new name counts.
            OnChange(directory, change.OldFullPath);
            OnChange(directory, change.FullPath);
        };
        watcher.Error += (_, error) => ReportWatchError(directory, error.GetException());
        try
        {
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            watcher.Dispose();
            ReportWatchError(directory, exception);
        }
    }

    private void OnChange(string root, string fullPath)
    {
        if (IsSourceChange(root, fullPath))
        {
            _changes.Writer.TryWrite(fullPath);
        }
    }

    /// <summary>
    /// What a watcher's failure means: lost events (buffer overflow) rebuild to be safe; the inotify limit is named with
    /// its sysctl; anything else is logged as it is.
    /// </summary>
    internal void ReportWatchError(string root, Exception exception)
    {
        if (exception is InternalBufferOverflowException)
        {
            // Changes were lost: rebuild to be safe rather than miss one.
            SupervisionLog.WatchOverflow(_logger, root);
            _changes.Writer.TryWrite(root);
        }
        else if (exception is IOException && exception.Message.Contains("inotify", StringComparison.OrdinalIgnoreCase))
        {
            SupervisionLog.WatchLimitReached(_logger, root, exception);
        }
        else
        {
            SupervisionLog.WatchFailed(_logger, root, exception);
        }
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        var reader = _changes.Reader;
        while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
        {
            var changes = new List<string>();
            Drain(reader, changes);
            // Quiet period: every change restarts it, so a burst makes one build; a source that never stops changing
            // is built after MaxQuietWindows windows all the same.
            for (var window = 0; window < MaxQuietWindows; window++)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                quiet.CancelAfter(_options.Debounce);
                try
                {
                    if (!await reader.WaitToReadAsync(quiet.Token).ConfigureAwait(false))
                    {
                        return;
                    }

                    Drain(reader, changes);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    break;
                }
            }

            // Changes arriving from here on wait in the channel and make the next build, exactly one.
            SourceBuildResult result;
            try
            {
                result = await BuildAndReloadAsync(changes, stopping).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Watch mode outlives any one failed build.
                SupervisionLog.WatchFailed(_logger, _options.Build.WorkingDirectory, exception);
                result = new SourceBuildResult(false, -1, [], changes, TimeSpan.Zero, Reloaded: false);
            }

            try
            {
                BuildFinished?.Invoke(result);
            }
            catch (Exception exception)
            {
                SupervisionLog.WatchObserverFailed(_logger, exception);
            }
        }
    }

    private static void Drain(ChannelReader<string> reader, List<string> changes)
    {
        while (reader.TryRead(out var change))
        {
            if (changes.Count < MaxChangesKept && !changes.Contains(change, StringComparer.Ordinal))
            {
                changes.Add(change);
            }
        }
    }

    private async Task<SourceBuildResult> BuildAndReloadAsync(List<string> changes, CancellationToken stopping)
    {
        SupervisionLog.WatchBuildStarted(_logger, changes.Count, changes.Count > 0 ? changes[0] : "", _options.Build.ToString());
        var clock = Stopwatch.StartNew();
        var (exitCode, errors) = await RunBuildAsync(stopping).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        if (exitCode != 0)
        {
            if (exitCode != -1)
            {
                SupervisionLog.WatchBuildFailed(_logger, exitCode, (long)elapsed.TotalMilliseconds,
                    errors.Count == 0 ? "(the build printed no error line)" : string.Join(Environment.NewLine, errors));
            }

            return new SourceBuildResult(false, exitCode, errors, changes, elapsed, Reloaded: false);
        }

        SupervisionLog.WatchBuildSucceeded(_logger, (long)elapsed.TotalMilliseconds);
        var reloaded = false;
        try
        {
            await _reload(stopping).ConfigureAwait(false);
            reloaded = true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            SupervisionLog.WatchReloadFailed(_logger, exception);
        }

        return new SourceBuildResult(true, 0, errors, changes, elapsed, reloaded);
    }

    private async Task<(int ExitCode, List<string> Errors)> RunBuildAsync(CancellationToken stopping)
    {
        var command = _options.Build;
        var start = new ProcessStartInfo(command.FileName)
        {
            WorkingDirectory = command.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var errors = new List<string>();
        using var process = new Process { StartInfo = start };
        try
        {
            // Not while the master hands its listening sockets to a worker: the build would inherit them too.
            lock (InheritedDescriptors.ProcessStartLock)
            {
                process.Start();
            }
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            SupervisionLog.WatchBuildNotStarted(_logger, command.ToString(), exception);
            return (-1, errors);
        }

        process.StandardInput.Close();
        var output = CollectErrorsAsync(process.StandardOutput, errors);
        var error = CollectErrorsAsync(process.StandardError, errors);
        try
        {
            await process.WaitForExitAsync(stopping).ConfigureAwait(false);
            try
            {
                // A build node or compiler server started by the build may hold the pipes open after the build exits.
                await Task.WhenAll(output, error).WaitAsync(OutputGrace, stopping).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            lock (errors)
            {
                return (process.ExitCode, [.. errors]);
            }
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }

            return (-1, errors);
        }
    }

    private static async Task CollectErrorsAsync(StreamReader reader, List<string> errors)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (!ErrorLine().IsMatch(line))
            {
                continue;
            }

            var trimmed = line.Trim();
            lock (errors)
            {
                // MSBuild prints each error twice (as it happens and in the summary).
                if (errors.Count < MaxErrorLines && !errors.Contains(trimmed, StringComparer.Ordinal))
                {
                    errors.Add(trimmed);
                }
            }
        }
    }

    // MSBuild's canonical error format, "origin: error CODE: text", and a bare "error CODE: text" (MSBxxxx, NETSDKxxxx).
    [GeneratedRegex(@"(^|:\s*)error\s+[A-Za-z]+[0-9]+\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorLine();
}
