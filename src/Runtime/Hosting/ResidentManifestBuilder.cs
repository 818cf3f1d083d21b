using System.ComponentModel;

namespace Resident.Hosting;

/// <summary>
/// Collects the declarations that generated manifests describe. Generated code calls the <c>Add…</c>
/// methods; the host reads the ordered result.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class ResidentManifestBuilder
{
    private readonly List<Declaration<ICleaner>> _cleaners = [];
    private readonly List<LifecycleHookDeclaration> _lifecycleHooks = [];
    private readonly List<Declaration<IRequestReceivedHook>> _requestReceivedHooks = [];
    private readonly List<Declaration<IResponseGeneratedHook>> _responseGeneratedHooks = [];
    private readonly List<WebSocketHandlerDeclaration> _webSocketHandlers = [];
    private readonly List<Resident.Tables.TableDeclaration> _tables = [];

    // What the manifests contradict each other in (two handlers on one path…); reported by the start-up checks.
    private readonly List<string> _buildProblems = [];

    /// <summary>Declares a <see cref="CleanerAttribute">[Cleaner]</see>.</summary>
    /// <param name="name">The fully qualified type name; it orders cleaners of equal order and names the cleaner in logs.</param>
    /// <param name="order">The cleaner's <see cref="CleanerAttribute.Order"/>.</param>
    /// <param name="factory">Creates the cleaner, resolving constructor parameters from DI.</param>
    public void AddCleaner(string name, int order, Func<IServiceProvider, ICleaner> factory) =>
        _cleaners.Add(new(name, order, factory));

    /// <summary>Declares a <see cref="LifecycleHookAttribute">[LifecycleHook]</see> for one lifecycle event.</summary>
    public void AddLifecycleHook(string name, LifecycleEvent lifecycleEvent, int order, Func<IServiceProvider, ILifecycleHook> factory) =>
        _lifecycleHooks.Add(new(lifecycleEvent, new(name, order, factory)));

    /// <summary>Declares a <see cref="RequestHookAttribute">[RequestHook]</see> class that implements <see cref="IRequestReceivedHook"/>.</summary>
    public void AddRequestReceivedHook(string name, int order, Func<IServiceProvider, IRequestReceivedHook> factory) =>
        _requestReceivedHooks.Add(new(name, order, factory));

    /// <summary>Declares a <see cref="RequestHookAttribute">[RequestHook]</see> class that implements <see cref="IResponseGeneratedHook"/>.</summary>
    public void AddResponseGeneratedHook(string name, int order, Func<IServiceProvider, IResponseGeneratedHook> factory) =>
        _responseGeneratedHooks.Add(new(name, order, factory));

    /// <summary>Declares one path of a <see cref="WebSocketHandlerAttribute">[WebSocketHandler]</see> class.</summary>
    /// <param name="name">The fully qualified type name; one instance per name serves all of its paths.</param>
    /// <param name="path">The attribute's path.</param>
    /// <param name="subProtocols">The attribute's <see cref="WebSocketHandlerAttribute.SubProtocols"/>.</param>
    /// <param name="factory">Creates the handler, resolving constructor parameters from DI.</param>
    public void AddWebSocketHandler(string name, string path, string[] subProtocols, Func<IServiceProvider, IWebSocketHandler> factory) =>
        _webSocketHandlers.Add(new(name, path, subProtocols, factory));

    /// <summary>Declares a <see cref="SwooleTableAttribute">[SwooleTable]</see> row struct; its name and size are in its generated schema.</summary>
    /// <typeparam name="TRow">The row struct.</typeparam>
    public void AddTable<TRow>() where TRow : struct, ITableRow<TRow> =>
        _tables.Add(Resident.Tables.TableDeclaration.For<TRow>());

    /// <summary>The ordered declarations; a path that is not a path or a name used twice is left out and named in <c>Problems</c>.</summary>
    internal ResidentDeclarations Build() => new(
        Sorted(_cleaners),
        _lifecycleHooks
            .OrderBy(hook => hook.Declaration.Order)
            .ThenBy(hook => hook.Declaration.Name, StringComparer.Ordinal)
            .ToArray(),
        Sorted(_requestReceivedHooks),
        Sorted(_responseGeneratedHooks),
        CheckedWebSocketHandlers(),
        BuildBackground(),
        BuildSockets())
    {
        Tables = CheckedTables(),
        Problems = [.. _buildProblems],
    };

    private Resident.Tables.TableDeclaration[] CheckedTables()
    {
        var byName = new Dictionary<string, Resident.Tables.TableDeclaration>(StringComparer.Ordinal);
        foreach (var table in _tables.OrderBy(table => table.Name, StringComparer.Ordinal).ThenBy(table => table.RowType, StringComparer.Ordinal))
        {
            if (byName.TryGetValue(table.Name, out var first))
            {
                _buildProblems.Add(first.RowType == table.RowType
                    ? $"The table row {table.RowType} is declared twice."
                    : $"The tables {first.RowType} and {table.RowType} are both named '{table.Name}'; give each table its own name.");
                continue;
            }

            byName.Add(table.Name, table);
        }

        return [.. byName.Values];
    }

    private WebSocketHandlerDeclaration[] CheckedWebSocketHandlers()
    {
        var byPath = new Dictionary<string, WebSocketHandlerDeclaration>(StringComparer.OrdinalIgnoreCase);
        foreach (var handler in _webSocketHandlers.OrderBy(handler => handler.Path, StringComparer.Ordinal).ThenBy(handler => handler.Name, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(handler.Path) || handler.Path[0] != '/')
            {
                _buildProblems.Add($"The WebSocket handler {handler.Name} declares the path '{handler.Path}'; a path must start with '/', such as \"/ws\".");
                continue;
            }

            // Routing ignores case and a trailing slash, so "/ws", "/WS" and "/ws/" are one path.
            var key = handler.Path.Length > 1 ? handler.Path.TrimEnd('/') : handler.Path;
            if (byPath.TryGetValue(key, out var first))
            {
                _buildProblems.Add(first.Name == handler.Name
                    ? $"The WebSocket handler {handler.Name} declares the path '{handler.Path}' twice."
                    : $"The WebSocket handlers {first.Name} and {handler.Name} both declare the path '{handler.Path}'; give each handler its own path.");
                continue;
            }

            byPath.Add(key, handler);
        }

        return [.. byPath.Values];
    }

    internal static ResidentDeclarations Collect(IEnumerable<IResidentManifest> manifests)
    {
        var builder = new ResidentManifestBuilder();
        foreach (var manifest in manifests)
        {
            manifest.Describe(builder);
        }

        return builder.Build();
    }

    private static Declaration<T>[] Sorted<T>(List<Declaration<T>> declarations) where T : class =>
        declarations
            .OrderBy(declaration => declaration.Order)
            .ThenBy(declaration => declaration.Name, StringComparer.Ordinal)
            .ToArray();
}

