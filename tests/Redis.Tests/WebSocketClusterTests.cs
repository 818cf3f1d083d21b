using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Resident.EndToEnd.Tests;
using Resident.Redis.WebSockets;
using Resident.Tests.Infrastructure;
using Resident.WebSockets;
using StackExchange.Redis;
using Xunit;

namespace Resident.Redis.Tests;

/// <summary>
/// One WebSocket server across nodes: in-process nodes (real Kestrels, different NodeIds, one key prefix) and a node
/// process killed with SIGKILL, on a real redis-server, with real ClientWebSockets.
/// </summary>
public sealed class WebSocketClusterTests(SharedRedis redis) : IClassFixture<SharedRedis>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_push_from_one_node_reaches_a_connection_on_another_as_text_and_binary()
    {
        await using var cluster = await Cluster.StartAsync(redis.Server.Configuration, 1, 2);
        var (a, b) = (cluster[0], cluster[1]);
        await using var client = await ClusterClient.ConnectAsync(b.BaseAddress);
        Assert.Equal(2, ConnectionIds.NodeOf(client.Id));
        var webSockets = a.Server.WebSockets;
        await Eventually(() => webSockets.IsEstablished(client.Id), "node 1 lists the connection of node 2");

        Assert.True(await webSockets.PushAsync(client.Id, "from node 1"));
        Assert.Equal("from node 1", await client.ReceiveTextAsync());
        Assert.True(await webSockets.PushAsync(client.Id, new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary));
        var (type, payload) = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(new byte[] { 1, 2, 3 }, payload);

        // The directory entry describes the connection and routes its own pushes.
        Assert.True(webSockets.TryGetConnection(client.Id, out var remote));
        Assert.Equal("/ws/cluster", remote.Path);
        Assert.True(remote.IsEstablished);
        Assert.True(await remote.PushAsync("through the entry"));
        Assert.Equal("through the entry", await client.ReceiveTextAsync());
        Assert.Equal(1, webSockets.Count);

        // An id no node holds is refused; so is one of a node that is not in the cluster.
        Assert.False(await webSockets.PushAsync(client.Id + 1000, "nobody"));
        Assert.False(await webSockets.PushAsync(client.Id + (40L << 48), "no such node"));

        // Each process listens on its own sharded channel (Redis 7 has SSUBSCRIBE).
        Assert.True(a.Transport.Sharded);
        using var check = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var channels = (RedisResult[])(await check.GetServers()[0].ExecuteAsync("PUBSUB", "SHARDCHANNELS", cluster.Prefix + ":ws:*"))!;
        Assert.Equal([cluster.Prefix + ":ws:1:0", cluster.Prefix + ":ws:2:0"], channels.Select(channel => (string)channel!).Order());
    }

    [Fact]
    public async Task Disconnecting_a_remote_connection_closes_it_after_the_pushes_before_it()
    {
        await using var cluster = await Cluster.StartAsync(redis.Server.Configuration, 1, 2);
        var (a, b) = (cluster[0], cluster[1]);
        await using var client = await ClusterClient.ConnectAsync(b.BaseAddress);
        var webSockets = a.Server.WebSockets;
        await Eventually(() => webSockets.IsEstablished(client.Id), "node 1 lists the connection of node 2");

        Assert.True(await webSockets.PushAsync(client.Id, "before"));
        Assert.True(await webSockets.DisconnectAsync(client.Id, (WebSocketCloseStatus)4001, "moved"));
        Assert.Equal("before", await client.ReceiveTextAsync());
        Assert.Equal(WebSocketMessageType.Close, (await client.ReceiveAsync()).Type);
        Assert.Equal((WebSocketCloseStatus)4001, client.Socket.CloseStatus);
        Assert.Equal("moved", client.Socket.CloseStatusDescription);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        // Node 2 announces the close: node 1 forgets the connection.
        await Eventually(() => !webSockets.IsEstablished(client.Id), "node 1 forgets the closed connection");
        Assert.False(await webSockets.PushAsync(client.Id, "too late"));
        Assert.Equal(0, webSockets.Count);
    }

    [Fact]
    public async Task A_broadcast_reaches_every_nodes_clients_and_counts_them_and_a_filter_chooses_among_them()
    {
        await using var cluster = await Cluster.StartAsync(redis.Server.Configuration, 1, 2, 3);
        await using var onA = await ClusterClient.ConnectAsync(cluster[0].BaseAddress);
        await using var onB1 = await ClusterClient.ConnectAsync(cluster[1].BaseAddress);
        await using var onB2 = await ClusterClient.ConnectAsync(cluster[1].BaseAddress);
        await using var onC = await ClusterClient.ConnectAsync(cluster[2].BaseAddress);
        ClusterClient[] clients = [onA, onB1, onB2, onC];
        foreach (var node in cluster.Nodes)
        {
            await Eventually(() => node.Server.WebSockets.Count == 4, $"node {node.NodeId} lists all four connections");
        }

        var webSockets = cluster[0].Server.WebSockets;
        Assert.Equal(4, await webSockets.BroadcastAsync("to all"));
        foreach (var client in clients)
        {
            Assert.Equal("to all", await client.ReceiveTextAsync());
        }

        Assert.Equal(4, await cluster[2].Server.WebSockets.BroadcastAsync(new byte[] { 9 }, WebSocketMessageType.Binary));
        foreach (var client in clients)
        {
            Assert.Equal(new byte[] { 9 }, (await client.ReceiveAsync()).Payload);
        }

        // The filter runs on node 1 over every node's connections; only the chosen ones get the message.
        Assert.Equal(2, await webSockets.BroadcastAsync("some", connection => connection.Id == onB2.Id || connection.Id == onC.Id));
        Assert.Equal("some", await onB2.ReceiveTextAsync());
        Assert.Equal("some", await onC.ReceiveTextAsync());
        foreach (var client in new[] { onA, onB1 })
        {
            // The next thing each unchosen client gets is the marker pushed after the broadcast.
            Assert.True(await webSockets.PushAsync(client.Id, "marker"));
            Assert.Equal("marker", await client.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task Pushes_of_three_nodes_to_one_remote_connection_arrive_in_each_senders_order()
    {
        const int count = 500;
        await using var cluster = await Cluster.StartAsync(redis.Server.Configuration, 1, 2, 3, 4);
        await using var client = await ClusterClient.ConnectAsync(cluster[3].BaseAddress);
        var senders = cluster.Nodes.Take(3).ToArray();
        foreach (var sender in senders)
        {
            await Eventually(() => sender.Server.WebSockets.IsEstablished(client.Id), $"node {sender.NodeId} lists the connection of node 4");
        }

        var pushing = senders.Select(sender => Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await sender.Server.WebSockets.PushAsync(client.Id, $"{sender.NodeId}:{i}"));
            }
        })).ToArray();

        var next = senders.ToDictionary(sender => sender.NodeId.ToString(CultureInfo.InvariantCulture), _ => 0);
        for (var received = 0; received < 3 * count; received++)
        {
            var parts = (await client.ReceiveTextAsync()).Split(':');
            Assert.Equal(next[parts[0]], int.Parse(parts[1], CultureInfo.InvariantCulture));
            next[parts[0]]++;
        }

        await Task.WhenAll(pushing);
        Assert.All(next.Values, value => Assert.Equal(count, value));
    }

    [Fact]
    public async Task A_node_that_stops_says_bye_and_leaves_the_other_directories_at_once()
    {
        // A long timeout: only the Bye can make node 2 go this fast.
        await using var cluster = await Cluster.StartAsync(redis.Server.Configuration, SharedRedis.NewPrefix(), 30, 1, 2);
        var a = cluster[0];
        Assert.Contains(cluster[1].Transport.Address, a.Transport.Peers);

        await cluster.StopAsync(1);
        await Eventually(() => a.Transport.Peers.Count == 0, "node 1 forgets node 2", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_killed_node_process_leaves_the_other_directories_within_the_node_timeout()
    {
        const int nodeTimeout = 3;
        var prefix = SharedRedis.NewPrefix();
        var process = await ShowcaseProcess.StartAsync(
            Repository.ClusterAppAssembly,
            Repository.ClusterAppProject,
            "--Resident:NodeId=5",
            "--Resident:Redis:Configuration=" + redis.Server.Configuration,
            "--Resident:Redis:KeyPrefix=" + prefix,
            "--Resident:Redis:NodeTimeout=" + nodeTimeout.ToString(CultureInfo.InvariantCulture));
        await using var cluster = await Cluster.StartAsync(redis.Server.Configuration, prefix, nodeTimeout, 6);
        var node = cluster[0];
        using var http = new HttpClient { BaseAddress = process.BaseAddress, Timeout = Patience };
        var alive = true;
        try
        {
            await using var onProcess = await ClusterClient.ConnectAsync(process.BaseAddress);
            await using var onNode = await ClusterClient.ConnectAsync(node.BaseAddress);
            Assert.Equal(5, ConnectionIds.NodeOf(onProcess.Id));
            await Eventually(() => node.Server.WebSockets.IsEstablished(onProcess.Id), "node 6 lists the process's connection");

            // Both ways between the processes.
            Assert.True(await node.Server.WebSockets.PushAsync(onProcess.Id, "to the process"));
            Assert.Equal("to the process", await onProcess.ReceiveTextAsync());
            await Eventually(
                async () => await http.GetStringAsync($"/ws/established/{onNode.Id}") == "true", "the process lists node 6's connection");
            using (var push = await http.PostAsync($"/ws/push/{onNode.Id}?text=from%20the%20process", null))
            {
                Assert.Equal("true", await push.Content.ReadAsStringAsync());
            }

            Assert.Equal("from the process", await onNode.ReceiveTextAsync());

            alive = false;
            await process.DisposeAsync();
            var killed = Stopwatch.StartNew();
            await Eventually(() => !node.Server.WebSockets.IsEstablished(onProcess.Id), "node 6 forgets the killed node's connection", TimeSpan.FromSeconds(30));
            killed.Stop();

            // Gone within NodeTimeout of the kill (plus a little for a loaded machine's scheduling).
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(nodeTimeout + 1.5), $"gone after {killed.Elapsed.TotalSeconds:0.00} s");
            Assert.False(await node.Server.WebSockets.PushAsync(onProcess.Id, "gone"));
            Assert.Equal(1, node.Server.WebSockets.Count);
            Assert.Empty(node.Transport.Peers);
        }
        finally
        {
            if (alive)
            {
                await process.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Redis_killed_and_restarted_mid_traffic_pushes_fail_fast_while_down_and_everything_recovers()
    {
        await using var ownRedis = await RedisServer.StartAsync();
        await using var cluster = await Cluster.StartAsync(ownRedis.Configuration, SharedRedis.NewPrefix(), 3, 1, 2);
        var (a, b) = (cluster[0], cluster[1]);
        await using var client = await ClusterClient.ConnectAsync(b.BaseAddress);
        await Eventually(() => a.Server.WebSockets.IsEstablished(client.Id), "node 1 lists the connection of node 2");

        // Traffic from node 1 all along: every push answers at once, true or false.
        using var stop = new CancellationTokenSource();
        var results = new ConcurrentQueue<bool>();
        var slowest = TimeSpan.Zero;
        var traffic = Task.Run(async () =>
        {
            var watch = new Stopwatch();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                watch.Restart();
                results.Enqueue(await a.Server.WebSockets.PushAsync(client.Id, "traffic " + i));
                slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                await Task.Delay(5);
            }
        });
        var reading = Task.Run(async () =>
        {
            while (await client.ReceiveTextAsync() != "after")
            {
            }
        });

        await Eventually(() => results.Count(result => result) >= 20, "pushes go through before the outage");
        await ownRedis.KillAsync();

        // Still listed (the lease runs), but pushes to node 2 fail until Redis is back.
        Assert.True(a.Server.WebSockets.IsEstablished(client.Id));
        await Eventually(() => !a.Transport.Online, "node 1 notices the outage");
        var before = results.Count;
        await Eventually(() => results.Count >= before + 20, "pushes go on during the outage");
        // (The first may be a push that checked just before the outage was noticed.)
        Assert.DoesNotContain(true, results.Skip(before + 1));
        Assert.False(await a.Server.WebSockets.PushAsync(client.Id, "lost"));

        await ownRedis.StartAgainAsync();
        await Eventually(() => a.Transport.Online && b.Transport.Online, "both nodes are back", Patience);
        await Eventually(() => a.Server.WebSockets.IsEstablished(client.Id), "node 1 lists the connection again", Patience);
        var after = results.Count;
        await Eventually(() => results.Skip(after).Count(result => result) >= 20, "pushes go through again");
        await stop.CancelAsync();
        await traffic;

        Assert.True(await a.Server.WebSockets.PushAsync(client.Id, "after"));
        await reading.WaitAsync(Patience);
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"the slowest push took {slowest.TotalMilliseconds:0} ms");

        // What was lost is counted and logged.
        Assert.True(a.Transport.DroppedSends > 0);
        Assert.Contains(a.Logs.Entries, entry => entry.Message.Contains("WebSocket messages to other nodes stop: Redis is unreachable", StringComparison.Ordinal));
        Assert.Contains(a.Logs.Entries, entry => entry.Message.Contains("messages for other nodes were dropped while Redis was away", StringComparison.Ordinal)
            && !entry.Message.Contains("; 0 messages", StringComparison.Ordinal));
    }

    private static Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually(() => Task.FromResult(condition()), what, timeout);

    private static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (timeout ?? Patience))
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>An in-process node and its transport.</summary>
    internal sealed record Node(int NodeId, TestServer Host)
    {
        public IResidentServer Server => Host.Server;

        public Uri BaseAddress => Host.BaseAddress;

        public CapturedLogs Logs => Host.Logs;

        public RedisNodeTransport Transport => Host.App.Services.GetRequiredService<RedisNodeTransport>();
    }

    /// <summary>In-process nodes of one cluster, started and joined (each knows every other as a peer).</summary>
    internal sealed class Cluster : IAsyncDisposable
    {
        private const int DefaultNodeTimeoutSeconds = 4;
        private readonly List<Node?> _nodes;

        private Cluster(string prefix, List<Node?> nodes)
        {
            Prefix = prefix;
            _nodes = nodes;
        }

        public string Prefix { get; }

        public IEnumerable<Node> Nodes => _nodes.OfType<Node>();

        public Node this[int index] => _nodes[index] ?? throw new InvalidOperationException($"Node {index} was stopped.");

        public static Task<Cluster> StartAsync(string configuration, params int[] nodeIds) =>
            StartAsync(configuration, SharedRedis.NewPrefix(), DefaultNodeTimeoutSeconds, nodeIds);

        public static async Task<Cluster> StartAsync(string configuration, string prefix, int nodeTimeoutSeconds, params int[] nodeIds)
        {
            var nodes = new List<Node?>();
            var cluster = new Cluster(prefix, nodes);
            try
            {
                foreach (var nodeId in nodeIds)
                {
                    var settings = NodeTests.NodeSettings(configuration, prefix, nodeId);
                    settings["Resident:Redis:NodeTimeout"] = nodeTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
                    nodes.Add(new Node(nodeId, await TestServer.StartAsync(settings, configure: builder => builder.AddRedis())));
                }

                foreach (var node in nodes.OfType<Node>())
                {
                    var others = nodes.OfType<Node>().Where(other => other != node).Select(other => other.Transport.Address).ToArray();
                    await Eventually(() => others.All(node.Transport.Peers.Contains), $"node {node.NodeId} knows the other nodes");
                }

                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }

        public async Task StopAsync(int index)
        {
            if (_nodes[index] is { } node)
            {
                _nodes[index] = null;
                await node.Host.DisposeAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            for (var i = 0; i < _nodes.Count; i++)
            {
                await StopAsync(i);
            }
        }
    }
}
