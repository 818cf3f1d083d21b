using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Resident.Analyzers.Leaks;

/// <summary>Service registrations, and the compilation-end walk that turns the facts into diagnostics.</summary>
internal sealed partial class LeakCollector
{
    /// <summary>
    /// AddSingleton/AddHostedService, AddScoped/AddDbContext, AddTransient (generic, typeof, instance and factory
    /// forms), and UseMiddleware&lt;T&gt; (conventional middleware is built once).
    /// </summary>
    private void OnRegistration(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (method.Name == "UseMiddleware" && method.ContainingNamespace?.ToDisplayString() == "Microsoft.AspNetCore.Builder")
        {
            var middleware = method.TypeArguments.Length == 1 ? method.TypeArguments[0]
                : invocation.Arguments.Length > 1 && Unwrap(invocation.Arguments[1].Value) is ITypeOfOperation typeOf ? typeOf.TypeOperand : null;
            if (middleware is INamedTypeSymbol named)
            {
                _middlewareUses.TryAdd(named.OriginalDefinition, invocation.Syntax.GetLocation());
            }

            return;
        }

        var lifetime = method.Name switch
        {
            "AddSingleton" or "TryAddSingleton" or "AddKeyedSingleton" or "TryAddKeyedSingleton" or "AddHostedService" => ServiceLifetime.Singleton,
            "AddScoped" or "TryAddScoped" or "AddKeyedScoped" or "TryAddKeyedScoped" or "AddDbContext" or "AddDbContextPool" => ServiceLifetime.Scoped,
            "AddTransient" or "TryAddTransient" or "AddKeyedTransient" or "TryAddKeyedTransient" => ServiceLifetime.Transient,
            _ => (ServiceLifetime?)null,
        };
        if (lifetime is null || method.ContainingNamespace?.ToDisplayString() is not { } ns
            || !(ns.StartsWith("Microsoft.Extensions.DependencyInjection", System.StringComparison.Ordinal)
                 || ns.StartsWith("Microsoft.EntityFrameworkCore", System.StringComparison.Ordinal)))
        {
            return;
        }

        var types = new List<ITypeSymbol>();
        var generic = method.TypeArguments.Length > 0;
        types.AddRange(method.TypeArguments);
        foreach (var argument in invocation.Arguments)
        {
            switch (Unwrap(argument.Value))
            {
                case ITypeOfOperation typeOf:
                    types.Add(typeOf.TypeOperand);
                    break;
                case IObjectCreationOperation { Type: { } created } when argument.Parameter?.Name == "implementationInstance":
                    types.Add(created);
                    generic = false; // An instance cannot become scoped.
                    break;
                case IDelegateCreationOperation { Target: IAnonymousFunctionOperation factory } when CreatedBy(factory) is { } created:
                    types.Add(created); // services.AddSingleton<IFoo>(sp => new Foo(…))
                    break;
            }
        }

        if (types.Count == 0)
        {
            return;
        }

        var implementation = types[types.Count - 1] as INamedTypeSymbol;
        if (implementation is { TypeKind: TypeKind.Class } && method.Name != "AddHostedService" && IsInSource(implementation))
        {
            _services.TryAdd(implementation.OriginalDefinition, 0); // A library's request roots.
        }

        switch (lifetime)
        {
            case ServiceLifetime.Scoped:
                foreach (var type in types)
                {
                    if (type is INamedTypeSymbol named)
                    {
                        _scoped.TryAdd(named.OriginalDefinition, 0);
                    }
                }

                break;
            case ServiceLifetime.Transient:
                foreach (var type in types)
                {
                    if (type is INamedTypeSymbol named)
                    {
                        _transient.TryAdd(named.OriginalDefinition, implementation is { TypeKind: TypeKind.Class } ? implementation.OriginalDefinition : null);
                    }
                }

                break;
            default:
                if (implementation is { TypeKind: TypeKind.Class } && IsInSource(implementation))
                {
                    var canBeScoped = generic && method.Name == "AddSingleton" && invocation.Syntax is InvocationExpressionSyntax
                    {
                        Expression: MemberAccessExpressionSyntax { Name: GenericNameSyntax }
                    };
                    _singletons.TryAdd(implementation.OriginalDefinition, new Registration(invocation.Syntax.GetLocation(), method.Name, canBeScoped));
                }

                break;
        }
    }

