namespace Resident.Hosting;

/// <summary>
/// The app's declared components, built once per host by their generated factories. A class declared in several
/// roles (say a cleaner that is also a lifecycle hook) is built once and shared.
/// </summary>
internal sealed class ResidentComponents
{
    private readonly Dictionary<string, object> _instances = new(StringComparer.Ordinal);
    private readonly IServiceProvider _services;

    public ResidentComponents(ResidentDeclarations declarations, IServiceProvider services)
    {
        _services = services;
        Cleaners = Build(declarations.Cleaners, "cleaner");
        RequestReceivedHooks = Build(declarations.RequestReceivedHooks, "request hook");
        ResponseGeneratedHooks = Build(declarations.ResponseGeneratedHooks, "request hook");
        LifecycleHooks = [.. declarations.LifecycleHooks.Select(hook =>
            (hook.Event, Build([hook.Declaration], "lifecycle hook")[0]))];
        foreach (var handler in declarations.WebSocketHandlers)
        {
            Instance(new Declaration<IWebSocketHandler>(handler.Name, 0, handler.Factory), "WebSocket handler");
        }
    }

    /// <summary>The instance of the WebSocket handler class <paramref name="name"/>.</summary>
    public IWebSocketHandler WebSocketHandler(string name) => (IWebSocketHandler)_instances[name];

    public Named<ICleaner>[] Cleaners { get; }

    public Named<IRequestReceivedHook>[] RequestReceivedHooks { get; }

    public Named<IResponseGeneratedHook>[] ResponseGeneratedHooks { get; }

    public (LifecycleEvent Event, Named<ILifecycleHook> Hook)[] LifecycleHooks { get; }

    private Named<T>[] Build<T>(Declaration<T>[] declarations, string role) where T : class =>
        [.. declarations.Select(declaration => new Named<T>(declaration.Name, Instance(declaration, role)))];

    private T Instance<T>(Declaration<T> declaration, string role) where T : class
    {
        if (_instances.TryGetValue(declaration.Name, out var existing) && existing is T shared)
        {
            return shared;
        }

        T created;
        try
        {
            created = declaration.Factory(_services);
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException(
                $"Resident could not create the {role} '{declaration.Name}': {exception.Message}", exception);
        }

        _instances[declaration.Name] = created;
        return created;
    }
}

/// <summary>A component instance with the type name it is logged under.</summary>
internal readonly record struct Named<T>(string Name, T Instance);
