using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resident.Supervision;
using Resident.Tests.Infrastructure;
using Resident.WebSockets;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// One WebSocket server across workers: two real hosts (two Kestrels), each with its own end of an in-memory worker
/// mesh in place of the master's, and real clients on each.
/// </summary>
public sealed class WebSocketMeshTests
{
    private const int SlotA = 1;
    private const int SlotB = 2;
    private const int NodeId = 7;

    [Fact]
    public async Task Connection_ids_of_two_workers_differ_in_their_worker_bits()
    {
        await using var mesh = await TwoWorkers.StartAsync();
        var (clientA, idA) = await TestWebSocket.ConnectEchoAsync(mesh.A.BaseAddress);
        var (clientB, idB) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (clientA)
        await using (clientB)
        {
            Assert.Equal(SlotA, ConnectionIds.WorkerOf(idA));
            Assert.Equal(SlotB, ConnectionIds.WorkerOf(idB));
            Assert.Equal(NodeId, ConnectionIds.NodeOf(idA));
            Assert.Equal(NodeId, ConnectionIds.NodeOf(idB));
        }
    }

    [Fact]
    public async Task Inline_the_server_has_no_peers_and_its_ids_carry_worker_zero()
    {
        await using var server = await TestServer.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            Assert.Equal(0, ConnectionIds.WorkerOf(id));
            Assert.Equal(1, server.Server.WebSockets.Count);
            Assert.Equal(1, await server.Server.WebSockets.BroadcastAsync("only here"));
            Assert.Equal("only here", await client.ReceiveTextAsync());

            // An id of another worker is simply unknown without a mesh.
            var elsewhere = id | (5L << 40);
            Assert.False(server.Server.WebSockets.IsEstablished(elsewhere));
            Assert.False(await server.Server.WebSockets.PushAsync(elsewhere, "nowhere"));
            Assert.False(await server.Server.WebSockets.DisconnectAsync(elsewhere));
        }
    }

    [Fact]
    public async Task A_push_from_one_worker_reaches_a_connection_on_the_other()
    {
        await using var mesh = await TwoWorkers.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (client)
        {
            // B announced the connection before its welcome; once A has read its mesh inbox, A knows it.
            await mesh.MeshA.DrainedAsync();
            var webSockets = mesh.A.Server.WebSockets;

            Assert.True(await webSockets.PushAsync(id, "from A"));
            Assert.Equal("from A", await client.ReceiveTextAsync());

            Assert.True(await webSockets.PushAsync(id, new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary));
            var (type, payload) = await client.ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(new byte[] { 1, 2, 3 }, payload);

            // The remote entry routes its own pushes through the mesh too.
            Assert.True(webSockets.TryGetConnection(id, out var remote));
            Assert.True(await remote.PushAsync("through the entry"));
            Assert.Equal("through the entry", await client.ReceiveTextAsync());

            // An id the directory does not hold is refused without sending anything.
            Assert.False(await webSockets.PushAsync(id + 1000, "nobody"));
        }
    }

    [Fact]
    public async Task A_thousand_pushes_from_one_worker_arrive_in_order()
    {
        const int count = 1000;
        await using var mesh = await TwoWorkers.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (client)
        {
            await mesh.MeshA.DrainedAsync();
            var webSockets = mesh.A.Server.WebSockets;
            var pushes = Enumerable.Range(0, count).Select(i => i % 2 == 0
                ? webSockets.PushAsync(id, i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : webSockets.PushAsync(id, Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), WebSocketMessageType.Text));
            foreach (var push in pushes)
            {
                Assert.True(await push);
            }

            for (var i = 0; i < count; i++)
            {
                Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await client.ReceiveTextAsync());
            }
        }
    }

    [Fact]
    public async Task A_broadcast_reaches_the_clients_of_both_workers_and_a_filter_chooses_among_them()
    {
        await using var mesh = await TwoWorkers.StartAsync();
        var (a1, idA1) = await TestWebSocket.ConnectEchoAsync(mesh.A.BaseAddress);
        var (b1, idB1) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        var (b2, idB2) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (a1)
        await using (b1)
        await using (b2)
        {
            await mesh.MeshA.DrainedAsync();
            var webSockets = mesh.A.Server.WebSockets;

            Assert.Equal(3, await webSockets.BroadcastAsync("to all"));
            Assert.Equal("to all", await a1.ReceiveTextAsync());
            Assert.Equal("to all", await b1.ReceiveTextAsync());
            Assert.Equal("to all", await b2.ReceiveTextAsync());

            Assert.Equal(3, await webSockets.BroadcastAsync(new byte[] { 9 }, WebSocketMessageType.Binary));
            foreach (var client in new[] { a1, b1, b2 })
            {
                Assert.Equal(new byte[] { 9 }, (await client.ReceiveAsync()).Payload);
            }

            // The filter runs on A, remote entries included; only the chosen connections of B get it.
            Assert.Equal(2, await webSockets.BroadcastAsync("some", connection => connection.Id == idA1 || connection.Id == idB2));
            Assert.Equal("some", await a1.ReceiveTextAsync());
            Assert.Equal("some", await b2.ReceiveTextAsync());

            // B1 was not chosen: the next thing A sends it (in order, behind anything sent before) is the marker.
            Assert.True(await webSockets.PushAsync(idB1, "marker"));
            Assert.Equal("marker", await b1.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task The_directory_covers_the_other_workers_connections_until_they_close()
    {
        await using var mesh = await TwoWorkers.StartAsync(authenticate: true);
        var (clientA, idA) = await TestWebSocket.ConnectEchoAsync(mesh.A.BaseAddress);
        var (clientB, idB) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress, "?tag=b", options => options.SetRequestHeader("X-Test-User", "carol"));
        await using (clientA)
        await using (clientB)
        {
            await mesh.MeshA.DrainedAsync();
            var webSockets = mesh.A.Server.WebSockets;

            Assert.Equal(2, webSockets.Count);
            Assert.True(webSockets.IsEstablished(idB));
            Assert.Equal(new[] { idA, idB }, webSockets.Connections.Select(connection => connection.Id).Order());
            Assert.True(webSockets.TryGetConnection(idB, out var remote));
            Assert.Equal(idB, remote.Id);
            Assert.Equal("/ws/echo", remote.Path);
            Assert.Null(remote.SubProtocol);
            Assert.Equal("carol", remote.User.Identity?.Name);
            Assert.True(remote.User.Identity?.IsAuthenticated);
            Assert.True(IPAddress.IsLoopback(remote.RemoteIpAddress!));
            Assert.True(mesh.B.Server.WebSockets.TryGetConnection(idB, out var local));
            Assert.Equal(local.ConnectedAt, remote.ConnectedAt);
            Assert.True(remote.IsEstablished);

            // B sees A's connection the same way: the directory goes both ways.
            Assert.True(mesh.B.Server.WebSockets.IsEstablished(idA));
            Assert.Equal(2, mesh.B.Server.WebSockets.Count);

            await clientB.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            await mesh.B.Recorder.WaitForAsync(all => Recorder.Select(all, idB.ToString()).Any(e => e.StartsWith("close:", StringComparison.Ordinal)));
            await mesh.MeshA.DrainedAsync();

            Assert.False(webSockets.IsEstablished(idB));
            Assert.False(webSockets.TryGetConnection(idB, out _));
            Assert.Equal(1, webSockets.Count);
            Assert.Equal(new[] { idA }, webSockets.Connections.Select(connection => connection.Id));
            Assert.False(remote.IsEstablished);
            Assert.False(await remote.PushAsync("too late"));
            Assert.False(await webSockets.PushAsync(idB, "too late"));
        }
    }

    [Fact]
    public async Task A_worker_that_leaves_takes_its_connections_out_of_the_directory()
    {
        await using var mesh = await TwoWorkers.StartAsync();
        var (clientA, idA) = await TestWebSocket.ConnectEchoAsync(mesh.A.BaseAddress);
        var (clientB, idB) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (clientA)
        await using (clientB)
        {
            await mesh.MeshA.DrainedAsync();
            var webSockets = mesh.A.Server.WebSockets;
            Assert.True(webSockets.TryGetConnection(idB, out var remote));

            mesh.Hub.Leave(mesh.MeshB);
            await mesh.MeshA.DrainedAsync();

            Assert.False(webSockets.IsEstablished(idB));
            Assert.False(remote.IsEstablished);
            Assert.Equal(1, webSockets.Count);
            Assert.False(await webSockets.PushAsync(idB, "gone"));
            Assert.False(await webSockets.DisconnectAsync(idB));
            Assert.True(webSockets.IsEstablished(idA));
        }
    }

    [Fact]
    public async Task Disconnecting_a_remote_connection_closes_it_with_the_status_given()
    {
        await using var mesh = await TwoWorkers.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (client)
        {
            await mesh.MeshA.DrainedAsync();
            var webSockets = mesh.A.Server.WebSockets;

            Assert.True(await webSockets.PushAsync(id, "before"));
            Assert.True(await webSockets.DisconnectAsync(id, (WebSocketCloseStatus)4001, "moved"));

            Assert.Equal(["before"], await client.ReceiveUntilCloseAsync());
            Assert.Equal((WebSocketCloseStatus)4001, client.Socket.CloseStatus);
            Assert.Equal("moved", client.Socket.CloseStatusDescription);
            await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            await mesh.B.Recorder.WaitForAsync(all => Recorder.Select(all, id.ToString()).Contains("close:4001:moved"));
        }
    }

    [Fact]
    public async Task A_worker_that_joins_later_receives_the_snapshot_of_the_others()
    {
        await using var mesh = await TwoWorkers.StartAsync(joinB: false);
        var (clientA, idA) = await TestWebSocket.ConnectEchoAsync(mesh.A.BaseAddress);
        var (b1, idB1) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress, "", options => options.AddSubProtocol("chat.v1"));
        var (b2, idB2) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (clientA)
        await using (b1)
        await using (b2)
        {
            await mesh.MeshA.DrainedAsync();
            Assert.False(mesh.A.Server.WebSockets.IsEstablished(idB1));

            mesh.Hub.Join(mesh.MeshB);

            // Each handles PeerJoined (sending its snapshot), then reads the other's snapshot.
            await mesh.MeshA.DrainedAsync();
            await mesh.MeshB.DrainedAsync();
            await mesh.MeshA.DrainedAsync();

            var onA = mesh.A.Server.WebSockets;
            Assert.Equal(3, onA.Count);
            Assert.True(onA.IsEstablished(idB1));
            Assert.True(onA.IsEstablished(idB2));
            Assert.True(onA.TryGetConnection(idB1, out var remote));
            Assert.Equal("chat.v1", remote.SubProtocol);
            Assert.True(mesh.B.Server.WebSockets.IsEstablished(idA));

            Assert.True(await onA.PushAsync(idB2, "after the snapshot"));
            Assert.Equal("after the snapshot", await b2.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task A_malformed_mesh_message_is_logged_and_dropped_and_the_mesh_goes_on()
    {
        await using var mesh = await TwoWorkers.StartAsync();
        var (clientA, idA) = await TestWebSocket.ConnectEchoAsync(mesh.A.BaseAddress);
        var (clientB, idB) = await TestWebSocket.ConnectEchoAsync(mesh.B.BaseAddress);
        await using (clientA)
        await using (clientB)
        {
            await mesh.MeshA.DrainedAsync();
            List<byte[]> malformed =
            [
                [],
                [99],
                [(byte)WebSocketMeshKind.Push, 1, 2, 3],
                WebSocketMeshMessages.Push(idA, "bad type"u8, WebSocketMessageType.Close),

                // A push for a connection of B sent to A, and an announcement of a connection that is not B's.
                WebSocketMeshMessages.Push(idB, "misrouted"u8, WebSocketMessageType.Text),
                WebSocketMeshMessages.Closed(idA),
                [(byte)WebSocketMeshKind.BroadcastTo, 0, 0xFF, 0xFF, 0xFF, 0x7F, 1],
                [(byte)WebSocketMeshKind.Opened, .. BitConverter.GetBytes(idB), 0, 0],
            ];
            foreach (var message in malformed)
            {
                mesh.MeshB.Send(SlotA, MeshChannel.WebSockets, message);
            }

            await mesh.MeshA.DrainedAsync();

            var dropped = mesh.A.Logs.Entries.Where(entry => entry.Message.StartsWith("A WebSocket mesh message from worker 2", StringComparison.Ordinal)).ToArray();
            Assert.Equal(malformed.Count, dropped.Length);
            Assert.All(dropped, entry => Assert.Equal(LogLevel.Warning, entry.Level));
            Assert.Empty(mesh.MeshA.Failures);

            // Nothing of it reached a client or changed the directory, and the mesh still carries pushes both ways.
            Assert.True(mesh.A.Server.WebSockets.IsEstablished(idA));
            Assert.True(mesh.A.Server.WebSockets.IsEstablished(idB));
            Assert.True(await mesh.B.Server.WebSockets.PushAsync(idA, "still here"));
            Assert.Equal("still here", await clientA.ReceiveTextAsync());
            Assert.True(await mesh.A.Server.WebSockets.PushAsync(idB, "and here"));
            Assert.Equal("and here", await clientB.ReceiveTextAsync());
        }
    }

    /// <summary>Two hosts (slots 1 and 2, node 7) on one in-memory mesh.</summary>
    private sealed class TwoWorkers : IAsyncDisposable
    {
        private TwoWorkers(InMemoryMeshHub hub, InMemoryWorkerMesh meshA, InMemoryWorkerMesh meshB, TestServer a, TestServer b)
        {
            Hub = hub;
            MeshA = meshA;
            MeshB = meshB;
            A = a;
            B = b;
        }

        public InMemoryMeshHub Hub { get; }

        public InMemoryWorkerMesh MeshA { get; }

        public InMemoryWorkerMesh MeshB { get; }

        public TestServer A { get; }

        public TestServer B { get; }

        public static async Task<TwoWorkers> StartAsync(bool authenticate = false, bool joinB = true)
        {
            var hub = new InMemoryMeshHub();
            var meshA = hub.Endpoint(SlotA);
            var meshB = hub.Endpoint(SlotB);
            var a = await StartHostAsync(meshA, authenticate);
            var b = await StartHostAsync(meshB, authenticate);
            hub.Join(meshA);
            if (joinB)
            {
                hub.Join(meshB);
                await meshA.DrainedAsync();
                await meshB.DrainedAsync();
            }

            return new TwoWorkers(hub, meshA, meshB, a, b);
        }

        private static Task<TestServer> StartHostAsync(InMemoryWorkerMesh mesh, bool authenticate) =>
            TestServer.StartAsync(
                new() { ["Resident:NodeId"] = NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                configure: builder =>
                {
                    builder.Services.AddSingleton<IWorkerMesh>(mesh);
                    if (authenticate)
                    {
                        builder.Services.AddAuthentication(TestUserAuthentication.Name)
                            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.Name, null);
                    }
                });

        public async ValueTask DisposeAsync()
        {
            // Leave first, so neither host hears from the other while it stops.
            Hub.Leave(MeshA);
            Hub.Leave(MeshB);
            await A.DisposeAsync();
            await B.DisposeAsync();
            await Hub.DisposeAsync();
        }
    }
}
