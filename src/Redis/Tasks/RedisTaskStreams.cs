using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Tasks;
using StackExchange.Redis;

namespace Resident.Redis.Tasks;

/// <summary>
/// The durable task queue's keys and every Redis operation on them. Deliveries are entries of the stream
/// <c>{prefix}:tasks</c> (fields <c>type</c>, <c>payload</c>, <c>tries</c>, <c>attempt</c>, <c>key</c>) read through the
/// consumer group <c>resident</c>; delayed deliveries and retries wait in the sorted set <c>{prefix}:tasks:delayed</c>,
/// scored by due time in Redis's clock, until a node's Lua script moves them to the stream; dead letters are entries
/// of <c>{prefix}:tasks:dead</c>. Every settlement (ack, retry, dead letter) is one script that first acknowledges
/// the entry and does nothing more when it was already settled, so a delivery two nodes ran ends once. Acknowledged
/// entries are deleted, so the stream holds only what is still to run.
/// </summary>
internal sealed class RedisTaskStreams : IDurableTaskTransport, IDurableTasks
{
    public const string Group = "resident";

    // KEYS: stream, delayed. ARGV: delay ms, type, payload, tries, attempt, key, wake channel.
    private const string SendScript = """
        local delay = tonumber(ARGV[1])
        if delay > 0 then
          local time = redis.call('TIME')
          local now = tonumber(time[1]) * 1000 + math.ceil(tonumber(time[2]) / 1000)
          redis.call('ZADD', KEYS[2], now + delay, ARGV[2] .. '\n' .. ARGV[4] .. '\n' .. ARGV[5] .. '\n' .. ARGV[6] .. '\n' .. ARGV[3])
          redis.call('PUBLISH', ARGV[7], 'd')
          return 'd'
        end
        local id = redis.call('XADD', KEYS[1], '*', 'type', ARGV[2], 'payload', ARGV[3], 'tries', ARGV[4], 'attempt', ARGV[5], 'key', ARGV[6])
        redis.call('PUBLISH', ARGV[7], 'r')
        return id
        """;

