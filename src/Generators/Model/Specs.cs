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

/// <summary>
/// Facts about the compilation itself that the output needs: its name, whether it references the runtime, and the
/// marker types (fully qualified) of referenced assemblies that carry manifests of their own.
/// </summary>
internal sealed record CompilationSpec(string AssemblyName, bool ReferencesRuntime, ImmutableEquatableArray<string> ReferencedManifests);

/// <summary>Everything one assembly's <c>ResidentManifest</c> lists: every kind's declarations in one ordered sequence.</summary>
internal sealed record ManifestSpec(
    string AssemblyName,
    ImmutableEquatableArray<string> ReferencedManifests,
    ImmutableEquatableArray<Resident.Generators.Declarations.DeclarationSpec> Declarations);

/// <summary>How a payload type is written and read: a codec, or the sentence saying why there is none.</summary>
internal sealed record PayloadSpec(PayloadCodecSpec? Codec, string? Problem)
{
    /// <summary>The member the problem is about, when it is about one (the analyzer reports it there).</summary>
    public string? ProblemMember { get; init; }
}

/// <summary>
/// The generated JSON codec of a payload type: its members in writing order, and how an instance is built from them.
/// </summary>
/// <param name="TypeName">The payload type, fully qualified (<c>global::…</c>).</param>
/// <param name="DisplayName">The payload type as messages name it.</param>
/// <param name="Members">Every member written and read back.</param>
/// <param name="ConstructorArguments">Indexes into <paramref name="Members"/>, in the order of the constructor's parameters.</param>
internal sealed record PayloadCodecSpec(string TypeName, string DisplayName, ImmutableEquatableArray<PayloadMemberSpec> Members, ImmutableEquatableArray<int> ConstructorArguments);

/// <summary>One payload member: a public property written as <paramref name="JsonName"/> and read back by <paramref name="Assignment"/>.</summary>
/// <param name="Name">The property name, escaped with '@' when a keyword.</param>
/// <param name="JsonName">The property name in camelCase.</param>
/// <param name="TypeName">The member type, fully qualified.</param>
/// <param name="Collection">Whether the member is a list of <paramref name="Value"/>, and which.</param>
/// <param name="Value">The member's value (or its elements').</param>
/// <param name="DefaultValue">For a constructor parameter with a default, that default as a C# expression; otherwise null.</param>
internal sealed record PayloadMemberSpec(string Name, string JsonName, string TypeName, PayloadCollection Collection, PayloadValueSpec Value, PayloadAssignment Assignment, string? DefaultValue);

/// <summary>A value the generated JSON supports.</summary>
/// <param name="TypeName">The value type, fully qualified; for a nullable value type the <c>T?</c> form.</param>
/// <param name="Nullable">A <c>Nullable&lt;T&gt;</c> of <paramref name="Kind"/>.</param>
/// <param name="EnumUnderlying">For an enum, the kind of its underlying integer type.</param>
internal sealed record PayloadValueSpec(PayloadValueKind Kind, string TypeName, bool Nullable, PayloadValueKind EnumUnderlying);

internal enum PayloadValueKind
{
    String,
    Boolean,
    Byte,
    SByte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Single,
    Double,
    Decimal,
    Char,
    Guid,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    Enum,
    Bytes,
}

/// <summary>Whether a member is a single value or a JSON array read into a list.</summary>
internal enum PayloadCollection
{
    /// <summary>A single value.</summary>
    None,

    /// <summary><c>T[]</c>: read into a list, then <c>ToArray()</c>.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c> or an interface it implements: the list itself.</summary>
    List,
}

/// <summary>How the codec gives a member its value when reading.</summary>
internal enum PayloadAssignment
{
    /// <summary>A constructor argument.</summary>
    Constructor,

    /// <summary>A <c>required</c> member: always in the object initializer.</summary>
    Required,

    /// <summary>An <c>init</c> accessor: in the object initializer, keeping the instance's own default when the JSON lacks it.</summary>
    Init,

    /// <summary>A public setter: assigned after construction when the JSON has it.</summary>
    Setter,
}
