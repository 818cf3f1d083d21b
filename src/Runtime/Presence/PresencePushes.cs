using System.Net.WebSockets;
using Resident.WebSockets;

namespace Resident.Presence;

/// <summary>
/// The pushes of <see cref="IPresence"/>, the same for every store: look the members up, then push to each through
/// the WebSocket server (which reaches other workers and nodes). A store supplies the two lookups.
/// </summary>
internal abstract class PresencePushes(WebSocketServer server)
{
    /// <summary>The server pushes go through; the stores use it to tell this process's connections too.</summary>
    protected WebSocketServer Server => server;

    public abstract ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string group);

    public abstract ValueTask<IReadOnlyList<long>> ConnectionsOfUserAsync(string user);

    public ValueTask<int> PushAsync(string group, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return PushAsync(group, PresenceFeature.Encode(text), WebSocketMessageType.Text);
    }

    public async ValueTask<int> PushAsync(string group, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary)
    {
        WebSocketConnection.CheckDataType(messageType);
        var members = await MembersAsync(group).ConfigureAwait(false);
        return await PresenceFeature.PushEachAsync(server, members.Select(member => member.ConnectionId), payload, messageType).ConfigureAwait(false);
    }

    public ValueTask<int> PushToUserAsync(string user, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return PushToUserAsync(user, PresenceFeature.Encode(text), WebSocketMessageType.Text);
    }

    public async ValueTask<int> PushToUserAsync(string user, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary)
    {
        WebSocketConnection.CheckDataType(messageType);
        var connections = await ConnectionsOfUserAsync(user).ConfigureAwait(false);
        return await PresenceFeature.PushEachAsync(server, connections, payload, messageType).ConfigureAwait(false);
    }
}
