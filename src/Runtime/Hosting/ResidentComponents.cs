namespace Resident.Hosting;

/// <summary>
/// The one place components are built from their generated factories. A class declared in several roles (say a
/// cleaner that is also a lifecycle hook) is built once and shared. A factory that throws is recorded with the
/// component's name and role, so the start-up checks report it beside every other problem.
/// </summary>
internal sealed class ResidentComponents(IServiceProvider services)
{
    private readonly Dictionary<string, object> _instances = new(StringComparer.Ordinal);
    private readonly List<Exception> _failures = [];

    /// <summary>The components that could not be built, one sentence each.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>The exceptions their factories threw.</summary>
    public IReadOnlyList<Exception> Failures => _failures;

    public Named<ICleaner>[] Cleaners { get; private set; } = [];

    public Named<IRequestReceivedHook>[] RequestReceivedHooks { get; private set; } = [];

    public Named<IResponseGeneratedHook>[] ResponseGeneratedHooks { get; private set; } = [];

    public (LifecycleEvent Event, Named<ILifecycleHook> Hook)[] LifecycleHooks { get; private set; } = [];

    /// <summary>Builds the cleaners, request hooks and lifecycle hooks.</summary>
    public void BuildServerComponents(ResidentDeclarations declarations)
    {
        Cleaners = Build(declarations.Cleaners, "cleaner");
        RequestReceivedHooks = Build(declarations.RequestReceivedHooks, "request hook");
        ResponseGeneratedHooks = Build(declarations.ResponseGeneratedHooks, "request hook");
        LifecycleHooks = [.. declarations.LifecycleHooks
            .Select(hook => (hook.Event, Hook: BuildNamed(hook.Declaration, "lifecycle hook")))
            .Where(hook => hook.Hook is not null)
            .Select(hook => (hook.Event, hook.Hook!.Value))];
    }

    /// <summary>The instance of the WebSocket handler class <paramref name="name"/>.</summary>
    public IWebSocketHandler WebSocketHandler(string name) => (IWebSocketHandler)_instances[name];

    /// <summary>
    /// Builds (or returns the already built instance of) the component <paramref name="name"/> in the given role;
    /// null, with the failure recorded, when its factory throws.
    /// </summary>
    public T? Create<T>(string name, string role, Func<IServiceProvider, T> factory) where T : class
    {
        if (_instances.TryGetValue(name, out var existing) && existing is T shared)
        {
            return shared;
        }

        try
        {
            var created = factory(services);
            _instances[name] = created;
            return created;
        }
        catch (Exception exception)
        {
            Errors.Add($"Resident could not create the {role} '{name}': {exception.Message}");
            _failures.Add(exception);
            return null;
        }
    }

    private Named<T>[] Build<T>(Declaration<T>[] declarations, string role) where T : class =>
        [.. declarations.Select(declaration => BuildNamed(declaration, role)).OfType<Named<T>>()];

    // The built component with the name it is logged under; null when its factory threw (recorded in Errors).
    private Named<T>? BuildNamed<T>(Declaration<T> declaration, string role) where T : class =>
        Create(declaration.Name, role, declaration.Factory) is { } instance ? new Named<T>(declaration.Name, instance) : null;
}

/// <summary>A component instance with the type name it is logged under.</summary>
internal readonly record struct Named<T>(string Name, T Instance);
