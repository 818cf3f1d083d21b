using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Sockets;

/// <summary>The extra-ports feature: the <c>Resident:Sockets:{name}</c> overrides, their checks against the declarations, and the handlers.</summary>
internal static class SocketFeature
{
    public static void AddSockets(IServiceCollection services)
    {
        services.AddSingleton<SocketServer>();
        services.AddSingleton<ISocketPorts>(provider => provider.GetRequiredService<SocketServer>());
        services.AddResidentSection(Bind, provider => new SocketStartupCheck(provider.GetRequiredService<SocketServer>()));
    }

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        foreach (var (name, port, prefix) in Entries(section, nameof(ResidentOptions.Sockets)))
        {
            var socket = options.Sockets.TryGetValue(name, out var existing) ? existing : options.Sockets[name] = new SocketOptions();
            ReadBool(port, nameof(SocketOptions.Enabled), errors, value => socket.Enabled = value, prefix);
            ReadString(port, nameof(SocketOptions.Host), value => socket.Host = value);
            ReadInt(port, nameof(SocketOptions.Port), errors, value => socket.Port = value, prefix);
            ReadEnum<PortType>(port, nameof(SocketOptions.Type), errors, value => socket.Type = value, prefix);
            ReadEnum<SocketFraming>(port, nameof(SocketOptions.Framing), errors, value => socket.Framing = value, prefix);
            ReadString(port, nameof(SocketOptions.PackageEof), value => socket.PackageEof = value);
            ReadInt(port, nameof(SocketOptions.LengthOffset), errors, value => socket.LengthOffset = value, prefix);
            ReadInt(port, nameof(SocketOptions.LengthSize), errors, value => socket.LengthSize = value, prefix);
            ReadBool(port, nameof(SocketOptions.LengthBigEndian), errors, value => socket.LengthBigEndian = value, prefix);
            ReadInt(port, nameof(SocketOptions.BodyOffset), errors, value => socket.BodyOffset = value, prefix);
            ReadInt(port, nameof(SocketOptions.FixedSize), errors, value => socket.FixedSize = value, prefix);
            ReadInt(port, nameof(SocketOptions.PackageMaxLength), errors, value => socket.PackageMaxLength = value, prefix);
        }
    }

    // The port settings are checked against the attribute they override, so all their checks are declaration checks.
    private sealed class SocketStartupCheck(SocketServer server) : IStartupCheck
    {
        public void CheckDeclarations(StartupContext context) =>
            server.Prepare(context.Declarations.Sockets, context.Options, context.Errors);

        public void BuildComponents(StartupContext context) => server.Build(context.Components);
    }
}