    /// <summary>The class a factory lambda returns a new instance of (<c>sp =&gt; new Foo(…)</c>), if that is all it does.</summary>
    private static INamedTypeSymbol? CreatedBy(IAnonymousFunctionOperation factory)
    {
        INamedTypeSymbol? created = null;
        foreach (var operation in factory.Body.Descendants())
        {
            if (operation is IReturnOperation { ReturnedValue: { } value })
            {
                if (Unwrap(value) is not IObjectCreationOperation { Type: INamedTypeSymbol type }
                    || created is not null && !SymbolEqualityComparer.Default.Equals(created, type))
                {
                    return null;
                }

                created = type;
            }
        }

        return created;
    }

    private enum ServiceLifetime
    {
        Singleton,
        Scoped,
        Transient,
    }

    public void OnCompilationEnd(CompilationAnalysisContext context)
    {
        var graph = new CallGraph(this, context.CancellationToken);
        var reachable = graph.Reachable();
        var onAsyncThread = graph.OnAsyncThread(reachable);
        var singletons = Singletons();
        foreach (var pair in _nodes)
        {
            var node = pair.Key;
            var isReachable = reachable.Contains(node);
            List<Candidate> candidates;
            lock (pair.Value)
            {
                candidates = new List<Candidate>(pair.Value.Candidates);
            }

            foreach (var found in candidates)
            {
                var candidate = found;
                var rule = candidate.Rule;
                switch (candidate.Condition)
                {
                    case Condition.Reachable when !isReachable:
                    case Condition.NeverEmptied when !isReachable || _emptied.ContainsKey(candidate.Subject!)
                                                     || candidate.Arguments[0] is null && !singletons.ContainsKey(candidate.Subject!.ContainingType.OriginalDefinition):
                    case Condition.SingletonReachable when !isReachable || !singletons.ContainsKey((INamedTypeSymbol)candidate.Subject!):
                    case Condition.StringAppend when !isReachable:
                    case Condition.OnAsyncThread when !onAsyncThread.ContainsKey(node):
                        continue;
                    case Condition.StringAppend when _emptied.ContainsKey(candidate.Subject!):
                        rule = Rules.StaticWrittenFromRequest;
                        candidate = candidate with { Arguments = new object?[] { "field", candidate.Subject!.Name } };
                        break;
                    case Condition.OnAsyncThread:
                        candidate = candidate with { Arguments = new object?[] { candidate.Arguments[0], ChainMessage(onAsyncThread, node, candidate.Properties) } };
                        break;
                    case Condition.NeverEmptied when candidate.Arguments[0] is null:
                        var owner = singletons[candidate.Subject!.ContainingType.OriginalDefinition];
                        candidate = candidate with
                        {
                            Arguments = new object?[] { $"collection '{candidate.Subject.Name}' of singleton '{candidate.Subject.ContainingType.Name}' ({owner.Describe()})", candidate.Arguments[1] },
                            Additional = owner.Registration?.Location,
                        };
                        break;
                    case Condition.SingletonReachable:
                        var singleton = singletons[(INamedTypeSymbol)candidate.Subject!];
                        var arguments = (object?[])candidate.Arguments.Clone();
                        arguments[3] = singleton.Describe();
                        candidate = candidate with { Arguments = arguments, Additional = singleton.Registration?.Location };
                        break;
                }

                context.ReportDiagnostic(Diagnostic.Create(
                    rule, candidate.Location, candidate.Additional is null ? null : new[] { candidate.Additional }, candidate.Properties, candidate.Arguments));
            }
        }

        ReportCaptives(context, singletons);
    }

    /// <summary>"blocks the thread of async request code that calls it synchronously: A.Upload → B.Save → B.Retry; …"</summary>
    private static string ChainMessage(Dictionary<ISymbol, ISymbol> callers, ISymbol node, ImmutableDictionary<string, string?>? properties)
    {
        var chain = new List<string> { NameOf(node) };
        for (var current = node; callers.TryGetValue(current, out var caller) && chain.Count <= MaxDepth + 1; current = caller)
        {
            chain.Insert(0, NameOf(caller));
        }

        var fix = properties is not null && properties.ContainsKey(FixProperty)
            ? "make the chain async and await Task.Delay instead"
            : "make the chain async and await instead";
        return $"blocks a thread-pool thread: async request code calls it synchronously ({string.Join(" → ", chain)}); {fix}";
    }

