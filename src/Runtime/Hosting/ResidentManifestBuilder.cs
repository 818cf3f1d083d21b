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
    private readonly List<(string Name, string Problem)> _problems = [];

    /// <summary>Declares a <see cref="CleanerAttribute">[Cleaner]</see>.</summary>
    /// <param name="name">The fully qualified type name; it orders cleaners of equal order and names the cleaner in logs.</param>
    /// <param name="attribute">The attribute as written on the class.</param>
    /// <param name="factory">Creates the cleaner, resolving constructor parameters from DI.</param>
    public void AddCleaner(string name, CleanerAttribute attribute, Func<IServiceProvider, ICleaner> factory)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _cleaners.Add(new(name, attribute.Order, factory));
    }

    /// <summary>Declares one <see cref="LifecycleHookAttribute">[LifecycleHook]</see> of a class (a class observing several events has several).</summary>
    /// <param name="name">The fully qualified type name; one instance per name serves all of its events.</param>
    /// <param name="attribute">The attribute as written on the class.</param>
    /// <param name="factory">Creates the hook, resolving constructor parameters from DI.</param>
    public void AddLifecycleHook(string name, LifecycleHookAttribute attribute, Func<IServiceProvider, ILifecycleHook> factory)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _lifecycleHooks.Add(new(attribute.Event, new(name, attribute.Order, factory)));
    }

    /// <summary>Declares a <see cref="RequestHookAttribute">[RequestHook]</see> class that implements <see cref="IRequestReceivedHook"/>.</summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="attribute">The attribute as written on the class.</param>
    /// <param name="factory">Creates the hook, resolving constructor parameters from DI.</param>
    public void AddRequestReceivedHook(string name, RequestHookAttribute attribute, Func<IServiceProvider, IRequestReceivedHook> factory)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _requestReceivedHooks.Add(new(name, attribute.Order, factory));
    }

    /// <summary>Declares a <see cref="RequestHookAttribute">[RequestHook]</see> class that implements <see cref="IResponseGeneratedHook"/>.</summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="attribute">The attribute as written on the class.</param>
    /// <param name="factory">Creates the hook, resolving constructor parameters from DI.</param>
    public void AddResponseGeneratedHook(string name, RequestHookAttribute attribute, Func<IServiceProvider, IResponseGeneratedHook> factory)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _responseGeneratedHooks.Add(new(name, attribute.Order, factory));
    }

    /// <summary>Declares one path of a <see cref="WebSocketHandlerAttribute">[WebSocketHandler]</see> class.</summary>
    /// <param name="name">The fully qualified type name; one instance per name serves all of its paths.</param>
    /// <param name="attribute">The attribute as written on the class: its path and sub-protocols.</param>
    /// <param name="factory">Creates the handler, resolving constructor parameters from DI.</param>
    public void AddWebSocketHandler(string name, WebSocketHandlerAttribute attribute, Func<IServiceProvider, IWebSocketHandler> factory)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        // A null sub-protocol (written as null! in the attribute) names nothing: left out.
        string[] subProtocols = [.. (attribute.SubProtocols ?? []).Where(subProtocol => subProtocol is not null)];
        _webSocketHandlers.Add(new(name, attribute.Path ?? "", subProtocols, factory));
    }

    /// <summary>
    /// Records why a declaration of <paramref name="name"/> was left out of the manifest (the generator found it invalid).
    /// The start fails with every problem at once, so an app never runs without a declaration it wrote.
    /// </summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="problem">The problem as a sentence naming the declaration.</param>
    public void AddProblem(string name, string problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        _problems.Add((name ?? "", problem));
    }

    /// <summary>Declares a <see cref="SwooleTableAttribute">[SwooleTable]</see> row struct; its name and size are in its generated schema.</summary>
    /// <typeparam name="TRow">The row struct.</typeparam>
    public void AddTable<TRow>() where TRow : struct, ITableRow<TRow> =>
        _tables.Add(Resident.Tables.TableDeclaration.For<TRow>());

    /// <summary>
    /// The declarations in run order. Nothing throws here: a rejected declaration, a WebSocket path that is not a
    /// path, and two handlers or tables sharing a path or name are listed in <see cref="ResidentDeclarations.Problems"/>,
    /// for the start to report together with every other error.
    /// </summary>
    internal ResidentDeclarations Build()
    {
        var problems = new List<string>();
        var webSocketHandlers = CheckedWebSocketHandlers(problems);
        var tables = CheckedTables(problems);
        return new(
            Sorted(_cleaners),
            _lifecycleHooks
                .OrderBy(hook => hook.Declaration.Order)
                .ThenBy(hook => hook.Declaration.Name, StringComparer.Ordinal)
                .ToArray(),
            Sorted(_requestReceivedHooks),
            Sorted(_responseGeneratedHooks),
            webSocketHandlers,
            BuildBackground(),
            BuildSockets())
        {
            Tables = tables,
            Problems =
            [
                .. _problems
                    .OrderBy(problem => problem.Name, StringComparer.Ordinal)
                    .ThenBy(problem => problem.Problem, StringComparer.Ordinal)
                    .Select(problem => problem.Problem)
                    .Distinct(StringComparer.Ordinal),
                .. problems,
            ],
        };
    }

    private Resident.Tables.TableDeclaration[] CheckedTables(List<string> problems)
    {
        var byName = new Dictionary<string, Resident.Tables.TableDeclaration>(StringComparer.Ordinal);
        foreach (var table in _tables.OrderBy(table => table.Name, StringComparer.Ordinal).ThenBy(table => table.RowType, StringComparer.Ordinal))
        {
            if (byName.TryGetValue(table.Name, out var first))
            {
                problems.Add(first.RowType == table.RowType
                    ? $"The table row {table.RowType} is declared twice."
                    : $"The tables {first.RowType} and {table.RowType} are both named '{table.Name}'; give each table its own name.");
                continue;
            }

            byName.Add(table.Name, table);
        }

        return [.. byName.Values];
    }

    private WebSocketHandlerDeclaration[] CheckedWebSocketHandlers(List<string> problems)
    {
        var byPath = new Dictionary<string, WebSocketHandlerDeclaration>(StringComparer.OrdinalIgnoreCase);
        foreach (var handler in _webSocketHandlers.OrderBy(handler => handler.Path, StringComparer.Ordinal).ThenBy(handler => handler.Name, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(handler.Path) || handler.Path[0] != '/')
            {
                problems.Add($"The WebSocket handler {handler.Name} declares the path '{handler.Path}'; a path must start with '/', such as \"/ws\".");
                continue;
            }

            // Routing ignores case and a trailing slash, so "/ws", "/WS" and "/ws/" are one path.
            var key = handler.Path.Length > 1 ? handler.Path.TrimEnd('/') : handler.Path;
            if (byPath.TryGetValue(key, out var first))
            {
                problems.Add(first.Name == handler.Name
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

    /// <summary>
    /// Why declarations were left out or cannot be served (a rejected declaration, a duplicate WebSocket path or table
    /// name), one sentence each. The start reports them all, together with configuration errors, and does not serve.
    /// </summary>
    public string[] Problems { get; init; } = [];
}
