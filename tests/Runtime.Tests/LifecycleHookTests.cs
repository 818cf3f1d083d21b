using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Resident.Hosting;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class LifecycleHookTests
{
    private static IReadOnlyList<string> Lifecycle(Recorder recorder) =>
        [.. recorder.Events.Where(e => e.StartsWith("lifecycle:", StringComparison.Ordinal))];

    [Fact]
    public async Task Hooks_fire_in_lifecycle_order_and_in_declared_order_within_an_event()
    {
        var server = await TestServer.StartAsync();
        Assert.Equal(["lifecycle:ServerStart(worker=0)", "lifecycle:WorkerStart(worker=0)", "lifecycle:WorkerStart:late"], Lifecycle(server.Recorder));

        // ServerStart runs before the server listens.
        Assert.Equal(0, server.Recorder.AddressesAtServerStart);

        await server.DisposeAsync();
        Assert.Equal(
            ["lifecycle:ServerStart(worker=0)", "lifecycle:WorkerStart(worker=0)", "lifecycle:WorkerStart:late", "lifecycle:WorkerStop(worker=0)", "lifecycle:ServerStop(worker=0)"],
            Lifecycle(server.Recorder));
    }

    [Fact]
    public async Task A_throwing_hook_is_logged_and_the_other_hooks_and_the_server_carry_on()
    {
        var server = await TestServer.StartAsync(arrange: recorder => recorder.ThrowInLifecycleHooks = true);
        Assert.True((await server.Client.GetAsync("/plaintext")).IsSuccessStatusCode);
        await server.DisposeAsync();

        Assert.Contains("lifecycle:ServerStart(worker=0)", Lifecycle(server.Recorder));
        Assert.Contains("lifecycle:ServerStop(worker=0)", Lifecycle(server.Recorder));
        Assert.Contains(server.Logs.Entries, e => e.Exception?.Message == "ServerStart hook exploded"
            && e.Message.Contains("Resident.Tests.ThrowingLifecycleHook", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, e => e.Exception?.Message == "ServerStop hook exploded");
    }

    [Fact]
    public async Task WorkerError_hooks_receive_the_exception()
    {
        await using var server = await TestServer.StartAsync();
        var lifecycle = server.App.Services.GetServices<IHostedService>().OfType<ResidentLifecycleService>().Single();

        await lifecycle.FireAsync(LifecycleEvent.WorkerError, new InvalidOperationException("worker died"), CancellationToken.None);

        Assert.Contains("lifecycle:WorkerError(worker died)", Lifecycle(server.Recorder));
    }
}
