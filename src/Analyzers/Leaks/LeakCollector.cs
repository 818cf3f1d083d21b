using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Resident.Analyzers.Leaks;

/// <summary>
/// One compilation's facts for the leak rules. Operation actions record, per method (a "node"), the calls it makes
/// into the compilation and the suspicious operations it contains; the compilation-end action walks the call graph
/// from the request entry points and reports the suspicious operations of the nodes it reaches.
/// </summary>
internal sealed partial class LeakCollector
{
    /// <summary>How far calls are followed from an entry point: the entry itself is depth 0.</summary>
    public const int MaxDepth = 4;

    internal const string FixProperty = "Fix";
    internal const string FixInterlocked = "Interlocked";
    internal const string FixDelay = "Delay";
    internal const string FixScoped = "Scoped";

    private static readonly ImmutableHashSet<string> GrowthMethods = ImmutableHashSet.Create(
        "Add", "AddRange", "Insert", "InsertRange", "Enqueue", "EnqueueRange", "Push", "PushRange", "TryAdd", "AddOrUpdate",
        "GetOrAdd", "AddFirst", "AddLast", "Append", "AppendLine", "AppendFormat", "UnionWith");

    private static readonly ImmutableHashSet<string> RemovalMethods = ImmutableHashSet.Create(
        "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "RemoveWhere", "RemoveFirst", "RemoveLast", "Clear", "TryRemove",
        "Dequeue", "TryDequeue", "Pop", "TryPop", "PopRange", "TryPopRange", "TryTake", "Take", "ExceptWith", "IntersectWith",
        "TrimExcess", "SetLength");

    private readonly LeakTypes _types;
    private readonly ConcurrentDictionary<ISymbol, NodeFacts> _nodes = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, byte> _entryLambdas = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, byte> _emptied = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, Registration> _singletons = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, byte> _scoped = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, INamedTypeSymbol?> _transient = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, Location> _middlewareUses = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, byte> _services = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IParameterSymbol, byte> _capturedParameters = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<INamedTypeSymbol> _sourceTypes = new();
    private readonly ConcurrentDictionary<IPropertySymbol, bool> _autoProperties = new(SymbolEqualityComparer.Default);

    public LeakCollector(LeakTypes types) => _types = types;

    private Compilation Compilation => _types.Compilation;

    /// <summary>A service registration: where it is, the method that made it, and whether the generic-name fix applies.</summary>
    private sealed record Registration(Location Location, string Method, bool CanBeScoped);

    /// <summary>When a candidate is reported.</summary>
    private enum Condition
    {
        /// <summary>Its node is request code.</summary>
        Reachable,

        /// <summary>Wherever it is (blocking inside an async function).</summary>
        Always,

        /// <summary>Its node is synchronous and runs on the thread of async request code that calls it (blocking).</summary>
        OnAsyncThread,

        /// <summary>Request code grows a static collection, or a singleton's, that nothing empties.</summary>
        NeverEmptied,

        /// <summary>Its node is request code and the class that owns the written field (the subject) is a singleton.</summary>
        SingletonReachable,

        /// <summary>Request code appends to a static string: RES002 if nothing resets it, else RES001.</summary>
        StringAppend,
    }

    private sealed record Candidate(
        DiagnosticDescriptor Rule,
        Location Location,
        Condition Condition,
        object?[] Arguments,
        ISymbol? Subject = null,
        ImmutableDictionary<string, string?>? Properties = null,
        Location? Additional = null);

    /// <summary>What one node does; written by concurrent operation actions, read once at the end.</summary>
    private sealed class NodeFacts
    {
        public readonly List<Edge> Callees = new();
        public readonly List<Candidate> Candidates = new();
    }

    /// <summary>Where a call is made from, which decides whether the callee runs on an async caller's thread.</summary>
    private enum CallSite : byte
    {
        /// <summary>From the body of an async function: the callee runs synchronously on the async code's thread.</summary>
        FromAsync,

        /// <summary>From the node's own synchronous body: the callee runs on whatever thread runs the node.</summary>
        Direct,

        /// <summary>From a nested synchronous lambda, or a method group: it may run anywhere (Task.Run, a callback), later or never.</summary>
        Nested,
    }

    private readonly record struct Edge(ISymbol Callee, CallSite Site);

    public void OnNamedType(SymbolAnalysisContext context)
    {
        if (context.Symbol is INamedTypeSymbol { TypeKind: TypeKind.Class } type)
        {
            _sourceTypes.Add(type);
        }
    }

    private NodeFacts Facts(ISymbol node) => _nodes.GetOrAdd(node, static _ => new NodeFacts());

    private void AddCallee(ISymbol node, IMethodSymbol? callee, IOperation site, ISymbol containingSymbol) =>
        AddCallee(node, callee, SiteOf(node, site, containingSymbol));

