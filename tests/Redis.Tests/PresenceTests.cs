using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Resident.EndToEnd.Tests;
using Resident.Redis.Presence;
using Resident.Tests.Infrastructure;
using Resident.WebSockets;
using Xunit;

namespace Resident.Redis.Tests;

/// <summary>Cluster-wide presence: nodes sharing one Redis see each other's groups and users.</summary>
public sealed class PresenceTests(SharedRedis redis) : IClassFixture<SharedRedis>
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    internal static Task<TestServer> StartNodeAsync(string configuration, string prefix, int nodeId, int nodeTimeoutSeconds = 10)
    {
        var settings = NodeTests.NodeSettings(configuration, prefix, nodeId);
        settings["Resident:Redis:NodeTimeout"] = nodeTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Resident:Redis:ConnectTimeout"] = "2";
        return TestServer.StartAsync(settings, configure: builder => builder.AddRedis());
    }

    internal static IPresence PresenceOf(TestServer node) => node.App.Services.GetRequiredService<IPresence>();

    internal static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within {Patience.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task With_Redis_presence_is_the_cluster_one()
    {
        await using var node = await StartNodeAsync(redis.Server.Configuration, SharedRedis.NewPrefix(), 1);
        Assert.IsType<RedisPresence>(PresenceOf(node));
    }

    [Fact]
    public async Task A_member_joined_on_one_node_is_listed_on_another_until_it_leaves_or_closes()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var a = await StartNodeAsync(redis.Server.Configuration, prefix, 1);
        await using var b = await StartNodeAsync(redis.Server.Configuration, prefix, 2);
        var onA = PresenceOf(a);
        var onB = PresenceOf(b);
        await using var alice = await PresenceClient.ConnectAsync(a.BaseAddress, "?group=room&group=lobby&user=alice");
        await using var bob = await PresenceClient.ConnectAsync(b.BaseAddress, "?group=room");
        Assert.Equal((1, 2), (ConnectionIds.NodeOf(alice.Id), ConnectionIds.NodeOf(bob.Id)));

        PresenceMember[] both = [new(alice.Id, "alice"), new(bob.Id, null)];
        Assert.Equal(both, await onB.MembersAsync("room"));
        Assert.Equal(both, await onA.MembersAsync("room"));
        Assert.Equal(["lobby", "room"], await onB.GroupsOfAsync(alice.Id));
        Assert.Equal([alice.Id], await onB.ConnectionsOfUserAsync("alice"));

        // A connection is joined by the node that serves it.
        Assert.False(await onB.JoinAsync("elsewhere", alice.Id));
        Assert.Empty(await onA.MembersAsync("elsewhere"));

        // A push to the group reaches this node's member (the other node's is reached by cross-node push, when present).
        Assert.InRange(await onA.PushAsync("room", "hello room"), 1, 2);
        Assert.Equal("hello room", await alice.ReceiveTextAsync());
        Assert.Equal(1, await onA.PushToUserAsync("alice", "hello alice"));
        Assert.Equal("hello alice", await alice.ReceiveTextAsync());

        Assert.True(await onA.LeaveAsync("room", alice.Id));
        Assert.Equal([new PresenceMember(bob.Id, null)], await onB.MembersAsync("room"));
        Assert.Equal(["lobby"], await onB.GroupsOfAsync(alice.Id));

        // Closing leaves everything, as every node sees it.
        await alice.CloseAsync();
        await EventuallyAsync(async () => (await onB.MembersAsync("lobby")).Count == 0, "alice's leaving the lobby on close");
        Assert.Empty(await onB.GroupsOfAsync(alice.Id));
        Assert.Empty(await onB.ConnectionsOfUserAsync("alice"));
        Assert.Equal([new PresenceMember(bob.Id, null)], await onA.MembersAsync("room"));
    }

    [Fact]
    public async Task A_node_that_stops_takes_its_members_with_it_at_once()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var b = await StartNodeAsync(redis.Server.Configuration, prefix, 2, nodeTimeoutSeconds: 600);
        var a = await StartNodeAsync(redis.Server.Configuration, prefix, 1, nodeTimeoutSeconds: 600);
        PresenceClient alice;
        await using (a)
        {
            alice = await PresenceClient.ConnectAsync(a.BaseAddress, "?group=room&user=alice");
            Assert.Equal([new PresenceMember(alice.Id, "alice")], await PresenceOf(b).MembersAsync("room"));
        }

        // Long before the 600 s lease would end.
        await using (alice)
        {
            Assert.Empty(await PresenceOf(b).MembersAsync("room"));
            Assert.Empty(await PresenceOf(b).ConnectionsOfUserAsync("alice"));
        }
    }

    [Fact]
    public async Task A_node_process_killed_has_its_members_gone_within_the_node_timeout()
    {
        const int nodeTimeoutSeconds = 2;
        var prefix = SharedRedis.NewPrefix();
        await using var b = await StartNodeAsync(redis.Server.Configuration, prefix, 2, nodeTimeoutSeconds);
        var onB = PresenceOf(b);
        var a = await ShowcaseProcess.StartAsync(
            Repository.ClusterAppAssembly,
            Repository.ClusterAppProject,
            "--Resident:NodeId=1",
            $"--Resident:Redis:Configuration={redis.Server.Configuration}",
            $"--Resident:Redis:KeyPrefix={prefix}",
            $"--Resident:Redis:NodeTimeout={nodeTimeoutSeconds}");
        Stopwatch sinceKill;

        // The clients stay open through the kill: only the node dies, with no close from anyone.
        await using var bob = await PresenceClient.ConnectAsync(b.BaseAddress, "?group=room");
        PresenceClient alice, carol;
        await using (a)
        {
            alice = await PresenceClient.ConnectAsync(a.BaseAddress, "?group=room&user=alice");
            carol = await PresenceClient.ConnectAsync(a.BaseAddress, "?group=room");
            Assert.Equal(new[] { alice.Id, bob.Id, carol.Id }.Order(), (await onB.MembersAsync("room")).Select(member => member.ConnectionId));
            using var http = new HttpClient { BaseAddress = a.BaseAddress };
            Assert.Contains($"{alice.Id}:alice", await http.GetStringAsync("/presence/members/room"), StringComparison.Ordinal);

            // Alive for a few heartbeats yet.
            await Task.Delay(TimeSpan.FromSeconds(nodeTimeoutSeconds));
            Assert.Equal(3, (await onB.MembersAsync("room")).Count);

            sinceKill = Stopwatch.StartNew();
        }

        // SIGKILL: no leave, no goodbye; its lease runs out.
        await using var killedAlice = alice;
        await using var killedCarol = carol;
        long[] killedIds = [alice.Id, carol.Id];
        await EventuallyAsync(async () => (await onB.MembersAsync("room")).Count == 1, "the killed node's members disappearing");
        var gone = sinceKill.Elapsed;
        Assert.True(gone < TimeSpan.FromSeconds(nodeTimeoutSeconds + 3), $"the killed node's members were listed {gone.TotalSeconds:F1} s after the kill (NodeTimeout {nodeTimeoutSeconds} s)");
        Assert.Empty(await onB.ConnectionsOfUserAsync("alice"));
        Assert.Empty(await onB.GroupsOfAsync(killedIds[0]));

        // The heartbeats of the living sweep what the dead node left.
        foreach (var id in killedIds)
        {
            var key = $"{prefix}:presence:conn:{id}";
            var deadline = DateTime.UtcNow + Patience;
            while (await redis.Server.CommandAsync($"EXISTS {key}") != ":0")
            {
                if (DateTime.UtcNow >= deadline)
                {
                    Assert.Fail($"{key} was not swept: instances {await redis.Server.CommandAsync($"ZCARD {prefix}:presence:instances")}, owner {await redis.Server.CommandAsync($"HGET {key} i")}; B's log: {string.Join(" | ", b.Logs.Entries.Select(entry => entry.Message))}");
                }

                await Task.Delay(20);
            }
        }
    }

    [Fact]
    public async Task Two_Showcases_with_one_Redis_share_the_chat_room()
    {
        var prefix = SharedRedis.NewPrefix();
        string[] Node(int id) =>
        [
            $"--Resident:NodeId={id}",
            $"--Resident:Redis:Configuration={redis.Server.Configuration}",
            $"--Resident:Redis:KeyPrefix={prefix}",
        ];

        await using var first = await ShowcaseProcess.StartAsync(Node(1));
        await using var second = await ShowcaseProcess.StartAsync(Node(2));
        using var firstHttp = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var secondHttp = new HttpClient { BaseAddress = second.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var alice = new System.Net.WebSockets.ClientWebSocket();
        using var bob = new System.Net.WebSockets.ClientWebSocket();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await alice.ConnectAsync(new Uri($"ws://{first.BaseAddress.Authority}/ws?name=alice"), timeout.Token);
            await bob.ConnectAsync(new Uri($"ws://{second.BaseAddress.Authority}/ws?name=bob"), timeout.Token);
        }

        var aliceId = JsonDocument.Parse(await PresenceClient.ReceiveTextAsync(alice)).RootElement.GetProperty("id").GetInt64();
        var bobId = JsonDocument.Parse(await PresenceClient.ReceiveTextAsync(bob)).RootElement.GetProperty("id").GetInt64();

        // The room's list is the same on both ports: both members, each with its name.
        string[] expected = [$"{aliceId}:alice", $"{bobId}:bob"];
        Assert.Equal(expected, await MembersAsync(firstHttp));
        Assert.Equal(expected, await MembersAsync(secondHttp));

        // A message said on one port reaches the member on the other (the room's push crosses nodes), and the sender.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await alice.SendAsync(Encoding.UTF8.GetBytes("hello across nodes"), System.Net.WebSockets.WebSocketMessageType.Text, true, timeout.Token);
        }

        foreach (var member in new[] { bob, alice })
        {
            string received;
            do
            {
                received = await PresenceClient.ReceiveTextAsync(member);
            }
            while (!received.Contains("\"type\":\"message\"", StringComparison.Ordinal));

            using var message = JsonDocument.Parse(received);
            Assert.Equal("hello across nodes", message.RootElement.GetProperty("text").GetString());
            Assert.Equal("alice", message.RootElement.GetProperty("name").GetString());
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await bob.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        await EventuallyAsync(async () => (await MembersAsync(firstHttp)).Length == 1, "bob leaving the room seen from the other Showcase");
        Assert.Equal([$"{aliceId}:alice"], await MembersAsync(firstHttp));
    }

    private static async Task<string[]> MembersAsync(HttpClient http)
    {
        using var members = JsonDocument.Parse(await http.GetStringAsync("/chat/members"));
        return [.. members.RootElement.EnumerateArray().Select(member => $"{member.GetProperty("id").GetInt64()}:{member.GetProperty("name").GetString()}").Order(StringComparer.Ordinal)];
    }
}

