using System.Diagnostics.Metrics;
using System.Text;

/// <summary>
/// Journals the supervisor's instruments as the master records them, one line per measurement with the workers it
/// observes at that moment: <c>metric {instrument} {tags or -} {value} | serving={n} draining={n} starting={n}</c>.
/// Other processes record none of them, so only the master writes such lines.
/// </summary>
public static class SupervisorMetricsJournal
{
    [ThreadStatic]
    private static StringBuilder? _observed;

    public static MeterListener Start(Journal journal)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Resident" && instrument.Name.StartsWith("resident.supervisor.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };

        // The observed workers are read on this thread, while the counter's measurement is being journaled.
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) => _observed?.Append($" {tags[0].Value}={value}"));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _observed = new StringBuilder();
            listener.RecordObservableInstruments();
            var tagText = tags.Length == 0 ? "-" : string.Join(",", tags.ToArray().Select(tag => $"{tag.Key}={tag.Value}"));
            journal.Write($"metric {instrument.Name} {tagText} {value} |{_observed}");
            _observed = null;
        });
        listener.Start();
        return listener;
    }
}
