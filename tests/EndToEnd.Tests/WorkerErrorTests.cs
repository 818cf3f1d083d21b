using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>A worker that dies of an unhandled exception runs its WorkerError hooks first (inline mode).</summary>
public sealed class WorkerErrorTests
{
    [Fact]
    public async Task An_unhandled_exception_runs_the_WorkerError_hooks_before_the_process_ends()
    {
        await using var app = await ShowcaseProcess.StartAsync(Repository.CrashAppAssembly, Repository.CrashAppProject);
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal("crashing", await (await client.PostAsync("/crash", null)).Content.ReadAsStringAsync());
        var exitCode = await app.WaitForExitAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"WorkerError hook: worker 0 (pid {app.ProcessId}): the worker fell over", app.Output, StringComparison.Ordinal);

        // Resident logged the failure, and the hook that threw did not stop the next one.
        Assert.Contains("is failing with an unhandled exception", app.Output, StringComparison.Ordinal);
        Assert.Contains("a WorkerError hook that throws", app.Output, StringComparison.Ordinal);
    }
}
