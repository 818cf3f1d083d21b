using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Supervision;
using StackExchange.Redis;

namespace Resident.Redis.WebSockets;

/// <summary>
/// The WebSocket server's reach into the other nodes, over Redis pub/sub. Every process (an inline node, or each
/// worker of a supervised one) is a peer with its own channel <c>{prefix}:ws:{node}:{slot}</c> (sharded pub/sub —
/// SSUBSCRIBE/SPUBLISH — where the server has it, Redis 7 and later; classic otherwise), and a lease in the sorted set
/// <c>{prefix}:ws:peers</c>, scored by expiry in Redis's own clock and renewed every sixth of
/// <see cref="ResidentRedisOptions.NodeTimeout"/>.
/// </summary>
/// <remarks>
/// <para>
/// Everything a peer sends another — pushes, announcements, broadcasts, snapshots — goes to that peer's one channel,
/// and a message for all is sent to each known peer: so one subscription queue, read one message at a time, sees each
/// sender's messages in the order they were sent (two channels would be two queues, and a snapshot could then
/// overtake the close that follows it).
/// </para>
/// <para>
/// Joining: once its subscription is live (it receives a probe it sent itself), a peer renews its lease, then sends
/// <c>Hello</c> to every live peer of the other nodes. A peer receiving Hello forgets what it knew of the sender,
/// answers <c>Welcome</c> and then its snapshot (PeerJoined); the sender, receiving Welcome, does the same the other
/// way. A forget always comes before the snapshot it makes room for, since both travel on the same channel in order.
/// After Redis comes back every peer says Hello again, so the directories are rebuilt without what was missed.
/// </para>
/// <para>
/// Leaving: a peer that stops says <c>Bye</c>; one that dies stops renewing its lease, and every other peer forgets
/// it at its next check once the lease has run out — within NodeTimeout of its last renewal (the lease is NodeTimeout
/// less one check interval). While Redis is away nothing is renewed or checked, and each peer forgets the others
/// once their last confirmation is a lease old.
/// </para>
/// Frames: kind (u8: 1 data, 2 hello, 3 welcome, 4 probe, 5 bye), sender address (i32 little-endian), then for data
/// the mesh channel (u8) and the message, for a probe its nonce (i64).
/// </remarks>
internal sealed class RedisNodeTransport : IRemoteNodeTransport, IAsyncDisposable
{
    private const byte DataKind = 1;
    private const byte HelloKind = 2;
    private const byte WelcomeKind = 3;
    private const byte ProbeKind = 4;
    private const byte ByeKind = 5;
    private const int HeaderSize = 1 + sizeof(int);

