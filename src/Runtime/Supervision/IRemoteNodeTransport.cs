namespace Resident.Supervision;

/// <summary>
/// The processes of the OTHER nodes of a cluster (Resident.Redis provides it; without it a server is one node). A
/// process is addressed as its connection ids' top 23 bits, <c>node &lt;&lt; 8 | worker slot</c> (see
/// <see cref="NodeMesh"/>); the transport reaches only processes of other nodes, never this node's own workers (the
/// <see cref="IWorkerMesh"/> does). Its contract mirrors the worker mesh's: messages from one sender to one target
/// arrive in the order sent, and messages and peer events are delivered one at a time, in arrival order.
/// </summary>
internal interface IRemoteNodeTransport
{
    /// <summary>This process's address: <c>NodeId &lt;&lt; 8 | worker slot</c>.</summary>
    int Address { get; }

    /// <summary>
    /// Sends <paramref name="message"/> on <paramref name="channel"/> to the process at <paramref name="targetAddress"/>,
    /// or to every known process of the other nodes with <see cref="IWorkerMesh.AllPeers"/>. Returns false when it
    /// could not be sent (the cluster's transport is down, or the target is unknown); never throws, never blocks long.
    /// </summary>
    bool Send(int targetAddress, MeshChannel channel, ReadOnlyMemory<byte> message);

    /// <summary>Sets the one receiver of <paramref name="channel"/>'s messages: the sender's address and the message (valid only during the call).</summary>
    void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver);

    /// <summary>
    /// A process of another node joined: send it what it must know of this one. One that joins again (after an
    /// outage, or restarted) is first reported with <see cref="PeerLeft"/>, so what it had before is forgotten.
    /// </summary>
    event Action<int>? PeerJoined;

    /// <summary>A process of another node left, or its lease expired: forget what it had.</summary>
    event Action<int>? PeerLeft;
}
