using System.Diagnostics.Metrics;

namespace Resident.Metrics;

// Supervised mode's instruments, recorded by the master process (its own ResidentMetrics): workers by state,
// reloads, MaxRequest recycles and worker exits by reason.
internal sealed partial class ResidentMetrics
{
    /// <summary>Observed worker processes by <c>state</c>: <c>serving</c>, <c>draining</c>, <c>starting</c>.</summary>
    public const string SupervisorWorkersName = "resident.supervisor.workers";

    /// <summary>Counter of reloads that put a new generation in service.</summary>
    public const string SupervisorReloadsName = "resident.supervisor.reloads";

    /// <summary>Counter of workers replaced after serving <c>MaxRequest</c> requests.</summary>
    public const string SupervisorRecyclesName = "resident.supervisor.recycles";

    /// <summary>Counter of worker processes that exited; tag <c>reason</c> (see <see cref="WorkerExitReason"/>).</summary>
    public const string SupervisorWorkerExitsName = "resident.supervisor.worker.exits";

    private static readonly KeyValuePair<string, object?> Serving = new("state", "serving");
    private static readonly KeyValuePair<string, object?> Draining = new("state", "draining");
    private static readonly KeyValuePair<string, object?> Starting = new("state", "starting");

    // Indexed by WorkerExitReason.
    private static readonly KeyValuePair<string, object?>[] ExitReasonTags =
        [new("reason", "retired"), new("reason", "stopped"), new("reason", "crashed")];

    private Counter<long> _reloads = null!;
    private Counter<long> _recycles = null!;
    private Counter<long> _workerExits = null!;

    /// <summary>Why a worker process exited (the <c>reason</c> tag).</summary>
    public enum WorkerExitReason
    {
        /// <summary><c>retired</c>: drained and replaced, by a reload or a MaxRequest recycle.</summary>
        Retired,

        /// <summary><c>stopped</c>: the server stopped.</summary>
        Stopped,

        /// <summary><c>crashed</c>: it exited on its own (the master restarts a serving worker that does).</summary>
        Crashed,
    }

    partial void CreateSupervisionInstruments()
    {
        _reloads = Meter.CreateCounter<long>(SupervisorReloadsName, "{reload}", "Reloads that put a new worker generation in service.");
        _recycles = Meter.CreateCounter<long>(SupervisorRecyclesName, "{worker}", "Workers replaced after serving MaxRequest requests.");
        _workerExits = Meter.CreateCounter<long>(SupervisorWorkerExitsName, "{worker}", "Worker processes that exited, by reason: retired, stopped or crashed.");
    }

    /// <summary>Counts one reload that put a new generation in service.</summary>
    public void AddSupervisorReload() => _reloads.Add(1);

    /// <summary>Counts one worker recycled after MaxRequest requests.</summary>
    public void AddSupervisorRecycle() => _recycles.Add(1);

    /// <summary>Counts one worker process that exited.</summary>
    public void AddWorkerExit(WorkerExitReason reason) => _workerExits.Add(1, ExitReasonTags[(int)reason]);

    /// <summary>Registers the master's count of workers by state, read only when a reader collects. Call once.</summary>
    public void ObserveSupervisorWorkers(Func<(int Serving, int Draining, int Starting)> workers) =>
        Meter.CreateObservableUpDownCounter(SupervisorWorkersName, () =>
        {
            var (serving, draining, starting) = workers();
            return new[]
            {
                new Measurement<int>(serving, Serving),
                new Measurement<int>(draining, Draining),
                new Measurement<int>(starting, Starting),
            };
        }, "{worker}", "Worker processes by state: serving, draining (retiring) or starting.");
}