    private static string NameOf(ISymbol node) => node switch
    {
        IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambda => $"a lambda in {NameOf(lambda.ContainingSymbol)}",
        IMethodSymbol { MethodKind: MethodKind.LocalFunction } local => local.Name,
        IMethodSymbol { MethodKind: MethodKind.PropertyGet or MethodKind.PropertySet, AssociatedSymbol: { } property } => $"{property.ContainingType?.Name}.{property.Name}",
        IMethodSymbol { MethodKind: MethodKind.Constructor } constructor => $"new {constructor.ContainingType.Name}",
        _ => $"{node.ContainingType?.Name}.{node.Name}",
    };

    /// <summary>
    /// In a library: a public method of a class the library registers with DI (not a hosted service). The app's request
    /// code calls it from another compilation, which this one cannot see, so it is taken as request code.
    /// </summary>
    private bool IsServiceMethod(IMethodSymbol method) =>
        method is { MethodKind: MethodKind.Ordinary, IsStatic: false, DeclaredAccessibility: Accessibility.Public, ContainingType: { } type }
        && _services.ContainsKey(type.OriginalDefinition)
        && (_types.KindOf(type) & HandlerKind.Background) == 0;

    /// <summary>The call graph's walks, over a snapshot of the facts.</summary>
    private sealed class CallGraph(LeakCollector collector, System.Threading.CancellationToken cancellationToken)
    {
        private readonly Dictionary<IMethodSymbol, List<IMethodSymbol>> _overrides = new(SymbolEqualityComparer.Default);

        /// <summary>Every node reachable from a request entry point within <see cref="MaxDepth"/> calls.</summary>
        public HashSet<ISymbol> Reachable()
        {
            var reached = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var queue = new Queue<(ISymbol Node, int Depth)>();
            foreach (var entry in collector._entryLambdas.Keys)
            {
                if (reached.Add(entry))
                {
                    queue.Enqueue((entry, 0));
                }
            }

            var isLibrary = collector._types.IsLibrary;
            foreach (var node in collector._nodes.Keys)
            {
                if (node is IMethodSymbol method && (collector._types.IsEntryPoint(method) || isLibrary && collector.IsServiceMethod(method))
                    && reached.Add(node))
                {
                    queue.Enqueue((node, 0));
                }
            }

            while (queue.Count > 0)
            {
                var (node, depth) = queue.Dequeue();
                if (depth >= MaxDepth)
                {
                    continue;
                }

                foreach (var edge in Callees(node))
                {
                    if (reached.Add(edge.Callee))
                    {
                        queue.Enqueue((edge.Callee, depth + 1));
                    }
                }
            }

            return reached;
        }

        /// <summary>
        /// The synchronous nodes that run on the thread of async request code: called from an async function that is
        /// request code, or from such a node's own body, within <see cref="MaxDepth"/> calls. Each maps to its caller.
        /// </summary>
        public Dictionary<ISymbol, ISymbol> OnAsyncThread(HashSet<ISymbol> reachable)
        {
            var callers = new Dictionary<ISymbol, ISymbol>(SymbolEqualityComparer.Default);
            var queue = new Queue<(ISymbol Node, int Depth)>();
            foreach (var node in reachable)
            {
                foreach (var edge in Callees(node))
                {
                    if (edge.Site == CallSite.FromAsync && IsSynchronous(edge.Callee) && !callers.ContainsKey(edge.Callee))
                    {
                        callers.Add(edge.Callee, node);
                        queue.Enqueue((edge.Callee, 1));
                    }
                }
            }

            while (queue.Count > 0)
            {
                var (node, depth) = queue.Dequeue();
                if (depth >= MaxDepth)
                {
                    continue;
                }

                foreach (var edge in Callees(node))
                {
                    if (edge.Site == CallSite.Direct && IsSynchronous(edge.Callee) && !callers.ContainsKey(edge.Callee)
                        && !SymbolEqualityComparer.Default.Equals(edge.Callee, node))
                    {
                        callers.Add(edge.Callee, node);
                        queue.Enqueue((edge.Callee, depth + 1));
                    }
                }
            }

            return callers;
        }

