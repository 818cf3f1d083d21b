using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class LibraryDeclarationTests
{
    [Fact]
    public async Task Declarations_in_a_referenced_library_run_though_nothing_loaded_the_library_before_the_start()
    {
        // This assembly's generated module initializer registered the library's manifest before its own.
        Assert.Contains(ResidentManifests.All, manifest => manifest.AssemblyName == "Resident.Tests.Library");

        await using var server = await TestServer.StartAsync();
        var response = await server.Client.SendAsync(CleanerTests.Get("/plaintext", "library"));
        Assert.True(response.IsSuccessStatusCode);

        // The library cleaner runs last (Order = 100); once the test cleaners have run for this request, look at it.
        await server.Recorder.WaitForAsync(events => Recorder.Select(events, "library").Contains("clean:B"));
        Assert.True(await LibraryCleanerRunsAsync() >= 1);
    }

    [Fact]
    public async Task A_host_given_its_manifests_runs_only_their_declarations()
    {
        var library = Assert.Single(ResidentManifests.All, manifest => manifest.AssemblyName == "Resident.Tests.Library");
        var (app, recorder, _) = TestServer.Build(manifests: [library]);
        await using (app)
        {
            var declarations = app.Services.GetRequiredService<ResidentRuntime>().Declarations;
            var cleaner = Assert.Single(declarations.Cleaners);
            Assert.StartsWith("Resident.Tests.Library.", cleaner.Name, StringComparison.Ordinal);
            Assert.Empty(declarations.LifecycleHooks);
            Assert.Empty(declarations.WebSocketHandlers);
            Assert.Empty(declarations.Background.CronJobs);

            // The test assembly's own declarations (which need a Recorder) are not part of this host.
            await app.StartAsync();
            await app.StopAsync();
            Assert.Empty(recorder.Events);
        }
    }

    // Touches the library type only here, after the server started, so nothing but the manifest loaded it before.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<long> LibraryCleanerRunsAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Library.LibraryCleaner.Runs == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return Library.LibraryCleaner.Runs;
    }
}
