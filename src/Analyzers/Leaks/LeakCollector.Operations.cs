using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Resident.Analyzers.Leaks;

/// <summary>The operation actions: what each kind of operation contributes to the facts.</summary>
internal sealed partial class LeakCollector
{
    /// <summary>How an operation uses the field or property it references.</summary>
    private enum Access
    {
        Read,
        Write,

        /// <summary><c>x ??= …</c>, or an assignment guarded by <c>if (x == null)</c>: one-time initialization.</summary>
        LazyInit,

        /// <summary>Passed by ref to Interlocked, Volatile or LazyInitializer.</summary>
        Atomic,
    }

    public void OnFieldReference(OperationAnalysisContext context)
    {
        var reference = (IFieldReferenceOperation)context.Operation;
        var field = reference.Field;
        if (field.IsConst || !IsInSource(field))
        {
            return;
        }

        if (field.IsStatic)
        {
            OnStaticMember(context, reference, field.OriginalDefinition, field.Type);
        }
        else
        {
            OnInstanceMember(context, reference, field.OriginalDefinition, field.Type);
        }
    }

    /// <summary>
    /// An instance field or auto-property: a RES004 candidate when written outside the constructor (reported at the end
    /// if its class turns out to be a singleton), and RES002 bookkeeping when it holds a collection.
    /// </summary>
    private void OnInstanceMember(OperationAnalysisContext context, IMemberReferenceOperation reference, ISymbol member, ITypeSymbol type)
    {
        var access = AccessOf(reference, member);
        if (_types.IsCollection(type) || type.SpecialType == SpecialType.System_String)
        {
            if (access == Access.Write && reference.Parent is ISimpleAssignmentOperation
                && context.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor })
            {
                _emptied.TryAdd(member, 0); // Replaced by a fresh one.
            }
            else if (access == Access.Read && Escapes(reference))
            {
                _emptied.TryAdd(member, 0); // Someone else may empty it.
            }
        }

