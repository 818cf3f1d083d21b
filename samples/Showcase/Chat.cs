using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Resident;

namespace Showcase;

/// <summary>
/// Who is on which connection: the uid ↔ connection map a LaravelS chat keeps in a Swoole table, here the
/// <see cref="ChatMemberRow"/> [SwooleTable], keyed by connection id.
/// </summary>
public sealed class ChatRoom(SwooleTable<ChatMemberRow> members)
{
    public void Bind(long connectionId, string name) => members.SetName(Key(connectionId), name);

    public string NameOf(long connectionId) => members.TryGetName(Key(connectionId), out var name) ? name : "?";

    public void Unbind(long connectionId) => members.Delete(Key(connectionId));

    public ChatMember[] Members =>
        [.. members.Select(member => new ChatMember(long.Parse(member.Key, CultureInfo.InvariantCulture), member.Value.Name)).OrderBy(member => member.Id)];

    private static string Key(long connectionId) => connectionId.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The chat at /ws (LaravelS's WebSocketService example): the user is bound to the connection on open — the signed-in
/// user if the app has authentication, else ?name= — and every message is broadcast to everyone.
/// </summary>
[WebSocketHandler("/ws")]
public sealed class ChatHandler(ChatRoom room, ILogger<ChatHandler> logger) : IWebSocketHandler
{
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
        logger.LogInformation("{Name} joined the chat on connection {ConnectionId}.", name, request.ConnectionId);
        await server.PushAsync(request.ConnectionId, Serialize(new ChatEvent("welcome", request.ConnectionId, name, null)));
        await server.BroadcastAsync(Serialize(new ChatEvent("join", request.ConnectionId, name, null)));
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
            await server.BroadcastAsync(Serialize(new ChatEvent("message", frame.ConnectionId, room.NameOf(frame.ConnectionId), text)));
        }
    }

    public async ValueTask OnCloseAsync(IWebSocketServer server, long connectionId, WebSocketCloseStatus? status, string? reason)
    {
        var name = room.NameOf(connectionId);
        room.Unbind(connectionId);
        await server.BroadcastAsync(Serialize(new ChatEvent("leave", connectionId, name, null)));
    }

    public static string Serialize(ChatEvent chatEvent) => JsonSerializer.Serialize(chatEvent, ShowcaseJson.Default.ChatEvent);

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