    // KEYS: delayed, stream. ARGV: most to move, wake channel. Returns {moved, ms until the next is due or -1}.
    private const string MoveDueScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
        for _, member in ipairs(due) do
          local fields = {}
          local start = 1
          for i = 1, 4 do
            local stop = string.find(member, '\n', start, true)
            if not stop then break end
            fields[i] = string.sub(member, start, stop - 1)
            start = stop + 1
          end
          if fields[4] then
            redis.call('XADD', KEYS[2], '*', 'type', fields[1], 'payload', string.sub(member, start), 'tries', fields[2], 'attempt', fields[3], 'key', fields[4])
          end
          redis.call('ZREM', KEYS[1], member)
        end
        if #due > 0 then
          redis.call('PUBLISH', ARGV[2], 'r')
        end
        local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        if next[2] then
          return {#due, math.max(0, tonumber(next[2]) - now)}
        end
        return {#due, -1}
        """;

    // KEYS: stream. ARGV: group, id. Acknowledges and deletes; returns whether it was still pending.
    private const string CompleteScript = """
        local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        return acked
        """;

    // KEYS: stream, delayed. ARGV: group, id, delay ms, type, payload, tries, next attempt, key, wake channel.
    private const string RetryScript = """
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
          return 0
        end
        redis.call('XDEL', KEYS[1], ARGV[2])
        local delay = tonumber(ARGV[3])
        if delay > 0 then
          local time = redis.call('TIME')
          local now = tonumber(time[1]) * 1000 + math.ceil(tonumber(time[2]) / 1000)
          redis.call('ZADD', KEYS[2], now + delay, ARGV[4] .. '\n' .. ARGV[6] .. '\n' .. ARGV[7] .. '\n' .. ARGV[8] .. '\n' .. ARGV[5])
          redis.call('PUBLISH', ARGV[9], 'd')
        else
          redis.call('XADD', KEYS[1], '*', 'type', ARGV[4], 'payload', ARGV[5], 'tries', ARGV[6], 'attempt', ARGV[7], 'key', ARGV[8])
          redis.call('PUBLISH', ARGV[9], 'r')
        end
        return 1
        """;

    // KEYS: stream, dead. ARGV: group, id, type, payload, tries, attempt, key, reason, node, max length.
    private const string DeadLetterScript = """
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
          return 0
        end
        redis.call('XDEL', KEYS[1], ARGV[2])
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[10], '*', 'type', ARGV[3], 'payload', ARGV[4], 'tries', ARGV[5], 'attempt', ARGV[6],
          'key', ARGV[7], 'reason', ARGV[8], 'node', ARGV[9], 'origin', ARGV[2])
        return 1
        """;

    // KEYS: stream. ARGV: group, consumer, idle ms to set, ids... Renews (idle 0) or releases (idle = the visibility
    // timeout) the claims this consumer still owns; returns the ids another consumer owns now (or nobody).
    private const string ClaimScript = """
        local mine = {}
        local lost = {}
        for i = 4, #ARGV do
          local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
          if pending[1] and pending[1][2] == ARGV[2] then
            mine[#mine + 1] = ARGV[i]
          else
            lost[#lost + 1] = ARGV[i]
          end
        end
        if #mine > 0 then
          local command = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
          for _, id in ipairs(mine) do
            command[#command + 1] = id
          end
          command[#command + 1] = 'IDLE'
          command[#command + 1] = ARGV[3]
          command[#command + 1] = 'JUSTID'
          redis.call(unpack(command))
        end
        return lost
        """;

    // KEYS: stream. ARGV: group, consumer, min idle ms, count. Takes over entries idle longer than the visibility
    // timeout; returns {{id, {fields}, times delivered}, ...}.
    private const string ReclaimScript = """
        local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', ARGV[4])
        local out = {}
        for _, entry in ipairs(claimed[2]) do
          if entry and entry[2] then
            local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
            local deliveries = 1
            if pending[1] then deliveries = pending[1][4] end
            out[#out + 1] = {entry[1], entry[2], deliveries}
          end
        end
        return out
        """;

    // KEYS: dead, stream. ARGV: id, wake channel. Moves a dead letter back with fresh tries; 1, or 0 when there is none.
    private const string RequeueScript = """
        local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
        if #entries == 0 then
          return 0
        end
        local fields = entries[1][2]
        local values = {}
        for i = 1, #fields, 2 do
          values[fields[i]] = fields[i + 1]
        end
        redis.call('XADD', KEYS[2], '*', 'type', values['type'], 'payload', values['payload'], 'tries', values['tries'], 'attempt', '1', 'key', values['key'])
        redis.call('XDEL', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], 'r')
        return 1
        """;

    // KEYS: stream. ARGV: group, consumer. Removes the consumer when it holds nothing (atomically, so nothing is lost).
    private const string ForgetConsumerScript = """
        local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
        if #pending == 0 then
          redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
          return 1
        end
        return 0
        """;

    private readonly RedisConnection _redis;
    private readonly ILogger _logger;
    private long _sent;
    private long _refused;
    private long _refusedInOutage;
    private int _refusing;
    internal long ReceivedCount;
    internal long ReclaimedCount;
    internal long CompletedCount;
    internal long RetriedCount;
    internal long DeadLetteredCount;
    internal long AbandonedCount;
    internal long ClaimsLostCount;

    public RedisTaskStreams(RedisConnection redis, IOptions<DurableTaskOptions> options, ILogger<RedisTaskStreams> logger)
    {
        _redis = redis;
        _logger = logger;
        Options = options.Value;
        Stream = redis.Key("tasks");
        Delayed = redis.Key("tasks:delayed");
        Dead = redis.Key("tasks:dead");
        WakeChannel = redis.Channel("tasks:wake");
    }

    public DurableTaskOptions Options { get; }

    public RedisKey Stream { get; }

    public RedisKey Delayed { get; }

    public RedisKey Dead { get; }

    public RedisChannel WakeChannel { get; }

    /// <summary>Called after this node stored a delivery: its own consumer need not wait for the notification.</summary>
    public event Action<bool>? Sent;

    private IDatabase Database => _redis.Database;

    private RedisValue WakeName => WakeChannel.ToString();

    public DurableTaskCounters Counters => new(
        Interlocked.Read(ref _sent), Interlocked.Read(ref _refused), Interlocked.Read(ref ReceivedCount), Interlocked.Read(ref ReclaimedCount),
        Interlocked.Read(ref CompletedCount), Interlocked.Read(ref RetriedCount), Interlocked.Read(ref DeadLetteredCount),
        Interlocked.Read(ref AbandonedCount), Interlocked.Read(ref ClaimsLostCount));

    public async ValueTask<bool> SendAsync(DurableMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        var timeout = Options.DeliverTimeout;
        var started = Environment.TickCount64;
        try
        {
            // Sent only while connected: a command queued in the client's backlog could be stored after we said false.
            while (!_redis.IsConnected)
            {
                if (Environment.TickCount64 - started >= (long)timeout.TotalMilliseconds)
                {
                    return Refused(message.TaskName, "is not connected");
                }

                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }

            var left = TimeSpan.FromMilliseconds(Math.Max(1, (long)timeout.TotalMilliseconds - (Environment.TickCount64 - started)));
            var delayMilliseconds = delay > TimeSpan.Zero ? (long)Math.Ceiling(delay.TotalMilliseconds) : 0;
            await Database.ScriptEvaluateAsync(SendScript, [Stream, Delayed],
                [delayMilliseconds, message.TaskName, message.Payload, message.Tries, message.Attempt, message.IdempotencyKey, WakeName])
                .WaitAsync(left, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false; // The caller stopped waiting (as for room in a full in-memory queue).
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
        {
            return Refused(message.TaskName, exception is TimeoutException ? $"did not answer within {timeout.TotalMilliseconds} ms" : exception.Message);
        }

        Interlocked.Increment(ref _sent);
        if (Interlocked.Exchange(ref _refusing, 0) == 1)
        {
            DurableTaskLog.AcceptedAgain(_logger, Interlocked.Exchange(ref _refusedInOutage, 0));
        }

        Sent?.Invoke(delay > TimeSpan.Zero);
        return true;
    }

    private bool Refused(string name, string reason)
    {
        Interlocked.Increment(ref _refused);
        Interlocked.Increment(ref _refusedInOutage);
        if (Interlocked.Exchange(ref _refusing, 1) == 0)
        {
            DurableTaskLog.DeliveryRefused(_logger, name, reason);
        }

        return false;
    }

    /// <summary>Creates the consumer group (reading from the stream's start: it holds only what is still to run) unless it exists.</summary>
    public async Task EnsureGroupAsync()
    {
        try
        {
            await Database.StreamCreateConsumerGroupAsync(Stream, Group, "0", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    public async Task<StreamEntry[]> ReadAsync(string consumer, int count)
    {
        try
        {
            return await Database.StreamReadGroupAsync(Stream, Group, consumer, StreamPosition.NewMessages, count).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            // First start, or Redis lost its data (restarted without persistence).
            await EnsureGroupAsync().ConfigureAwait(false);
            return [];
        }
    }

    /// <summary>Moves due delayed deliveries to the stream; returns how many, and when the next is due (null: none waiting).</summary>
    public async Task<(int Moved, TimeSpan? NextDue)> MoveDueAsync(int most)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(MoveDueScript, [Delayed, Stream], [most, WakeName]).ConfigureAwait(false))!;
        var next = (long)result[1];
        return ((int)result[0], next < 0 ? null : TimeSpan.FromMilliseconds(next));
    }

    public async Task<bool> CompleteAsync(string id) =>
        (long)(await Database.ScriptEvaluateAsync(CompleteScript, [Stream], [Group, id]).ConfigureAwait(false)) == 1;

    public async Task<bool> RetryAsync(string id, DurableMessage message, int nextAttempt, TimeSpan delay) =>
        (long)(await Database.ScriptEvaluateAsync(RetryScript, [Stream, Delayed],
            [Group, id, (long)Math.Ceiling(delay.TotalMilliseconds), message.TaskName, message.Payload, message.Tries, nextAttempt, message.IdempotencyKey, WakeName])
            .ConfigureAwait(false)) == 1;

    public async Task<bool> DeadLetterAsync(string id, DurableMessage message, int attempt, string reason, string node) =>
        (long)(await Database.ScriptEvaluateAsync(DeadLetterScript, [Stream, Dead],
            [Group, id, message.TaskName, message.Payload, message.Tries, attempt, message.IdempotencyKey, reason, node, Options.DeadLetterMaxLength])
            .ConfigureAwait(false)) == 1;

    /// <summary>Renews (or, with <paramref name="idle"/>, releases) the claims of <paramref name="ids"/>; returns those lost to another consumer.</summary>
    public async Task<string[]> ClaimAsync(string consumer, IReadOnlyList<string> ids, TimeSpan idle)
    {
        var lost = new List<string>();
        for (var start = 0; start < ids.Count; start += 500)
        {
            var batch = ids.Skip(start).Take(500);
            var arguments = new RedisValue[] { Group, consumer, (long)idle.TotalMilliseconds }.Concat(batch.Select(id => (RedisValue)id)).ToArray();
            var result = (RedisResult[])(await Database.ScriptEvaluateAsync(ClaimScript, [Stream], arguments).ConfigureAwait(false))!;
            lost.AddRange(result.Select(item => (string)item!));
        }

        return [.. lost];
    }

    /// <summary>Takes over up to <paramref name="count"/> entries idle longer than the visibility timeout, with how often each was delivered.</summary>
    public async Task<List<(StreamEntry Entry, long Deliveries)>> ReclaimAsync(string consumer, int count)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(ReclaimScript, [Stream],
            [Group, consumer, (long)Options.VisibilityTimeout.TotalMilliseconds, count]).ConfigureAwait(false))!;
        var entries = new List<(StreamEntry, long)>(result.Length);
        foreach (var itemResult in result)
        {
            var item = (RedisResult[])itemResult!;
            var fields = (RedisResult[])item[1]!;
            var values = new NameValueEntry[fields.Length / 2];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = new NameValueEntry((RedisValue)fields[2 * i], (RedisValue)fields[(2 * i) + 1]);
            }

            entries.Add((new StreamEntry((RedisValue)item[0], values), (long)item[2]));
        }

        return entries;
    }

    public Task ForgetConsumerAsync(string consumer) => Database.ScriptEvaluateAsync(ForgetConsumerScript, [Stream], [Group, consumer]);

    /// <summary>Reads a stream entry's fields into a delivery; null when they are not one.</summary>
    public static DurableMessage? Message(StreamEntry entry)
    {
        string? type = null, key = null;
        byte[]? payload = null;
        int tries = -1, attempt = -1;
        foreach (var field in entry.Values)
        {
            switch ((string?)field.Name)
            {
                case "type":
                    type = field.Value;
                    break;
                case "payload":
                    payload = field.Value;
                    break;
                case "tries":
                    tries = int.TryParse((string?)field.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : -1;
                    break;
                case "attempt":
                    attempt = int.TryParse((string?)field.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : -1;
                    break;
                case "key":
                    key = field.Value;
                    break;
            }
        }

        return type is { Length: > 0 } && payload is not null && key is not null && tries >= 0 && attempt >= 1
            ? new DurableMessage(type, payload, tries, attempt, key)
            : null;
    }

    public async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(int count = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var entries = await Database.StreamRangeAsync(Dead, "-", "+", count).ConfigureAwait(false);
        return [.. entries.Select(entry =>
        {
            string Field(string name) => (string?)entry[name] ?? "";
            var id = (string)entry.Id!;
            var milliseconds = long.TryParse(id.AsSpan(0, Math.Max(0, id.IndexOf('-', StringComparison.Ordinal))), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : 0;
            return new DeadLetter(id, Field("type"), Field("key"),
                int.TryParse(Field("attempt"), NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) ? attempts : 0,
                Field("reason"), Field("node"), DateTimeOffset.FromUnixTimeMilliseconds(milliseconds),
                Encoding.UTF8.GetString((byte[]?)entry["payload"] ?? []));
        })];
    }

    public async Task<bool> RequeueAsync(string id) =>
        (long)(await Database.ScriptEvaluateAsync(RequeueScript, [Dead, Stream], [id, WakeName]).ConfigureAwait(false)) == 1;

    public async Task<bool> DeleteAsync(string id) => await Database.StreamDeleteAsync(Dead, [id]).ConfigureAwait(false) == 1;

    public async Task<DurableTaskBacklog> BacklogAsync()
    {
        var database = Database;
        var queued = database.StreamLengthAsync(Stream);
        var delayed = database.SortedSetLengthAsync(Delayed);
        var dead = database.StreamLengthAsync(Dead);
        long running = 0;
        try
        {
            running = (await database.StreamPendingAsync(Stream, Group).ConfigureAwait(false)).PendingMessageCount;
        }
        catch (RedisServerException)
        {
            // No group yet: nothing was read.
        }

        return new DurableTaskBacklog(await queued.ConfigureAwait(false), running, await delayed.ConfigureAwait(false), await dead.ConfigureAwait(false));
    }
}