/// <summary>Presence while Redis is killed and started again (with its memory gone).</summary>
public sealed class PresenceRedisRestartTests
{
    [Fact]
    public async Task Redis_down_fails_calls_within_the_bound_crashes_nothing_and_presence_recovers()
    {
        await using var server = await RedisServer.StartAsync();
        var prefix = SharedRedis.NewPrefix();
        await using var a = await PresenceTests.StartNodeAsync(server.Configuration, prefix, 1, nodeTimeoutSeconds: 2);
        await using var b = await PresenceTests.StartNodeAsync(server.Configuration, prefix, 2, nodeTimeoutSeconds: 2);
        var onA = PresenceTests.PresenceOf(a);
        var onB = PresenceTests.PresenceOf(b);
        await using var alice = await PresenceClient.ConnectAsync(a.BaseAddress, "?group=room&user=alice");
        await using var bob = await PresenceClient.ConnectAsync(a.BaseAddress, "?group=room");
        await using var carol = await PresenceClient.ConnectAsync(a.BaseAddress);
        Assert.Equal(2, (await onB.MembersAsync("room")).Count);

        await server.KillAsync();

        // Every call fails clearly, within the bound, and nothing else suffers.
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<PresenceUnavailableException>(async () => await onB.MembersAsync("room"));
        await Assert.ThrowsAsync<PresenceUnavailableException>(async () => await onA.JoinAsync("room", carol.Id));
        await Assert.ThrowsAsync<PresenceUnavailableException>(async () => await onA.PushAsync("room", "lost"));
        Assert.True(clock.Elapsed < 3 * (RedisPresence.CallTimeout + TimeSpan.FromSeconds(2)), $"three calls took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("Hello, World!", await a.Client.GetStringAsync("/plaintext"));

        // Bob leaves while Redis is away: applied when it is back.
        await bob.CloseAsync();
        Assert.Contains(a.Logs.Entries, entry => entry.Message.Contains("Presence could not reach Redis", StringComparison.Ordinal));

        // Redis comes back empty: node A republishes what it holds (alice, not bob, not carol's failed join).
        await server.StartAgainAsync();
        await PresenceTests.EventuallyAsync(
            async () =>
            {
                try
                {
                    return (await onB.MembersAsync("room")).SequenceEqual([new PresenceMember(alice.Id, "alice")]);
                }
                catch (PresenceUnavailableException)
                {
                    return false;
                }
            },
            "node A republishing alice after the Redis restart");
        Assert.Equal([alice.Id], await onB.ConnectionsOfUserAsync("alice"));
        Assert.Contains(a.Logs.Entries, entry => entry.Message.Contains("Presence republished", StringComparison.Ordinal));

        // And it works as before.
        Assert.True(await onA.JoinAsync("room", carol.Id));
        Assert.Equal([alice.Id, carol.Id], (await onB.MembersAsync("room")).Select(member => member.ConnectionId));
        Assert.Equal(2, await onA.PushAsync("room", "back"));
        Assert.Equal("back", await alice.ReceiveTextAsync());
        Assert.Equal("back", await carol.ReceiveTextAsync());
    }
}
