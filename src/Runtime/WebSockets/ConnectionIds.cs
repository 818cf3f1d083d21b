namespace Resident.WebSockets;

/// <summary>
/// Hands out connection ids: 15 bits of node, 8 of worker, 40 of sequence (positive 64-bit numbers). The sequence
/// starts at 1 and only grows, so an id is never reused while the server runs; the node and worker bits keep ids of
/// different nodes and workers apart, which is what a cross-node push needs.
/// </summary>
internal sealed class ConnectionIds(int nodeId, int workerId)
{
    public const int MaxNodeId = (1 << NodeBits) - 1;
    private const int NodeBits = 15;
    private const int WorkerBits = 8;
    private const int SequenceBits = 40;
    private const long MaxSequence = (1L << SequenceBits) - 1;

    private readonly long _prefix = ((long)nodeId << (WorkerBits + SequenceBits)) | ((long)(workerId & ((1 << WorkerBits) - 1)) << SequenceBits);
    private long _sequence;

    public long Next()
    {
        var sequence = Interlocked.Increment(ref _sequence);

        // 2^40 connections is about 35 years at 1,000 new connections a second: refuse rather than reuse.
        return sequence > MaxSequence
            ? throw new InvalidOperationException("This worker has used up its WebSocket connection ids; restart it.")
            : _prefix | sequence;
    }

    public static int NodeOf(long id) => (int)(id >> (WorkerBits + SequenceBits));

    public static int WorkerOf(long id) => (int)((id >> SequenceBits) & ((1 << WorkerBits) - 1));

    /// <summary>The process that holds the connection: node and worker, <c>node &lt;&lt; 8 | worker</c> (the top 23 bits).</summary>
    public static int AddressOf(long id) => (int)(id >> SequenceBits);
}
