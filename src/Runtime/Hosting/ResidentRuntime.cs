namespace Resident.Hosting;

/// <summary>The per-host view of the app's declarations: the ordered list, and the components once built.</summary>
internal sealed class ResidentRuntime(ResidentDeclarations declarations, IServiceProvider services)
{
    private readonly Lock _gate = new();
    private ResidentComponents? _components;

    /// <summary>The declarations of every manifest, ordered and checked.</summary>
    public ResidentDeclarations Declarations => declarations;

    /// <summary>Whether the WebSocket handlers have been mapped as endpoints.</summary>
    public bool WebSocketHandlersMapped { get; set; }

    /// <summary>The built components; built on first use, which the lifecycle service makes happen at start.</summary>
    public ResidentComponents Components => Volatile.Read(ref _components) ?? EnsureComponents();

    public ResidentComponents EnsureComponents()
    {
        lock (_gate)
        {
            return _components ??= new ResidentComponents(declarations, services);
        }
    }
}
