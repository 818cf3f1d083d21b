using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Analyzers.Leaks;

namespace Resident.Analyzers;

/// <summary>
/// RES001–RES005: state that leaks across requests in a resident server, and calls that take the worker down or
/// block it. "Request code" is what MVC actions, minimal-API handlers, middleware, Razor Pages handlers, SignalR hubs
/// and Resident's per-request/per-connection callbacks reach within <see cref="LeakCollector.MaxDepth"/> calls.
/// </summary>
/// <remarks>
/// One analyzer for the five rules, so the call graph is built once: operation actions record facts per method, and
/// one compilation-end action walks the graph. The diagnostics therefore appear in builds and full-solution analysis.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RequestLeakAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Rules.StaticWrittenFromRequest,
        Rules.StaticCollectionGrows,
        Rules.CaptiveRequestState,
        Rules.HandlerFieldWritten,
        Rules.ProcessOrThreadBlocked);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (LeakTypes.Create(start.Compilation) is not { } types)
            {
                return; // No ASP.NET Core: no request code.
            }

            var collector = new LeakCollector(types);
            start.RegisterSymbolAction(collector.OnNamedType, SymbolKind.NamedType);
            start.RegisterOperationAction(collector.OnInvocation, OperationKind.Invocation);
            start.RegisterOperationAction(collector.OnFieldReference, OperationKind.FieldReference);
            start.RegisterOperationAction(collector.OnPropertyReference, OperationKind.PropertyReference);
            start.RegisterOperationAction(collector.OnObjectCreation, OperationKind.ObjectCreation);
            start.RegisterOperationAction(collector.OnMethodReference, OperationKind.MethodReference);
            start.RegisterOperationAction(collector.OnAnonymousFunction, OperationKind.AnonymousFunction);
            start.RegisterOperationAction(collector.OnParameterReference, OperationKind.ParameterReference);
            start.RegisterCompilationEndAction(collector.OnCompilationEnd);
        });
    }
}
