using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Resident.Supervision;

namespace Resident.Redis.WebSockets;

/// <summary>WebSockets across nodes: the Redis transport of the WebSocket server's mesh, and its start and stop.</summary>
internal static class WebSocketClusterFeature
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<RedisNodeTransport>();
        services.AddSingleton<IRemoteNodeTransport>(provider => provider.GetRequiredService<RedisNodeTransport>());
        services.AddSingleton<IHostedService>(provider =>
            new WebSocketClusterService(provider.GetRequiredService<RedisNodeTransport>(), provider.GetRequiredService<IWebSocketServer>()));
    }

    /// <summary>
    /// Joins after the node service has connected and claimed the NodeId and before Kestrel listens (so the first
    /// connections are announced to the peers); says Bye once the server has stopped (its connections closed).
    /// </summary>
    private sealed class WebSocketClusterService(RedisNodeTransport transport, IWebSocketServer server) : IHostedLifecycleService
    {
        // The server is built first: it subscribes to the transport's messages and peer events before any arrives.
        private readonly IWebSocketServer _server = server;

        public Task StartingAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(_server);
            return transport.StartAsync(cancellationToken);
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => transport.StopAsync();
    }
}
