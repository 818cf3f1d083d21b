using System.Net.WebSockets;

namespace Resident;

/// <summary>
/// Presence and groups: which WebSocket connections are in a group (a chat room, a document, a topic) and which belong
/// to a user, with a push to all of them. Resolve it from dependency injection. Unlike a pub/sub backplane, it can
/// list a group's members.
/// </summary>
/// <remarks>
/// <para>
/// Without Redis the groups live in this process (inline mode: the whole server; supervised mode with several workers:
/// each worker's own connections, so join and list from the worker that serves the connection, as its handler does).
/// With <c>AddRedis()</c> (the Resident.Redis package) they are cluster-wide: a member joined on one node is listed on
/// every node, and the members of a node that dies disappear within <c>Resident:Redis:NodeTimeout</c> (default 10 s).
/// </para>
/// <para>
/// A connection is joined, and bound to a user, by the process that serves it (its handler, or an endpoint of that
/// process); for a connection served elsewhere the call returns false. A connection that closes leaves all its groups
/// and its user by itself. Group and user names are case-sensitive.
/// </para>
/// <para>
/// With Redis, a call that cannot reach it within a bounded time throws <see cref="PresenceUnavailableException"/>
/// (nothing hangs, nothing crashes); a join or bind that threw is not applied. When Redis answers again each node
/// republishes its connections' memberships by itself.
/// </para>
/// </remarks>
public interface IPresence
{
    /// <summary>Adds the connection to <paramref name="group"/>; true once it is a member (joining twice is harmless), false if the connection is not open in this process.</summary>
    /// <exception cref="ArgumentException">The group name is empty.</exception>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer; the connection did not join.</exception>
    ValueTask<bool> JoinAsync(string group, long connectionId);

    /// <summary>Removes the connection from <paramref name="group"/>; true if it was a member here.</summary>
    /// <exception cref="ArgumentException">The group name is empty.</exception>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer (the leave is applied when it is back).</exception>
    ValueTask<bool> LeaveAsync(string group, long connectionId);

    /// <summary>The group's members (on every node, with Redis), by connection id, each with the user it is bound to.</summary>
    /// <exception cref="ArgumentException">The group name is empty.</exception>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer.</exception>
    ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string group);

    /// <summary>The groups the connection is in (empty for an unknown or closed connection).</summary>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer.</exception>
    ValueTask<IReadOnlyList<string>> GroupsOfAsync(long connectionId);

    /// <summary>
    /// Binds the connection to <paramref name="user"/> (a connection has one user; binding again replaces it; a user may
    /// have many connections). False if the connection is not open in this process.
    /// </summary>
    /// <exception cref="ArgumentException">The user name is empty.</exception>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer; the connection was not bound.</exception>
    ValueTask<bool> BindUserAsync(string user, long connectionId);

    /// <summary>The connections bound to <paramref name="user"/> (on every node, with Redis).</summary>
    /// <exception cref="ArgumentException">The user name is empty.</exception>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer.</exception>
    ValueTask<IReadOnlyList<long>> ConnectionsOfUserAsync(string user);

    /// <summary>Pushes a text message to every member of the group (<see cref="IWebSocketServer.PushAsync(long, string)"/> each); returns how many it was queued to.</summary>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer; nothing was pushed.</exception>
    ValueTask<int> PushAsync(string group, string text);

    /// <summary>Pushes a message to every member of the group; returns how many it was queued to.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageType"/> is not Text or Binary.</exception>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer; nothing was pushed.</exception>
    ValueTask<int> PushAsync(string group, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary);

    /// <summary>Pushes a text message to every connection of the user; returns how many it was queued to.</summary>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer; nothing was pushed.</exception>
    ValueTask<int> PushToUserAsync(string user, string text);

    /// <summary>Pushes a message to every connection of the user; returns how many it was queued to.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageType"/> is not Text or Binary.</exception>
    /// <exception cref="PresenceUnavailableException">The cluster's Redis did not answer; nothing was pushed.</exception>
    ValueTask<int> PushToUserAsync(string user, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary);
}

/// <summary>A member of a group: its connection id and the user it is bound to, if any.</summary>
/// <param name="ConnectionId">The WebSocket connection id (its node is in its bits).</param>
/// <param name="User">The user bound with <see cref="IPresence.BindUserAsync"/>, or null.</param>
public readonly record struct PresenceMember(long ConnectionId, string? User);
