using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Resident.WebSockets;

namespace Resident.Presence;

/// <summary>Presence's registration (the in-process one; Resident.Redis replaces it) and what its implementations share.</summary>
internal static class PresenceFeature
{
    /// <summary>Registers the in-process presence unless another (Redis's) is registered already.</summary>
    public static void AddPresence(IServiceCollection services)
    {
        services.TryAddSingleton<LocalPresence>();
        services.TryAddSingleton<IPresence>(provider => provider.GetRequiredService<LocalPresence>());
    }

    /// <summary>Whether the connection is open in this process (not merely known through the worker mesh).</summary>
    public static bool IsServedHere(WebSocketServer server, long connectionId) =>
        server.TryGetConnection(connectionId, out var connection) && connection is WebSocketConnection;

    public static void CheckName(string name, string parameter) => ArgumentException.ThrowIfNullOrEmpty(name, parameter);

    public static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Pushes one payload to each connection; returns how many accepted it.</summary>
    public static async ValueTask<int> PushEachAsync(IWebSocketServer server, IEnumerable<long> connectionIds, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType)
    {
        var accepted = 0;
        foreach (var connectionId in connectionIds)
        {
            if (await server.PushAsync(connectionId, payload, messageType).ConfigureAwait(false))
            {
                accepted++;
            }
        }

        return accepted;
    }
}
