using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;

namespace TableBench;

/// <summary>
/// What counting a WebSocket message (or a socket message, a refused table write) costs on the hot path: the
/// bookkeeping the receive loop does per message anyway (a volatile write of the last-activity time), alone and with
/// the <c>Counter&lt;long&gt;.Add(1, tag)</c> Resident's instruments make, its <c>path</c> tag built once — with no
/// listener (metrics off), and with a <see cref="MeterListener"/> enabled whose callback adds the value to a total
/// (the least an exporter does). The close counter's two-tag add is measured too. 1000 messages per invocation,
/// reported per message. Run: <c>dotnet run -c Release --project tests/Benchmarks/Tables -- --filter '*MetricsBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    public const int Messages = 1000;

    private readonly KeyValuePair<string, object?> _path = new("path", "/ws/echo");
    private readonly KeyValuePair<string, object?> _status = new("websocket.close_status", 1000);
    private Meter _quietMeter = null!;
    private Meter _listenedMeter = null!;
    private Counter<long> _quiet = null!;
    private Counter<long> _listened = null!;
    private MeterListener _listener = null!;
    private long _lastActivity;
    private long _total;

    /// <summary>What the listener added up (read it to see the listened benchmarks were measured).</summary>
    public long Total => _total;

    [GlobalSetup]
    public void Setup()
    {
        _quietMeter = new Meter("Resident.Benchmarks.Quiet");
        _listenedMeter = new Meter("Resident.Benchmarks.Listened");
        _quiet = _quietMeter.CreateCounter<long>("resident.websocket.messages.received", "{message}");
        _listened = _listenedMeter.CreateCounter<long>("resident.websocket.messages.received", "{message}");
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, _listenedMeter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => _total += value);
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        _quietMeter.Dispose();
        _listenedMeter.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public void Message_without_instruments()
    {
        for (var i = 0; i < Messages; i++)
        {
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void Message_counted_no_listener()
    {
        for (var i = 0; i < Messages; i++)
        {
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            _quiet.Add(1, _path);
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void Message_counted_with_listener()
    {
        for (var i = 0; i < Messages; i++)
        {
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            _listened.Add(1, _path);
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void Close_counted_two_tags_no_listener()
    {
        for (var i = 0; i < Messages; i++)
        {
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            _quiet.Add(1, _path, _status);
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void Close_counted_two_tags_with_listener()
    {
        for (var i = 0; i < Messages; i++)
        {
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            _listened.Add(1, _path, _status);
        }
    }
}
