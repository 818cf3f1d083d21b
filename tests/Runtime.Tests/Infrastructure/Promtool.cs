using System.Diagnostics;

namespace Resident.Tests.Infrastructure;

/// <summary>Prometheus's own checker, <c>promtool check metrics</c>, run on an endpoint's output.</summary>
public static class Promtool
{
    /// <summary>The problems promtool reports (empty when the text is valid and lint-clean).</summary>
    public static async Task<string> CheckMetricsAsync(string exposition)
    {
        var path = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "promtool is not installed, so the metrics cannot be checked: apt-get install -y prometheus (.ci/run installs it).");
        using var process = Process.Start(new ProcessStartInfo(path, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var problems = (await output + await error).Trim();
        return process.ExitCode == 0 && problems.Length == 0 ? "" : $"exit {process.ExitCode}: {problems}";
    }
}
