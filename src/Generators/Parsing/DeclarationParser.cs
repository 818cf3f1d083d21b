using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Model;

namespace Resident.Generators.Parsing;

/// <summary>
/// Turns the symbols <c>ForAttributeWithMetadataName</c> found into specs. A class with the wrong shape yields
/// nothing: the generator stays silent and the analyzer explains.
/// </summary>
internal static class DeclarationParser
{
    private static readonly string[] CleanerInterfaces = { KnownNames.Cleaner };
    private static readonly string[] LifecycleHookInterfaces = { KnownNames.LifecycleHook };
    private static readonly string[] RequestHookInterfaces = { KnownNames.RequestReceivedHook, KnownNames.ResponseGeneratedHook };
    private static readonly string[] WebSocketHandlerInterfaces = { KnownNames.WebSocketHandler };

    public static CleanerSpec? ParseCleaner(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Factory(context.TargetSymbol, CleanerInterfaces) is not { } factory)
        {
            return null;
        }

        return new CleanerSpec(Name(context.TargetSymbol), Order(context.Attributes[0]), factory);
    }

    public static ImmutableEquatableArray<LifecycleHookSpec> ParseLifecycleHooks(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Factory(context.TargetSymbol, LifecycleHookInterfaces) is not { } factory)
        {
            return ImmutableEquatableArray<LifecycleHookSpec>.Empty;
        }

        var hooks = new List<LifecycleHookSpec>();
        foreach (var attribute in context.Attributes)
        {
            if (attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is int value
                && value >= 0 && value < KnownNames.LifecycleEvents.Length)
            {
                hooks.Add(new LifecycleHookSpec(Name(context.TargetSymbol), KnownNames.LifecycleEvents[value], Order(attribute), factory));
            }
        }

        return hooks.ToImmutableEquatableArray();
    }

    public static RequestHookSpec? ParseRequestHook(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || Factory(type, RequestHookInterfaces) is not { } factory)
        {
            return null;
        }

        return new RequestHookSpec(
            Name(type),
            Order(context.Attributes[0]),
            DeclarationShape.Implements(type, KnownNames.RequestReceivedHook),
            DeclarationShape.Implements(type, KnownNames.ResponseGeneratedHook),
            factory);
    }

    public static ImmutableEquatableArray<WebSocketHandlerSpec> ParseWebSocketHandlers(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Factory(context.TargetSymbol, WebSocketHandlerInterfaces) is not { } factory)
        {
            return ImmutableEquatableArray<WebSocketHandlerSpec>.Empty;
        }

        var handlers = new List<WebSocketHandlerSpec>();
        foreach (var attribute in context.Attributes)
        {
            // A path that is not a path (null included, as "") is listed all the same: the runtime rejects it at
            // start naming the class, rather than the handler silently never serving. An argument that does not
            // bind (a number) leaves nothing to list; the compiler reports that one.
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0] is { Kind: TypedConstantKind.Primitive or TypedConstantKind.Error } argument
                && (argument.Value is string || argument.IsNull))
            {
                handlers.Add(new WebSocketHandlerSpec(Name(context.TargetSymbol), argument.Value as string ?? "", SubProtocols(attribute), factory));
            }
        }

        return handlers.ToImmutableEquatableArray();
    }

    private static ImmutableEquatableArray<string> SubProtocols(AttributeData attribute)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "SubProtocols" && argument.Value.Kind == TypedConstantKind.Array && !argument.Value.IsNull)
            {
                return argument.Value.Values.Select(value => value.Value as string).OfType<string>().ToImmutableEquatableArray();
            }
        }

        return ImmutableEquatableArray<string>.Empty;
    }

    public static CompilationSpec ParseCompilation(Compilation compilation, CancellationToken cancellationToken)
    {
        var referencesRuntime = compilation.GetTypeByMetadataName(KnownNames.Manifest) is not null;
        var manifests = new List<string>();
        if (referencesRuntime)
        {
            // Referenced assemblies with Resident declarations: their manifests register when their module
            // initializer runs, which the JIT would otherwise delay until something touches the assembly.
            foreach (var reference in compilation.References)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly
                    && assembly.GetTypeByMetadataName(KnownNames.GeneratedNamespace + "." + KnownNames.ManifestMarker(assembly.Name)) is { DeclaredAccessibility: Accessibility.Public } marker)
                {
                    manifests.Add(marker.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                }
            }
        }

        manifests.Sort(System.StringComparer.Ordinal);
        return new(compilation.AssemblyName ?? "", referencesRuntime, manifests.ToImmutableEquatableArray());
    }

    private static FactorySpec? Factory(ISymbol symbol, string[] interfaces)
    {
        if (symbol is not INamedTypeSymbol type
            || DeclarationShape.Check(type, interfaces, out var constructor) != ShapeProblem.None
            || constructor is null)
        {
            return null;
        }

        var arguments = constructor.Parameters.Select(parameter => new ArgumentSpec(
            Identifier(parameter.Name),
            TypeName(parameter.Type),
            Source(parameter)));
        return new FactorySpec(TypeName(type), arguments.ToImmutableEquatableArray());
    }

    private static ArgumentSource Source(IParameterSymbol parameter)
    {
        if (parameter.Type.ToDisplayString() == "System.IServiceProvider")
        {
            return ArgumentSource.ServiceProvider;
        }

        if (!parameter.HasExplicitDefaultValue)
        {
            return ArgumentSource.RequiredService;
        }

        // A reference parameter defaulting to null is an optional service, as ActivatorUtilities treats it; any
        // other default (a number, a string, a nullable value type) is not a service: the default applies.
        return parameter.ExplicitDefaultValue is null && !parameter.Type.IsValueType
            ? ArgumentSource.OptionalService
            : ArgumentSource.DefaultValue;
    }

    private static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    private static int Order(AttributeData attribute)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Order" && argument.Value.Value is int order)
            {
                return order;
            }
        }

        return 0;
    }

    private static string Name(ISymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    private static string TypeName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
}