    // KEYS: peers. ARGV: this address, lease ms. Renews this peer, forgets expired ones, returns the live ones.
    private const string BeatScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        return redis.call('ZRANGE', KEYS[1], 0, -1)
        """;

    private readonly RedisConnection _redis;
    private readonly IWorkerMesh _workers;
    private readonly IOptions<ResidentOptions> _options;
    private readonly ILogger _logger;
    private readonly Action<int, ReadOnlySpan<byte>>?[] _receivers = new Action<int, ReadOnlySpan<byte>>?[256];
    private readonly ConcurrentDictionary<int, Peer> _peers = new();

    // Messages and peer events are handled one at a time: the subscription queue's loop and the liveness check both take it.
    private readonly Lock _receiveGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _address = -1;
    private long _epoch;
    private volatile bool _online;
    private bool _helloDue = true;
    private bool _beatFailing;
    private bool _sharded;
    private bool _joinedOnce;
    private ChannelMessageQueue? _queue;
    private RedisChannel _ownChannel;
    private TaskCompletionSource<long>? _probe;
    private long _droppedSends;
    private long _droppedSendsReported;
    private long _droppedReceived;
    private Task _loop = Task.CompletedTask;

    public RedisNodeTransport(RedisConnection redis, IWorkerMesh workers, IOptions<ResidentOptions> options, ILogger<RedisNodeTransport> logger)
    {
        _redis = redis;
        _workers = workers;
        _options = options;
        _logger = logger;
        CheckInterval = redis.Options.NodeTimeout / 6;
        Lease = redis.Options.NodeTimeout - CheckInterval;
    }

    public int Address
    {
        get
        {
            var address = _address;
            if (address < 0)
            {
                _address = address = NodeMesh.AddressOf(_options.Value.NodeId, _workers.Slot);
            }

            return address;
        }
    }

    /// <summary>How often the lease is renewed and the peers checked: a sixth of NodeTimeout.</summary>
    public TimeSpan CheckInterval { get; }

    /// <summary>How long a peer stays listed after its last renewal: NodeTimeout less one check, so it is gone within NodeTimeout.</summary>
    public TimeSpan Lease { get; }

    /// <summary>Whether messages to other nodes can be sent now (subscribed, probed, Redis connected).</summary>
    public bool Online => _online && _redis.IsConnected;

    /// <summary>Whether the channels are sharded (SSUBSCRIBE/SPUBLISH).</summary>
    public bool Sharded => _sharded;

    /// <summary>The addresses of the other nodes' processes known right now.</summary>
    public IReadOnlyCollection<int> Peers => [.. _peers.Keys];

    /// <summary>Messages for other nodes not sent because Redis was unreachable, since the start.</summary>
    public long DroppedSends => Interlocked.Read(ref _droppedSends);

    /// <summary>Messages received and dropped (from a process not known as a peer, or malformed), since the start.</summary>
    public long DroppedReceived => Interlocked.Read(ref _droppedReceived);

    public event Action<int>? PeerJoined;

    public event Action<int>? PeerLeft;

    private int Node => NodeMesh.NodeOf(Address);

    public void Receive(MeshChannel channel, Action<int, ReadOnlySpan<byte>> receiver) => _receivers[(byte)channel] = receiver;

    public bool Send(int targetAddress, MeshChannel channel, ReadOnlyMemory<byte> message)
    {
        if (!Online)
        {
            Interlocked.Increment(ref _droppedSends);
            return false;
        }

        var frame = new byte[HeaderSize + 1 + message.Length];
        WriteHeader(frame, DataKind);
        frame[HeaderSize] = (byte)channel;
        message.Span.CopyTo(frame.AsSpan(HeaderSize + 1));
        if (targetAddress == IWorkerMesh.AllPeers)
        {
            var sent = true;
            foreach (var pair in _peers)
            {
                sent &= Publish(pair.Value.Channel, frame);
            }

            return sent;
        }

        return _peers.TryGetValue(targetAddress, out var peer) && Publish(peer.Channel, frame);
    }

    /// <summary>
    /// Joins the cluster's WebSocket mesh if Redis answers (waiting at most ConnectTimeout for this process's subscription
    /// and the Hello), then keeps the lease and the peers in the background until <see cref="StopAsync"/>.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis.Multiplexer.ConnectionFailed += OnConnectionFailed;
        _redis.Multiplexer.ConnectionRestored += OnConnectionRestored;
        var first = _redis.IsConnected ? TickAsync() : Task.CompletedTask;
        _loop = Task.Run(() => LoopAsync(first, _stopping.Token), CancellationToken.None);
        try
        {
            await first.WaitAsync(_redis.Options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop finishes that round, then goes on trying.
        }
    }

    /// <summary>Stops the loop, says Bye to the peers (they forget this process at once) and gives the lease back.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (!Online)
        {
            return;
        }

        var bye = Frame(ByeKind);
        foreach (var pair in _peers)
        {
            Publish(pair.Value.Channel, bye);
        }

        try
        {
            await _redis.Database.SortedSetRemoveAsync(PeersKey, Member(Address)).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            if (_queue is { } queue)
            {
                await queue.UnsubscribeAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The lease ends it anyway.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        try
        {
            _redis.Multiplexer.ConnectionFailed -= OnConnectionFailed;
            _redis.Multiplexer.ConnectionRestored -= OnConnectionRestored;
        }
        catch (InvalidOperationException)
        {
            // Never connected (or already disposed).
        }

        _stopping.Dispose();
    }

    private RedisKey PeersKey => _redis.Key("ws:peers");

    private static string Member(int address) => address.ToString(CultureInfo.InvariantCulture);

    private RedisChannel ChannelOf(int address)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{_redis.Options.KeyPrefix}:ws:{NodeMesh.NodeOf(address)}:{NodeMesh.SlotOf(address)}");
        return _sharded ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);
    }

    private async Task LoopAsync(Task first, CancellationToken stopping)
    {
        var round = first;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // One round at a time: the first may still run when the start stops waiting for it.
                await round.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                WebSocketClusterLog.Failed(_logger, "keeping the peers", exception);
            }

            try
            {
                await _wake.WaitAsync(CheckInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            round = TickAsync();
        }
    }

    // One round: subscribe (once), probe after an outage, renew the lease, judge the peers, say Hello where due.
    private async Task TickAsync()
    {
        if (_redis.IsConnected)
        {
            try
            {
                await EnsureOnlineAsync().ConfigureAwait(false);
                if (_online)
                {
                    await BeatAsync().ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                if (!_beatFailing)
                {
                    _beatFailing = true;
                    WebSocketClusterLog.BeatFailed(_logger, exception.Message);
                }
            }
        }

        ExpireSilentPeers();
    }

    private async Task EnsureOnlineAsync()
    {
        if (_queue is null)
        {
            _sharded = _redis.Multiplexer.GetServers().Any(server => server.IsConnected && server.Features.ShardedPubSub);
            _ownChannel = ChannelOf(Address);
            var queue = await _redis.Subscriber.SubscribeAsync(_ownChannel).ConfigureAwait(false);
            queue.OnMessage(OnMessage);
            _queue = queue;
        }

        if (_online)
        {
            return;
        }

        // The subscription is live once a message sent to it comes back (after a reconnect the client resubscribes on its own time).
        var nonce = Random.Shared.NextInt64();
        var probe = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _probe, probe);
        var frame = Frame(ProbeKind, sizeof(long));
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(HeaderSize), nonce);
        await _redis.Subscriber.PublishAsync(_ownChannel, frame).ConfigureAwait(false);
        try
        {
            await probe.Task.WaitAsync(TimeSpan.FromSeconds(Math.Min(5, Lease.TotalSeconds))).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return;
        }

        _online = true;
        _helloDue = true;
        var dropped = DroppedSends;
        if (_joinedOnce)
        {
            WebSocketClusterLog.Online(_logger, dropped - _droppedSendsReported);
        }
        else
        {
            WebSocketClusterLog.Joined(_logger, _sharded ? "sharded" : "classic", _ownChannel.ToString(), Lease.TotalSeconds);
        }

        _joinedOnce = true;
        _droppedSendsReported = dropped;
    }

    private async Task BeatAsync()
    {
        var epoch = Interlocked.Increment(ref _epoch);
        var result = await _redis.Database.ScriptEvaluateAsync(BeatScript, [PeersKey], [Member(Address), (long)Lease.TotalMilliseconds]).ConfigureAwait(false);
        _beatFailing = false;
        var live = new HashSet<int>();
        foreach (var member in (RedisResult[])result!)
        {
            if (int.TryParse((string?)member, NumberStyles.None, CultureInfo.InvariantCulture, out var address) && NodeMesh.NodeOf(address) != Node)
            {
                live.Add(address);
            }
        }

        var now = Environment.TickCount64;
        var unknown = new List<int>();
        lock (_receiveGate)
        {
            foreach (var address in live)
            {
                if (_peers.TryGetValue(address, out var peer))
                {
                    peer.ConfirmedAt = now;
                }
                else
                {
                    unknown.Add(address);
                }
            }

            // A peer learned after this beat began may have renewed after the read: it is judged at the next one.
            foreach (var pair in _peers)
            {
                if (!live.Contains(pair.Key) && pair.Value.KnownSince < epoch)
                {
                    Leave(pair.Key, "its lease expired");
                }
            }
        }

        // After (re)joining every live peer hears Hello; later only those that never answered one.
        var hello = Frame(HelloKind);
        foreach (var address in _helloDue ? live : (IEnumerable<int>)unknown)
        {
            Publish(ChannelOf(address), hello);
        }

        _helloDue = false;
    }

    // Without Redis nothing confirms the peers: each goes once its last confirmation is a lease old.
    private void ExpireSilentPeers()
    {
        var now = Environment.TickCount64;
        var lease = (long)Lease.TotalMilliseconds;
        lock (_receiveGate)
        {
            foreach (var pair in _peers)
            {
                if (now - pair.Value.ConfirmedAt > lease)
                {
                    Leave(pair.Key, "nothing confirmed it for a lease");
                }
            }
        }
    }

    private void OnMessage(ChannelMessage message)
    {
        ReadOnlyMemory<byte> frame = message.Message;
        var span = frame.Span;
        if (span.Length < HeaderSize)
        {
            Dropped(-1, "shorter than its header");
            return;
        }

        var kind = span[0];
        var sender = BinaryPrimitives.ReadInt32LittleEndian(span[1..]);
        if (kind == ProbeKind)
        {
            if (sender == Address && span.Length == HeaderSize + sizeof(long) && Volatile.Read(ref _probe) is { } probe)
            {
                probe.TrySetResult(BinaryPrimitives.ReadInt64LittleEndian(span[HeaderSize..]));
            }

            return;
        }

        if (sender < 0 || NodeMesh.NodeOf(sender) == Node)
        {
            // This node's processes talk through the master, never through here.
            Dropped(sender, "from this node");
            return;
        }

        lock (_receiveGate)
        {
            try
            {
                Handle(kind, sender, span);
            }
            catch (Exception exception)
            {
                // Never let a message break the queue's loop.
                WebSocketClusterLog.Failed(_logger, "handling a message from node " + NodeMesh.NodeOf(sender) + " worker " + NodeMesh.SlotOf(sender), exception);
            }
        }
    }

    private void Handle(byte kind, int sender, ReadOnlySpan<byte> frame)
    {
        switch (kind)
        {
            case DataKind when frame.Length > HeaderSize:
                if (!_peers.TryGetValue(sender, out var peer))
                {
                    // Sent before this process forgot the sender (its lease ran out); its next Hello brings it back.
                    Dropped(sender, "from a process not known as a peer");
                    return;
                }

                peer.ConfirmedAt = Environment.TickCount64;
                if (_receivers[frame[HeaderSize]] is { } receiver)
                {
                    receiver(sender, frame[(HeaderSize + 1)..]);
                }

                break;
            case HelloKind:
                Join(sender, welcome: true);
                break;
            case WelcomeKind:
                Join(sender, welcome: false);
                break;
            case ByeKind:
                Leave(sender, "it stopped");
                break;
            default:
                Dropped(sender, "of unknown kind " + kind.ToString(CultureInfo.InvariantCulture));
                break;
        }
    }

    // Under the receive gate. What the sender had is forgotten before its snapshot (which follows on this channel) arrives.
    private void Join(int sender, bool welcome)
    {
        var rejoined = _peers.TryRemove(sender, out _);
        if (rejoined)
        {
            PeerLeft?.Invoke(sender);
        }

        var peer = new Peer(ChannelOf(sender), Interlocked.Read(ref _epoch), Environment.TickCount64);
        _peers[sender] = peer;
        if (welcome)
        {
            Publish(peer.Channel, Frame(WelcomeKind));
        }

        if (!rejoined)
        {
            WebSocketClusterLog.PeerJoined(_logger, NodeMesh.NodeOf(sender), NodeMesh.SlotOf(sender));
        }

        PeerJoined?.Invoke(sender);
    }

    // Under the receive gate.
    private void Leave(int address, string reason)
    {
        if (_peers.TryRemove(address, out _))
        {
            WebSocketClusterLog.PeerLeft(_logger, NodeMesh.NodeOf(address), NodeMesh.SlotOf(address), reason);
            PeerLeft?.Invoke(address);
        }
    }

    private void Dropped(int sender, string problem)
    {
        Interlocked.Increment(ref _droppedReceived);
        WebSocketClusterLog.MessageDropped(_logger, sender, problem);
    }

    private bool Publish(RedisChannel channel, byte[] frame)
    {
        try
        {
            _redis.Subscriber.Publish(channel, frame, CommandFlags.FireAndForget);
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
        {
            Interlocked.Increment(ref _droppedSends);
            return false;
        }
    }

    private byte[] Frame(byte kind, int extra = 0)
    {
        var frame = new byte[HeaderSize + extra];
        WriteHeader(frame, kind);
        return frame;
    }

    private void WriteHeader(Span<byte> frame, byte kind)
    {
        frame[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(frame[1..], Address);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (_online)
        {
            _online = false;
            WebSocketClusterLog.Offline(_logger, args.FailureType.ToString(), Lease.TotalSeconds);
        }
    }

    // Probe and say Hello at once rather than at the next check.
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    /// <summary>A peer as this process knows it.</summary>
    private sealed class Peer(RedisChannel channel, long knownSince, long confirmedAt)
    {
        public RedisChannel Channel { get; } = channel;

        /// <summary>The beat epoch when it was learned: a beat that began earlier does not judge it.</summary>
        public long KnownSince { get; } = knownSince;

        /// <summary>When Redis listed it or it last sent something (<see cref="Environment.TickCount64"/>).</summary>
        public long ConfirmedAt { get; set; } = confirmedAt;
    }
}