/// <summary>One declared component: its type name, its order and the generated factory that builds it.</summary>
internal sealed record Declaration<T>(string Name, int Order, Func<IServiceProvider, T> Factory) where T : class;

internal sealed record LifecycleHookDeclaration(LifecycleEvent Event, Declaration<ILifecycleHook> Declaration);

/// <summary>One path of a WebSocket handler class.</summary>
internal sealed record WebSocketHandlerDeclaration(string Name, string Path, string[] SubProtocols, Func<IServiceProvider, IWebSocketHandler> Factory);

/// <summary>Every declaration of the app, each list already in run order (Order, then name).</summary>
internal sealed record ResidentDeclarations(
    Declaration<ICleaner>[] Cleaners,
    LifecycleHookDeclaration[] LifecycleHooks,
    Declaration<IRequestReceivedHook>[] RequestReceivedHooks,
    Declaration<IResponseGeneratedHook>[] ResponseGeneratedHooks,
    WebSocketHandlerDeclaration[] WebSocketHandlers,
    BackgroundDeclarations Background,
    SocketHandlerDeclaration[] Sockets)
{
    /// <summary>The <c>[SwooleTable]</c> row structs, ordered by table name.</summary>
    public Resident.Tables.TableDeclaration[] Tables { get; init; } = [];

    /// <summary>Declarations rejected at compile time or contradicting each other, one full sentence each; the start fails with them.</summary>
    public string[] Problems { get; init; } = [];
}
