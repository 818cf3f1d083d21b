using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;
using Resident.Generators.Parsing;

namespace Resident.Generators;

/// <summary>
/// Emits one <c>ResidentManifest</c> per assembly listing its <c>[Cleaner]</c>, <c>[RequestHook]</c>,
/// <c>[LifecycleHook]</c>, <c>[WebSocketHandler]</c>, <c>[EventListener]</c>, <c>[CronJob]</c>, <c>[CustomProcess]</c> and <c>[SocketHandler]</c>
/// classes, each with a generated factory, and its <c>[BackgroundTask]</c> and <c>[AsyncEvent]</c> types, each with a
/// generated JSON payload codec. One <c>ForAttributeWithMetadataName</c> pipeline
/// per attribute; each yields equatable specs, so edits that do not touch a declaration keep the output cached.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ManifestGenerator : IIncrementalGenerator
{
    /// <summary>Names of the tracked pipeline steps, for caching tests.</summary>
    public static class Steps
    {
        /// <summary>The compilation facts (assembly name, runtime referenced).</summary>
        public const string Compilation = nameof(Compilation);

        /// <summary>One spec per <c>[Cleaner]</c> class.</summary>
        public const string Cleaners = nameof(Cleaners);

        /// <summary>Specs per <c>[LifecycleHook]</c> class.</summary>
        public const string LifecycleHooks = nameof(LifecycleHooks);

        /// <summary>One spec per <c>[RequestHook]</c> class.</summary>
        public const string RequestHooks = nameof(RequestHooks);

        /// <summary>Specs per <c>[WebSocketHandler]</c> class.</summary>
        public const string WebSocketHandlers = nameof(WebSocketHandlers);

        /// <summary>One spec per <c>[BackgroundTask]</c> class.</summary>
        public const string BackgroundTasks = nameof(BackgroundTasks);

        /// <summary>One spec per <c>[AsyncEvent]</c> class.</summary>
        public const string AsyncEvents = nameof(AsyncEvents);

        /// <summary>One spec per <c>[EventListener]</c> class.</summary>
        public const string EventListeners = nameof(EventListeners);

        /// <summary>One spec per <c>[CronJob]</c> class.</summary>
        public const string CronJobs = nameof(CronJobs);

        /// <summary>One spec per <c>[CustomProcess]</c> class.</summary>
        public const string CustomProcesses = nameof(CustomProcesses);

        /// <summary>One spec per <c>[SocketHandler]</c> class.</summary>
        public const string SocketHandlers = nameof(SocketHandlers);

        /// <summary>The whole manifest spec.</summary>
        public const string Manifest = nameof(Manifest);

        /// <summary>One spec per <c>[SwooleTable]</c> struct (null for a wrong shape).</summary>
        public const string Tables = nameof(Tables);

        /// <summary>The tables to generate: valid specs with unique names, ordered.</summary>
        public const string TableSet = nameof(TableSet);

        /// <summary>The manifest spec with its tables.</summary>
        public const string ManifestWithTables = nameof(ManifestWithTables);
    }

    private static readonly DiagnosticDescriptor GeneratorFailed = new(
        "RESG001",
        "Resident generator failed",
        "Resident's manifest generator failed and emitted an empty manifest: {0}",
        "Resident.Generator",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var compilation = context.CompilationProvider
            .Select(Guard<Compilation, CompilationSpec>(DeclarationParser.ParseCompilation, new CompilationSpec("", false, ImmutableEquatableArray<string>.Empty)))
            .WithTrackingName(Steps.Compilation);

        var cleaners = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.CleanerAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, CleanerSpec?>(DeclarationParser.ParseCleaner, null))
            .WithTrackingName(Steps.Cleaners)
            .Collect();

        var lifecycleHooks = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.LifecycleHookAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, ImmutableEquatableArray<LifecycleHookSpec>>(DeclarationParser.ParseLifecycleHooks, ImmutableEquatableArray<LifecycleHookSpec>.Empty))
            .WithTrackingName(Steps.LifecycleHooks)
            .Collect();

        var requestHooks = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.RequestHookAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, RequestHookSpec?>(DeclarationParser.ParseRequestHook, null))
            .WithTrackingName(Steps.RequestHooks)
            .Collect();

        var webSocketHandlers = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.WebSocketHandlerAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, ImmutableEquatableArray<WebSocketHandlerSpec>>(DeclarationParser.ParseWebSocketHandlers, ImmutableEquatableArray<WebSocketHandlerSpec>.Empty))
            .WithTrackingName(Steps.WebSocketHandlers)
            .Collect();

        var backgroundTasks = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.BackgroundTaskAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, BackgroundTaskSpec?>(DeclarationParser.ParseBackgroundTask, null))
            .WithTrackingName(Steps.BackgroundTasks)
            .Collect();

        var asyncEvents = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.AsyncEventAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, AsyncEventSpec?>(DeclarationParser.ParseAsyncEvent, null))
            .WithTrackingName(Steps.AsyncEvents)
            .Collect();

        var eventListeners = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.EventListenerAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, EventListenerSpec?>(DeclarationParser.ParseEventListener, null))
            .WithTrackingName(Steps.EventListeners)
            .Collect();

        var cronJobs = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.CronJobAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, CronJobSpec?>(DeclarationParser.ParseCronJob, null))
            .WithTrackingName(Steps.CronJobs)
            .Collect();

        var customProcesses = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.CustomProcessAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, CustomProcessSpec?>(DeclarationParser.ParseCustomProcess, null))
            .WithTrackingName(Steps.CustomProcesses)
            .Collect();

        var socketHandlers = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.SocketHandlerAttribute, static (node, _) => IsClass(node), Guard<GeneratorAttributeSyntaxContext, SocketHandlerSpec?>(DeclarationParser.ParseSocketHandler, null))
            .WithTrackingName(Steps.SocketHandlers)
            .Collect();

        var background = backgroundTasks
            .Combine(asyncEvents)
            .Combine(eventListeners)
            .Combine(cronJobs)
            .Combine(customProcesses);

        var manifest = compilation
            .Combine(cleaners)
            .Combine(lifecycleHooks)
            .Combine(requestHooks)
            .Combine(webSocketHandlers)
            .Combine(background)
            .Combine(socketHandlers)
            .Select(static (input, _) =>
            {
                var ((((((facts, cleanerSpecs), hookSpecs), requestHookSpecs), webSocketSpecs), ((((taskSpecs, eventSpecs), listenerSpecs), cronJobSpecs), processSpecs)), socketSpecs) = input;
                return facts.ReferencesRuntime
                    ? new ManifestSpec(
                        facts.AssemblyName,
                        facts.ReferencedManifests,
                        cleanerSpecs.OfType<CleanerSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        hookSpecs.SelectMany(specs => specs).OrderBy(spec => spec.Name, StringComparer.Ordinal).ThenBy(spec => spec.EventName, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        requestHookSpecs.OfType<RequestHookSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        webSocketSpecs.SelectMany(specs => specs).OrderBy(spec => spec.Name, StringComparer.Ordinal).ThenBy(spec => spec.Path, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        taskSpecs.OfType<BackgroundTaskSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        eventSpecs.OfType<AsyncEventSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        listenerSpecs.OfType<EventListenerSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        cronJobSpecs.OfType<CronJobSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        processSpecs.OfType<CustomProcessSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray(),
                        socketSpecs.OfType<SocketHandlerSpec>().OrderBy(spec => spec.Name, StringComparer.Ordinal).ToImmutableEquatableArray())
                    : null;
            })
            .WithTrackingName(Steps.Manifest);

        var tables = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.SwooleTableAttribute, static (node, _) => TableParser.IsStruct(node), Guard<GeneratorAttributeSyntaxContext, TableSpec?>(TableParser.Parse, null))
            .WithTrackingName(Steps.Tables)
            .Collect()
            .Select(Guard<ImmutableArray<TableSpec?>, ImmutableEquatableArray<TableSpec>>(TableParser.Valid, ImmutableEquatableArray<TableSpec>.Empty))
            .WithTrackingName(Steps.TableSet);

        var manifestWithTables = manifest
            .Combine(tables)
            .Select(static (input, _) => input.Left is null ? null : input.Left with
            {
                Tables = input.Right.Select(table => table.TypeName).ToImmutableEquatableArray(),
            })
            .WithTrackingName(Steps.ManifestWithTables);

        context.RegisterSourceOutput(tables, static (output, specs) =>
        {
            foreach (var table in specs)
            {
                string source;
                try
                {
                    source = TableEmitter.Emit(table);
                }
                catch (Exception exception)
                {
                    output.ReportDiagnostic(Diagnostic.Create(GeneratorFailed, Location.None, exception.Message));
                    continue;
                }

                output.AddSource(TableEmitter.HintName(table), source);
            }
        });

        context.RegisterSourceOutput(manifestWithTables, static (output, spec) =>
        {
            if (spec is null)
            {
                return; // The compilation does not reference the Resident runtime: nothing to register with.
            }

            string source;
            try
            {
                source = ManifestEmitter.Emit(spec);
            }
            catch (Exception exception)
            {
                output.ReportDiagnostic(Diagnostic.Create(GeneratorFailed, Location.None, exception.Message));
                source = ManifestEmitter.Emit(spec with
                {
                    Cleaners = ImmutableEquatableArray<CleanerSpec>.Empty,
                    LifecycleHooks = ImmutableEquatableArray<LifecycleHookSpec>.Empty,
                    RequestHooks = ImmutableEquatableArray<RequestHookSpec>.Empty,
                    WebSocketHandlers = ImmutableEquatableArray<WebSocketHandlerSpec>.Empty,
                    BackgroundTasks = ImmutableEquatableArray<BackgroundTaskSpec>.Empty,
                    AsyncEvents = ImmutableEquatableArray<AsyncEventSpec>.Empty,
                    EventListeners = ImmutableEquatableArray<EventListenerSpec>.Empty,
                    CronJobs = ImmutableEquatableArray<CronJobSpec>.Empty,
                    CustomProcesses = ImmutableEquatableArray<CustomProcessSpec>.Empty,
                    SocketHandlers = ImmutableEquatableArray<SocketHandlerSpec>.Empty,
                    Tables = ImmutableEquatableArray<string>.Empty,
                });
            }

            output.AddSource(ManifestEmitter.HintName, source);
        });
    }

    // A record class is a class too (RecordDeclarationSyntax); DeclarationShape rejects a record struct like any struct.
    private static bool IsClass(SyntaxNode node) =>
        node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax;

    // A generator must never break the build: a parse step that throws yields its fallback value.
    private static Func<TInput, System.Threading.CancellationToken, TResult> Guard<TInput, TResult>(
        Func<TInput, System.Threading.CancellationToken, TResult> parse, TResult fallback) =>
        (input, cancellationToken) =>
        {
            try
            {
                return parse(input, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                return fallback;
            }
        };
}
