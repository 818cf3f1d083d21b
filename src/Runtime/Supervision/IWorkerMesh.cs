namespace Resident.Supervision;

/// <summary>
/// The other worker processes of this server, reached through the master in supervised mode. Each live worker has a
/// <see cref="Slot"/> (0–255, unique among the workers alive at once, old and new generation alike during a reload);
/// WebSocket connection ids carry it in their worker bits, so a message for a connection goes to the slot in its id.
/// Inline (one process) the mesh has no peers and sends nothing.
/// </summary>
internal interface IWorkerMesh
{
    /// <summary>Sends to every other live worker when passed as the target.</summary>
    const int AllPeers = -1;

    /// <summary>This worker's slot; 0 inline.</summary>
    int Slot { get; }

    /// <summary>Whether other workers may exist (supervised mode with WorkerNum &gt; 1, or during a reload).</summary>
    bool Enabled { get; }

    /// <summary>The slots of the other live workers right now.</summary>
    IReadOnlyCollection<int> Peers { get; }

    /// <summary>
    /// Sends <paramref name="message"/> on <paramref name="channel"/> to the worker in <paramref name="targetSlot"/>,
    /// or to every other live worker with <see cref="AllPeers"/>. Messages from one sender to one target arrive in the
    /// order sent. Never throws: a message to a slot no worker holds is dropped.
    /// </summary>
    void Send(int targetSlot, MeshChannel channel, ReadOnlyMemory<byte> message);

    /// <summary>
    /// Sets the one receiver of <paramref name="channel"/>'s messages: the sender's slot and the message (valid only
    /// during the call). Called on the mesh's reading thread, one message at a time, in arrival order.
    /// </summary>
    void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver);

    /// <summary>A worker joined (its slot): send it what it must know of this one (e.g. this worker's connections).</summary>
    event Action<int>? PeerJoined;

    /// <summary>A worker left or died (its slot): forget what it had.</summary>
    event Action<int>? PeerLeft;
}

/// <summary>What a mesh message is for; each channel has one receiver per worker.</summary>
internal enum MeshChannel : byte
{
    /// <summary>WebSocket push, disconnect, broadcast and the connection directory.</summary>
    WebSockets = 1,
}

/// <summary>The mesh of a server that runs in one process: no peers.</summary>
internal sealed class SingleProcessMesh : IWorkerMesh
{
    public int Slot => 0;

    public bool Enabled => false;

    public IReadOnlyCollection<int> Peers => [];

    public void Send(int targetSlot, MeshChannel channel, ReadOnlyMemory<byte> message)
    {
    }

    public void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver)
    {
    }

    public event Action<int>? PeerJoined
    {
        add { }
        remove { }
    }

    public event Action<int>? PeerLeft
    {
        add { }
        remove { }
    }
}
