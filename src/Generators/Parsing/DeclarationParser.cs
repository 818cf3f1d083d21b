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
    private static readonly string[] BackgroundTaskInterfaces = { KnownNames.BackgroundTask };
    private static readonly string[] EventListenerInterfaces = { KnownNames.EventListener };
    private static readonly string[] CronJobInterfaces = { KnownNames.CronJob };
    private static readonly string[] CustomProcessInterfaces = { KnownNames.CustomProcess };
    private static readonly string[] SocketHandlerInterfaces = { KnownNames.TcpHandler, KnownNames.UdpHandler };
    private static readonly string[] NoInterfaces = { };

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

    public static BackgroundTaskSpec? ParseBackgroundTask(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || DeclarationShape.CheckType(type, BackgroundTaskInterfaces) != ShapeProblem.None)
        {
            return null;
        }

        return new BackgroundTaskSpec(Name(type), TypeName(type), Retry(context.Attributes[0]), HasFinish(type), PayloadParser.Parse(type, cancellationToken));
    }

    public static AsyncEventSpec? ParseAsyncEvent(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || DeclarationShape.CheckType(type, NoInterfaces) != ShapeProblem.None)
        {
            return null;
        }

        return new AsyncEventSpec(Name(type), TypeName(type), PayloadParser.Parse(type, cancellationToken));
    }

    public static EventListenerSpec? ParseEventListener(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (context.TargetSymbol is not INamedTypeSymbol type || Factory(type, EventListenerInterfaces) is not { } factory)
        {
            return null;
        }

        // The event type comes from the one IEventListener<TEvent> the class implements; with two, which events it
        // listens to is not one type, so it is left out (the analyzer explains).
        var listened = type.AllInterfaces.Where(candidate => DeclarationShape.IsInterface(candidate, KnownNames.EventListener)).ToArray();
        if (listened.Length != 1
            || listened[0].TypeArguments.Length != 1
            || listened[0].TypeArguments[0] is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Interface } eventType
            || !DeclarationShape.IsReachableFromGeneratedCode(eventType))
        {
            return null;
        }

        var attribute = context.Attributes[0];
        return new EventListenerSpec(Name(type), TypeName(eventType), Order(attribute), Retry(attribute), factory);
    }

    public static CronJobSpec? ParseCronJob(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var attribute = context.Attributes[0];
        if (context.TargetSymbol is not INamedTypeSymbol type
            || Factory(type, CronJobInterfaces) is not { } factory
            || attribute.ConstructorArguments.Length != 1)
        {
            return null;
        }

        // Either constructor; the values go to the runtime as written, which validates them at start.
        var argument = attribute.ConstructorArguments[0];
        int interval;
        string? expression;
        if (argument.Value is int milliseconds)
        {
            interval = milliseconds;
            expression = null;
        }
        else if (argument.Value is string || argument.IsNull)
        {
            interval = 0;
            expression = argument.Value as string;
        }
        else
        {
            return null;
        }

        return new CronJobSpec(
            Name(type),
            Named<string>(attribute, "Name") ?? type.Name,
            interval,
            expression,
            Named<string>(attribute, "TimeZone"),
            Named<bool>(attribute, "Immediate"),
            Named<bool>(attribute, "AllowOverlap"),
            factory);
    }

    public static CustomProcessSpec? ParseCustomProcess(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var attribute = context.Attributes[0];
        if (context.TargetSymbol is not INamedTypeSymbol type
            || Factory(type, CustomProcessInterfaces) is not { } factory
            || NameArgument(attribute) is not { } name)
        {
            return null;
        }

        return new CustomProcessSpec(
            Name(type),
            name,
            Named<int?>(attribute, "Num") ?? 1,
            Named<int?>(attribute, "RestartInterval") ?? 5,
            factory);
    }

    public static SocketHandlerSpec? ParseSocketHandler(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var attribute = context.Attributes[0];
        if (context.TargetSymbol is not INamedTypeSymbol type
            || Factory(type, SocketHandlerInterfaces) is not { } factory
            || NameArgument(attribute) is not { } name)
        {
            return null;
        }

        // The named arguments are passed on as written; the attribute's own defaults fill the rest at run time.
        var settings = new List<SocketSettingSpec>();
        foreach (var named in attribute.NamedArguments)
        {
            var value = named.Value;
            string? expression = value.Kind switch
            {
                TypedConstantKind.Enum when value.Type is { } enumType && value.Value is { } number =>
                    $"({enumType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)})({System.Convert.ToString(number, System.Globalization.CultureInfo.InvariantCulture)})",
                TypedConstantKind.Primitive when value.Value is string text => Resident.Generators.Emitting.CSharpLiteral.String(text),
                TypedConstantKind.Primitive when value.Value is bool flag => flag ? "true" : "false",
                TypedConstantKind.Primitive when value.Value is int number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                TypedConstantKind.Primitive when value.IsNull => "null",
                _ => null,
            };

            if (expression is not null)
            {
                settings.Add(new SocketSettingSpec(named.Key, expression));
            }
        }

        return new SocketHandlerSpec(
            Name(type),
            name,
            settings.ToImmutableEquatableArray(),
            DeclarationShape.Implements(type, KnownNames.TcpHandler),
            DeclarationShape.Implements(type, KnownNames.UdpHandler),
            factory);
    }

    // The one constructor argument of a named declaration ([CustomProcess("name")], [SocketHandler("name")]). A null
    // name is listed as "" so the runtime fails the start naming the class; an argument that does not bind lists nothing.
    private static string? NameArgument(AttributeData attribute) =>
        attribute.ConstructorArguments.Length == 1
        && attribute.ConstructorArguments[0] is { Kind: TypedConstantKind.Primitive or TypedConstantKind.Error } argument
        && (argument.Value is string || argument.IsNull)
            ? argument.Value as string ?? ""
            : null;

    // The defaults are the attributes' own (BackgroundTaskAttribute and EventListenerAttribute agree).
    private static RetrySpec Retry(AttributeData attribute) => new(
        Named<int?>(attribute, "Tries") ?? 1,
        Named<int?>(attribute, "Backoff") ?? 2,
        Named<int?>(attribute, "BackoffMilliseconds") ?? 100,
        Named<int?>(attribute, "MaxBackoffMilliseconds") ?? 60_000);

    // Whether the task declares FinishAsync itself (or a base class does), rather than inheriting the interface's default.
    private static bool HasFinish(INamedTypeSymbol type)
    {
        foreach (var candidate in type.AllInterfaces)
        {
            if (!DeclarationShape.IsInterface(candidate, KnownNames.BackgroundTask))
            {
                continue;
            }

            foreach (var member in candidate.GetMembers("FinishAsync"))
            {
                if (member is IMethodSymbol { Parameters.Length: 1 } finish
                    && finish.Parameters[0].Type.ToDisplayString() == KnownNames.TaskContext
                    && type.FindImplementationForInterfaceMember(finish) is IMethodSymbol implementation
                    && implementation.ContainingType.TypeKind != TypeKind.Interface)
                {
                    return true;
                }
            }
        }

        return false;
    }

    // A named argument's value when it has the type asked for (an enum comes as its underlying int).
    private static T? Named<T>(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is T value)
            {
                return value;
            }
        }

        return default;
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

    public static string Identifier(string name) =>
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

    public static string Name(ISymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    public static string TypeName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
}
