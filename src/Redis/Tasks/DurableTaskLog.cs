using Microsoft.Extensions.Logging;

namespace Resident.Redis.Tasks;

/// <summary>The durable task queue's messages: ids 2180–2199 of the Redis package's block (see <c>LogEventIds</c>).</summary>
internal static partial class DurableTaskLog
{
    [LoggerMessage(EventId = 2180, EventName = "DurableDeliveryRefused", Level = LogLevel.Warning, Message = "A durable {Name} was not accepted (DeliverAsync returned false): Redis {Reason}. Further refusals are counted until Redis answers again.")]
    public static partial void DeliveryRefused(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 2181, EventName = "DurableDeliveriesAcceptedAgain", Level = LogLevel.Information, Message = "Durable deliveries are accepted again; {Refused} were refused while Redis was away.")]
    public static partial void AcceptedAgain(ILogger logger, long refused);

    [LoggerMessage(EventId = 2182, EventName = "DurableConsumerPaused", Level = LogLevel.Warning, Message = "Durable tasks: this node stopped reading from Redis ({Reason}); it resumes by itself when Redis answers.")]
    public static partial void Paused(ILogger logger, string reason);

    [LoggerMessage(EventId = 2183, EventName = "DurableConsumerResumed", Level = LogLevel.Information, Message = "Durable tasks: this node reads from Redis again after {Seconds:0.#} s.")]
    public static partial void Resumed(ILogger logger, double seconds);

    [LoggerMessage(EventId = 2184, EventName = "DurableTasksReclaimed", Level = LogLevel.Information, Message = "Reclaimed {Count} durable delivery(ies) not renewed within the visibility timeout ({Seconds} s): their node died or lost Redis. They run again here.")]
    public static partial void Reclaimed(ILogger logger, int count, double seconds);

    [LoggerMessage(EventId = 2185, EventName = "DurableDeliveryUnrunnable", Level = LogLevel.Error, Message = "The durable delivery {Id} ({Name}) cannot run: {Reason}. It goes to the dead letters.")]
    public static partial void Unrunnable(ILogger logger, string id, string name, string reason);

    [LoggerMessage(EventId = 2186, EventName = "DurableSettleFailed", Level = LogLevel.Warning, Message = "Could not record the end of durable {Name} ({Id}) in Redis ({Reason}); retrying until Redis answers. Until then this node keeps its claim.")]
    public static partial void SettleFailed(ILogger logger, string name, string id, string reason);

    [LoggerMessage(EventId = 2187, EventName = "DurableClaimsLost", Level = LogLevel.Warning, Message = "{Count} durable delivery(ies) held by this node were reclaimed by another node (this node could not renew its claim within the visibility timeout); they may run twice.")]
    public static partial void ClaimsLost(ILogger logger, int count);

    [LoggerMessage(EventId = 2188, EventName = "DurableConsumerStarted", Level = LogLevel.Information, Message = "Durable tasks: reading {Stream} as {Consumer} (visibility timeout {Seconds} s, up to {InFlight} at once) for {Types}.")]
    public static partial void Started(ILogger logger, string stream, string consumer, double seconds, int inFlight, string types);

    [LoggerMessage(EventId = 2189, EventName = "DurableConsumerStopped", Level = LogLevel.Information, Message = "Durable tasks: stopped reading; {Released} unfinished delivery(ies) released to the other nodes.")]
    public static partial void Stopped(ILogger logger, int released);

    [LoggerMessage(EventId = 2190, EventName = "DurableMaintenanceFailed", Level = LogLevel.Debug, Message = "Durable tasks: renewing claims, reclaiming or moving due deliveries failed ({Reason}); tried again shortly.")]
    public static partial void MaintenanceFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2191, EventName = "DurableSettleAbandoned", Level = LogLevel.Warning, Message = "The stop came before the end of durable {Name} ({Id}) could be recorded in Redis; another node runs it again after the visibility timeout.")]
    public static partial void SettleAbandoned(ILogger logger, string name, string id);
}
