using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Resident.Supervision;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// The systemd notifications, received by a datagram socket the test owns in place of systemd's: the exact messages, in
/// the order sent, through a path and through an abstract socket; nothing without a socket; one logged failure.
/// </summary>
public sealed class SystemdNotifierTests : IDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("resident-notify-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Ready_reloading_ready_status_and_stopping_arrive_in_order_as_sent()
    {
        var path = Path.Combine(_directory, "notify.sock");
        using var systemd = Bind(path);
        using var notifier = new SystemdNotifier(path);
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

        Assert.True(notifier.Enabled);
        Assert.True(notifier.Ready("Serving on 127.0.0.1:8080"));
        var before = StopwatchMicroseconds();
        Assert.True(notifier.Reloading());
        var after = StopwatchMicroseconds();
        Assert.True(notifier.Ready());
        Assert.True(notifier.Status("2 workers,\ngeneration 2"));
        Assert.True(notifier.Stopping("draining"));

        Assert.Equal($"READY=1\nMAINPID={pid}\nSTATUS=Serving on 127.0.0.1:8080", await ReceiveAsync(systemd));
        var reloading = await ReceiveAsync(systemd);
        Assert.Equal($"READY=1\nMAINPID={pid}", await ReceiveAsync(systemd));
        Assert.Equal("STATUS=2 workers, generation 2", await ReceiveAsync(systemd));
        Assert.Equal("STOPPING=1\nSTATUS=draining", await ReceiveAsync(systemd));

        var lines = reloading.Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal("RELOADING=1", lines[0]);
        Assert.StartsWith("MONOTONIC_USEC=", lines[1], StringComparison.Ordinal);
        var monotonic = long.Parse(lines[1]["MONOTONIC_USEC=".Length..], NumberStyles.None, CultureInfo.InvariantCulture);
        // Stopwatch reads CLOCK_MONOTONIC on Linux (nanoseconds), an independent reading of the clock systemd compares with.
        Assert.InRange(monotonic, before, after);
    }

    [Fact]
    public async Task An_abstract_socket_written_with_an_at_sign_is_reached()
    {
        var name = "resident-notify-test-" + Guid.NewGuid().ToString("N");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var notifier = new SystemdNotifier("@" + name);

        Assert.True(notifier.Stopping());

        Assert.Equal("STOPPING=1", await ReceiveAsync(systemd));
    }

    [Fact]
    public void Without_a_notify_socket_nothing_is_sent_or_logged()
    {
        using var logs = new CapturedLogs();
        using var notifier = new SystemdNotifier((string?)null, logs.CreateLogger("notify"));
        using var empty = new SystemdNotifier("", logs.CreateLogger("notify"));

        Assert.False(notifier.Enabled);
        Assert.Null(notifier.SocketPath);
        Assert.False(notifier.Ready("status"));
        Assert.False(notifier.Reloading());
        Assert.False(notifier.Stopping());
        Assert.False(notifier.Status("status"));
        Assert.False(empty.Enabled);
        Assert.False(empty.Ready());
        Assert.Empty(logs.Entries);
    }

    [Fact]
    public void A_socket_nobody_listens_on_fails_quietly_and_is_logged_once()
    {
        using var logs = new CapturedLogs();
        using var notifier = new SystemdNotifier(Path.Combine(_directory, "nobody.sock"), logs.CreateLogger("notify"));

        Assert.True(notifier.Enabled);
        Assert.False(notifier.Ready());
        Assert.False(notifier.Reloading());
        Assert.False(notifier.Stopping());

        var entry = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("READY=1", entry.Message, StringComparison.Ordinal);
        Assert.Contains("nobody.sock", entry.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(entry.Exception);
    }

    [Fact]
    public void A_socket_that_is_neither_a_path_nor_abstract_turns_notifications_off_with_a_warning()
    {
        using var logs = new CapturedLogs();
        using var notifier = new SystemdNotifier("vsock:2:1234", logs.CreateLogger("notify"));

        Assert.False(notifier.Enabled);
        Assert.False(notifier.Ready());
        var entry = Assert.Single(logs.Entries);
        Assert.Contains("vsock:2:1234", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_monotonic_clock_agrees_with_the_runtimes_and_moves_forward()
    {
        var before = StopwatchMicroseconds();
        var first = SystemdNotifier.MonotonicMicroseconds();
        var second = SystemdNotifier.MonotonicMicroseconds();
        var after = StopwatchMicroseconds();

        Assert.InRange(first, before, after);
        Assert.InRange(second, first, after);
    }

    private static long StopwatchMicroseconds()
    {
        Assert.Equal(1_000_000_000, Stopwatch.Frequency);
        return Stopwatch.GetTimestamp() / 1_000;
    }

    private static Socket Bind(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
