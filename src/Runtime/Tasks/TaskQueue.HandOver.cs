using Resident.Timers;

namespace Resident.Tasks;

/// <summary>What <see cref="TaskQueue.HandOver"/> took out of a worker's queue.</summary>
/// <param name="Bytes">The envelope (see <see cref="HandOverEnvelope"/>) for <see cref="TaskQueue.TakeOver"/> in the next generation.</param>
/// <param name="Count">Deliveries in it: they will never run in this process.</param>
/// <param name="Waiting">Of those, the ones that were waiting on a delay, a retry's backoff or room in the ready queue.</param>
/// <param name="Kept">Deliveries that could not leave (no payload codec, or their codec failed): they stay and run here during the drain.</param>
internal sealed record HandOverBatch(byte[] Bytes, int Count, int Waiting, int Kept);

/// <summary>
/// A delivery waiting on a delay, a retry's backoff or room in the ready queue. Its state is claimed once, by its own
/// wait (to queue it, or drop it at stop) or by a hand-over: so it runs in exactly one process.
/// </summary>
internal sealed class WaitingDelivery(WorkItem item, long dueTimestamp, long sequence)
{
    public const int Unclaimed = 0;
    public const int Enqueued = 1;
    public const int HandedOver = 2;

    private int _state;

    public WorkItem Item { get; } = item;

    /// <summary>When it is due, a timestamp of the queue's <see cref="TimeProvider"/>.</summary>
    public long DueTimestamp { get; } = dueTimestamp;

    /// <summary>Orders deliveries due at the same time as they were made.</summary>
    public long Sequence { get; } = sequence;

    public bool TryClaim(int claimant) => Interlocked.CompareExchange(ref _state, claimant, Unclaimed) == Unclaimed;

    /// <summary>Gives the claim back (its wait found the ready queue full and waits for room again).</summary>
    public void Unclaim() => Volatile.Write(ref _state, Unclaimed);
}

internal sealed partial class TaskQueue
{
    private readonly Dictionary<(string Kind, string Name), WorkRunner> _handOverRunners;

    private static Dictionary<(string Kind, string Name), WorkRunner> HandOverRunners(IEnumerable<WorkRunner> runners)
    {
        var byName = new Dictionary<(string Kind, string Name), WorkRunner>();
        foreach (var runner in runners)
        {
            byName.TryAdd((runner.HandOverKind, runner.HandOverName), runner);
        }

        return byName;
    }

    /// <summary>
    /// Hands this worker's pending deliveries to the next generation (a reload). Refuses deliveries from now on (like
    /// <see cref="StopAccepting"/>) and takes out every delivery not yet running — the ready queue in order, then the
    /// delayed deliveries, retries waiting on their backoff and deliveries waiting for room, by due time — and writes
    /// them with their payload codecs into one envelope for <see cref="TakeOver"/>.
    /// </summary>
    /// <remarks>
    /// Exactly once: each taken delivery is claimed before it is written (a delay that comes due meanwhile finds it
    /// claimed and does nothing), is ended here (it counts as done for <see cref="DrainAsync"/>), and never runs in this
    /// process; one whose wait claimed it first stays here and runs here. Deliveries of a type without a payload codec
    /// (or whose codec throws) cannot leave: they stay, logged with their count, and the drain runs them. Running
    /// deliveries and their finish callbacks end here too; a retry they schedule afterwards stays here (a further call
    /// hands over what is waiting by then). Call it before <see cref="DrainAsync"/>: the drain drops delays due after its
    /// deadline.
    /// </remarks>
    internal HandOverBatch HandOver()
    {
        StopAccepting();

        // Waiting ones first: one that comes due meanwhile is in the ready queue by the time that is emptied, or stays here.
        var waitingTaken = new List<(WorkItem Item, long? DueTimestamp)>();
        var kept = new List<string>();
        foreach (var waiting in _waiting.Keys.OrderBy(waiting => waiting.DueTimestamp).ThenBy(waiting => waiting.Sequence))
        {
            if (!waiting.Item.Runner.CanHandOver)
            {
                kept.Add(waiting.Item.Runner.HandOverName);
            }
            else if (waiting.TryClaim(WaitingDelivery.HandedOver))
            {
                _waiting.TryRemove(waiting, out _);
                waitingTaken.Add((waiting.Item, waiting.DueTimestamp));
            }
        }

        var readyTaken = new List<WorkItem>();
        var putBack = new List<WorkItem>();
        while (_ready.Reader.TryRead(out var item))
        {
            if (item.Runner.CanHandOver)
            {
                readyTaken.Add(item);
            }
            else
            {
                // A durable delivery stays and runs here: it lives in its transport, never in the envelope.
                if (!item.Runner.IsDurable)
                {
                    kept.Add(item.Runner.HandOverName);
                }

                putBack.Add(item);
            }
        }

        // Both clocks read once, so every due time converts alike.
        var utcNow = _time.GetUtcNow();
        var nowTimestamp = _time.GetTimestamp();
        var taken = readyTaken.Select(item => (item, (long?)null)).Concat(waitingTaken).ToList();
        var entries = new List<HandOverEntry>(taken.Count);
        var handed = new List<(WorkItem Item, long? DueTimestamp)>(taken.Count);
        foreach (var (item, dueTimestamp) in taken)
        {
            byte[] payload;
            try
            {
                payload = item.Runner.SerializePayload(item.Payload);
            }
            catch (Exception exception)
            {
                TaskLog.HandOverFailed(_logger, item.Runner.HandOverName, exception);
                kept.Add(item.Runner.HandOverName);
                if (dueTimestamp is { } due)
                {
                    Wait(item, due); // Still counted as waiting: it waits here again, for the same due time.
                }
                else
                {
                    putBack.Add(item);
                }

                continue;
            }

            var listener = item.Runner.ListenerAt(item.Next);
            var dueUnixMilliseconds = dueTimestamp is { } dueAt ? UnixMilliseconds(utcNow + _time.GetElapsedTime(nowTimestamp, dueAt)) : (long?)null;
            entries.Add(new HandOverEntry(item.Runner.HandOverKind, item.Runner.HandOverName, payload, item.Tries, item.Attempt,
                listener?.Name, listener?.Order ?? 0, dueUnixMilliseconds));
            handed.Add((item, dueTimestamp));
        }

        var bytes = HandOverEnvelope.Write(entries);

        // Only now written down, the handed deliveries end here.
        var handedWaiting = 0;
        foreach (var (_, dueTimestamp) in handed)
        {
            if (dueTimestamp is not null)
            {
                handedWaiting++;
                Interlocked.Decrement(ref _delayed);
            }

            Release(null);
        }

        // Back to the ready queue, through a wait due now so a full queue cannot refuse them.
        foreach (var item in putBack)
        {
            Interlocked.Increment(ref _delayed);
            Wait(item, nowTimestamp);
        }

        TaskLog.HandedOver(_logger, handed.Count, handedWaiting);
        if (kept.Count > 0)
        {
            TaskLog.HandOverKept(_logger, kept.Count, string.Join(", ", kept.Distinct(StringComparer.Ordinal)));
        }

        return new HandOverBatch(bytes, handed.Count, handedWaiting, kept.Count);
    }

