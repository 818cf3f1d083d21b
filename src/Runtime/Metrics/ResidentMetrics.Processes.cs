using System.Diagnostics.Metrics;

namespace Resident.Metrics;

// Custom processes' instruments; tag `process` (the [CustomProcess] name), made once per process by its group.
internal sealed partial class ResidentMetrics
{
    /// <summary>Counter of custom-process instances started again after one returned, threw or could not be created; tag <c>process</c>.</summary>
    public const string ProcessRestartsName = "resident.process.restarts";

    /// <summary>Observed instances of a custom process running now; tag <c>process</c>.</summary>
    public const string ProcessRunningName = "resident.process.running";

    private Counter<long> _processRestarts = null!;

    partial void CreateProcessInstruments() =>
        _processRestarts = Meter.CreateCounter<long>(ProcessRestartsName, "{restart}",
            "Custom-process instances started again after one returned, threw or could not be created.");

    /// <summary>The <c>process</c> tag of a custom process's measurements: made once per process.</summary>
    public static KeyValuePair<string, object?> ProcessTag(string process) => new("process", process);

    /// <summary>Counts one restart of an instance of a custom process.</summary>
    public void AddProcessRestart(in KeyValuePair<string, object?> process) => _processRestarts.Add(1, process);

    /// <summary>
    /// Registers the running instances of each custom process, read only when a reader collects: one measurement per
    /// entry of <paramref name="processes"/>, tagged with its <c>process</c> tag. Call once.
    /// </summary>
    public void ObserveCustomProcesses(IReadOnlyList<(KeyValuePair<string, object?> Tag, Func<int> Running)> processes)
    {
        if (processes.Count == 0)
        {
            return;
        }

        Meter.CreateObservableUpDownCounter(ProcessRunningName, () =>
        {
            var measurements = new Measurement<int>[processes.Count];
            for (var index = 0; index < measurements.Length; index++)
            {
                var (tag, running) = processes[index];
                measurements[index] = new Measurement<int>(running(), tag);
            }

            return measurements;
        }, "{instance}", "Instances of each custom process running now.");
    }
}
