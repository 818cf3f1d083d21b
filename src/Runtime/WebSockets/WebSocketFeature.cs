using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.WebSockets;

/// <summary>
/// The WebSocket feature: its keys of the <c>Resident</c> section (<c>NodeId</c>, <c>HeartbeatIdleTime</c>,
/// <c>HeartbeatCheckInterval</c> and the <c>WebSocket</c> section), their checks, and the handlers' components.
/// </summary>
internal static class WebSocketFeature
{
    public static void AddWebSockets(IServiceCollection services)
    {
        services.AddSingleton<WebSocketServer>();
        services.AddSingleton<IWebSocketServer>(provider => provider.GetRequiredService<WebSocketServer>());
        services.AddResidentSection(Bind, _ => new WebSocketStartupCheck());
    }

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        ReadInt(section, nameof(ResidentOptions.NodeId), errors, value => options.NodeId = value);
        ReadDuration(section, nameof(ResidentOptions.HeartbeatIdleTime), DurationUnit.Seconds, errors, value => options.HeartbeatIdleTime = value);
        ReadDuration(section, nameof(ResidentOptions.HeartbeatCheckInterval), DurationUnit.Seconds, errors, value => options.HeartbeatCheckInterval = value);

        const string prefix = ResidentWebSocketOptions.SectionName + ":";
        var webSocket = section.GetSection(ResidentWebSocketOptions.SectionName);
        var ws = options.WebSocket;
        ReadInt(webSocket, nameof(ws.MaxMessageSize), errors, value => ws.MaxMessageSize = value, prefix);
        ReadInt(webSocket, nameof(ws.MaxConnections), errors, value => ws.MaxConnections = value, prefix);
        ReadInt(webSocket, nameof(ws.SendQueueSize), errors, value => ws.SendQueueSize = value, prefix);
        ReadList(webSocket, nameof(ws.AllowedOrigins), value => ws.AllowedOrigins = value);
        ReadDuration(webSocket, nameof(ws.KeepAliveInterval), DurationUnit.Seconds, errors, value => ws.KeepAliveInterval = value, prefix);
        ReadDuration(webSocket, nameof(ws.KeepAliveTimeout), DurationUnit.Seconds, errors, value => ws.KeepAliveTimeout = value, prefix);
        ReadDuration(webSocket, nameof(ws.CloseTimeout), DurationUnit.Seconds, errors, value => ws.CloseTimeout = value, prefix);
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        Range(errors, nameof(ResidentOptions.NodeId), options.NodeId, 0, ResidentLimits.Server.MaxNodeId);
        Range(errors, nameof(ResidentOptions.HeartbeatIdleTime), options.HeartbeatIdleTime, 0, ResidentLimits.Server.MaxSeconds, DurationUnit.Seconds);
        Range(errors, nameof(ResidentOptions.HeartbeatCheckInterval), options.HeartbeatCheckInterval, 0, ResidentLimits.Server.MaxSeconds, DurationUnit.Seconds);

        const string prefix = ResidentWebSocketOptions.SectionName + ":";
        var ws = options.WebSocket;
        Range(errors, prefix + nameof(ws.MaxMessageSize), ws.MaxMessageSize, ResidentLimits.WebSocket.MinMaxMessageSize, ResidentLimits.WebSocket.MaxMaxMessageSize);
        Range(errors, prefix + nameof(ws.MaxConnections), ws.MaxConnections, 0, int.MaxValue);
        Range(errors, prefix + nameof(ws.SendQueueSize), ws.SendQueueSize, 1, int.MaxValue);
        Range(errors, prefix + nameof(ws.KeepAliveInterval), ws.KeepAliveInterval, 0, ResidentLimits.Server.MaxSeconds, DurationUnit.Seconds);
        Range(errors, prefix + nameof(ws.KeepAliveTimeout), ws.KeepAliveTimeout, 0, ResidentLimits.Server.MaxSeconds, DurationUnit.Seconds);
        Range(errors, prefix + nameof(ws.CloseTimeout), ws.CloseTimeout,
            ResidentLimits.WebSocket.MinCloseTimeoutSeconds, ResidentLimits.WebSocket.MaxCloseTimeoutSeconds, DurationUnit.Seconds);
        for (var i = 0; i < ws.AllowedOrigins.Count; i++)
        {
            var origin = ws.AllowedOrigins[i];
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                || !string.Equals(uri.GetLeftPart(UriPartial.Authority), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(Message($"{prefix}{nameof(ws.AllowedOrigins)}:{i}", "must be an origin: scheme, host and optional port, such as https://example.com", origin));
            }
        }
    }

    private sealed class WebSocketStartupCheck : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);

        public void BuildComponents(StartupContext context)
        {
            foreach (var handler in context.Declarations.WebSocketHandlers)
            {
                context.Components.Create(handler.Name, "WebSocket handler", handler.Factory);
            }
        }
    }
}
