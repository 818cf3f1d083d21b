using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Resident;

namespace Showcase;

/// <summary>
/// Who is on which connection of this server: the uid ↔ connection map a LaravelS chat keeps in a Swoole table, here
/// the <see cref="ChatMemberRow"/> [SwooleTable], keyed by connection id. The room's member list across nodes comes
/// from presence (<see cref="ChatHandler.MembersAsync"/>).
/// </summary>
public sealed class ChatRoom(SwooleTable<ChatMemberRow> members)
{
    public void Bind(long connectionId, string name) => members.SetName(Key(connectionId), name);

    public string NameOf(long connectionId) => members.TryGetName(Key(connectionId), out var name) ? name : "?";

    public void Unbind(long connectionId) => members.Delete(Key(connectionId));

    private static string Key(long connectionId) => connectionId.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The chat at /ws (LaravelS's WebSocketService example): the user is bound to the connection on open — the signed-in
/// user if the app has authentication, else ?name= — and joins the room, a presence group: messages go to the room's
/// members. Without Redis the room is this server's; with <c>Resident:Redis:Configuration</c> set it is one room across
/// every Showcase node (start two on two ports with one Redis and chat between them).
/// </summary>
[WebSocketHandler("/ws")]
public sealed class ChatHandler(ChatRoom room, IPresence presence, ILogger<ChatHandler> logger) : IWebSocketHandler
{
    /// <summary>The presence group of the chat room.</summary>
    public const string Room = "chat";

    private const int MaxNameLength = 32;
    private const int MaxTextLength = 2000;

    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request)
    {
        var name = Clean(request.User.Identity?.Name ?? request.Query["name"].ToString(), MaxNameLength);
        if (name.Length == 0)
        {
            name = $"guest-{request.ConnectionId}";
        }

        room.Bind(request.ConnectionId, name);
        try
        {
            await presence.BindUserAsync(name, request.ConnectionId);
            await presence.JoinAsync(Room, request.ConnectionId);
        }
        catch (PresenceUnavailableException exception)
        {
            // Redis is away: this connection is not in the room until it reconnects.
            logger.LogWarning("{Name} could not join the chat room: {Reason}", name, exception.Message);
        }

        logger.LogInformation("{Name} joined the chat on connection {ConnectionId}.", name, request.ConnectionId);
        await server.PushAsync(request.ConnectionId, Serialize(new ChatEvent("welcome", request.ConnectionId, name, null)));
        await ToRoomAsync(new ChatEvent("join", request.ConnectionId, name, null));
    }

    public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
    {
        if (frame.Opcode != WebSocketMessageType.Text)
        {
            return; // The page only sends text.
        }

        var text = Clean(frame.Text, MaxTextLength);
        if (text.Length > 0)
        {
            await ToRoomAsync(new ChatEvent("message", frame.ConnectionId, room.NameOf(frame.ConnectionId), text));
        }
    }

    // The connection has left the room already (presence leaves every group on close).
    public async ValueTask OnCloseAsync(IWebSocketServer server, long connectionId, WebSocketCloseStatus? status, string? reason)
    {
        var name = room.NameOf(connectionId);
        room.Unbind(connectionId);
        await ToRoomAsync(new ChatEvent("leave", connectionId, name, null));
    }

    /// <summary>The room's members, on every node when Redis is configured.</summary>
    public static async Task<ChatMember[]> MembersAsync(IPresence presence) =>
        [.. (await presence.MembersAsync(Room)).Select(member => new ChatMember(member.ConnectionId, member.User ?? "?"))];

    public static string Serialize(ChatEvent chatEvent) => JsonSerializer.Serialize(chatEvent, ShowcaseJson.Default.ChatEvent);

    private async ValueTask ToRoomAsync(ChatEvent chatEvent)
    {
        try
        {
            await presence.PushAsync(Room, Serialize(chatEvent));
        }
        catch (PresenceUnavailableException exception)
        {
            logger.LogWarning("The chat room is unreachable, a {Type} was not sent: {Reason}", chatEvent.Type, exception.Message);
        }
    }

    // One line of printable text, trimmed to a length: names and messages are shown as they are.
    private static string Clean(string text, int maxLength)
    {
        var cleaned = new string([.. text.Where(c => !char.IsControl(c))]).Trim();
        return cleaned.Length <= maxLength ? cleaned : cleaned[..maxLength];
    }
}

/// <summary>What the chat sends to browsers: welcome (to the new connection), join, message, leave.</summary>
public sealed record ChatEvent(string Type, long Id, string Name, string? Text);

public sealed record ChatMember(long Id, string Name);

public sealed record PushReport(long Id, bool Pushed);
