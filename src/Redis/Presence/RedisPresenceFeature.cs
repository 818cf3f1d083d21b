using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Resident.Redis.Presence;

/// <summary>Registers cluster-wide presence in place of the in-process one.</summary>
internal static class RedisPresenceFeature
{
    public static void AddPresence(IServiceCollection services)
    {
        services.AddSingleton<RedisPresence>();
        services.RemoveAll<IPresence>();
        services.AddSingleton<IPresence>(provider => provider.GetRequiredService<RedisPresence>());
        services.AddSingleton<IHostedService, PresenceHeartbeat>();
    }
}

/// <summary>
/// Beats this process's presence lease every third of <c>Resident:Redis:NodeTimeout</c> (republishing its memberships
/// when Redis lost them) and, at a graceful stop, removes them at once instead of letting the lease run out.
/// </summary>
internal sealed class PresenceHeartbeat(RedisPresence presence) : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _beating = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _beating = BeatAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // After every connection closed (their leaves went first): what is left goes, and the lease with it.
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _beating.ConfigureAwait(false);
        await presence.RetireAsync().ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task BeatAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(presence.HeartbeatInterval);
        try
        {
            do
            {
                await presence.BeatAsync().ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
