using System.Collections.Concurrent;
using System.Threading.Channels;
using Resident.Supervision;

namespace Resident.Tests.Infrastructure;

/// <summary>
/// Connects in-process hosts as the master connects workers: each endpoint has a slot and one reading loop that
/// delivers its messages and its PeerJoined/PeerLeft events one at a time, in the order they were posted, so the
/// order of one sender's messages to one receiver is kept. An endpoint is enabled from the start (build its host with
/// it) and joins the mesh only when the test says so.
/// </summary>
internal sealed class InMemoryMeshHub : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, InMemoryWorkerMesh> _members = [];
    private readonly List<InMemoryWorkerMesh> _endpoints = [];

    /// <summary>A new endpoint for <paramref name="slot"/>, not yet joined.</summary>
    public InMemoryWorkerMesh Endpoint(int slot)
    {
        var endpoint = new InMemoryWorkerMesh(this, slot);
        lock (_gate)
        {
            _endpoints.Add(endpoint);
        }

        return endpoint;
    }

    /// <summary>The endpoint becomes a live peer: every member hears PeerJoined(its slot) and it hears theirs.</summary>
    public void Join(InMemoryWorkerMesh endpoint)
    {
        lock (_gate)
        {
            foreach (var member in _members.Values)
            {
                member.Post(new MeshItem(MeshItemKind.PeerJoined, endpoint.Slot, default, []));
                endpoint.Post(new MeshItem(MeshItemKind.PeerJoined, member.Slot, default, []));
            }

            _members.Add(endpoint.Slot, endpoint);
        }
    }

    /// <summary>The endpoint's worker died: it sends and receives nothing more, and every member hears PeerLeft.</summary>
    public void Leave(InMemoryWorkerMesh endpoint)
    {
        lock (_gate)
        {
            _members.Remove(endpoint.Slot);
            foreach (var member in _members.Values)
            {
                member.Post(new MeshItem(MeshItemKind.PeerLeft, endpoint.Slot, default, []));
            }
        }
    }

    internal IReadOnlyCollection<int> PeersOf(int slot)
    {
        lock (_gate)
        {
            return _members.ContainsKey(slot) ? [.. _members.Keys.Where(other => other != slot)] : [];
        }
    }

    internal void Send(int from, int target, MeshChannel channel, ReadOnlyMemory<byte> message)
    {
        lock (_gate)
        {
            if (!_members.ContainsKey(from))
            {
                return;
            }

            // A copy, as a real mesh's bytes leave the sender's memory.
            var item = new MeshItem(MeshItemKind.Message, from, channel, message.ToArray());
            foreach (var (slot, member) in _members)
            {
                if (slot != from && (target == IWorkerMesh.AllPeers || target == slot))
                {
                    member.Post(item);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<InMemoryWorkerMesh> endpoints;
        lock (_gate)
        {
            endpoints = [.. _endpoints];
        }

        foreach (var endpoint in endpoints)
        {
            await endpoint.DisposeAsync();
        }
    }
}

internal enum MeshItemKind
{
    Message,
    PeerJoined,
    PeerLeft,
    Drained,
}

internal sealed record MeshItem(MeshItemKind Kind, int Slot, MeshChannel Channel, byte[] Message, TaskCompletionSource? Drained = null);

/// <summary>One worker's end of an <see cref="InMemoryMeshHub"/>.</summary>
internal sealed class InMemoryWorkerMesh : IWorkerMesh, IAsyncDisposable
{
    private readonly InMemoryMeshHub _hub;
    private readonly Channel<MeshItem> _inbox = Channel.CreateUnbounded<MeshItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<MeshChannel, Action<int, ReadOnlySpan<byte>>> _receivers = new();
    private readonly ConcurrentQueue<Exception> _failures = new();
    private readonly Task _reading;

    public InMemoryWorkerMesh(InMemoryMeshHub hub, int slot)
    {
        _hub = hub;
        Slot = slot;
        _reading = Task.Run(ReadAsync);
    }

    public int Slot { get; }

    public bool Enabled => true;

    public IReadOnlyCollection<int> Peers => _hub.PeersOf(Slot);

    /// <summary>Exceptions that escaped a receiver or an event handler (a mesh thread must never see one).</summary>
    public IReadOnlyCollection<Exception> Failures => [.. _failures];

    /// <summary>Messages that arrived for a channel with no receiver.</summary>
    public int Unreceived { get; private set; }

    public event Action<int>? PeerJoined;

    public event Action<int>? PeerLeft;

    public void Send(int targetSlot, MeshChannel channel, ReadOnlyMemory<byte> message) => _hub.Send(Slot, targetSlot, channel, message);

    public void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver) => _receivers[channel] = receiver;

    /// <summary>Completes once everything posted to this endpoint before the call has been handled.</summary>
    public Task DrainedAsync()
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new MeshItem(MeshItemKind.Drained, Slot, default, [], drained));
        return drained.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    internal void Post(MeshItem item) => _inbox.Writer.TryWrite(item);

    private async Task ReadAsync()
    {
        await foreach (var item in _inbox.Reader.ReadAllAsync())
        {
            try
            {
                switch (item.Kind)
                {
                    case MeshItemKind.Message when _receivers.TryGetValue(item.Channel, out var receiver):
                        receiver(item.Slot, item.Message);
                        break;
                    case MeshItemKind.Message:
                        Unreceived++;
                        break;
                    case MeshItemKind.PeerJoined:
                        PeerJoined?.Invoke(item.Slot);
                        break;
                    case MeshItemKind.PeerLeft:
                        PeerLeft?.Invoke(item.Slot);
                        break;
                    case MeshItemKind.Drained:
                        item.Drained!.TrySetResult();
                        break;
                }
            }
            catch (Exception exception)
            {
                _failures.Enqueue(exception);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _inbox.Writer.TryComplete();
        await _reading;
    }
}
