using System.Diagnostics.Metrics;

namespace Resident.Metrics;

// The task queue's instruments. Deliveries, refusals, runs and durations are per [BackgroundTask] type (tag `task`,
// the type's full name, made once per type by its runner); queued and running are the queue's own counts, event
// firings included, observed when a reader collects.
internal sealed partial class ResidentMetrics
{
    /// <summary>Counter of deliveries accepted by the task queue (delayed ones included); tag <c>task</c>.</summary>
    public const string TaskDeliveriesName = "resident.task.deliveries";

    /// <summary>Counter of deliveries refused because the task queue was full; tag <c>task</c>.</summary>
    public const string TaskRefusalsName = "resident.task.refusals";

    /// <summary>Observed deliveries and event firings waiting in the task queue, delayed ones and retries included.</summary>
    public const string TaskQueuedName = "resident.task.queued";

    /// <summary>Observed tasks and event firings running on a task worker.</summary>
    public const string TaskRunningName = "resident.task.running";

    /// <summary>Counter of task runs (each try); tags <c>task</c> and <c>outcome</c> (<c>completed</c>, <c>failed</c>, <c>retried</c>).</summary>
    public const string TaskRunsName = "resident.task.runs";

    /// <summary>Histogram of the time from delivery (or due time) to the start of a run; tag <c>task</c>.</summary>
    public const string TaskWaitDurationName = "resident.task.wait.duration";

    /// <summary>Histogram of the time a run (one try of HandleAsync) took; tag <c>task</c>.</summary>
    public const string TaskRunDurationName = "resident.task.run.duration";

    // A free worker picks a delivery up within microseconds; a busy queue makes it wait seconds or minutes.
    private static readonly IReadOnlyList<double> WaitBuckets =
        [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    // Tasks range from a cache write (well under a millisecond) to reports that take minutes.
    private static readonly IReadOnlyList<double> RunBuckets =
        [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

    // One tag per outcome, indexed by RunOutcome: made once, shared by every task, listener and cron job.
    private static readonly KeyValuePair<string, object?>[] OutcomeTags =
        [new("outcome", "completed"), new("outcome", "failed"), new("outcome", "retried")];

    private Counter<long> _taskDeliveries = null!;
    private Counter<long> _taskRefusals = null!;
    private Counter<long> _taskRuns = null!;
    private Histogram<double> _taskWait = null!;
    private Histogram<double> _taskRunDuration = null!;

    /// <summary>How a run (of a task, a listener or a cron job) ended.</summary>
    public enum RunOutcome
    {
        /// <summary>It returned normally.</summary>
        Completed,

        /// <summary>It threw, and no try is left: the delivery (or firing) is given up.</summary>
        Failed,

        /// <summary>It threw, and another try is scheduled.</summary>
        Retried,
    }

    partial void CreateTaskInstruments()
    {
        _taskDeliveries = Meter.CreateCounter<long>(TaskDeliveriesName, "{task}", "Tasks accepted into the task queue, delayed ones included.");
        _taskRefusals = Meter.CreateCounter<long>(TaskRefusalsName, "{task}", "Tasks refused because the task queue was full.");
        _taskRuns = Meter.CreateCounter<long>(TaskRunsName, "{run}", "Task runs (each try), by outcome: completed, failed (last try) or retried.");
        _taskWait = Meter.CreateHistogram(TaskWaitDurationName, "s", "Time from a task's delivery (or due time, for a delayed task or retry) to the start of its run.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });
        _taskRunDuration = Meter.CreateHistogram(TaskRunDurationName, "s", "How long each run (try) of a task took.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RunBuckets });
    }

    /// <summary>The <c>task</c> tag of a task type's measurements: made once per type and passed to every record.</summary>
    public static KeyValuePair<string, object?> TaskTag(string task) => new("task", task);

    /// <summary>Counts one delivery the task queue accepted.</summary>
    public void AddTaskDelivery(in KeyValuePair<string, object?> task) => _taskDeliveries.Add(1, task);

    /// <summary>Counts one delivery the task queue refused because it was full.</summary>
    public void AddTaskRefusal(in KeyValuePair<string, object?> task) => _taskRefusals.Add(1, task);

    /// <summary>Records how long a delivery waited between its delivery (or due time) and the start of its run.</summary>
    public void RecordTaskWait(TimeSpan wait, in KeyValuePair<string, object?> task) => _taskWait.Record(wait.TotalSeconds, task);

    /// <summary>Records one run (try) of a task: its duration and how it ended.</summary>
    public void RecordTaskRun(TimeSpan duration, RunOutcome outcome, in KeyValuePair<string, object?> task)
    {
        _taskRunDuration.Record(duration.TotalSeconds, task);
        _taskRuns.Add(1, task, OutcomeTags[(int)outcome]);
    }

    /// <summary>
    /// Registers the task queue's observed counts, read only when a reader collects: <paramref name="queued"/>
    /// (waiting for a worker, delayed deliveries and retries included) and <paramref name="running"/>. Call once.
    /// </summary>
    public void ObserveTaskQueue(Func<int> queued, Func<int> running)
    {
        Meter.CreateObservableUpDownCounter(TaskQueuedName, queued, "{task}",
            "Tasks and event firings waiting in the task queue: ready ones, delayed ones, retries waiting on their backoff.");
        Meter.CreateObservableUpDownCounter(TaskRunningName, running, "{task}", "Tasks and event firings running on a task worker.");
    }
}
