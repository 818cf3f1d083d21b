using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Generators;
using Resident.Generators.Declarations;
using Resident.Generators.Declarations.CronJobs;
using Resident.Generators.Declarations.Events;
using Resident.Generators.Declarations.Payloads;
using Resident.Generators.Declarations.Processes;
using Resident.Generators.Declarations.Sockets;
using Resident.Generators.Declarations.Tables;
using Resident.Generators.Declarations.Tasks;
using Resident.Generators.Declarations.WebSockets;
using Resident.Generators.Diagnostics;

namespace Resident.Analyzers;

/// <summary>
/// RES101–RES108: attribute arguments the generator rejects (it lists them in the manifest, so the start fails):
/// cron expressions and intervals, WebSocket paths, table structs and their columns, payloads the generated JSON codec
/// cannot handle, and numbers out of range. The rules are the declaration parsers' own (<c>src/Generators/Declarations</c>);
/// this analyzer only places their problems in the source. Duplicate names and paths across declarations wait for
/// the compilation's end. One symbol action per type.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AttributeMisuseAnalyzer : DiagnosticAnalyzer
{
    // The table attribute is matched by metadata name, as the generator does, wherever it is declared.
    private const string SwooleTableAttribute = KnownNames.SwooleTableAttribute;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Rules.InvalidCronExpression,
        Rules.NonPositiveInterval,
        Rules.DuplicateName,
        Rules.InvalidWebSocketPath,
        Rules.InvalidTableColumn,
        Rules.InvalidTableDeclaration,
        Rules.UnserializablePayload,
        Rules.InvalidAttributeValue);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = new KnownAttributes(start.Compilation);
            if (!known.Any)
            {
                return; // Not a Resident app.
            }

            var names = new ConcurrentBag<Named>();
            var paths = new ConcurrentBag<Named>();
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, known, names, paths), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end =>
            {
                ReportDuplicateNames(end, names);
                ReportDuplicatePaths(end, paths);
            });
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownAttributes known, ConcurrentBag<Named> names, ConcurrentBag<Named> paths)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (var attribute in type.GetAttributes())
        {
            // Most attributes are not Resident's: match the class before touching syntax.
            var declaration = known.DeclarationOf(attribute.AttributeClass);
            var kind = known.KindOf(attribute.AttributeClass);
            if ((declaration is null && kind == AttributeKind.None)
                || attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax syntax)
            {
                continue;
            }

            var site = new Site(context, type, attribute, syntax);
            if (declaration is not null)
            {
                Report(site, declaration.Read); // Every kind's own rules, from its parser.
            }

            // What one declaration cannot know alone: names and paths shared across the compilation, payloads, tables.
            switch (kind)
            {
                case AttributeKind.CronJob:
                    CollectCronJobName(site, names);
                    break;
                case AttributeKind.CustomProcess:
                    CollectName(site, "CustomProcess", names);
                    break;
                case AttributeKind.SocketHandler:
                    CollectName(site, "SocketHandler", names);
                    break;
                case AttributeKind.WebSocketHandler:
                    CollectPath(site, paths);
                    break;
                case AttributeKind.BackgroundTask:
                    CheckPayload(site, new[] { KnownNames.BackgroundTask });
                    break;
                case AttributeKind.AsyncEvent:
                    CheckPayload(site, new string[0]);
                    break;
                case AttributeKind.SwooleTable:
                    CheckTable(site, names);
                    break;
            }
        }
    }

    // The parser's own verdict on the declaration (RES101, RES102, RES104, RES108), each problem where it is written.
    // RES100 (the class's shape) is DeclarationShapeAnalyzer's to report.
    private static void Report(Site site, ReadDeclaration read)
    {
        if (read(site.Type, site.Attribute, site.Context.CancellationToken) is RejectedDeclarationSpec rejected)
        {
            Report(site, rejected.Problems);
        }
    }

    private static void Report(Site site, IEnumerable<DeclarationProblem> problems)
    {
        foreach (var problem in problems)
        {
            if (problem.RuleId != RuleMessages.DeclarationShapeId && Rules.For(problem.RuleId) is { } descriptor)
            {
                site.Report(descriptor, site.Locate(problem), problem.MessageArguments(site.Type.Name));
            }
        }
    }

    // The name for RES103: the cron job's Name, or its class name.
    private static void CollectCronJobName(Site site, ConcurrentBag<Named> names)
    {
        if (site.Attribute.ConstructorArguments.Length != 1)
        {
            return; // Does not bind; the compiler says so.
        }

        var hasName = site.TryNamed("Name", out var nameValue);
        var name = hasName ? nameValue.Value as string : site.Type.Name;
        if (!string.IsNullOrWhiteSpace(name))
        {
            names.Add(new Named("CronJob", name!, site.Type, hasName ? site.Named("Name") : site.Whole, StringComparer.OrdinalIgnoreCase));
        }
    }

    // The name of a [CustomProcess("name")] or [SocketHandler("name")] for RES103.
    private static void CollectName(Site site, string attribute, ConcurrentBag<Named> names)
    {
        if (DeclarationParser.TryNameArgument(site.Attribute, out var name) && !string.IsNullOrWhiteSpace(name))
        {
            names.Add(new Named(attribute, name!, site.Type, site.Positional(0), StringComparer.Ordinal));
        }
    }

    // The path of a WebSocket handler, for the duplicate check.
    private static void CollectPath(Site site, ConcurrentBag<Named> paths)
    {
        if (DeclarationParser.TryNameArgument(site.Attribute, out var path) && WebSocketHandlerDeclaration.PathProblem(path) is null)
        {
            paths.Add(new Named("WebSocketHandler", WebSocketHandlerDeclaration.RouteKey(path!), site.Type, site.Positional(0), StringComparer.OrdinalIgnoreCase) { Written = path! });
        }
    }

    // RES107: the generator's own payload rules, reported at the member they name.
    private static void CheckPayload(Site site, string[] interfaces)
    {
        if (DeclarationShape.CheckType(site.Type, interfaces) != ShapeProblem.None)
        {
            return; // RES100 explains; the generator reads no payload from it.
        }

        var payload = PayloadParser.Parse(site.Type, site.Context.CancellationToken);
        if (payload.Problem is not { } problem)
        {
            return;
        }

        var location = payload.ProblemMember is { } member ? site.Member(member) ?? site.Whole : site.Whole;
        site.Report(Rules.UnserializablePayload, location, problem);
    }

    // RES105, RES106 (the table parser's problems), and the name for RES103.
    private static void CheckTable(Site site, ConcurrentBag<Named> names)
    {
        if (TableParser.Read(site.Type, site.Attribute, site.Context.CancellationToken) is not { } read)
        {
            return; // Not a struct, or an argument that does not bind: the compiler reports that.
        }

        Report(site, read.Problems);

        // Only tables the generator keeps can clash: it leaves out every table whose name another one shares.
        if (read.Spec is { } spec)
        {
            names.Add(new Named("SwooleTable", spec.TableName, site.Type, site.Attribute.ConstructorArguments.Length == 1 ? site.Positional(0) : site.Whole, StringComparer.Ordinal));
        }
    }

    // RES103: the second and later declarations of a name, each naming the first (in source order).
    private static void ReportDuplicateNames(CompilationAnalysisContext context, ConcurrentBag<Named> names)
    {
        foreach (var kind in names.GroupBy(named => named.Attribute))
        {
            var comparer = kind.First().Comparer;
            foreach (var group in kind.GroupBy(named => named.Name, comparer))
            {
                var ordered = group.OrderBy(named => named.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                    .ThenBy(named => named.Location.SourceSpan.Start)
                    .ToList();
                foreach (var later in ordered.Skip(1))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Rules.DuplicateName, later.Location, later.Attribute, DeclarationParser.Name(later.Type), later.Name, DeclarationParser.Name(ordered[0].Type), Consequence(later.Attribute)));
                }
            }
        }
    }

    private static string Consequence(string attribute) => attribute switch
    {
        "CronJob" => "the scheduler refuses to start with two cron jobs of one name (ignoring case); set another Name",
        "CustomProcess" => "the runtime refuses to start with two custom processes of one name; give each its own name",
        "SocketHandler" => "the runtime refuses to start with two socket handlers of one name; give each its own name",
        _ => "the generator leaves out both tables; give each its own name",
    };

    // RES104: the second and later handlers of one path.
    private static void ReportDuplicatePaths(CompilationAnalysisContext context, ConcurrentBag<Named> paths)
    {
        foreach (var group in paths.GroupBy(named => named.Name, StringComparer.OrdinalIgnoreCase))
        {
            var ordered = group.OrderBy(named => named.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(named => named.Location.SourceSpan.Start)
                .ToList();
            foreach (var later in ordered.Skip(1))
            {
                var first = ordered[0];
                var problem = SymbolEqualityComparer.Default.Equals(first.Type, later.Type)
                    ? "is declared twice on that class; routing ignores case and a trailing slash"
                    : $"is already served by '{DeclarationParser.Name(first.Type)}' ('{first.Written}'); routing ignores case and a trailing slash, so give each handler its own path";
                context.ReportDiagnostic(Diagnostic.Create(Rules.InvalidWebSocketPath, later.Location, later.Written, later.Type.Name, problem));
            }
        }
    }

    private enum AttributeKind
    {
        None,
        CronJob,
        CustomProcess,
        SocketHandler,
        WebSocketHandler,
        BackgroundTask,
        AsyncEvent,
        EventListener,
        SwooleTable,
    }

    /// <summary>The attribute types of the compilation, resolved once.</summary>
    private sealed class KnownAttributes
    {
        private readonly Dictionary<INamedTypeSymbol, DeclarationKind> _declarations = new(SymbolEqualityComparer.Default);

        public KnownAttributes(Compilation compilation)
        {
            CronJob = compilation.GetTypeByMetadataName(KnownNames.CronJobAttribute);
            CustomProcess = compilation.GetTypeByMetadataName(KnownNames.CustomProcessAttribute);
            SocketHandler = compilation.GetTypeByMetadataName(KnownNames.SocketHandlerAttribute);
            WebSocketHandler = compilation.GetTypeByMetadataName(KnownNames.WebSocketHandlerAttribute);
            BackgroundTask = compilation.GetTypeByMetadataName(KnownNames.BackgroundTaskAttribute);
            AsyncEvent = compilation.GetTypeByMetadataName(KnownNames.AsyncEventAttribute);
            EventListener = compilation.GetTypeByMetadataName(KnownNames.EventListenerAttribute);
            var table = compilation.GetTypeByMetadataName(SwooleTableAttribute);
            foreach (var declaration in DeclarationKinds.All)
            {
                if (compilation.GetTypeByMetadataName(declaration.Attribute) is { } attributeType)
                {
                    _declarations[attributeType] = declaration;
                }
            }

            Any = CronJob is not null || CustomProcess is not null || SocketHandler is not null || WebSocketHandler is not null
                  || BackgroundTask is not null || AsyncEvent is not null || EventListener is not null || table is not null
                  || _declarations.Count > 0;
        }

        /// <summary>The declaration kind whose parser reads <paramref name="attributeClass"/>, or null.</summary>
        public DeclarationKind? DeclarationOf(INamedTypeSymbol? attributeClass) =>
            attributeClass is not null && _declarations.TryGetValue(attributeClass, out var kind) ? kind : null;

        public AttributeKind KindOf(INamedTypeSymbol? attributeClass)
        {
            if (attributeClass is null)
            {
                return AttributeKind.None;
            }

            var comparer = SymbolEqualityComparer.Default;
            return comparer.Equals(attributeClass, CronJob) ? AttributeKind.CronJob
                : comparer.Equals(attributeClass, CustomProcess) ? AttributeKind.CustomProcess
                : comparer.Equals(attributeClass, SocketHandler) ? AttributeKind.SocketHandler
                : comparer.Equals(attributeClass, WebSocketHandler) ? AttributeKind.WebSocketHandler
                : comparer.Equals(attributeClass, BackgroundTask) ? AttributeKind.BackgroundTask
                : comparer.Equals(attributeClass, AsyncEvent) ? AttributeKind.AsyncEvent
                : comparer.Equals(attributeClass, EventListener) ? AttributeKind.EventListener
                // The table attributes may be declared in more than one place until the runtime has them: by name.
                : attributeClass.Name == "SwooleTableAttribute" && attributeClass.ToDisplayString() == SwooleTableAttribute ? AttributeKind.SwooleTable
                : AttributeKind.None;
        }

        public bool Any { get; }

        public INamedTypeSymbol? CronJob { get; }

        public INamedTypeSymbol? CustomProcess { get; }

        public INamedTypeSymbol? SocketHandler { get; }

        public INamedTypeSymbol? WebSocketHandler { get; }

        public INamedTypeSymbol? BackgroundTask { get; }

        public INamedTypeSymbol? AsyncEvent { get; }

        public INamedTypeSymbol? EventListener { get; }
    }

    /// <summary>A name (or WebSocket path) a declaration claims, for the duplicate checks at the compilation's end.</summary>
    private sealed class Named
    {
        public Named(string attribute, string name, INamedTypeSymbol type, Location location, StringComparer comparer)
        {
            Attribute = attribute;
            Name = name;
            Written = name;
            Type = type;
            Location = location;
            Comparer = comparer;
        }

        public string Attribute { get; }

        public string Name { get; }

        public string Written { get; set; }

        public INamedTypeSymbol Type { get; }

        public Location Location { get; }

        public StringComparer Comparer { get; }
    }

    /// <summary>One attribute application being checked, with the locations of its arguments.</summary>
    private sealed class Site
    {
        public Site(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData attribute, AttributeSyntax syntax)
        {
            Context = context;
            Type = type;
            Attribute = attribute;
            Syntax = syntax;
        }

        public SymbolAnalysisContext Context { get; }

        public INamedTypeSymbol Type { get; }

        public AttributeData Attribute { get; }

        public AttributeSyntax Syntax { get; }

        public Location Whole => Syntax.GetLocation();

        /// <summary>The expression of the positional argument at <paramref name="index"/>, or the whole attribute.</summary>
        public Location Positional(int index)
        {
            var positional = Syntax.ArgumentList?.Arguments.Where(argument => argument.NameEquals is null).ToList();
            if (positional is null || index >= positional.Count)
            {
                return Whole;
            }

            // A named constructor parameter (name: value) may be written out of order; one constructor argument here.
            return positional[index].Expression.GetLocation();
        }

        /// <summary>The expression of the first of <paramref name="names"/> written as a named argument, or the whole attribute.</summary>
        public Location Named(params string[] names)
        {
            foreach (var name in names)
            {
                var argument = Syntax.ArgumentList?.Arguments.FirstOrDefault(candidate => candidate.NameEquals?.Name.Identifier.ValueText == name);
                if (argument is not null)
                {
                    return argument.Expression.GetLocation();
                }
            }

            return Whole;
        }

        public bool TryNamed(string name, out TypedConstant value)
        {
            foreach (var argument in Attribute.NamedArguments)
            {
                if (argument.Key == name)
                {
                    value = argument.Value;
                    return true;
                }
            }

            value = default;
            return false;
        }

        /// <summary>Where <paramref name="problem"/> is written: its argument, member or the type, else the attribute.</summary>
        public Location Locate(DeclarationProblem problem) => problem.Site switch
        {
            ProblemSite.ConstructorArgument => Positional(int.Parse(problem.Target, CultureInfo.InvariantCulture)),
            ProblemSite.NamedArgument => Named(problem.Target.Split('|')),
            ProblemSite.Member => Member(problem.Target) ?? Identifier,
            ProblemSite.Type => Identifier,
            _ => Whole,
        };

        /// <summary>The type's name where it is declared.</summary>
        public Location Identifier => Type.Locations.FirstOrDefault(l => l.IsInSource) ?? Whole;

        /// <summary>The member <paramref name="name"/> of the type or a base type, when declared in this compilation's source.</summary>
        public Location? Member(string name)
        {
            for (var current = Type; current is not null; current = current.BaseType)
            {
                if (current.GetMembers(name).FirstOrDefault(member => member.Locations.Any(l => l.IsInSource)) is { } member)
                {
                    // A member declared elsewhere keeps the attribute as the location.
                    var location = member.Locations.First(l => l.IsInSource);
                    return location.SourceTree is { } tree && Context.Compilation.ContainsSyntaxTree(tree) ? location : null;
                }
            }

            return null;
        }

        public void Report(DiagnosticDescriptor descriptor, Location location, params object[] arguments) =>
            Context.ReportDiagnostic(Diagnostic.Create(descriptor, location, arguments));
    }
}
