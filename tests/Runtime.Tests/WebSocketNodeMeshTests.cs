using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Resident.Supervision;
using Resident.Tests.Infrastructure;
using Resident.WebSockets;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// The WebSocket mesh across nodes without Redis: two hosts with different NodeIds joined by an in-memory
/// <see cref="IRemoteNodeTransport"/>, so the runtime's routing by (node, worker) address is tested on its own.
/// </summary>
public sealed class WebSocketNodeMeshTests
{
    [Fact]
    public async Task A_remote_transport_carries_push_directory_and_broadcast_between_nodes_and_a_down_transport_refuses_at_once()
    {
        var link = new InMemoryNodeLink();
        await using var a = await StartNodeAsync(3, link.A);
        await using var b = await StartNodeAsync(4, link.B);
        link.Join();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(b.BaseAddress);
        await using (client)
        {
            Assert.Equal(4, ConnectionIds.NodeOf(id));
            Assert.Equal(NodeMesh.AddressOf(4, 0), ConnectionIds.AddressOf(id));
            await link.A.DrainedAsync();
            var webSockets = a.Server.WebSockets;
            Assert.True(webSockets.IsEstablished(id));
            Assert.Equal(1, webSockets.Count);

            Assert.True(await webSockets.PushAsync(id, "from node 3"));
            Assert.Equal("from node 3", await client.ReceiveTextAsync());
            Assert.Equal(1, await webSockets.BroadcastAsync("to all"));
            Assert.Equal("to all", await client.ReceiveTextAsync());

            // The transport is down: the directory stays, but nothing is claimed as sent or counted.
            link.Down = true;
            Assert.True(webSockets.IsEstablished(id));
            Assert.False(await webSockets.PushAsync(id, "lost"));
            Assert.False(await webSockets.DisconnectAsync(id));
            Assert.Equal(0, await webSockets.BroadcastAsync("lost too"));
            Assert.Equal(0, await webSockets.BroadcastAsync("filtered", _ => true));

            link.Down = false;
            Assert.True(await webSockets.PushAsync(id, "back"));
            Assert.Equal("back", await client.ReceiveTextAsync());

            // The peer leaves: its connections go with it.
            link.A.Leave(link.B.Address);
            await link.A.DrainedAsync();
            Assert.False(webSockets.IsEstablished(id));
            Assert.False(await webSockets.PushAsync(id, "gone"));
        }
    }

    private static Task<TestServer> StartNodeAsync(int nodeId, InMemoryNodeTransport transport) =>
        TestServer.StartAsync(
            new() { ["Resident:NodeId"] = nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            configure: builder => builder.Services.AddSingleton<IRemoteNodeTransport>(transport));

    /// <summary>Two node processes (node 3 and node 4, worker 0 each) joined in memory.</summary>
    private sealed class InMemoryNodeLink
    {
        public InMemoryNodeLink()
        {
            A = new InMemoryNodeTransport(this, NodeMesh.AddressOf(3, 0));
            B = new InMemoryNodeTransport(this, NodeMesh.AddressOf(4, 0));
        }

        public InMemoryNodeTransport A { get; }

        public InMemoryNodeTransport B { get; }

        public volatile bool Down;

        public void Join()
        {
            A.Post(() => A.RaiseJoined(B.Address));
            B.Post(() => B.RaiseJoined(A.Address));
        }

        public InMemoryNodeTransport Other(InMemoryNodeTransport one) => one == A ? B : A;
    }

    /// <summary>One end: a reading loop delivers messages and peer events one at a time, in order.</summary>
    private sealed class InMemoryNodeTransport : IRemoteNodeTransport
    {
        private readonly InMemoryNodeLink _link;
        private readonly Channel<Action> _inbox = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
        private Action<int, ReadOnlySpan<byte>>? _receiver;

        public InMemoryNodeTransport(InMemoryNodeLink link, int address)
        {
            _link = link;
            Address = address;
            _ = Task.Run(async () =>
            {
                await foreach (var item in _inbox.Reader.ReadAllAsync())
                {
                    item();
                }
            });
        }

        public int Address { get; }

        public event Action<int>? PeerJoined;

        public event Action<int>? PeerLeft;

        public bool Send(int targetAddress, MeshChannel channel, ReadOnlyMemory<byte> message)
        {
            if (_link.Down)
            {
                return false;
            }

            var other = _link.Other(this);
            var copy = message.ToArray();
            other.Post(() => other._receiver?.Invoke(Address, copy));
            return true;
        }

        public void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver) => _receiver = receiver;

        public void Post(Action item) => _inbox.Writer.TryWrite(item);

        public void RaiseJoined(int address) => PeerJoined?.Invoke(address);

        public void Leave(int address) => Post(() => PeerLeft?.Invoke(address));

        public Task DrainedAsync()
        {
            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() => drained.TrySetResult());
            return drained.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
