using System.Net.WebSockets;
using Resident.WebSockets;

namespace Resident.Presence;

/// <summary>
/// Presence without Redis: the groups of this process's connections, in memory. In supervised mode with several
/// workers each worker has its own (a group lists the members that joined in that worker); pushes still reach every
/// worker's connections through the WebSocket server.
/// </summary>
internal sealed class LocalPresence : IPresence
{
    private readonly WebSocketServer _server;
    private readonly PresenceBook _book = new();

    public LocalPresence(WebSocketServer server)
    {
        _server = server;
        server.ConnectionClosed += connectionId => _book.Forget(connectionId);
    }

    public ValueTask<bool> JoinAsync(string group, long connectionId)
    {
        PresenceFeature.CheckName(group, nameof(group));
        return ValueTask.FromResult(Record(connectionId, () => _book.Join(group, connectionId)));
    }

    public ValueTask<bool> LeaveAsync(string group, long connectionId)
    {
        PresenceFeature.CheckName(group, nameof(group));
        return ValueTask.FromResult(_book.Leave(group, connectionId));
    }

    public ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string group)
    {
        PresenceFeature.CheckName(group, nameof(group));
        return ValueTask.FromResult<IReadOnlyList<PresenceMember>>(_book.Members(group));
    }

    public ValueTask<IReadOnlyList<string>> GroupsOfAsync(long connectionId) =>
        ValueTask.FromResult<IReadOnlyList<string>>(_book.GroupsOf(connectionId));

    public ValueTask<bool> BindUserAsync(string user, long connectionId)
    {
        PresenceFeature.CheckName(user, nameof(user));
        return ValueTask.FromResult(Record(connectionId, () => _book.SetUser(connectionId, user)));
    }

    public ValueTask<IReadOnlyList<long>> ConnectionsOfUserAsync(string user)
    {
        PresenceFeature.CheckName(user, nameof(user));
        return ValueTask.FromResult<IReadOnlyList<long>>(_book.ConnectionsOf(user));
    }

    public ValueTask<int> PushAsync(string group, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return PushAsync(group, PresenceFeature.Encode(text), WebSocketMessageType.Text);
    }

    public async ValueTask<int> PushAsync(string group, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary)
    {
        WebSocketConnection.CheckDataType(messageType);
        var members = await MembersAsync(group).ConfigureAwait(false);
        return await PresenceFeature.PushEachAsync(_server, members.Select(member => member.ConnectionId), payload, messageType).ConfigureAwait(false);
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
        return await PresenceFeature.PushEachAsync(_server, connections, payload, messageType).ConfigureAwait(false);
    }

    // Only a connection this process serves: its close is what makes it leave.
    private bool Record(long connectionId, Action record)
    {
        if (!PresenceFeature.IsServedHere(_server, connectionId))
        {
            return false;
        }

        record();

        // It closed while being recorded: its close may have run before the record, so forget it again.
        if (!PresenceFeature.IsServedHere(_server, connectionId))
        {
            _book.Forget(connectionId);
            return false;
        }

        return true;
    }
}
