using Microsoft.Extensions.DependencyInjection;
using Resident.Metrics;

namespace Resident.Supervision;

/// <summary>The master's part of a scrape: every process's figures, labelled, merged into one answer.</summary>
internal sealed partial class Master
{
    /// <summary>The <c>worker</c> label of the master's own series.</summary>
    internal const string MasterLabel = "master";

    /// <summary>
    /// Answers a worker's scrape: asks every live worker (the asking one too) for its figures, adds the master's,
    /// labels each process's series <c>worker="{slot}"</c> (<c>worker="master"</c> for the master's) and sends the
    /// merge back. A worker that does not answer in time is left out and logged; the scrape still succeeds.
    /// </summary>
    private async Task AnswerScrapeAsync(WorkerProcess asking, int requestId)
    {
        List<WorkerProcess> live;
        lock (_gate)
        {
            live = [.. _live];
        }

        var timeout = TimeSpan.FromMilliseconds(ResidentLimits.Metrics.WorkerScrapeTimeoutMilliseconds);
        var answers = await Task.WhenAll(live.Select(worker => AskAsync(worker, ControlKind.MetricsCollect, worker.PendingMetrics, timeout))).ConfigureAwait(false);
        var parts = new List<(KeyValuePair<string, string>, MetricsSnapshot)>
        {
            (new("worker", MasterLabel), _app.Services.GetRequiredService<MetricsCollector>().Collect()),
        };
        for (var i = 0; i < live.Count; i++)
        {
            if (answers[i] is not { } bytes)
            {
                if (live[i].Channel is not null)
                {
                    MetricsLog.WorkerScrapeTimedOut(_logger, live[i].Slot, timeout);
                }

                continue;
            }

            try
            {
                parts.Add((new("worker", live[i].Slot.ToString(System.Globalization.CultureInfo.InvariantCulture)), MetricsSnapshot.Read(bytes)));
            }
            catch (InvalidDataException exception)
            {
                MetricsLog.MalformedWorkerMetrics(_logger, live[i].Slot, exception);
            }
        }

        asking.Channel?.Post(ControlKind.MetricsReply, MetricsSnapshot.Merge(parts).Write(), Int32(requestId));
    }
}
