using System.Net.WebSockets;
using Resident.WebSockets;

namespace Resident.Presence;

/// <summary>
/// Presence without Redis: the groups of this process's connections, in memory. In supervised mode with several
/// workers each worker has its own (a group lists the members that joined in that worker); pushes still reach every
/// worker's connections through the WebSocket server.
/// </summary>
internal sealed class LocalPresence : PresencePushes, IPresence
{
    private readonly PresenceBook _book = new();

    public LocalPresence(WebSocketServer server)
        : base(server)
    {
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

    public override ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string group)
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

    public override ValueTask<IReadOnlyList<long>> ConnectionsOfUserAsync(string user)
    {
        PresenceFeature.CheckName(user, nameof(user));
        return ValueTask.FromResult<IReadOnlyList<long>>(_book.ConnectionsOf(user));
    }

    // Only a connection this process serves: its close is what makes it leave.
    private bool Record(long connectionId, Action record)
    {
        if (!PresenceFeature.IsServedHere(Server, connectionId))
        {
            return false;
        }

        record();

        // It closed while being recorded: its close may have run before the record, so forget it again.
        if (!PresenceFeature.IsServedHere(Server, connectionId))
        {
            _book.Forget(connectionId);
            return false;
        }

        return true;
    }
}
