using System.Diagnostics;

namespace Resident.EndToEnd.Tests;

/// <summary>Paths in the repository and a way to run the dotnet CLI, as a user would.</summary>
internal static class Repository
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static string Root { get; } = FindRoot();

    public static string ShowcaseProject => Path.Combine(Root, "samples", "Showcase");

    public static string ShowcaseAssembly => Path.Combine(ShowcaseProject, "bin", Configuration, "net10.0", "Showcase.dll");

    public static string CrashAppProject => Path.Combine(Root, "tests", "Apps", "CrashApp");

    public static string CrashAppAssembly => Path.Combine(CrashAppProject, "bin", Configuration, "net10.0", "CrashApp.dll");

    public static string SupervisedAppProject => Path.Combine(Root, "tests", "Apps", "SupervisedApp");

    public static string SupervisedAppAssembly => Path.Combine(SupervisedAppProject, "bin", Configuration, "net10.0", "SupervisedApp.dll");

    public static string ClusterAppProject => Path.Combine(Root, "tests", "Apps", "ClusterApp");

    public static string ClusterAppAssembly => Path.Combine(ClusterAppProject, "bin", Configuration, "net10.0", "ClusterApp.dll");

    private static string FindRoot()
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

    private static readonly TimeSpan DotnetTimeout = TimeSpan.FromMinutes(12);

    /// <summary>Runs <c>dotnet args</c> to completion within a generous timeout and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> DotnetAsync(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A NativeAOT publish takes 2–3 minutes alone on two cores and longer beside the other end-to-end tests.
        using var timeout = new CancellationTokenSource(DotnetTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {DotnetTimeout.TotalMinutes} minutes.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
