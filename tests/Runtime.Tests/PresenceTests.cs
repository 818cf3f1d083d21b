using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>Presence without Redis: groups and users of this server's connections, in memory.</summary>
public sealed class PresenceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Connections_join_leave_and_are_listed_with_their_groups_and_users()
    {
        await using var server = await TestServer.StartAsync();
        var presence = server.App.Services.GetRequiredService<IPresence>();
        var (alice, aliceId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (bob, bobId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (alice)
        await using (bob)
        {
            Assert.True(await presence.BindUserAsync("alice", aliceId));
            Assert.True(await presence.JoinAsync("room", aliceId));
            Assert.True(await presence.JoinAsync("room", aliceId));
            Assert.True(await presence.JoinAsync("room", bobId));
            Assert.True(await presence.JoinAsync("lobby", bobId));

            Assert.Equal([new PresenceMember(aliceId, "alice"), new PresenceMember(bobId, null)], await presence.MembersAsync("room"));
            Assert.Equal(["lobby", "room"], await presence.GroupsOfAsync(bobId));
            Assert.Equal([aliceId], await presence.ConnectionsOfUserAsync("alice"));

            Assert.True(await presence.LeaveAsync("room", bobId));
            Assert.False(await presence.LeaveAsync("room", bobId));
            Assert.Equal([new PresenceMember(aliceId, "alice")], await presence.MembersAsync("room"));
            Assert.Equal(["lobby"], await presence.GroupsOfAsync(bobId));
            Assert.Empty(await presence.MembersAsync("nobody-here"));

            // Rebinding replaces the connection's user.
            Assert.True(await presence.BindUserAsync("alice2", aliceId));
            Assert.Empty(await presence.ConnectionsOfUserAsync("alice"));
            Assert.Equal([aliceId], await presence.ConnectionsOfUserAsync("alice2"));
        }
    }

    [Fact]
    public async Task A_connection_that_is_not_open_here_cannot_join_and_names_must_not_be_empty()
    {
        await using var server = await TestServer.StartAsync();
        var presence = server.App.Services.GetRequiredService<IPresence>();
        Assert.False(await presence.JoinAsync("room", 123456789));
        Assert.False(await presence.BindUserAsync("ghost", 123456789));
        Assert.Empty(await presence.MembersAsync("room"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await presence.JoinAsync("", 1));
        await Assert.ThrowsAsync<ArgumentException>(async () => await presence.BindUserAsync("", 1));
    }

    [Fact]
    public async Task A_push_to_a_group_or_a_user_reaches_exactly_its_connections()
    {
        await using var server = await TestServer.StartAsync();
        var presence = server.App.Services.GetRequiredService<IPresence>();
        var (alice, aliceId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (phone, phoneId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (bob, bobId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (alice)
        await using (phone)
        await using (bob)
        {
            await presence.BindUserAsync("alice", aliceId);
            await presence.BindUserAsync("alice", phoneId);
            await presence.BindUserAsync("bob", bobId);
            await presence.JoinAsync("room", aliceId);
            await presence.JoinAsync("room", bobId);

            Assert.Equal(2, await presence.PushToUserAsync("alice", "for alice"));
            Assert.Equal("for alice", await alice.ReceiveTextAsync());
            Assert.Equal("for alice", await phone.ReceiveTextAsync());

            Assert.Equal(2, await presence.PushAsync("room", "for the room"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text));
            Assert.Equal("for the room", await alice.ReceiveTextAsync());
            Assert.Equal("for the room", await bob.ReceiveTextAsync());

            // Bob got only the room's message, the phone none of it: the next message each reads is this one.
            Assert.Equal(1, await presence.PushToUserAsync("bob", "bob only"));
            Assert.Equal("bob only", await bob.ReceiveTextAsync());
            await phone.SendTextAsync("ping");
            Assert.Equal("echo:ping", await phone.ReceiveTextAsync());
            Assert.Equal(0, await presence.PushAsync("empty", "nobody"));
        }
    }

    [Fact]
    public async Task A_connection_that_closes_leaves_its_groups_and_its_user()
    {
        await using var server = await TestServer.StartAsync();
        var presence = server.App.Services.GetRequiredService<IPresence>();
        var (alice, aliceId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (bob, bobId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (bob)
        {
            await presence.BindUserAsync("alice", aliceId);
            await presence.JoinAsync("room", aliceId);
            await presence.JoinAsync("lobby", aliceId);
            await presence.JoinAsync("room", bobId);

            await using (alice)
            {
                await alice.Socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }

            await EventuallyAsync(async () => (await presence.MembersAsync("room")).Count == 1);
            Assert.Equal([new PresenceMember(bobId, null)], await presence.MembersAsync("room"));
            Assert.Empty(await presence.MembersAsync("lobby"));
            Assert.Empty(await presence.GroupsOfAsync(aliceId));
            Assert.Empty(await presence.ConnectionsOfUserAsync("alice"));
            Assert.False(await presence.JoinAsync("room", aliceId));
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within " + Patience.TotalSeconds + " s");
            await Task.Delay(20);
        }
    }
}