        if (access == Access.Write)
        {
            OnInstanceWrite(context, reference, member);
        }
    }

    /// <summary>RES004 candidate: a class writing its own field or auto-property outside its constructor, unsynchronized.</summary>
    private void OnInstanceWrite(OperationAnalysisContext context, IMemberReferenceOperation reference, ISymbol member)
    {
        if (reference.Instance is IInstanceReferenceOperation && member.ContainingType is { TypeKind: TypeKind.Class } owner
            && !_types.IsFlowLocal(reference.Type)
            && context.ContainingSymbol is IMethodSymbol { MethodKind: not MethodKind.Constructor }
            && (member is IFieldSymbol || IsAutoProperty((IPropertySymbol)member))
            && !IsSynchronized(reference))
        {
            var node = NodeOf(reference, context.ContainingSymbol);
            AddCandidate(node, new Candidate(
                Rules.HandlerFieldWritten, reference.Parent!.Syntax.GetLocation(), Condition.SingletonReachable,
                new object?[] { owner.Name, member.Name, node.Name, null }, owner.OriginalDefinition, member is IFieldSymbol ? CounterFix(reference) : null));
        }
    }

    public void OnPropertyReference(OperationAnalysisContext context)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        var property = reference.Property;
        if (IsInSource(property))
        {
            var node = NodeOf(reference, context.ContainingSymbol);
            var access = AccessOf(reference, property);
            AddCallee(node, access == Access.Read ? property.GetMethod : property.SetMethod, reference, context.ContainingSymbol);
            if (property.IsStatic && !property.IsIndexer && IsAutoProperty(property))
            {
                OnStaticMember(context, reference, property.OriginalDefinition, property.Type);
            }
            else if (!property.IsStatic && !property.IsIndexer && IsAutoProperty(property))
            {
                OnInstanceMember(context, reference, property.OriginalDefinition, property.Type);
            }
        }

        if (property.IsIndexer && AccessOf(reference, property) == Access.Write)
        {
            OnCollectionCall(context, reference, reference.Instance, "indexer set", growth: true, removal: false);
        }

        if (property.Name == "Result" && _types.IsTaskOfT(property.ContainingType) && !IsAlreadyCompleted(reference))
        {
            OnBlocking(context, reference, "Task.Result");
        }
    }

    public void OnInvocation(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        AddCallee(NodeOf(invocation, context.ContainingSymbol), method, invocation, context.ContainingSymbol);

        var receiver = invocation.Instance
                       ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
        var growth = GrowthMethods.Contains(method.Name);
        if (growth || RemovalMethods.Contains(method.Name))
        {
            OnCollectionCall(context, invocation, receiver, method.Name, growth, removal: !growth);
        }

        var type = method.ContainingType;
        if (LeakTypes.Is(type, _types.Environment) && method.Name is "Exit" or "FailFast"
            || LeakTypes.Is(type, _types.Process) && method.Name == "Kill"
               && Unwrap(invocation.Instance) is IInvocationOperation { TargetMethod.Name: "GetCurrentProcess" })
        {
            Report(context, invocation, $"{type.Name}.{method.Name}", "ends the whole worker process, and every request in flight with it, from request code");
        }
        else if (LeakTypes.Is(type, _types.Console) && method.Name is "ReadLine" or "ReadKey" or "Read")
        {
            Report(context, invocation, $"Console.{method.Name}", "waits for console input a server never gets, holding the request and its thread");
        }
        else if (LeakTypes.Is(type, _types.Thread) && method.Name == "Sleep")
        {
            OnBlocking(context, invocation, "Thread.Sleep", FixDelay);
        }
        else if (method.Name is "Wait" or "WaitAll" or "WaitAny" && LeakTypes.Is(type, _types.Task)
                 || method.Name == "GetResult" && type is { Name: { } awaiter } && awaiter.EndsWith("Awaiter", System.StringComparison.Ordinal)
                    && type.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices")
        {
            OnBlocking(context, invocation, method.Name == "GetResult" ? "GetAwaiter().GetResult()" : $"Task.{method.Name}");
        }

        OnRegistration(invocation);
    }

    private void Report(OperationAnalysisContext context, IOperation operation, string what, string why) =>
        AddCandidate(NodeOf(operation, context.ContainingSymbol), new Candidate(
            Rules.ProcessOrThreadBlocked, operation.Syntax.GetLocation(), Condition.Reachable, new object?[] { what, why }));

    /// <summary>
    /// A blocking wait matters where the code is asynchronous: in an async function it is reported wherever it is (but
    /// the program's Main); in a synchronous method, only if async request code calls it synchronously (decided at the
    /// end, when the call graph is known). One in a nested synchronous lambda (Task.Run's) is the offloading idiom.
    /// </summary>
    private void OnBlocking(OperationAnalysisContext context, IOperation operation, string what, string? fix = null)
    {
        var node = NodeOf(operation, context.ContainingSymbol);
        var function = InnermostFunction(operation, context.ContainingSymbol);
        var properties = fix is null ? null : ImmutableDictionary<string, string?>.Empty.Add(FixProperty, fix);
        if (function is not null && IsAsync(function))
        {
            if (function is { IsStatic: true, Name: "Main" or WellKnownMemberNames.TopLevelStatementsEntryPointMethodName })
            {
                return; // Start-up and shutdown: the process's own thread, not a server's.
            }

            var why = fix == FixDelay
                ? "blocks a thread-pool thread in async code; await Task.Delay instead"
                : "blocks a thread-pool thread in async code until the task completes; await it instead";
            AddCandidate(node, new Candidate(
                Rules.ProcessOrThreadBlocked, operation.Syntax.GetLocation(), Condition.Always, new object?[] { what, why }, Properties: properties));
        }
        else if (SymbolEqualityComparer.Default.Equals(function, node))
        {
            // The second argument (the chain) is filled in at the end.
            AddCandidate(node, new Candidate(
                Rules.ProcessOrThreadBlocked, operation.Syntax.GetLocation(), Condition.OnAsyncThread, new object?[] { what, null }, Properties: properties));
        }
    }

    /// <summary>
    /// <c>task.Result</c> after <c>await task</c> or <c>await Task.WhenAll(…, task, …)</c>, or guarded by
    /// <c>task.IsCompleted…</c>: the task has finished, nothing blocks.
    /// </summary>
    private static bool IsAlreadyCompleted(IPropertyReferenceOperation result)
    {
        var task = Unwrap(result.Instance) switch
        {
            ILocalReferenceOperation local => (ISymbol)local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };
        if (task is null)
        {
            return false;
        }

        IOperation root = result;
        while (root.Parent is { } parent && root is not (IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyBaseOperation))
        {
            root = parent;
        }

        foreach (var operation in root.Descendants())
        {
            var checksTask = operation switch
            {
                IAwaitOperation awaited => awaited.Syntax.SpanStart < result.Syntax.SpanStart,
                IPropertyReferenceOperation { Property.Name: "IsCompleted" or "IsCompletedSuccessfully" } => true,
                _ => false,
            };
            if (checksTask && Mentions(operation, task))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Mentions(IOperation operation, ISymbol symbol)
    {
        foreach (var child in operation.DescendantsAndSelf())
        {
            var referenced = child switch
            {
                ILocalReferenceOperation local => (ISymbol)local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (SymbolEqualityComparer.Default.Equals(referenced, symbol))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsAsync(IMethodSymbol method) => method.IsAsync || _types.IsTaskLike(method.ReturnType);

    /// <summary>A static field or auto-property: RES001 when written, RES002 bookkeeping when it holds a collection.</summary>
    private void OnStaticMember(OperationAnalysisContext context, IOperation reference, ISymbol member, ITypeSymbol type)
    {
        var access = AccessOf(reference, member);
        var isString = type.SpecialType == SpecialType.System_String;
        if (access == Access.Write && reference.Parent is ISimpleAssignmentOperation
            && context.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.StaticConstructor })
        {
            _emptied.TryAdd(member, 0); // Reassigning a collection (or string) empties it.
        }
        else if (access == Access.Read && (isString || _types.IsCollection(type)) && Escapes(reference))
        {
            _emptied.TryAdd(member, 0); // Someone else may empty it.
        }

        if (access != Access.Write || LeakTypes.HasAttribute(member, _types.ThreadStatic) || _types.IsFlowLocal(type))
        {
            return;
        }

        var node = NodeOf(reference, context.ContainingSymbol);
        var kind = member is IFieldSymbol ? "field" : "property";
        var location = reference.Parent!.Syntax.GetLocation();
        if (isString && reference.Parent is ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add })
        {
            AddCandidate(node, new Candidate(Rules.StaticCollectionGrows, location, Condition.StringAppend, new object?[] { member.Name, "+=" }, member));
        }
        else
        {
            AddCandidate(node, new Candidate(Rules.StaticWrittenFromRequest, location, Condition.Reachable,
                new object?[] { kind, member.Name }, member, member is IFieldSymbol ? CounterFix(reference) : null));
        }
    }

    /// <summary>
    /// A call that grows or empties a collection: RES002 for static ones and for fields of singletons (decided at the
    /// end), RES004 for a singleton's own non-concurrent collection mutated without synchronization.
    /// </summary>
    private void OnCollectionCall(OperationAnalysisContext context, IOperation operation, IOperation? receiver, string what, bool growth, bool removal)
    {
        receiver = Unwrap(receiver);
        var (member, type, isStatic) = receiver switch
        {
            IFieldReferenceOperation field => ((ISymbol)field.Field.OriginalDefinition, field.Field.Type, field.Field.IsStatic),
            IPropertyReferenceOperation { Property.IsIndexer: false } property => (property.Property.OriginalDefinition, property.Property.Type, property.Property.IsStatic),
            _ => (null, null, false),
        };
        if (member is null || !IsInSource(member) || !_types.IsCollection(type))
        {
            return;
        }

        if (removal)
        {
            _emptied.TryAdd(member, 0);
        }
        else if (growth && !_types.IsFlowLocal(type) && !HasBoundedKey(operation, type!)
                 && (isStatic || member is IFieldSymbol || IsAutoProperty((IPropertySymbol)member))
                 && context.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor })
        {
            AddCandidate(NodeOf(operation, context.ContainingSymbol), new Candidate(
                Rules.StaticCollectionGrows, operation.Syntax.GetLocation(), Condition.NeverEmptied,
                new object?[] { isStatic ? $"static collection '{member.Name}'" : null, what }, member));
        }

        // The class's own field or auto-property (`private List<T> Items { get; set; }` is a field by another name).
        var isOwnMember = receiver is IFieldReferenceOperation { Instance: IInstanceReferenceOperation }
            || receiver is IPropertyReferenceOperation { Instance: IInstanceReferenceOperation } && member is IPropertySymbol ownProperty && IsAutoProperty(ownProperty);
        if (!isStatic && isOwnMember && member.ContainingType.TypeKind == TypeKind.Class
            && !LeakTypes.IsConcurrentCollection(type)
            && context.ContainingSymbol is IMethodSymbol { MethodKind: not MethodKind.Constructor }
            && !IsSynchronized(operation))
        {
            var node = NodeOf(operation, context.ContainingSymbol);
            AddCandidate(node, new Candidate(
                Rules.HandlerFieldWritten, operation.Syntax.GetLocation(), Condition.SingletonReachable,
                new object?[] { member.ContainingType.Name, member.Name, node.Name, null }, member.ContainingType.OriginalDefinition));
        }
    }

    /// <summary>
    /// A dictionary or set keyed by something with few values cannot grow without bound: a Type, an enum, a bool, a
    /// constant, a static readonly value, or an element of (or a local read from) a static readonly collection.
    /// </summary>
    private bool HasBoundedKey(IOperation operation, ITypeSymbol collection)
    {
        if (!IsKeyed(collection))
        {
            return false;
        }

        var key = operation switch
        {
            IPropertyReferenceOperation { Arguments.Length: > 0 } indexer => indexer.Arguments[0].Value,
            IInvocationOperation { Instance: not null, Arguments.Length: > 0 } call => call.Arguments[0].Value,
            IInvocationOperation { Arguments.Length: > 1 } extension => extension.Arguments[1].Value,
            _ => null,
        };
        return key is not null && IsBounded(key, depth: 0);
    }

    private bool IsKeyed(ITypeSymbol collection)
    {
        foreach (var implemented in collection.AllInterfaces)
        {
            if (implemented.OriginalDefinition.ToDisplayString() is "System.Collections.Generic.IDictionary<TKey, TValue>"
                or "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>" or "System.Collections.Generic.ISet<T>"
                or "System.Collections.IDictionary")
            {
                return true;
            }
        }

        return false;
    }

    private bool IsBounded(IOperation key, int depth)
    {
        var type = key.Type;
        if (type is { TypeKind: TypeKind.Enum } || type?.SpecialType == SpecialType.System_Boolean
            || type is INamedTypeSymbol { Name: "Type", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } })
        {
            return true; // The app has finitely many types and enum values.
        }

        key = Unwrap(key)!;
        if (key.ConstantValue.HasValue || key is ITypeOfOperation)
        {
            return true;
        }

        if (depth > 3)
        {
            return false;
        }

        switch (key)
        {
            case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } }:
                return true;
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } lookup }:
                return IsStaticReadOnly(lookup);
            case IInvocationOperation { Instance: { } lookup, TargetMethod.Name: "ElementAt" or "First" or "Single" or "Last" or "GetValueOrDefault" }:
                return IsStaticReadOnly(lookup);
            case IInvocationOperation { Instance: null, Arguments.Length: > 0, TargetMethod.IsExtensionMethod: true, TargetMethod.Name: "ElementAt" or "First" or "Single" or "Last" or "GetValueOrDefault" } extension:
                return IsStaticReadOnly(extension.Arguments[0].Value);
            case ILocalReferenceOperation local:
                return IsBoundedLocal(key, local.Local, depth);
            default:
                return false;
        }
    }

    private static bool IsStaticReadOnly(IOperation operation) =>
        Unwrap(operation) is IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } }
            or IPropertyReferenceOperation { Property: { IsStatic: true, SetMethod: null } };

    /// <summary>A local whose value comes from a bounded source: its initializer, or the static readonly collection a foreach walks.</summary>
    private bool IsBoundedLocal(IOperation reference, ILocalSymbol local, int depth)
    {
        IOperation root = reference;
        while (root.Parent is { } parent && root is not IMethodBodyBaseOperation)
        {
            root = parent;
        }

        foreach (var operation in root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    return declarator.Initializer is { } initializer && IsBounded(initializer.Value, depth + 1);
                case IForEachLoopOperation loop when loop.Locals.Contains(local, SymbolEqualityComparer.Default):
                    return IsStaticReadOnly(loop.Collection);
                case IArgumentOperation { Value: IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } } argument
                    when SymbolEqualityComparer.Default.Equals(declared.Local, local):
                    // s_lookup.TryGetValue(name, out var key): the key is one of the lookup's values.
                    return argument.Parent is IInvocationOperation { Instance: { } lookup, TargetMethod.Name: "TryGetValue" } && IsStaticReadOnly(lookup);
            }
        }

        return false;
    }

    private Access AccessOf(IOperation reference, ISymbol member)
    {
        switch (reference.Parent)
        {
            case ICoalesceAssignmentOperation coalesce when coalesce.Target == reference:
                return Access.LazyInit;
            case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                return IsNullGuarded(assignment, member) || IsFlagSetOnce(assignment, member) ? Access.LazyInit : Access.Write;
            case ICompoundAssignmentOperation compound when compound.Target == reference:
            case IIncrementOrDecrementOperation:
                return Access.Write;
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                var target = (argument.Parent as IInvocationOperation)?.TargetMethod.ContainingType;
                return LeakTypes.Is(target, _types.Interlocked) || LeakTypes.Is(target, _types.Volatile) || LeakTypes.Is(target, _types.LazyInitializer)
                    ? Access.Atomic
                    : Access.Write;
            default:
                return Access.Read;
        }
    }

    /// <summary><c>if (x == null) x = …;</c> (also <c>x is null</c>, and double-checked inside a lock).</summary>
    private static bool IsNullGuarded(IOperation assignment, ISymbol member)
    {
        for (IOperation? child = assignment, current = assignment.Parent; current is not null; child = current, current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyBaseOperation)
            {
                return false;
            }

            if (current is IConditionalOperation conditional && conditional.WhenTrue == child && ChecksNull(conditional.Condition, member))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>if (!_started) { …; _started = true; }</c>: a flag set once, after a check of itself (double-checked or not).</summary>
    private static bool IsFlagSetOnce(ISimpleAssignmentOperation assignment, ISymbol member)
    {
        if (Unwrap(assignment.Value) is not { ConstantValue: { HasValue: true, Value: true } })
        {
            return false;
        }

        for (IOperation? child = assignment, current = assignment.Parent; current is not null; child = current, current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyBaseOperation)
            {
                return false;
            }

            if (current is IConditionalOperation conditional && conditional.WhenTrue == child && MentionsMember(conditional.Condition, member))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MentionsMember(IOperation condition, ISymbol member)
    {
        foreach (var operation in condition.DescendantsAndSelf())
        {
            if (Refers(operation, member))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ChecksNull(IOperation condition, ISymbol member)
    {
        foreach (var operation in condition.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } binary
                    when Refers(binary.LeftOperand, member) && IsNull(binary.RightOperand) || Refers(binary.RightOperand, member) && IsNull(binary.LeftOperand):
                case IIsPatternOperation { Pattern: IConstantPatternOperation pattern } isPattern
                    when Refers(isPattern.Value, member) && IsNull(pattern.Value):
                    return true;
            }
        }

        return false;
    }

    private static bool Refers(IOperation operation, ISymbol member) => Unwrap(operation) switch
    {
        IFieldReferenceOperation field => SymbolEqualityComparer.Default.Equals(field.Field, member),
        IPropertyReferenceOperation property => SymbolEqualityComparer.Default.Equals(property.Property, member),
        _ => false,
    };

    private static bool IsNull(IOperation operation) =>
        Unwrap(operation) is { ConstantValue: { HasValue: true, Value: null } };

    /// <summary>Inside <c>lock</c>, or a try whose finally releases a SemaphoreSlim (the async lock).</summary>
    private static bool IsSynchronized(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILockOperation:
                    return true;
                case ITryOperation { Finally: { } finallyBlock } when ReleasesSemaphore(finallyBlock):
                    return true;
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    return false;
            }
        }

        return false;
    }

    private static bool ReleasesSemaphore(IOperation block)
    {
        foreach (var operation in block.Descendants())
        {
            if (operation is IInvocationOperation { TargetMethod: { Name: "Release", ContainingType.Name: "SemaphoreSlim" or "Semaphore" or "Mutex" } })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Used where something else might empty it: handed to a method of the compilation, stored, or returned.</summary>
    private bool Escapes(IOperation reference)
    {
        var current = reference;
        while (current.Parent is IConversionOperation conversion)
        {
            current = conversion;
        }

        return current.Parent switch
        {
            IArgumentOperation { Parent: IInvocationOperation invocation } => IsInSource(invocation.TargetMethod),
            IArgumentOperation { Parent: IObjectCreationOperation creation } => creation.Constructor is { } constructor && IsInSource(constructor),
            IVariableInitializerOperation or IReturnOperation => true,
            ISimpleAssignmentOperation assignment => assignment.Value == current,
            _ => false,
        };
    }

    /// <summary>The Interlocked code fix applies to <c>x++;</c>, <c>x--;</c>, <c>x += n;</c> and <c>x -= n;</c> on an integer field.</summary>
    private static ImmutableDictionary<string, string?>? CounterFix(IOperation reference)
    {
        var update = reference.Parent;
        var isCounter = update switch
        {
            IIncrementOrDecrementOperation => true,
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } => true,
            _ => false,
        };
        return isCounter && update!.Parent is IExpressionStatementOperation
               && reference.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_UInt32 or SpecialType.System_UInt64
            ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, FixInterlocked)
            : null;
    }

    private bool IsAutoProperty(IPropertySymbol property) => _autoProperties.GetOrAdd(property, ComputeIsAutoProperty);

    private static bool ComputeIsAutoProperty(IPropertySymbol property)
    {
        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
            {
                return true;
            }
        }

        return false;
    }

    private static IOperation? Unwrap(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }
}
