namespace Resident.Generators.Model;

// The specs are what the pipeline caches: plain records of strings, numbers and equatable arrays.
// No ISymbol, SyntaxNode, SemanticModel or Location may appear here (a test walks them to make sure).

/// <summary>How the generated factory obtains one constructor argument.</summary>
internal enum ArgumentSource
{
    /// <summary><c>GetRequiredService&lt;T&gt;()</c>.</summary>
    RequiredService,

    /// <summary><c>GetService&lt;T&gt;()</c>: the parameter is nullable with a null default.</summary>
    OptionalService,

    /// <summary>The service provider itself.</summary>
    ServiceProvider,

    /// <summary>Left out, so the parameter's own default applies (a value type, or a non-null default).</summary>
    DefaultValue,
}

/// <summary>A constructor argument: the parameter's name (escaped if a keyword), its fully qualified type (<c>global::…</c>) and where it comes from.</summary>
internal sealed record ArgumentSpec(string Name, string TypeName, ArgumentSource Source);

/// <summary>The constructor call the generated factory makes.</summary>
internal sealed record FactorySpec(string TypeName, ImmutableEquatableArray<ArgumentSpec> Arguments);

/// <summary>A <c>[Cleaner]</c> class.</summary>
internal sealed record CleanerSpec(string Name, int Order, FactorySpec Factory);

/// <summary>One <c>[LifecycleHook(event)]</c> attribute on a class; a class with several attributes has several specs.</summary>
internal sealed record LifecycleHookSpec(string Name, string EventName, int Order, FactorySpec Factory);

/// <summary>A <c>[RequestHook]</c> class and which of the two hook interfaces it implements.</summary>
internal sealed record RequestHookSpec(string Name, int Order, bool OnRequestReceived, bool OnResponseGenerated, FactorySpec Factory);

/// <summary>One <c>[WebSocketHandler(path)]</c> attribute on a class; a class serving several paths has several specs.</summary>
internal sealed record WebSocketHandlerSpec(string Name, string Path, ImmutableEquatableArray<string> SubProtocols, FactorySpec Factory);

/// <summary>
/// Facts about the compilation itself that the output needs: its name, whether it references the runtime, and the
/// marker types (fully qualified) of referenced assemblies that carry manifests of their own.
/// </summary>
internal sealed record CompilationSpec(string AssemblyName, bool ReferencesRuntime, ImmutableEquatableArray<string> ReferencedManifests);

/// <summary>Everything one assembly's <c>ResidentManifest</c> lists.</summary>
internal sealed record ManifestSpec(
    string AssemblyName,
    ImmutableEquatableArray<string> ReferencedManifests,
    ImmutableEquatableArray<CleanerSpec> Cleaners,
    ImmutableEquatableArray<LifecycleHookSpec> LifecycleHooks,
    ImmutableEquatableArray<RequestHookSpec> RequestHooks,
    ImmutableEquatableArray<WebSocketHandlerSpec> WebSocketHandlers)
{
    /// <summary>The <c>[SwooleTable]</c> row structs (fully qualified), ordered.</summary>
    public ImmutableEquatableArray<string> Tables { get; init; } = ImmutableEquatableArray<string>.Empty;
}
