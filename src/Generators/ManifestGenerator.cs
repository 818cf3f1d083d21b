using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Declarations;
using Resident.Generators.Declarations.Cleaners;
using Resident.Generators.Declarations.CronJobs;
using Resident.Generators.Declarations.Events;
using Resident.Generators.Declarations.LifecycleHooks;
using Resident.Generators.Declarations.Processes;
using Resident.Generators.Declarations.RequestHooks;
using Resident.Generators.Declarations.Sockets;
using Resident.Generators.Declarations.Tables;
using Resident.Generators.Declarations.Tasks;
using Resident.Generators.Declarations.WebSockets;
using Resident.Generators.Diagnostics;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators;

/// <summary>
/// Emits one <c>ResidentManifest</c> per assembly listing its declarations, each with a generated factory or payload
/// codec, and one source file per <c>[SwooleTable]</c> struct. One <c>ForAttributeWithMetadataName</c> pipeline per
/// attribute, registered in <see cref="DeclarationKinds"/>; each yields equatable <see cref="DeclarationSpec"/>s into one
/// collected sequence, so edits that do not touch a declaration keep the output cached. Each kind's parser, spec and
/// emitter live together under <c>Declarations/</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ManifestGenerator : IIncrementalGenerator
{
    /// <summary>Names of the tracked pipeline steps, for caching tests.</summary>
    public static class Steps
    {
        /// <summary>The compilation facts (assembly name, runtime referenced).</summary>
        public const string Compilation = nameof(Compilation);

        public const string Cleaners = CleanerDeclaration.Step;
        public const string LifecycleHooks = LifecycleHookDeclaration.Step;
        public const string RequestHooks = RequestHookDeclaration.Step;
        public const string WebSocketHandlers = WebSocketHandlerDeclaration.Step;
        public const string BackgroundTasks = BackgroundTaskDeclaration.Step;
        public const string AsyncEvents = AsyncEventDeclaration.Step;
        public const string EventListeners = EventListenerDeclaration.Step;
        public const string CronJobs = CronJobDeclaration.Step;
        public const string CustomProcesses = CustomProcessDeclaration.Step;
        public const string SocketHandlers = SocketHandlerDeclaration.Step;

        /// <summary>Every declaration of the assembly, in manifest order.</summary>
        public const string Declarations = nameof(Declarations);

        /// <summary>The whole manifest spec.</summary>
        public const string Manifest = nameof(Manifest);

        /// <summary>What the parser read from each <c>[SwooleTable]</c> struct.</summary>
        public const string Tables = nameof(Tables);

        /// <summary>The tables to generate: valid specs with unique names, ordered.</summary>
        public const string TableSet = nameof(TableSet);

        /// <summary>The tables' manifest lines: <c>AddTable</c>, or the problems of a table left out.</summary>
        public const string TableDeclarations = nameof(TableDeclarations);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var compilation = context.CompilationProvider
            .Select(static (compilation, cancellationToken) =>
            {
                try
                {
                    return DeclarationParser.ParseCompilation(compilation, cancellationToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    return new CompilationSpec(compilation.AssemblyName ?? "", false, ImmutableEquatableArray<string>.Empty);
                }
            })
            .WithTrackingName(Steps.Compilation);

        var tableReads = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.SwooleTableAttribute, static (node, _) => TableParser.IsStruct(node), static (context, cancellationToken) =>
            {
                try
                {
                    return context.TargetSymbol is INamedTypeSymbol type && context.Attributes.Length == 1
                        ? TableParser.Read(type, context.Attributes[0], cancellationToken)
                        : null;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    var name = DeclarationParser.Name(context.TargetSymbol);
                    return new TableRead(name, "", null, null, ImmutableEquatableArray.Create(Problems.Failed(exception.Message)));
                }
            })
            .WithTrackingName(Steps.Tables)
            .Collect();

        var tables = tableReads.Select(TableParser.Valid).WithTrackingName(Steps.TableSet);

        // Every kind's declarations in one sequence: adding a kind adds a line to DeclarationKinds, not a level here.
        var declarations = tableReads.Select(TableParser.Declarations).WithTrackingName(Steps.TableDeclarations);
        foreach (var declarationKind in DeclarationKinds.All)
        {
            var read = declarationKind.Read;
            var kind = context.SyntaxProvider
                .ForAttributeWithMetadataName(declarationKind.Attribute, static (node, _) => IsClass(node), (context, cancellationToken) =>
                    context.TargetSymbol is INamedTypeSymbol type ? ReadAll(type, context.Attributes, read, cancellationToken) : ImmutableEquatableArray<DeclarationSpec>.Empty)
                .WithTrackingName(declarationKind.Step)
                .Collect();
            declarations = declarations.Combine(kind).Select(static (pair, _) =>
                pair.Left.Concat(pair.Right.SelectMany(specs => specs)).ToImmutableEquatableArray());
        }

        var ordered = declarations
            .Select(static (specs, _) => ManifestEmitter.Ordered(specs))
            .WithTrackingName(Steps.Declarations);

        var manifest = compilation
            .Combine(ordered)
            .Select(static (input, _) => input.Left.ReferencesRuntime
                ? new ManifestSpec(input.Left.AssemblyName, input.Left.ReferencedManifests, input.Right)
                : null)
            .WithTrackingName(Steps.Manifest);

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
                    output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.GeneratorFailed, Location.None, table.TypeName.Replace("global::", ""), exception.Message));
                    continue;
                }

                output.AddSource(TableEmitter.HintName(table), source);
            }
        });

        context.RegisterSourceOutput(manifest, static (output, spec) =>
        {
            if (spec is null)
            {
                return; // The compilation does not reference the Resident runtime: nothing to register with.
            }

            // A declaration the generator could not read: a warning naming it, and a problem in the manifest so the
            // app refuses to start rather than run without it.
            foreach (var diagnostic in FailureDiagnostics(spec))
            {
                output.ReportDiagnostic(diagnostic);
            }

            string source;
            try
            {
                source = ManifestEmitter.Emit(spec);
            }
            catch (Exception exception)
            {
                // Writing failed: an empty manifest that lists the failure, so the start reports it.
                output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.GeneratorFailed, Location.None, "the manifest of " + spec.AssemblyName, exception.Message));
                source = ManifestEmitter.Emit(spec with
                {
                    Declarations = ImmutableEquatableArray.Create<DeclarationSpec>(new RejectedDeclarationSpec(
                        spec.AssemblyName, "Manifest", ImmutableEquatableArray.Create(Problems.Failed(exception.Message)))),
                });
            }

            output.AddSource(ManifestEmitter.HintName, source);
        });
    }

    /// <summary>RESG001 for every declaration the generator could not read, each naming its type.</summary>
    internal static IEnumerable<Diagnostic> FailureDiagnostics(ManifestSpec spec) =>
        from declaration in spec.Declarations.OfType<RejectedDeclarationSpec>()
        from problem in declaration.Problems
        where problem.RuleId == GeneratorDiagnostics.GeneratorFailedId
        select Diagnostic.Create(GeneratorDiagnostics.GeneratorFailed, Location.None, problem.MessageArguments(declaration.Name));

    /// <summary>
    /// Every attribute of one kind on one class. A generator must never break the build, and an app must never start
    /// without a declaration it wrote: a reader that throws yields a declaration that lists the failure (RESG001).
    /// </summary>
    internal static ImmutableEquatableArray<DeclarationSpec> ReadAll(INamedTypeSymbol type, ImmutableArray<AttributeData> attributes, ReadDeclaration read, CancellationToken cancellationToken)
    {
        var specs = new List<DeclarationSpec>();
        foreach (var attribute in attributes)
        {
            try
            {
                if (read(type, attribute, cancellationToken) is { } spec)
                {
                    specs.Add(spec);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                specs.Add(new RejectedDeclarationSpec(
                    DeclarationParser.Name(type),
                    attribute.AttributeClass?.Name.Replace("Attribute", "") ?? "",
                    ImmutableEquatableArray.Create(Problems.Failed(exception.GetType().Name + ": " + exception.Message))));
            }
        }

        return specs.ToImmutableEquatableArray();
    }

    // A record class is a class too (RecordDeclarationSyntax); DeclarationShape rejects a record struct like any struct.
    private static bool IsClass(SyntaxNode node) =>
        node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax;
}
