namespace Resident.Supervision;

/// <summary>
/// Every other process of the server, wherever it runs: this node's workers through the <see cref="IWorkerMesh"/>
/// (the master routes them), the other nodes' processes through an <see cref="IRemoteNodeTransport"/> when one is
/// registered (Resident.Redis). A process is addressed as <c>node &lt;&lt; 8 | worker slot</c> — the top 23 bits of
/// the WebSocket connection ids it hands out — so a message for a connection goes to the address in its id.
/// </summary>
/// <remarks>
/// Without a transport this is the worker mesh with addresses instead of slots: one shift and one mask per message.
/// Messages from one sender keep their order per target: a sender reaches a target through one path only.
/// </remarks>
internal sealed class NodeMesh
{
    /// <summary>Bits of the worker slot in an address.</summary>
    public const int SlotBits = 8;
    private const int SlotMask = (1 << SlotBits) - 1;

    private readonly IWorkerMesh _workers;
    private readonly IRemoteNodeTransport? _remote;
    private readonly Func<int> _nodeId;
    private int _address = -1;

    public NodeMesh(IWorkerMesh workers, Func<int> nodeId, IRemoteNodeTransport? remote)
    {
        _workers = workers;
        _nodeId = nodeId;
        _remote = remote;
        workers.PeerJoined += slot => PeerJoined?.Invoke(AddressOf(Node, slot));
        workers.PeerLeft += slot => PeerLeft?.Invoke(AddressOf(Node, slot));
        if (remote is not null)
        {
            remote.PeerJoined += address => PeerJoined?.Invoke(address);
            remote.PeerLeft += address => PeerLeft?.Invoke(address);
        }
    }

    /// <summary>Whether other processes may exist: other workers of this node, or other nodes.</summary>
    public bool Enabled => _workers.Enabled || _remote is not null;

    /// <summary>Whether processes of other nodes are reachable (a transport is registered).</summary>
    public bool SpansNodes => _remote is not null;

    /// <summary>This process's address (the NodeId is read on first use, after the settings are checked).</summary>
    public int Address
    {
        get
        {
            var address = _address;
            if (address < 0)
            {
                _address = address = AddressOf(_nodeId(), _workers.Slot);
            }

            return address;
        }
    }

    /// <summary>This node's id.</summary>
    public int Node => Address >> SlotBits;

    /// <summary>A process of another node joined: send it what it must know of this one.</summary>
    public event Action<int>? PeerJoined;

    /// <summary>A process left or died: forget what it had.</summary>
    public event Action<int>? PeerLeft;

    public static int AddressOf(int node, int slot) => (node << SlotBits) | (slot & SlotMask);

    public static int NodeOf(int address) => address >> SlotBits;

    public static int SlotOf(int address) => address & SlotMask;

    /// <summary>"worker 2" for a worker of this node, "node 3 worker 0" for another node's.</summary>
    public string Describe(int address) =>
        NodeOf(address) == Node ? "worker " + SlotOf(address) : "node " + NodeOf(address) + " worker " + SlotOf(address);

    /// <summary>
    /// Sends to the process at <paramref name="targetAddress"/>, or to every other process with
    /// <see cref="IWorkerMesh.AllPeers"/>. False when a message for another node could not be sent (its transport is
    /// down); a message for this node's workers always counts as sent, as the worker mesh drops only for dead slots.
    /// </summary>
    public bool Send(int targetAddress, MeshChannel channel, ReadOnlyMemory<byte> message)
    {
        if (targetAddress == IWorkerMesh.AllPeers)
        {
            if (_workers.Enabled)
            {
                _workers.Send(IWorkerMesh.AllPeers, channel, message);
            }

            return _remote is null || _remote.Send(IWorkerMesh.AllPeers, channel, message);
        }

        if (NodeOf(targetAddress) == Node)
        {
            _workers.Send(SlotOf(targetAddress), channel, message);
            return true;
        }

        return _remote is not null && _remote.Send(targetAddress, channel, message);
    }

    /// <summary>Sets the one receiver of <paramref name="channel"/>'s messages (sender address, message), from either path.</summary>
    public void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver)
    {
        _workers.Receive(channel, (slot, message) => receiver(AddressOf(Node, slot), message));
        _remote?.Receive(channel, receiver);
    }
}
