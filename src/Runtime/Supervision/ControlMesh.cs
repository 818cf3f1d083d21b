using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace Resident.Supervision;

/// <summary>
/// The worker mesh of a supervised worker: messages go to the master over the control connection
/// (<c>Route [target slot][channel][message]</c>) and come back from it (<c>Routed [from slot][channel][message]</c>),
/// in order per sender and target because each connection is written in order and read by one loop.
/// </summary>
internal sealed class ControlMesh(WorkerIdentity identity, ILogger<ControlMesh> logger) : IWorkerMesh
{
    private readonly Action<int, ReadOnlySpan<byte>>?[] _receivers = new Action<int, ReadOnlySpan<byte>>?[256];
    private readonly Lock _gate = new();
    private readonly HashSet<int> _peers = [];
    private volatile ControlChannel? _channel;

    public int Slot => identity.Slot;

    public bool Enabled => true;

    public IReadOnlyCollection<int> Peers
    {
        get
        {
            lock (_gate)
            {
                return [.. _peers];
            }
        }
    }

    public event Action<int>? PeerJoined;

    public event Action<int>? PeerLeft;

    /// <summary>Sends through <paramref name="channel"/> from now on.</summary>
    public void Attach(ControlChannel? channel) => _channel = channel;

    public void Send(int targetSlot, MeshChannel channel, ReadOnlyMemory<byte> message)
    {
        if (_channel is not { } control)
        {
            return;
        }

        var prefix = new byte[5];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, targetSlot);
        prefix[4] = (byte)channel;
        control.Post(ControlKind.Route, message, prefix);
    }

    public void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver) => _receivers[(byte)channel] = receiver;

    /// <summary>A <c>Routed</c> frame's payload: <c>[from slot][channel][message]</c>.</summary>
    public void Deliver(ReadOnlySpan<byte> routed)
    {
        if (routed.Length < 5)
        {
            return;
        }

        var from = BinaryPrimitives.ReadInt32LittleEndian(routed);
        if (_receivers[routed[4]] is not { } receiver)
        {
            return;
        }

        try
        {
            receiver(from, routed[5..]);
        }
        catch (Exception exception)
        {
            // A receiver's bug must not stop the control connection's reading loop.
            logger.LogError(exception, "A mesh message from slot {Slot} on channel {Channel} failed.", from, routed[4]);
        }
    }

    public void Joined(int slot)
    {
        lock (_gate)
        {
            if (!_peers.Add(slot))
            {
                return;
            }
        }

        PeerJoined?.Invoke(slot);
    }

    public void Left(int slot)
    {
        lock (_gate)
        {
            if (!_peers.Remove(slot))
            {
                return;
            }
        }

        PeerLeft?.Invoke(slot);
    }
}