    /// <summary>
    /// Takes over the deliveries a worker of the previous generation handed over (<paramref name="batch"/> from
    /// <see cref="HandOver"/>) and returns how many were queued. Each keeps its tries, attempt and (for an event) next
    /// listener; one due later waits here until its due time, one past due is ready at once.
    /// </summary>
    /// <remarks>
    /// Never throws. A malformed batch is logged and rejected as a whole (0). An item whose type this version does not
    /// declare (or whose event has no listener left) is logged with its name and dropped, as is one whose payload this
    /// version's codec cannot read; the rest are queued. Handed-over deliveries bypass <c>TaskQueueCapacity</c>: they
    /// were accepted once already, and refusing them now would lose them. Those that do not fit the ready queue wait
    /// for room (counted in <see cref="Pending"/>); meanwhile new deliveries see the queue full as usual. They are
    /// queued even if this queue has begun stopping: the drain then runs or drops them like its own.
    /// </remarks>
    internal int TakeOver(ReadOnlySpan<byte> batch)
    {
        List<HandOverEntry> entries;
        try
        {
            entries = HandOverEnvelope.Read(batch);
        }
        catch (Exception exception)
        {
            // Utf8JsonReader throws JsonException for bad JSON; anything else is as malformed.
            TaskLog.TakeOverRejected(_logger, batch.Length, exception.Message, exception);
            return 0;
        }

        // Everything is read before anything is queued.
        var items = new List<(WorkItem Item, long? DueUnixMilliseconds)>(entries.Count);
        foreach (var entry in entries)
        {
            if (!_handOverRunners.TryGetValue((entry.Kind, entry.Name), out var runner))
            {
                TaskLog.TakeOverUnknown(_logger, entry.Kind, entry.Name);
                continue;
            }

            object payload;
            try
            {
                payload = runner.DeserializePayload(entry.Payload);
            }
            catch (Exception exception)
            {
                TaskLog.TakeOverUnreadable(_logger, entry.Name, exception);
                continue;
            }

            var next = runner.ResumeAt(entry.Listener, entry.Order, out var sameListener);
            items.Add((new WorkItem(runner, payload, entry.Tries, sameListener ? entry.Attempt : 1, next), entry.DueUnixMilliseconds));
        }

        var nowUnixMilliseconds = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var nowTimestamp = _time.GetTimestamp();
        var overflowing = false;
        var waiting = 0;
        foreach (var (item, due) in items)
        {
            // Counted before it is visible to a worker, like a delivery.
            Interlocked.Increment(ref _accepted);
            if (due is { } dueAt && dueAt > nowUnixMilliseconds)
            {
                waiting++;
                Interlocked.Increment(ref _delayed);
                Wait(item, PreciseDelay.FromNow(_time, TimeSpan.FromMilliseconds(dueAt - nowUnixMilliseconds)));
            }
            else if (overflowing || !_ready.Writer.TryWrite(item with { ReadyTimestamp = nowTimestamp }))
            {
                // No room: it waits for room (and the ready ones after it too, so they keep their order as far as they can).
                overflowing = true;
                Interlocked.Increment(ref _delayed);
                Wait(item, nowTimestamp);
            }
        }

        TaskLog.TookOver(_logger, items.Count, waiting, entries.Count - items.Count);
        return items.Count;
    }

    // Rounded up, so a delivery never becomes due early in the next generation.
    private static long UnixMilliseconds(DateTimeOffset instant)
    {
        var ticks = (instant - DateTimeOffset.UnixEpoch).Ticks;
        return (ticks / TimeSpan.TicksPerMillisecond) + (ticks % TimeSpan.TicksPerMillisecond > 0 ? 1 : 0);
    }
}
