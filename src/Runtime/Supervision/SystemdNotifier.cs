using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Resident.Supervision;

/// <summary>
/// Tells systemd about the master's state through <c>$NOTIFY_SOCKET</c>, as sd_notify(3) does, for a unit with
/// <c>Type=notify</c> or <c>Type=notify-reload</c>: <see cref="Ready"/> once the first generation serves and again after
/// each reload, <see cref="Reloading"/> when a reload starts, <see cref="Stopping"/> when a stop starts. Each message is
/// one datagram to the socket (a file-system path, or an abstract socket written with a leading '@'). Without the
/// variable every method does nothing. Sending never throws: the first failure is logged, later ones are not, and the
/// server runs on (systemd then times the start or reload out, which names the cause in its own log).
/// </summary>
internal sealed partial class SystemdNotifier : IDisposable
{
    /// <summary>The environment variable systemd sets for a notify service.</summary>
    public const string SocketVariable = "NOTIFY_SOCKET";

    private const int ClockMonotonic = 1; // CLOCK_MONOTONIC on Linux

    private readonly ILogger _logger;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly Lock _sendLock = new();
    private Socket? _socket;
    private bool _failureLogged;
    private bool _disposed;

    /// <summary>Reads <c>$NOTIFY_SOCKET</c> of this process.</summary>
    public SystemdNotifier(ILogger? logger = null)
        : this(Environment.GetEnvironmentVariable(SocketVariable), logger)
    {
    }

    /// <summary>
    /// Uses <paramref name="socketPath"/> as the value of <c>$NOTIFY_SOCKET</c> would be: an absolute path, or '@' and
    /// the name of an abstract socket; null or empty turns notifications off.
    /// </summary>
    public SystemdNotifier(string? socketPath, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        SocketPath = string.IsNullOrEmpty(socketPath) ? null : socketPath;
        if (SocketPath is null)
        {
            return;
        }

        if (SocketPath[0] is not ('/' or '@') || !OperatingSystem.IsLinux())
        {
            // sd_notify also knows vsock addresses (for VMs); the master never runs as one.
            SupervisionLog.NotifySocketUnsupported(_logger, SocketPath);
            _failureLogged = true;
            return;
        }

        // An abstract socket has no file: its name starts with a NUL byte, which sd_notify writes as '@'.
        _endPoint = new UnixDomainSocketEndPoint(SocketPath[0] == '@' ? "\0" + SocketPath[1..] : SocketPath);
    }

    /// <summary>The notify socket as given, or null when notifications are off.</summary>
    public string? SocketPath { get; }

    /// <summary>Whether messages are sent (the socket was given and is one this class can reach).</summary>
    public bool Enabled => _endPoint is not null;

    /// <summary>
    /// <c>READY=1</c> with <c>MAINPID=</c> this process (the master is the service's main process even when it was
    /// started by a re-exec, as <c>start -d</c> does; systemd then needs <c>NotifyAccess=all</c>), and
    /// <c>STATUS=</c><paramref name="status"/> when given. Send it when the first generation serves and after each reload.
    /// </summary>
    public bool Ready(string? status = null) =>
        Send(Compose($"READY=1\nMAINPID={Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}", status));

    /// <summary>
    /// <c>RELOADING=1</c> with <c>MONOTONIC_USEC=</c> now on CLOCK_MONOTONIC in microseconds (<c>Type=notify-reload</c>
    /// requires it to tell this reload from an earlier one), and <c>STATUS=</c><paramref name="status"/> when given. Send
    /// <see cref="Ready"/> when the new generation serves.
    /// </summary>
    public bool Reloading(string? status = null) =>
        Send(Compose($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds().ToString(CultureInfo.InvariantCulture)}", status));

    /// <summary><c>STOPPING=1</c>, and <c>STATUS=</c><paramref name="status"/> when given. Send it when a stop begins.</summary>
    public bool Stopping(string? status = null) => Send(Compose("STOPPING=1", status));

    /// <summary><c>STATUS=</c><paramref name="status"/>: a line <c>systemctl status</c> shows.</summary>
    public bool Status(string status)
    {
        ArgumentException.ThrowIfNullOrEmpty(status);
        return Send("STATUS=" + OneLine(status));
    }

    /// <summary>
    /// Sends <paramref name="message"/> (newline-separated <c>KEY=value</c> assignments) as one datagram. Returns whether
    /// it was sent; false when notifications are off or sending failed (logged the first time).
    /// </summary>
    public bool Send(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_endPoint is null)
        {
            return false;
        }

        var datagram = System.Text.Encoding.UTF8.GetBytes(message);
        lock (_sendLock)
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                _socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                _socket.SendTo(datagram, SocketFlags.None, _endPoint);
                return true;
            }
            catch (SocketException exception)
            {
                if (!_failureLogged)
                {
                    _failureLogged = true;
                    SupervisionLog.NotifyFailed(_logger, FirstLine(message), SocketPath!, exception);
                }

                return false;
            }
        }
    }

    /// <summary>Now on CLOCK_MONOTONIC, in microseconds, the clock systemd compares <c>MONOTONIC_USEC</c> with.</summary>
    public static long MonotonicMicroseconds()
    {
        if (NativeMethods.clock_gettime(ClockMonotonic, out var now) != 0)
        {
            throw new System.ComponentModel.Win32Exception(Marshal.GetLastPInvokeError(), "clock_gettime(CLOCK_MONOTONIC) failed.");
        }

        return (long)now.Seconds * 1_000_000 + (long)now.Nanoseconds / 1_000;
    }

    public void Dispose()
    {
        lock (_sendLock)
        {
            _disposed = true;
            _socket?.Dispose();
            _socket = null;
        }
    }

    private static string Compose(string assignments, string? status) =>
        string.IsNullOrEmpty(status) ? assignments : assignments + "\nSTATUS=" + OneLine(status);

    // A newline would start a new assignment: a status is one line.
    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }

    // struct timespec: time_t and long, both the native word on Linux (64-bit time_t on 32-bit arm is not assumed).
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", SetLastError = true)]
        internal static partial int clock_gettime(int clock, out TimeSpec time);
    }
}
