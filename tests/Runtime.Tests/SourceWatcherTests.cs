using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Resident.Supervision;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// Watch mode against real files and real child processes. One test builds a real project with <c>dotnet build</c> (a
/// good edit, then a broken one: two builds); the others run a shell script as the build command, so debouncing,
/// queueing and filtering are checked without the cost of real builds. "Exactly one build" is proven without sleeping:
/// the next build's list of changes shows which edits it was for, so a build in between would show.
/// </summary>
public sealed class SourceWatcherTests : IDisposable
{
    private static readonly TimeSpan FakeBuildTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RealBuildTimeout = TimeSpan.FromMinutes(5);
    private readonly string _directory = Directory.CreateTempSubdirectory("resident-watch-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_good_edit_builds_once_and_reloads_and_a_broken_edit_logs_the_error_and_keeps_the_generation()
    {
        var project = Path.Combine(_directory, "app");
        Directory.CreateDirectory(project);
        var projectFile = Path.Combine(project, "WatchedApp.csproj");
        File.WriteAllText(projectFile, """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """);
        var program = Path.Combine(project, "Program.cs");
        File.WriteAllText(program, "System.Console.WriteLine(\"first\");\n");
        // No build server may outlive the test.
        var options = new SourceWatchOptions
        {
            Paths = [project],
            Build = SourceBuildCommand.DotnetBuild(projectFile, "Release", "--disable-build-servers"),
        };
        await using var watch = new Watch(options);

        File.WriteAllText(program, "System.Console.WriteLine(\"second\");\n");
        var good = await watch.NextBuildAsync(RealBuildTimeout);

        Assert.True(good.Succeeded, "build failed: " + string.Join(Environment.NewLine, good.ErrorLines));
        Assert.True(good.Reloaded);
        Assert.Equal([program], good.Changes);
        Assert.Equal(1, watch.Reloads);
        Assert.True(File.Exists(Path.Combine(project, "bin", "Release", "net10.0", "WatchedApp.dll")));

        // The build wrote bin/ and obj/; had that counted, the next build would list those changes too.
        File.WriteAllText(program, "System.Console.WriteLine(\"third\")\n");
        var broken = await watch.NextBuildAsync(RealBuildTimeout);

        Assert.False(broken.Succeeded);
        Assert.NotEqual(0, broken.ExitCode);
        Assert.False(broken.Reloaded);
        Assert.Equal([program], broken.Changes);
        Assert.Equal(1, watch.Reloads);
        var error = Assert.Single(broken.ErrorLines);
        Assert.Contains(program + "(1,", error, StringComparison.Ordinal);
        Assert.Contains("): error CS1002: ; expected", error, StringComparison.Ordinal);
        var logged = Assert.Single(watch.Logs.Entries, entry => entry.Level == LogLevel.Error);
        Assert.Contains("error CS1002", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Time Elapsed", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Build FAILED", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quick_edits_within_one_window_make_one_build()
    {
        var sources = SourceDirectory();
        await using var watch = new Watch(FakeOptions(sources, "exit 0", TimeSpan.FromSeconds(1)));
        var edited = new[] { "Program.cs", "Startup.cs", "appsettings.json" }.Select(name => Path.Combine(sources, name)).ToArray();

        foreach (var path in edited)
        {
            File.WriteAllText(path, "edited");
        }

        var burst = await watch.NextBuildAsync(FakeBuildTimeout);
        Assert.True(burst.Succeeded);
        Assert.Equal(edited.Order(), burst.Changes.Order());
        Assert.Equal(1, watch.Reloads);

        // A second build for the same burst would come before this one and list its edits.
        var probe = Path.Combine(sources, "Probe.cs");
        File.WriteAllText(probe, "probe");
        var next = await watch.NextBuildAsync(FakeBuildTimeout);
        Assert.Equal([probe], next.Changes);
        Assert.Equal(2, watch.Reloads);
    }

    [Fact]
    public async Task Changes_during_a_build_make_exactly_one_more_build_after_it()
    {
        var sources = SourceDirectory();
        var markers = Path.Combine(_directory, "markers");
        Directory.CreateDirectory(markers);
        // The build announces it started, then waits until the test releases it.
        var script = $"touch '{markers}/started.'$$; while [ ! -f '{markers}/release' ]; do sleep 0.05; done";
        await using var watch = new Watch(FakeOptions(sources, script, TimeSpan.FromSeconds(1)));

        var first = Path.Combine(sources, "First.cs");
        File.WriteAllText(first, "1");
        await WaitUntilAsync(() => Directory.GetFiles(markers, "started.*").Length == 1);
        var during = new[] { "Second.cs", "Third.cs", "Fourth.cs" }.Select(name => Path.Combine(sources, name)).ToArray();
        foreach (var path in during)
        {
            File.WriteAllText(path, "during the build");
        }

        File.WriteAllText(Path.Combine(markers, "release"), "");

        Assert.Equal([first], (await watch.NextBuildAsync(FakeBuildTimeout)).Changes);
        Assert.Equal(during.Order(), (await watch.NextBuildAsync(FakeBuildTimeout)).Changes.Order());
        var probe = Path.Combine(sources, "Probe.cs");
        File.WriteAllText(probe, "probe");
        Assert.Equal([probe], (await watch.NextBuildAsync(FakeBuildTimeout)).Changes);
        Assert.Equal(3, Directory.GetFiles(markers, "started.*").Length);
        Assert.Equal(3, watch.Reloads);
    }

    [Fact]
    public async Task Changes_under_bin_obj_and_git_and_to_other_files_do_not_build()
    {
        var sources = SourceDirectory();
        foreach (var directory in new[] { "bin/Release", "obj", ".git", "Area/obj", "wwwroot/css" })
        {
            Directory.CreateDirectory(Path.Combine(sources, directory));
        }

        await using var watch = new Watch(FakeOptions(sources, "exit 0", TimeSpan.FromSeconds(1)));

        foreach (var ignored in new[] { "bin/Release/App.dll", "bin/Release/App.deps.json", "obj/project.assets.json", "obj/Generated.cs", ".git/index", "Area/obj/Other.cs", "README.md", "notes.txt" })
        {
            File.WriteAllText(Path.Combine(sources, ignored), "ignored");
        }

        var style = Path.Combine(sources, "wwwroot", "css", "site.css");
        var program = Path.Combine(sources, "Program.cs");
        File.WriteAllText(style, "body {}");
        File.WriteAllText(program, "edited");

        var build = await watch.NextBuildAsync(FakeBuildTimeout);
        Assert.Equal(new[] { program, style }.Order(), build.Changes.Order());
    }

    [Fact]
    public async Task A_failed_build_logs_only_its_error_lines_once_each_and_does_not_reload()
    {
        var sources = SourceDirectory();
        var script = """
            echo "  Determining projects to restore..."
            echo "/src/App/Program.cs(3,17): warning CS0168: The variable 'x' is declared but never used [/src/App/App.csproj]"
            echo "/src/App/Program.cs(4,1): error CS1002: ; expected [/src/App/App.csproj]"
            echo "/src/App/App.csproj : error NU1101: Unable to find package Nothing [/src/App/App.csproj]" >&2
            echo "Build FAILED."
            echo "    /src/App/Program.cs(4,1): error CS1002: ; expected [/src/App/App.csproj]"
            echo "    1 Error(s)"
            exit 1
            """;
        await using var watch = new Watch(FakeOptions(sources, script, TimeSpan.FromMilliseconds(300)));

        File.WriteAllText(Path.Combine(sources, "Program.cs"), "broken");
        var build = await watch.NextBuildAsync(FakeBuildTimeout);

        Assert.False(build.Succeeded);
        Assert.Equal(1, build.ExitCode);
        Assert.False(build.Reloaded);
        Assert.Equal(0, watch.Reloads);
        string[] expected =
        [
            "/src/App/Program.cs(4,1): error CS1002: ; expected [/src/App/App.csproj]",
            "/src/App/App.csproj : error NU1101: Unable to find package Nothing [/src/App/App.csproj]",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), build.ErrorLines.Order(StringComparer.Ordinal));
        var logged = Assert.Single(watch.Logs.Entries, entry => entry.Level == LogLevel.Error);
        Assert.Contains("exit code 1", logged.Message, StringComparison.Ordinal);
        Assert.Contains("error CS1002", logged.Message, StringComparison.Ordinal);
        Assert.Contains("error NU1101", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("warning CS0168", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Build FAILED", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_reload_is_logged_and_the_watcher_keeps_building()
    {
        var sources = SourceDirectory();
        var attempts = 0;
        await using var watch = new Watch(FakeOptions(sources, "exit 0", TimeSpan.FromMilliseconds(300)), _ =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("the new generation did not start");
        });

        File.WriteAllText(Path.Combine(sources, "Program.cs"), "1");
        var failed = await watch.NextBuildAsync(FakeBuildTimeout);
        File.WriteAllText(Path.Combine(sources, "Program.cs"), "2");
        var again = await watch.NextBuildAsync(FakeBuildTimeout);

        Assert.True(failed.Succeeded);
        Assert.False(failed.Reloaded);
        Assert.False(again.Reloaded);
        Assert.Equal(2, attempts);
        Assert.Equal(2, watch.Logs.Entries.Count(entry => entry.Level == LogLevel.Error && entry.Exception is InvalidOperationException));
    }

    [Fact]
    public async Task A_build_command_that_cannot_start_is_logged_and_does_not_reload()
    {
        var sources = SourceDirectory();
        var options = new SourceWatchOptions
        {
            Paths = [sources],
            Build = new SourceBuildCommand(Path.Combine(_directory, "no-such-dotnet"), ["build"], sources),
            Debounce = TimeSpan.FromMilliseconds(300),
        };
        await using var watch = new Watch(options);

        File.WriteAllText(Path.Combine(sources, "Program.cs"), "edited");
        var build = await watch.NextBuildAsync(FakeBuildTimeout);

        Assert.False(build.Succeeded);
        Assert.Equal(-1, build.ExitCode);
        Assert.Equal(0, watch.Reloads);
        Assert.Contains(watch.Logs.Entries, entry => entry.Level == LogLevel.Error && entry.Message.Contains("no-such-dotnet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stopping_the_watcher_kills_a_build_in_progress()
    {
        var sources = SourceDirectory();
        var pidFile = Path.Combine(_directory, "build.pid");
        var watch = new Watch(FakeOptions(sources, $"echo $$ > '{pidFile}.tmp'; mv '{pidFile}.tmp' '{pidFile}'; exec sleep 600", TimeSpan.FromMilliseconds(300)));
        int pid;
        try
        {
            File.WriteAllText(Path.Combine(sources, "Program.cs"), "edited");
            await WaitUntilAsync(() => File.Exists(pidFile));
            pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Resident.Tables.ProcessLiveness.IsAlive(pid));
        }
        finally
        {
            await watch.DisposeAsync();
        }

        await WaitUntilAsync(() => !Resident.Tables.ProcessLiveness.IsAlive(pid));
        Assert.Equal(0, watch.Reloads);
    }

    [Fact]
    public async Task Hitting_the_inotify_limit_names_the_sysctl_and_lost_events_rebuild()
    {
        var sources = SourceDirectory();
        await using var watch = new Watch(FakeOptions(sources, "exit 0", TimeSpan.FromMilliseconds(300)));
        // The message .NET's Linux FileSystemWatcher gives when inotify_add_watch fails with ENOSPC.
        var limit = new IOException("The configured user limit (8192) on the number of inotify watches has been reached, or the operating system failed to allocate a required resource.");

        watch.Watcher.ReportWatchError(sources, limit);
        watch.Watcher.ReportWatchError(sources, new InternalBufferOverflowException());

        var error = Assert.Single(watch.Logs.Entries, entry => entry.Level == LogLevel.Error);
        Assert.Contains("fs.inotify.max_user_watches", error.Message, StringComparison.Ordinal);
        Assert.Contains(sources, error.Message, StringComparison.Ordinal);
        Assert.Same(limit, error.Exception);
        // Events were lost: the watcher cannot know what changed, so it builds.
        Assert.Equal([sources], (await watch.NextBuildAsync(FakeBuildTimeout)).Changes);
        Assert.Equal(1, watch.Reloads);
    }

    [Fact]
    public async Task A_missing_path_is_logged_and_the_others_are_watched()
    {
        var sources = SourceDirectory();
        var missing = Path.Combine(_directory, "missing");
        var options = FakeOptions(sources, "exit 0", TimeSpan.FromMilliseconds(300));
        await using var watch = new Watch(new SourceWatchOptions { Paths = [missing, sources], Build = options.Build, Debounce = options.Debounce });

        Assert.Contains(watch.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains(missing, StringComparison.Ordinal));
        var program = Path.Combine(sources, "Program.cs");
        File.WriteAllText(program, "edited");
        Assert.Equal([program], (await watch.NextBuildAsync(FakeBuildTimeout)).Changes);
    }

    [Fact]
    public void The_project_and_its_configuration_are_found_from_where_the_app_runs()
    {
        var project = Path.Combine(_directory, "Shop");
        var output = Path.Combine(project, "bin", "Release", "net10.0");
        Directory.CreateDirectory(output);
        var projectFile = Path.Combine(project, "Shop.csproj");
        File.WriteAllText(projectFile, "<Project />");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;

        // The content root (the directory it was started from) holds no project; the app's own directory leads to it.
        Assert.Equal(projectFile, SourceWatchOptions.FindProjectFile(elsewhere, output));
        Assert.Equal(projectFile, SourceWatchOptions.FindProjectFile(project));
        Assert.Equal("Release", SourceWatchOptions.ConfigurationOf(output));
        Assert.Equal("Release", SourceWatchOptions.ConfigurationOf(Path.Combine(output, "linux-x64", "publish")));
        Assert.Equal("Debug", SourceWatchOptions.ConfigurationOf(Path.Combine(project, "bin", "Debug", "net10.0") + "/"));
        Assert.Equal("Debug", SourceWatchOptions.ConfigurationOf("/opt/shop"));
        Assert.Equal("Staging", SourceWatchOptions.ConfigurationOf("/opt/shop", fallback: "Staging"));

        var options = SourceWatchOptions.ForProject(projectFile, "Release");
        Assert.Equal([project], options.Paths);
        Assert.Equal("dotnet", options.Build.FileName);
        Assert.Equal(["build", projectFile, "-c", "Release", "--nologo"], options.Build.Arguments);
        Assert.Equal(project, options.Build.WorkingDirectory);
        Assert.Equal(SourceWatchOptions.DefaultDebounce, options.Debounce);
        Assert.Equal(["/src/a", "/src/b"], SourceWatchOptions.ForProject(projectFile, "Release", ["/src/a", "/src/b"]).Paths);
    }

    private string SourceDirectory()
    {
        var sources = Path.Combine(_directory, "src");
        Directory.CreateDirectory(sources);
        return sources;
    }

    private SourceWatchOptions FakeOptions(string sources, string script, TimeSpan debounce) => new()
    {
        Paths = [sources],
        Build = new SourceBuildCommand("/bin/sh", ["-c", script], _directory),
        Debounce = debounce,
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(FakeBuildTimeout);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>A started watcher whose builds the test reads one by one.</summary>
    private sealed class Watch : IAsyncDisposable
    {
        private readonly Channel<SourceBuildResult> _builds = Channel.CreateUnbounded<SourceBuildResult>();
        private readonly SourceWatcher _watcher;
        private int _reloads;

        public Watch(SourceWatchOptions options, Func<CancellationToken, Task>? reload = null)
        {
            _watcher = new SourceWatcher(options, reload ?? CountReload, Logs.CreateLogger("watch"));
            _watcher.BuildFinished += result => _builds.Writer.TryWrite(result);
            _watcher.Start();
        }

        public CapturedLogs Logs { get; } = new();

        public SourceWatcher Watcher => _watcher;

        public int Reloads => Volatile.Read(ref _reloads);

        public async Task<SourceBuildResult> NextBuildAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            return await _builds.Reader.ReadAsync(cancel.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await _watcher.DisposeAsync();
            Logs.Dispose();
        }

        private Task CountReload(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reloads);
            return Task.CompletedTask;
        }
    }
}