        private bool IsSynchronous(ISymbol node) => node is IMethodSymbol method && !collector.IsAsync(method);

        /// <summary>The node's calls, with calls to an interface or virtual method also landing on its source implementations.</summary>
        private List<Edge> Callees(ISymbol node)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = new List<Edge>();
            if (!collector._nodes.TryGetValue(node, out var facts))
            {
                return result;
            }

            lock (facts)
            {
                result.AddRange(facts.Callees);
            }

            var count = result.Count;
            for (var i = 0; i < count; i++)
            {
                if (result[i].Callee is IMethodSymbol { IsAbstract: true } or IMethodSymbol { IsVirtual: true })
                {
                    foreach (var implementation in collector.Implementations((IMethodSymbol)result[i].Callee, _overrides))
                    {
                        result.Add(new Edge(implementation, result[i].Site));
                    }
                }
            }

            return result;
        }
    }

    /// <summary>The source implementations of an interface or virtual method: calls through a service interface land there.</summary>
    private List<IMethodSymbol> Implementations(IMethodSymbol method, Dictionary<IMethodSymbol, List<IMethodSymbol>> cache)
    {
        if (cache.TryGetValue(method, out var found))
        {
            return found;
        }

        found = new List<IMethodSymbol>();
        var isInterface = method.ContainingType.TypeKind == TypeKind.Interface;
        foreach (var type in _sourceTypes)
        {
            if (isInterface)
            {
                if (LeakTypes.Implements(type, method.ContainingType)
                    && type.FindImplementationForInterfaceMember(method) is IMethodSymbol implementation
                    && IsInSource(implementation))
                {
                    found.Add(implementation.OriginalDefinition);
                }

                continue;
            }

            foreach (var member in type.GetMembers(method.Name))
            {
                for (var overridden = (member as IMethodSymbol)?.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
                {
                    if (SymbolEqualityComparer.Default.Equals(overridden.OriginalDefinition, method))
                    {
                        found.Add(((IMethodSymbol)member).OriginalDefinition);
                        break;
                    }
                }
            }
        }

        cache.Add(method, found);
        return found;
    }

    /// <summary>A class with one instance for the worker's life: how it became one, and where it was registered.</summary>
    private sealed record Singleton(string How, Registration? Registration)
    {
        public string Describe() => Registration is null ? How : $"{How} at {Where(Registration.Location)}";
    }

    private static string Where(Location location)
    {
        var path = location.GetLineSpan().Path ?? "";
        var name = path.Substring(path.LastIndexOfAny(new[] { '/', '\\' }) + 1);
        return $"{name}({location.GetLineSpan().StartLinePosition.Line + 1})";
    }

    /// <summary>
    /// The singletons: registered with AddSingleton or AddHostedService, conventional middleware (UseMiddleware builds
    /// it once), and Resident's handler kinds. A class also registered as scoped or transient is left out.
    /// </summary>
    private Dictionary<INamedTypeSymbol, Singleton> Singletons()
    {
        var singletons = new Dictionary<INamedTypeSymbol, Singleton>(SymbolEqualityComparer.Default);
        foreach (var pair in _singletons)
        {
            var how = pair.Value.Method == "AddHostedService" ? "a hosted service registered" : $"registered with {pair.Value.Method}";
            singletons[pair.Key] = new Singleton(how, pair.Value);
        }

        foreach (var type in _sourceTypes)
        {
            if (singletons.ContainsKey(type))
            {
                continue;
            }

            if ((_types.KindOf(type) & HandlerKind.ResidentSingleton) != 0)
            {
                singletons[type] = new Singleton("a Resident handler, built once", null);
            }
            else if (_types.IsConventionalMiddleware(type))
            {
                singletons[type] = _middlewareUses.TryGetValue(type, out var use)
                    ? new Singleton("middleware, built once by UseMiddleware", new Registration(use, "UseMiddleware", false))
                    : new Singleton("middleware, built once", null);
            }
        }

        foreach (var type in new List<INamedTypeSymbol>(singletons.Keys))
        {
            if (_scoped.ContainsKey(type) || _transient.ContainsKey(type))
            {
                singletons.Remove(type); // Registered both ways: the other registration decides its state.
            }
        }

        return singletons;
    }

    /// <summary>RES003: singletons holding request-scoped objects.</summary>
    private void ReportCaptives(CompilationAnalysisContext context, Dictionary<INamedTypeSymbol, Singleton> singletons)
    {
        foreach (var pair in singletons)
        {
            var type = pair.Key;
            var registration = pair.Value.Registration is { Method: not "UseMiddleware" } registered ? registered : null;
            foreach (var member in type.GetMembers())
            {
                switch (member)
                {
                    // Skips the compiler's fields for captured primary-constructor parameters: the parameter is reported instead.
                    case IFieldSymbol { IsStatic: false, IsConst: false } field
                        when (!field.IsImplicitlyDeclared || field.AssociatedSymbol is not null) && IsRequestScoped(field.Type):
                        var shown = (ISymbol?)field.AssociatedSymbol ?? field;
                        ReportCaptive(context, type, registration, shown, shown is IPropertySymbol ? "property" : "field", field.Type);
                        break;
                    case IMethodSymbol { MethodKind: MethodKind.Constructor } constructor:
                        foreach (var parameter in constructor.Parameters)
                        {
                            if (_capturedParameters.ContainsKey(parameter) && IsRequestScoped(parameter.Type))
                            {
                                ReportCaptive(context, type, registration, parameter, "primary-constructor parameter", parameter.Type);
                            }
                        }

                        break;
                }
            }
        }
    }

    /// <summary>
    /// Whether a singleton must not keep an object of this type: request state, a scoped service, or a transient that
    /// itself holds request state (request objects, a DbContext, a scoped service, a disposable resource). A stateless
    /// transient — one reading IHttpContextAccessor per call, say — is safe in a singleton.
    /// </summary>
    private bool IsRequestScoped(ITypeSymbol type) => IsRequestScoped(type, depth: 0);

    private bool IsRequestScoped(ITypeSymbol type, int depth)
    {
        if (_types.IsRequestState(type) || IsDbContext(type))
        {
            return true;
        }

        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        if (_scoped.ContainsKey(named.OriginalDefinition))
        {
            return true;
        }

        return _transient.TryGetValue(named.OriginalDefinition, out var implementation) && implementation is not null
               && HoldsRequestState(implementation, depth);
    }

    private bool HoldsRequestState(INamedTypeSymbol implementation, int depth)
    {
        if (LeakTypes.Implements(implementation, _types.Disposable) || LeakTypes.Implements(implementation, _types.AsyncDisposable))
        {
            return true;
        }

        if (depth >= MaxDepth)
        {
            return false;
        }

        foreach (var member in implementation.GetMembers())
        {
            switch (member)
            {
                case IFieldSymbol { IsStatic: false, IsConst: false } field when IsRequestScoped(field.Type, depth + 1):
                    return true;
                case IMethodSymbol { MethodKind: MethodKind.Constructor } constructor:
                    foreach (var parameter in constructor.Parameters)
                    {
                        if (_capturedParameters.ContainsKey(parameter) && IsRequestScoped(parameter.Type, depth + 1))
                        {
                            return true;
                        }
                    }

                    break;
            }
        }

        return false;
    }

    private static bool IsDbContext(ITypeSymbol type)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (current is { Name: "DbContext", ContainingNamespace: { Name: "EntityFrameworkCore", ContainingNamespace.Name: "Microsoft" } })
            {
                return true;
            }
        }

        return false;
    }

    private static void ReportCaptive(CompilationAnalysisContext context, INamedTypeSymbol type, Registration? registration, ISymbol member, string kind, ITypeSymbol memberType)
    {
        if (member.Locations.Length == 0 || !member.Locations[0].IsInSource)
        {
            return;
        }

        var properties = registration is { CanBeScoped: true } ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, FixScoped) : null;
        var additional = registration is null ? null : new[] { registration.Location };
        context.ReportDiagnostic(Diagnostic.Create(
            Rules.CaptiveRequestState, member.Locations[0], additional, properties,
            type.Name, kind, member.Name, memberType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
    }
}
