using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Http;

/// <summary>
/// Points Kestrel at <c>ListenIp:ListenPort</c> and the optional Unix socket, counts connections, and leaves the
/// Server header to Resident (Kestrel's own "Kestrel" header is turned off).
/// </summary>
internal sealed class ResidentKestrelSetup(
    IOptions<ResidentOptions> options,
    ResidentServer server,
    ILogger<ResidentKestrelSetup> logger) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var settings = options.Value;
        kestrel.AddServerHeader = false;
        kestrel.Listen(IPAddress.Parse(settings.ListenIp), settings.ListenPort, CountConnections);

        if (!string.IsNullOrEmpty(settings.Socket))
        {
            PrepareUnixSocketPath(settings.Socket);
            kestrel.ListenUnixSocket(settings.Socket, CountConnections);
        }
    }

    private void CountConnections(ListenOptions listen) =>
        listen.Use(next => async connection =>
        {
            server.ConnectionOpened();
            try
            {
                await next(connection);
            }
            finally
            {
                server.ConnectionClosed();
            }
        });

    /// <summary>Creates the socket's directory and removes a stale socket file; a live one is an error.</summary>
    private void PrepareUnixSocketPath(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        if (!File.Exists(path))
        {
            return;
        }

        // A socket file is always empty; never delete what looks like somebody's data.
        if (new FileInfo(path).Length > 0)
        {
            throw new InvalidOperationException(
                $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Socket)}: '{path}' exists and is not a socket.");
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new InvalidOperationException(
                    $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Socket)}: another server is already listening on '{path}'.");
            }
            catch (SocketException)
            {
                // Nobody answers: the file was left by a run that did not stop cleanly.
            }
        }

        File.Delete(path);
        Log.StaleSocketReplaced(logger, path);
    }
}
