using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Http;

/// <summary>
/// The HTTP server feature: its keys of the <c>Resident</c> section (<c>ListenIp</c>, <c>ListenPort</c>, <c>Socket</c>,
/// <c>Server</c>, <c>HandleStatic</c>, <c>ForwardedHeaders</c>, <c>TrustedProxies</c>), their checks, Kestrel's set-up
/// and the request pipeline.
/// </summary>
internal static class HttpFeature
{
    public static void AddHttp(IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ResidentKestrelSetup>();
        services.AddSingleton<ConnectionDrain>();

        // Kestrel tries its transports newest registration first: this one comes after the host's socket transport
        // (registered when the web host was created), so Kestrel binds through the drainable listeners.
        services.AddSingleton<DrainableTransportFactory>();
        services.AddSingleton<IConnectionListenerFactory>(provider => provider.GetRequiredService<DrainableTransportFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, ResidentStartupFilter>());
        services.AddResidentSection(Bind, provider => new HttpStartupCheck(provider.GetService<IHostEnvironment>()));
    }

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        ReadString(section, nameof(ResidentOptions.ListenIp), value => options.ListenIp = value);
        ReadInt(section, nameof(ResidentOptions.ListenPort), errors, value => options.ListenPort = value);
        ReadString(section, nameof(ResidentOptions.Socket), value => options.Socket = value);
        ReadString(section, nameof(ResidentOptions.Server), value => options.Server = value);
        ReadBool(section, nameof(ResidentOptions.HandleStatic), errors, value => options.HandleStatic = value);
        ReadBool(section, nameof(ResidentOptions.ForwardedHeaders), errors, value => options.ForwardedHeaders = value);
        ReadList(section, nameof(ResidentOptions.TrustedProxies), value => options.TrustedProxies = value);
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        if (!IPAddress.TryParse(options.ListenIp, out _))
        {
            errors.Add(Message(nameof(ResidentOptions.ListenIp), "must be an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::1", options.ListenIp));
        }

        Range(errors, nameof(ResidentOptions.ListenPort), options.ListenPort, ResidentLimits.Server.MinListenPort, ResidentLimits.Server.MaxListenPort);
        if (!string.IsNullOrEmpty(options.Socket))
        {
            if (Encoding.UTF8.GetByteCount(options.Socket) > ResidentLimits.Server.MaxUnixSocketPathBytes)
            {
                errors.Add(Message(nameof(ResidentOptions.Socket),
                    $"must be a path of at most {ResidentLimits.Server.MaxUnixSocketPathBytes} bytes (the Unix socket limit)", options.Socket));
            }
            else if (options.Socket.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add(Message(nameof(ResidentOptions.Socket), "must not contain a NUL character", options.Socket));
            }
        }

        if (options.Server.Any(c => c < 0x20 || c > 0x7e))
        {
            errors.Add(Message(nameof(ResidentOptions.Server), "must be printable ASCII without control characters (it is sent as a header value)", options.Server));
        }

        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            if (!TrustedProxies.TryParseEntry(options.TrustedProxies[i], out _))
            {
                errors.Add(Message($"{nameof(ResidentOptions.TrustedProxies)}:{i}", "must be an IP address (10.0.0.5) or a network in CIDR form (10.0.0.0/8)",
                    options.TrustedProxies[i]));
            }
        }
    }

    /// <summary>The web root static files are served from: the web host's, else <c>{ContentRoot}/wwwroot</c>.</summary>
    internal static string WebRoot(IHostEnvironment environment) =>
        environment is IWebHostEnvironment { WebRootPath: { Length: > 0 } webRoot } ? webRoot : Path.Combine(environment.ContentRootPath, "wwwroot");

    internal static string MissingWebRoot(string webRoot) =>
        $"{Key(nameof(ResidentOptions.HandleStatic))} is true, but the web root '{webRoot}' does not exist.";

    private sealed class HttpStartupCheck(IHostEnvironment? environment) : IStartupCheck
    {
        public void CheckOptions(StartupContext context)
        {
            Validate(context.Options, context.Errors);
            if (context.Options.HandleStatic && environment is not null && !Directory.Exists(WebRoot(environment)))
            {
                context.Errors.Add(MissingWebRoot(WebRoot(environment)));
            }
        }
    }
}
