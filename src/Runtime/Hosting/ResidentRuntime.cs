namespace Resident.Hosting;

/// <summary>The per-host view of the app's declarations: the ordered list, and the components once built.</summary>
internal sealed class ResidentRuntime(ResidentDeclarations declarations, IServiceProvider services)
{
    private ResidentComponents? _components;

    /// <summary>The declarations of every manifest, ordered; their problems are reported by the start-up checks.</summary>
    public ResidentDeclarations Declarations => declarations;

    /// <summary>Whether the WebSocket handlers have been mapped as endpoints.</summary>
    public bool WebSocketHandlersMapped { get; set; }

    /// <summary>The built components; the start-up checks build them before anything is served.</summary>
    public ResidentComponents Components => Volatile.Read(ref _components)
        ?? throw new InvalidOperationException("Resident's components are built when the host starts; start the app before serving.");

    /// <summary>The built components, or null before the start-up checks have passed.</summary>
    public ResidentComponents? BuiltComponents => Volatile.Read(ref _components);

    /// <summary>A fresh, empty set of components for the start-up checks to build.</summary>
    public ResidentComponents CreateComponents() => new(services);

    /// <summary>Publishes the components the start-up checks built without a problem.</summary>
    public void UseComponents(ResidentComponents components) => Volatile.Write(ref _components, components);
}
