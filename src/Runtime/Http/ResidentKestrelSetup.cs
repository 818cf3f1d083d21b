using System.Net;
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
            if (UnixSocketFile.PrepareForListening(settings.Socket, $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Socket)}"))
            {
                Log.StaleSocketReplaced(logger, settings.Socket);
            }

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
}
