using System.Diagnostics.Metrics;

namespace Resident.Metrics;

// Async events' instruments: firings per [AsyncEvent] type (tag `event`, the type's full name) and listener runs per
// [EventListener] (tag `listener`, the listener's full name); both tags are made once, by the event's listener route.
internal sealed partial class ResidentMetrics
{
    /// <summary>Counter of events fired and accepted (those without listeners included); tag <c>event</c>.</summary>
    public const string EventFiredName = "resident.event.fired";

    /// <summary>Counter of firings refused because the task queue was full; tag <c>event</c>.</summary>
    public const string EventRefusalsName = "resident.event.refusals";

    /// <summary>Counter of listener runs (each try); tags <c>listener</c> and <c>outcome</c> (<c>completed</c>, <c>failed</c>, <c>retried</c>).</summary>
    public const string EventListenerRunsName = "resident.event.listener.runs";

    private Counter<long> _eventFired = null!;
    private Counter<long> _eventRefusals = null!;
    private Counter<long> _listenerRuns = null!;

    partial void CreateEventInstruments()
    {
        _eventFired = Meter.CreateCounter<long>(EventFiredName, "{event}", "Async events fired and accepted, those without listeners included.");
        _eventRefusals = Meter.CreateCounter<long>(EventRefusalsName, "{event}", "Async event firings refused because the task queue was full.");
        _listenerRuns = Meter.CreateCounter<long>(EventListenerRunsName, "{run}",
            "Event listener runs (each try), by outcome: completed, failed (last try) or retried.");
    }

    /// <summary>The <c>event</c> tag of an event type's measurements: made once per type.</summary>
    public static KeyValuePair<string, object?> EventTag(string @event) => new("event", @event);

    /// <summary>The <c>listener</c> tag of a listener's measurements: made once per listener.</summary>
    public static KeyValuePair<string, object?> ListenerTag(string listener) => new("listener", listener);

    /// <summary>Counts one accepted firing of an event.</summary>
    public void AddEventFired(in KeyValuePair<string, object?> @event) => _eventFired.Add(1, @event);

    /// <summary>Counts one firing the task queue refused because it was full.</summary>
    public void AddEventRefusal(in KeyValuePair<string, object?> @event) => _eventRefusals.Add(1, @event);

    /// <summary>Counts one run (try) of a listener and how it ended.</summary>
    public void AddListenerRun(RunOutcome outcome, in KeyValuePair<string, object?> listener) => _listenerRuns.Add(1, listener, OutcomeTags[(int)outcome]);
}
