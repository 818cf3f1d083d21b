using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Http;

/// <summary>
/// Points Kestrel at <c>ListenIp:ListenPort</c> and the optional Unix socket, counts connections, and leaves the
/// Server header to Resident (Kestrel's own "Kestrel" header is turned off).
/// </summary>
/// <remarks>
/// Which address wins: <c>Resident:ListenIp</c>/<c>Resident:ListenPort</c> when either is set (in configuration or in
/// code); otherwise ASP.NET Core's own addresses when the user gave some (<c>urls</c>, <c>ASPNETCORE_URLS</c>,
/// <c>--urls</c>, <c>UseUrls</c>, <c>Kestrel:Endpoints</c>); otherwise the defaults, 127.0.0.1:5200.
/// </remarks>
internal sealed class ResidentKestrelSetup(
    IOptions<ResidentOptions> options,
    IConfiguration configuration,
    ResidentServer server,
    ConnectionDrain drain,
    Resident.Metrics.ResidentEndpoints endpoints,
    ILogger<ResidentKestrelSetup> logger) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var settings = options.Value;
        kestrel.AddServerHeader = false;
        var errors = new List<string>();
        HttpFeature.Validate(settings, errors);
        Resident.Metrics.MetricsFeature.Validate(settings, errors);
        if (errors.Count > 0)
        {
            // Kestrel is built before the start-up checks run; they report the bad keys with every other problem.
            return;
        }

        if (Resident.Supervision.WorkerIdentity.OfThisProcess is { } worker)
        {
            // A supervised worker serves the sockets its master created (and keeps open across reloads).
            foreach (var (name, descriptor) in worker.Listeners)
            {
                if (name is Resident.Supervision.SupervisorEnvironment.HttpListener or Resident.Supervision.SupervisorEnvironment.UnixListener)
                {
                    kestrel.ListenHandle((ulong)descriptor, CountConnections);
                }
                else if (name == Resident.Supervision.SupervisorEnvironment.MetricsListener)
                {
                    kestrel.ListenHandle((ulong)descriptor, CountConnections);
                    endpoints.UseInheritedListener(descriptor);
                }
            }

            return;
        }

        if (settings.ListenAddressSet || !AspNetCoreAddressesConfigured(configuration))
        {
            kestrel.Listen(IPAddress.Parse(settings.ListenIp), settings.ListenPort, CountConnections);
        }
        else
        {
            // Kestrel binds the user's urls or Kestrel:Endpoints; count their connections too.
            kestrel.ConfigureEndpointDefaults(CountConnections);
            HttpLog.UsingAspNetCoreAddresses(logger);
        }

        if (settings.Metrics.ListenPort is not null)
        {
            var own = Resident.Metrics.ResidentEndpoints.OwnEndPoint(settings);
            kestrel.Listen(own, listen =>
            {
                CountConnections(listen);
                endpoints.UseListener(listen);
            });
        }

        if (!string.IsNullOrEmpty(settings.Socket))
        {
            // The file is checked when the server starts (PrepareSocket), not here: every process that builds the app
            // configures Kestrel, including a verb's (`app reload`) while the server it talks to listens on the socket.
            kestrel.ListenUnixSocket(settings.Socket, CountConnections);
        }
    }

    /// <summary>
    /// Before Kestrel binds <c>Resident:Socket</c>: replaces a stale socket file from a crashed run, and fails naming
    /// the key when a live server listens on it. A supervised worker serves its master's socket and checks nothing.
    /// </summary>
    internal static void PrepareSocket(ResidentOptions settings, ILogger logger)
    {
        if (string.IsNullOrEmpty(settings.Socket) || Resident.Supervision.WorkerIdentity.OfThisProcess is not null)
        {
            return;
        }

        if (UnixSocketFile.PrepareForListening(settings.Socket, $"{ResidentOptions.SectionName}:{nameof(ResidentOptions.Socket)}"))
        {
            HttpLog.StaleSocketReplaced(logger, settings.Socket);
        }
    }

    /// <summary>Whether ASP.NET Core's own address settings are given: <c>urls</c> (also from ASPNETCORE_URLS) or <c>Kestrel:Endpoints</c>.</summary>
    internal static bool AspNetCoreAddressesConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

    private void CountConnections(ListenOptions listen) => CountConnections(listen, server, drain);

    /// <summary>
    /// Counts the connections of <paramref name="listen"/> in <see cref="ResidentServer.ActiveConnections"/> and
    /// tells <paramref name="drain"/> when one closes, so a retiring generation knows when the last has left.
    /// Every endpoint Resident serves HTTP on goes through this (an inherited socket included).
    /// </summary>
    internal static void CountConnections(ListenOptions listen, ResidentServer server, ConnectionDrain drain) =>
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
                drain.OnConnectionClosed();
            }
        });
}
