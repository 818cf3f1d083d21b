namespace Resident.Hosting;

public sealed partial class ResidentManifestBuilder
{
    private readonly List<SocketHandlerDeclaration> _sockets = [];

    /// <summary>Declares a <see cref="SocketHandlerAttribute">[SocketHandler]</see> class.</summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="settings">The attribute as written on the class.</param>
    /// <param name="tcp">Whether the class implements <see cref="ITcpHandler"/>.</param>
    /// <param name="udp">Whether the class implements <see cref="IUdpHandler"/>.</param>
    /// <param name="factory">Creates the handler, resolving constructor parameters from DI.</param>
    public void AddSocketHandler(string name, SocketHandlerAttribute settings, bool tcp, bool udp, Func<IServiceProvider, object> factory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var kind = (tcp ? SocketHandlerKind.Tcp : 0) | (udp ? SocketHandlerKind.Udp : 0);
        _sockets.Add(new SocketHandlerDeclaration(name, settings, kind, factory));
    }

    private SocketHandlerDeclaration[] BuildSockets() => [.. _sockets.OrderBy(socket => socket.Settings.Name, StringComparer.Ordinal).ThenBy(socket => socket.Name, StringComparer.Ordinal)];
}

/// <summary>Which handler interfaces a socket handler class implements.</summary>
[Flags]
internal enum SocketHandlerKind
{
    Tcp = 1,
    Udp = 2,
}

internal sealed record SocketHandlerDeclaration(string Name, SocketHandlerAttribute Settings, SocketHandlerKind Handler, Func<IServiceProvider, object> Factory);
