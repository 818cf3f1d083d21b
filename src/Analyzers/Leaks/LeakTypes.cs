using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Resident.Analyzers.Leaks;

/// <summary>
/// The framework and Resident types the leak rules recognise, resolved once per compilation. Types an app may not
/// reference (MVC, SignalR, Razor Pages, Resident kinds that do not exist yet) are simply null or left out.
/// </summary>
internal sealed class LeakTypes
{
    private readonly ConcurrentDictionary<INamedTypeSymbol, HandlerKind> _kinds = new(SymbolEqualityComparer.Default);

    private LeakTypes(Compilation compilation, INamedTypeSymbol? httpContext)
    {
        Compilation = compilation;
        INamedTypeSymbol? Get(string name) => compilation.GetTypeByMetadataName(name);

        HttpContext = httpContext;
        Task = Get("System.Threading.Tasks.Task");
        TaskOfT = Get("System.Threading.Tasks.Task`1");
        ValueTask = Get("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = Get("System.Threading.Tasks.ValueTask`1");
        Interlocked = Get("System.Threading.Interlocked");
        Volatile = Get("System.Threading.Volatile");
        LazyInitializer = Get("System.Threading.LazyInitializer");
        Thread = Get("System.Threading.Thread");
        Environment = Get("System.Environment");
        Console = Get("System.Console");
        Process = Get("System.Diagnostics.Process");
        ThreadStatic = Get("System.ThreadStaticAttribute");
        StringBuilder = Get("System.Text.StringBuilder");
        Enumerable = Get("System.Collections.IEnumerable");
        Disposable = Get("System.IDisposable");
        AsyncDisposable = Get("System.IAsyncDisposable");

        FlowLocal = Set(Get("System.Threading.AsyncLocal`1"), Get("System.Threading.ThreadLocal`1"), Get("System.Lazy`1"), Get("System.Lazy`2"));
        RequestState = Set(
            HttpContext,
            Get("Microsoft.AspNetCore.Http.HttpRequest"),
            Get("Microsoft.AspNetCore.Http.HttpResponse"),
            Get("System.Security.Claims.ClaimsPrincipal"));

        ControllerBase = Get("Microsoft.AspNetCore.Mvc.ControllerBase");
        ControllerAttributes = Set(Get("Microsoft.AspNetCore.Mvc.ApiControllerAttribute"), Get("Microsoft.AspNetCore.Mvc.ControllerAttribute"));
        NonAction = Get("Microsoft.AspNetCore.Mvc.NonActionAttribute");
        PageModel = Get("Microsoft.AspNetCore.Mvc.RazorPages.PageModel");
        ViewComponent = Get("Microsoft.AspNetCore.Mvc.ViewComponent");
        ViewComponentAttribute = Get("Microsoft.AspNetCore.Mvc.ViewComponentAttribute");
        Component = Get("Microsoft.AspNetCore.Components.ComponentBase");
        AuthorizationHandler = Get("Microsoft.AspNetCore.Authorization.AuthorizationHandler`1");
        GrpcBindServiceMethod = Get("Grpc.Core.BindServiceMethodAttribute");
        Hubs = Set(Get("Microsoft.AspNetCore.SignalR.Hub"), Get("Microsoft.AspNetCore.SignalR.Hub`1"));
        Middleware = Get("Microsoft.AspNetCore.Http.IMiddleware");
        HostedService = Get("Microsoft.Extensions.Hosting.IHostedService");

        // Per-request and per-connection callbacks: the interface and the names of its callback methods.
        var callbacks = ImmutableArray.CreateBuilder<(INamedTypeSymbol, ImmutableHashSet<string>?)>();
        void Callbacks(string name, params string[] methods)
        {
            if (Get(name) is { } type)
            {
                callbacks.Add((type, methods.Length == 0 ? null : ImmutableHashSet.Create(methods)));
            }
        }

        // ASP.NET Core's request-time interfaces: MVC and endpoint filters, authorization handlers and policy providers.
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IActionFilter", "OnActionExecuting", "OnActionExecuted");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IAsyncActionFilter", "OnActionExecutionAsync");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IResultFilter", "OnResultExecuting", "OnResultExecuted");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IAsyncResultFilter", "OnResultExecutionAsync");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IResourceFilter", "OnResourceExecuting", "OnResourceExecuted");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IAsyncResourceFilter", "OnResourceExecutionAsync");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IExceptionFilter", "OnException");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IAsyncExceptionFilter", "OnExceptionAsync");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IAuthorizationFilter", "OnAuthorization");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IAsyncAuthorizationFilter", "OnAuthorizationAsync");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IPageFilter", "OnPageHandlerSelected", "OnPageHandlerExecuting", "OnPageHandlerExecuted");
        Callbacks("Microsoft.AspNetCore.Mvc.Filters.IAsyncPageFilter", "OnPageHandlerSelectionAsync", "OnPageHandlerExecutionAsync");
        Callbacks("Microsoft.AspNetCore.Http.IEndpointFilter", "InvokeAsync");
        Callbacks("Microsoft.AspNetCore.Authorization.IAuthorizationHandler", "HandleAsync");
        Callbacks("Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider", "GetPolicyAsync", "GetDefaultPolicyAsync", "GetFallbackPolicyAsync");
        Callbacks("Microsoft.AspNetCore.Http.IMiddleware", "InvokeAsync");
        // Mediator request handlers: in layered apps the controllers only Send, and the request's work runs here, called
        // through the mediator library (outside the compilation, so no call edge leads in). Notification handlers are
        // left out: background code publishes too.
        Callbacks("MediatR.IRequestHandler`2", "Handle");
        Callbacks("MediatR.IRequestHandler`1", "Handle");
        Callbacks("MediatR.IPipelineBehavior`2", "Handle");
        Callbacks("Mediator.IRequestHandler`2", "Handle");
        Callbacks("Mediator.ICommandHandler`2", "Handle");
        Callbacks("Mediator.IQueryHandler`2", "Handle");
        Callbacks("Resident.IWebSocketHandler", "OnHandshakeAsync", "OnOpenAsync", "OnMessageAsync", "OnCloseAsync");
        Callbacks("Resident.IRequestReceivedHook", "OnRequestReceivedAsync");
        Callbacks("Resident.IResponseGeneratedHook", "OnResponseGeneratedAsync");
        Callbacks("Resident.ICleaner", "CleanAsync");
        // Kinds that do not exist yet: every method of their interface is a callback.
        Callbacks("Resident.ISocketHandler");
        Callbacks("Resident.IListener`1");
        CallbackInterfaces = callbacks.ToImmutable();

        // Classes Resident builds once and shares: by attribute, or by the interface only Resident calls.
        HandlerAttributes = Set(
            Get("Resident.WebSocketHandlerAttribute"), Get("Resident.CleanerAttribute"), Get("Resident.RequestHookAttribute"),
            Get("Resident.LifecycleHookAttribute"), Get("Resident.CronJobAttribute"), Get("Resident.CustomProcessAttribute"),
            Get("Resident.SocketHandlerAttribute"), Get("Resident.TimerAttribute"), Get("Resident.TaskAttribute"));
        HandlerInterfaces = Set(
            Get("Resident.IWebSocketHandler"), Get("Resident.ICleaner"), Get("Resident.IRequestReceivedHook"),
            Get("Resident.IResponseGeneratedHook"), Get("Resident.ILifecycleHook"), Get("Resident.ISocketHandler"),
            Get("Resident.IListener`1"), Get("Resident.ICronJob"), Get("Resident.ITimer"), Get("Resident.ICustomProcess"));
    }

    public Compilation Compilation { get; }
    public INamedTypeSymbol? HttpContext { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? Interlocked { get; }
    public INamedTypeSymbol? Volatile { get; }
    public INamedTypeSymbol? LazyInitializer { get; }
    public INamedTypeSymbol? Thread { get; }
    public INamedTypeSymbol? Environment { get; }
    public INamedTypeSymbol? Console { get; }
    public INamedTypeSymbol? Process { get; }
    public INamedTypeSymbol? ThreadStatic { get; }
    public INamedTypeSymbol? StringBuilder { get; }
    public INamedTypeSymbol? Enumerable { get; }
    public INamedTypeSymbol? Disposable { get; }
    public INamedTypeSymbol? AsyncDisposable { get; }
    public ImmutableHashSet<INamedTypeSymbol> FlowLocal { get; }
    public ImmutableHashSet<INamedTypeSymbol> RequestState { get; }
    public INamedTypeSymbol? ControllerBase { get; }
    public ImmutableHashSet<INamedTypeSymbol> ControllerAttributes { get; }
    public INamedTypeSymbol? NonAction { get; }
    public INamedTypeSymbol? PageModel { get; }
    public INamedTypeSymbol? ViewComponent { get; }
    public INamedTypeSymbol? ViewComponentAttribute { get; }
    public INamedTypeSymbol? Component { get; }
    public INamedTypeSymbol? AuthorizationHandler { get; }
    public INamedTypeSymbol? GrpcBindServiceMethod { get; }
    public ImmutableHashSet<INamedTypeSymbol> Hubs { get; }
    public INamedTypeSymbol? Middleware { get; }
    public INamedTypeSymbol? HostedService { get; }
    public ImmutableArray<(INamedTypeSymbol Interface, ImmutableHashSet<string>? Methods)> CallbackInterfaces { get; }
    public ImmutableHashSet<INamedTypeSymbol> HandlerAttributes { get; }
    public ImmutableHashSet<INamedTypeSymbol> HandlerInterfaces { get; }

    /// <summary>Null when the compilation cannot contain request code (no ASP.NET Core).</summary>
    /// <remarks>
    /// Null when the compilation can hold no request code: it references neither ASP.NET Core nor dependency injection
    /// (a services or data library registering its classes with DI is analyzed; see <see cref="IsLibrary"/>). One or two
    /// lookups decide; the other ~40 types are resolved only where request code can exist.
    /// </remarks>
    public static LeakTypes? Create(Compilation compilation)
    {
        var httpContext = compilation.GetTypeByMetadataName(HttpContextName);
        return httpContext is not null || compilation.GetTypeByMetadataName(ServiceCollectionName) is not null
            ? new LeakTypes(compilation, httpContext)
            : null;
    }

    private const string HttpContextName = "Microsoft.AspNetCore.Http.HttpContext";
    private const string ServiceCollectionName = "Microsoft.Extensions.DependencyInjection.IServiceCollection";

    /// <summary>
    /// A class library: its request code is called from another compilation, so the public methods of the classes it
    /// registers with DI are request roots here.
    /// </summary>
    public bool IsLibrary => Compilation.Options.OutputKind == OutputKind.DynamicallyLinkedLibrary;

    public bool IsTaskLike(ITypeSymbol? type) =>
        type is INamedTypeSymbol named
        && (Is(named, Task) || Is(named, ValueTask) || Is(named.OriginalDefinition, TaskOfT) || Is(named.OriginalDefinition, ValueTaskOfT));

    /// <summary>True for the awaitable results of Task and ValueTask (<c>Task&lt;T&gt;.Result</c>).</summary>
    public bool IsTaskOfT(ITypeSymbol? type) =>
        type is INamedTypeSymbol named && (Is(named.OriginalDefinition, TaskOfT) || Is(named.OriginalDefinition, ValueTaskOfT));

    public bool IsRequestState(ITypeSymbol? type)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (RequestState.Contains(current))
            {
                return true;
            }
        }

        return false;
    }

    public bool IsFlowLocal(ITypeSymbol? type) => type is INamedTypeSymbol named && FlowLocal.Contains(named.OriginalDefinition);

    public bool IsCollection(ITypeSymbol? type) =>
        type is not null && type.SpecialType != SpecialType.System_String
        && (Is(type, StringBuilder) || Implements(type, Enumerable));

    public static bool IsConcurrentCollection(ITypeSymbol? type) =>
        type?.ContainingNamespace?.ToDisplayString() is "System.Collections.Concurrent" or "System.Collections.Immutable" or "System.Threading.Channels";

    /// <summary>What Resident does with instances of <paramref name="type"/>; memoized.</summary>
    public HandlerKind KindOf(INamedTypeSymbol type) => _kinds.GetOrAdd(type, ComputeKind);

    private HandlerKind ComputeKind(INamedTypeSymbol type)
    {
        var kind = HandlerKind.None;
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass && HandlerAttributes.Contains(attributeClass))
            {
                kind |= HandlerKind.ResidentSingleton;
            }
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (HandlerInterfaces.Contains(implemented.OriginalDefinition))
            {
                kind |= HandlerKind.ResidentSingleton;
            }
            else if (Is(implemented, HostedService))
            {
                kind |= HandlerKind.Background;
            }
        }

        return kind;
    }

    /// <summary>Whether <paramref name="method"/> is where a request or connection enters the app's code.</summary>
    public bool IsEntryPoint(IMethodSymbol method)
    {
        if (method.MethodKind != MethodKind.Ordinary || method.IsStatic
            || method.ContainingType is not { TypeKind: TypeKind.Class } type)
        {
            return false;
        }

        var isPublic = method.DeclaredAccessibility == Accessibility.Public;
        if (isPublic && !method.IsStatic)
        {
            // MVC's conventions: ControllerBase, [ApiController]/[Controller], or a public class named *Controller.
            if (InheritsFrom(type, ControllerBase) || HasAttribute(type, ControllerAttributes, inherited: true)
                || ControllerBase is not null && !type.IsAbstract && type.DeclaredAccessibility == Accessibility.Public
                   && type.Name.EndsWith("Controller", System.StringComparison.Ordinal))
            {
                return !HasAttribute(method, NonAction) && !IsObjectMember(method);
            }

            if (InheritsFrom(type, PageModel))
            {
                return method.Name.StartsWith("On", System.StringComparison.Ordinal);
            }

            foreach (var hub in Hubs)
            {
                if (InheritsFrom(type, hub))
                {
                    return !IsObjectMember(method) && method.Name != "Dispose";
                }
            }

            // View components: Invoke/InvokeAsync of a ViewComponent, a [ViewComponent] class, or a *ViewComponent.
            if (method.Name is "Invoke" or "InvokeAsync"
                && (InheritsFrom(type, ViewComponent) || HasAttribute(type, ViewComponentAttribute)
                    || ViewComponent is not null && type.Name.EndsWith("ViewComponent", System.StringComparison.Ordinal)))
            {
                return true;
            }

            // gRPC services: overrides of the generated base class's service methods (the base carries [BindServiceMethod]).
            if (method.IsOverride && GrpcBindServiceMethod is not null && type.BaseType is { } grpcBase && HasAttribute(grpcBase, GrpcBindServiceMethod))
            {
                return true;
            }
        }

        // Interactive Blazor components: lifecycle methods and event handlers run per circuit, on the server.
        if (InheritsFrom(type, Component) && !method.IsImplicitlyDeclared && !IsObjectMember(method)
            && method.Name is not ("BuildRenderTree" or "Dispose" or "DisposeAsync" or "SetParametersAsync"))
        {
            return true;
        }

        // AuthorizationHandler<TRequirement>.HandleRequirementAsync (protected) runs for every authorized request.
        if (method.Name == "HandleRequirementAsync" && method.IsOverride && InheritsFrom(type, AuthorizationHandler))
        {
            return true;
        }

        // Conventional middleware: a public Invoke/InvokeAsync taking the HttpContext first; IMiddleware too.
        if (method.Name is "Invoke" or "InvokeAsync" && method.Parameters.Length > 0 && Is(method.Parameters[0].Type, HttpContext))
        {
            return isPublic || Implements(type, Middleware);
        }

        foreach (var (callbackInterface, names) in CallbackInterfaces)
        {
            if ((names is null || names.Contains(method.Name)) && ImplementsMember(type, callbackInterface, method))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A class ASP.NET Core builds once per pipeline: a public Invoke/InvokeAsync(HttpContext, …), not IMiddleware.</summary>
    public bool IsConventionalMiddleware(INamedTypeSymbol type)
    {
        if (type.IsAbstract || Implements(type, Middleware))
        {
            return false;
        }

        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol { Name: "Invoke" or "InvokeAsync", DeclaredAccessibility: Accessibility.Public, IsStatic: false } method
                && method.Parameters.Length > 0 && Is(method.Parameters[0].Type, HttpContext))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ImplementsMember(INamedTypeSymbol type, INamedTypeSymbol callbackInterface, IMethodSymbol method)
    {
        foreach (var implemented in type.AllInterfaces)
        {
            if (!SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, callbackInterface))
            {
                continue;
            }

            foreach (var member in implemented.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsObjectMember(IMethodSymbol method) =>
        method.IsOverride && method.Name is "ToString" or "Equals" or "GetHashCode";

    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
        expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

    public static bool InheritsFrom(INamedTypeSymbol type, INamedTypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    public static bool Implements(ITypeSymbol type, INamedTypeSymbol? contract)
    {
        if (contract is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, contract))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, contract))
            {
                return true;
            }
        }

        return false;
    }

    public static bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute) =>
        attribute is not null && HasAttribute(symbol, ImmutableHashSet.Create<INamedTypeSymbol>(SymbolEqualityComparer.Default, attribute), inherited: false);

    private static bool HasAttribute(ISymbol symbol, ImmutableHashSet<INamedTypeSymbol> attributes, bool inherited)
    {
        if (attributes.IsEmpty)
        {
            return false;
        }

        for (var current = symbol; current is not null; current = inherited ? (current as INamedTypeSymbol)?.BaseType : null)
        {
            foreach (var attribute in current.GetAttributes())
            {
                if (attribute.AttributeClass is { } attributeClass && attributes.Contains(attributeClass))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static ImmutableHashSet<INamedTypeSymbol> Set(params INamedTypeSymbol?[] types)
    {
        var set = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var type in types)
        {
            if (type is not null)
            {
                set.Add(type);
            }
        }

        return set.ToImmutable();
    }
}

/// <summary>How Resident or the host treats a class's single instance.</summary>
[System.Flags]
internal enum HandlerKind
{
    None = 0,

    /// <summary>A WebSocket handler, cleaner, hook, job or listener Resident builds once.</summary>
    ResidentSingleton = 1,

    /// <summary>A hosted service: a background task, not request code, but its async methods must not block.</summary>
    Background = 2,
}
