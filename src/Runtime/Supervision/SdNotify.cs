using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Resident.Supervision;

/// <summary>Temporary systemd notifier (replaced by SystemdNotifier at merge).</summary>
internal sealed class SdNotify(string? socketPath, ILogger logger)
{
    public void Ready(string status) => Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");

    public void Reloading() => Send("RELOADING=1");

    public void Stopping() => Send("STOPPING=1");

    private void Send(string message)
    {
        if (string.IsNullOrEmpty(socketPath))
        {
            return;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            var path = socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath;
            socket.SendTo(System.Text.Encoding.UTF8.GetBytes(message), new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException exception)
        {
            logger.LogWarning(exception, "systemd notify failed");
        }
    }
}