    private void AddCallee(ISymbol node, IMethodSymbol? callee, CallSite site)
    {
        if (callee is null || !IsInSource(callee))
        {
            return;
        }

        callee = callee.ReducedFrom ?? callee;
        callee = callee.PartialImplementationPart ?? callee.OriginalDefinition;
        var facts = Facts(node);
        lock (facts)
        {
            facts.Callees.Add(new Edge(callee, site));
        }
    }

    private CallSite SiteOf(ISymbol node, IOperation operation, ISymbol containingSymbol)
    {
        var function = InnermostFunction(operation, containingSymbol);
        return function is not null && IsAsync(function) ? CallSite.FromAsync
            : SymbolEqualityComparer.Default.Equals(function, node) ? CallSite.Direct
            : CallSite.Nested;
    }

    /// <summary>The lambda, local function or member whose body holds <paramref name="operation"/>.</summary>
    private static IMethodSymbol? InnermostFunction(IOperation operation, ISymbol containingSymbol)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation function:
                    return function.Symbol;
                case ILocalFunctionOperation local:
                    return local.Symbol;
            }
        }

        return containingSymbol as IMethodSymbol;
    }

    private void AddCandidate(ISymbol node, Candidate candidate)
    {
        var facts = Facts(node);
        lock (facts)
        {
            facts.Candidates.Add(candidate);
        }
    }

    private bool IsInSource(ISymbol symbol) =>
        SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, Compilation.Assembly) && !symbol.IsImplicitlyDeclared;

    /// <summary>
    /// The node an operation belongs to: the nearest enclosing local function or route/middleware lambda (a request
    /// entry of its own), else the member whose body holds it. Other lambdas belong to their member.
    /// </summary>
    private ISymbol NodeOf(IOperation operation, ISymbol containingSymbol)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation function when IsEntryDelegate(function):
                    return function.Symbol;
                case ILocalFunctionOperation local:
                    return local.Symbol; // Its own node: a route may name it (app.MapGet("/", Handler) in Program.cs).
            }
        }

        return containingSymbol;
    }

    /// <summary>
    /// Whether a lambda or method group is handed to MapGet/MapPost/Map…/Use/Run as request code. Configuration
    /// callbacks (<c>app.Map("/x", branch => …)</c>) take a builder and are not.
    /// </summary>
    private static bool IsEntryDelegate(IOperation function)
    {
        var current = function.Parent;
        while (current is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        if (current is not IArgumentOperation { Parent: IInvocationOperation invocation })
        {
            return false;
        }

        var target = invocation.TargetMethod;
        if (!(target.Name.StartsWith("Map", System.StringComparison.Ordinal) || target.Name is "Use" or "Run")
            || target.ContainingNamespace?.ToDisplayString().StartsWith("Microsoft.AspNetCore", System.StringComparison.Ordinal) != true)
        {
            return false;
        }

        var signature = function switch
        {
            IAnonymousFunctionOperation lambda => lambda.Symbol,
            IMethodReferenceOperation reference => reference.Method,
            _ => null,
        };
        if (signature is null)
        {
            return false;
        }

        foreach (var parameter in signature.Parameters)
        {
            if (parameter.Type.Name is "IApplicationBuilder" or "IEndpointRouteBuilder")
            {
                return false;
            }
        }

        return true;
    }

    public void OnAnonymousFunction(OperationAnalysisContext context)
    {
        var function = (IAnonymousFunctionOperation)context.Operation;
        if (IsEntryDelegate(function))
        {
            _entryLambdas.TryAdd(function.Symbol, 0);
        }
    }

    public void OnMethodReference(OperationAnalysisContext context)
    {
        var reference = (IMethodReferenceOperation)context.Operation;
        if (!IsInSource(reference.Method))
        {
            return;
        }

        if (IsEntryDelegate(reference))
        {
            _entryLambdas.TryAdd(reference.Method.OriginalDefinition, 0);
        }
        else
        {
            AddCallee(NodeOf(reference, context.ContainingSymbol), reference.Method, CallSite.Nested);
        }
    }

    public void OnObjectCreation(OperationAnalysisContext context)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        AddCallee(NodeOf(creation, context.ContainingSymbol), creation.Constructor, creation, context.ContainingSymbol);
    }

    /// <summary>A primary-constructor parameter read outside the constructor and initializers is kept as state.</summary>
    public void OnParameterReference(OperationAnalysisContext context)
    {
        var parameter = ((IParameterReferenceOperation)context.Operation).Parameter;
        if (parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
            && context.ContainingSymbol is IMethodSymbol member
            && !SymbolEqualityComparer.Default.Equals(member, constructor)
            && !_capturedParameters.ContainsKey(parameter)
            && (_types.IsRequestState(parameter.Type) || parameter.Type.TypeKind is TypeKind.Class or TypeKind.Interface))
        {
            _capturedParameters.TryAdd(parameter, 0);
        }
    }
}
