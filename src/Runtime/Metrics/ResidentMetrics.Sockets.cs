using System.Diagnostics.Metrics;

namespace Resident.Metrics;

// The extra ports ([SocketHandler]), tagged by the port's declared name.
internal sealed partial class ResidentMetrics
{
    /// <summary>UpDownCounter of the TCP/Unix connections open now; tag <c>port</c>.</summary>
    public const string SocketActiveName = "resident.socket.connections.active";

    /// <summary>Counter of the TCP/Unix connections accepted; tag <c>port</c>.</summary>
    public const string SocketOpenedName = "resident.socket.connections.opened";

    /// <summary>Counter of the messages handed to the handler (framed TCP messages, UDP datagrams); tag <c>port</c>.</summary>
    public const string SocketReceivedName = "resident.socket.messages.received";

    /// <summary>Counter of the sends that went out whole (TCP <c>SendAsync</c>, UDP <c>SendToAsync</c>); tag <c>port</c>.</summary>
    public const string SocketSentName = "resident.socket.messages.sent";

    /// <summary>Counter of the messages over <c>PackageMaxLength</c> (a TCP connection closed, a UDP datagram dropped); tag <c>port</c>.</summary>
    public const string SocketOversizedName = "resident.socket.messages.oversized";

    /// <summary>Counter of the exceptions a port's handler threw (and the port contained); tag <c>port</c>.</summary>
    public const string SocketHandlerErrorsName = "resident.socket.handler.errors";

    private UpDownCounter<long> _socketActive = null!;
    private Counter<long> _socketOpened = null!;
    private Counter<long> _socketReceived = null!;
    private Counter<long> _socketSent = null!;
    private Counter<long> _socketOversized = null!;
    private Counter<long> _socketHandlerErrors = null!;

    partial void CreateSocketInstruments()
    {
        _socketActive = Meter.CreateUpDownCounter<long>(SocketActiveName, "{connection}", "Connections to an extra TCP or Unix port open now.");
        _socketOpened = Meter.CreateCounter<long>(SocketOpenedName, "{connection}", "Connections an extra TCP or Unix port accepted.");
        _socketReceived = Meter.CreateCounter<long>(SocketReceivedName, "{message}", "Messages (framed TCP messages, UDP datagrams) an extra port handed to its handler.");
        _socketSent = Meter.CreateCounter<long>(SocketSentName, "{message}", "Messages an extra port's handler sent whole.");
        _socketOversized = Meter.CreateCounter<long>(SocketOversizedName, "{message}",
            "Messages over the port's PackageMaxLength: the TCP connection was closed, the UDP datagram dropped.");
        _socketHandlerErrors = Meter.CreateCounter<long>(SocketHandlerErrorsName, "{error}", "Exceptions an extra port's handler threw.");
    }

    /// <summary>The <c>port</c> tag of an extra port's measurements: its declared name, made once per port.</summary>
    public static KeyValuePair<string, object?> PortTag(string name) => new("port", name);

    /// <summary>A connection to the port was accepted.</summary>
    public void SocketConnectionOpened(in KeyValuePair<string, object?> port)
    {
        _socketOpened.Add(1, port);
        _socketActive.Add(1, port);
    }

    /// <summary>A connection to the port ended.</summary>
    public void SocketConnectionClosed(in KeyValuePair<string, object?> port) => _socketActive.Add(-1, port);

    /// <summary>A message (or datagram) was handed to the port's handler.</summary>
    public void SocketMessageReceived(in KeyValuePair<string, object?> port) => _socketReceived.Add(1, port);

    /// <summary>A send of the port's handler went out whole.</summary>
    public void SocketMessageSent(in KeyValuePair<string, object?> port) => _socketSent.Add(1, port);

    /// <summary>A message over the port's size limit was refused.</summary>
    public void SocketMessageOversized(in KeyValuePair<string, object?> port) => _socketOversized.Add(1, port);

    /// <summary>The port's handler threw.</summary>
    public void SocketHandlerFailed(in KeyValuePair<string, object?> port) => _socketHandlerErrors.Add(1, port);
}
