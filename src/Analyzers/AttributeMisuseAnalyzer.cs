using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Resident.Analyzers.Misuse;
using Resident.Generators;
using Resident.Generators.Parsing;

namespace Resident.Analyzers;

/// <summary>
/// RES101–RES108: attribute arguments the generator passes on silently but the runtime rejects at start (or the
/// generator leaves out): cron expressions and intervals, duplicate names and WebSocket paths, table structs and their
/// columns, payloads the generated JSON codec cannot handle, and numbers out of range. One symbol action per type;
/// only the duplicate checks wait for the compilation's end.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AttributeMisuseAnalyzer : DiagnosticAnalyzer
{
    // The table attributes are matched by metadata name, as TableParser does, wherever they are declared.
    private const string SwooleTableAttribute = KnownNames.SwooleTableAttribute;
    private const string ColumnAttribute = KnownNames.ColumnAttribute;

    // TableParser's limits (its rules are mirrored below: it yields no reason, only a spec or nothing).
    private const int MaxTableSize = TableParser.MaxSize;
    private const int MaxStringColumnSize = TableParser.MaxStringSize;
    private const int MaxTableNameLength = TableParser.MaxNameLength;

    private const int MaxTries = 100;
    private const int MaxPackageLength = 1024 * 1024 * 1024;

    private static readonly Regex PayloadMember = new("member '(?<name>[^']+)'|and '(?<name>[^']+)' would", RegexOptions.CultureInvariant);

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
            var kind = known.KindOf(attribute.AttributeClass);
            if (kind == AttributeKind.None
                || attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax syntax)
            {
                continue;
            }

            var site = new Site(context, type, attribute, syntax);
            switch (kind)
            {
                case AttributeKind.CronJob:
                    CheckCronJob(site, names);
                    break;
                case AttributeKind.CustomProcess:
                    CheckCustomProcess(site, names);
                    break;
                case AttributeKind.SocketHandler:
                    CheckSocketHandler(site, names);
                    break;
                case AttributeKind.WebSocketHandler:
                    CheckWebSocketPath(site, paths);
                    break;
                case AttributeKind.BackgroundTask:
                    CheckRetry(site, "BackgroundTask");
                    CheckPayload(site, new[] { KnownNames.BackgroundTask });
                    break;
                case AttributeKind.AsyncEvent:
                    CheckPayload(site, new string[0]);
                    break;
                case AttributeKind.EventListener:
                    CheckRetry(site, "EventListener");
                    break;
                case AttributeKind.SwooleTable:
                    CheckTable(site, names);
                    break;
            }
        }
    }

    // RES101, RES102, and the name for RES103.
    private static void CheckCronJob(Site site, ConcurrentBag<Named> names)
    {
        var attribute = site.Attribute;
        if (attribute.ConstructorArguments.Length != 1)
        {
            return; // Does not bind; the compiler says so.
        }

        var argument = attribute.ConstructorArguments[0];
        if (argument.Value is int interval)
        {
            if (interval < 1)
            {
                site.Report(Rules.NonPositiveInterval, site.Positional(0), site.Type.Name, Invariant(interval));
            }
        }
        else if (argument.Kind != TypedConstantKind.Array && (argument.Value is string || argument.IsNull))
        {
            var expression = argument.Value as string;
            var problem = expression is null ? "there is no expression (null)." : CronGrammar.Check(expression);
            if (problem is not null)
            {
                site.Report(Rules.InvalidCronExpression, site.Positional(0), site.Type.Name, expression ?? "null", problem);
            }
        }

        var hasName = site.TryNamed("Name", out var nameValue);
        var name = hasName ? nameValue.Value as string : site.Type.Name;
        if (hasName && string.IsNullOrWhiteSpace(name))
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("Name"), "CronJob", site.Type.Name, $"Name = {Quote(name)}",
                "a cron job needs a name; leave Name out to use the class name");
        }
        else if (name is not null)
        {
            names.Add(new Named("CronJob", name, site.Type, hasName ? site.Named("Name") : site.Whole, StringComparer.OrdinalIgnoreCase));
        }
    }

    // RES108 (name, Num, RestartInterval), and the name for RES103.
    private static void CheckCustomProcess(Site site, ConcurrentBag<Named> names)
    {
        var attribute = site.Attribute;
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array)
        {
            return;
        }

        var name = attribute.ConstructorArguments[0].Value as string;
        if (string.IsNullOrWhiteSpace(name))
        {
            site.Report(Rules.InvalidAttributeValue, site.Positional(0), "CustomProcess", site.Type.Name, $"the name {Quote(name)}",
                "a custom process needs a name, such as [CustomProcess(\"worker\")]");
        }
        else
        {
            names.Add(new Named("CustomProcess", name!, site.Type, site.Positional(0), StringComparer.Ordinal));
        }

        if (site.TryNamed("Num", out var num) && num.Value is int count && count is < 1 or > 64)
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("Num"), "CustomProcess", site.Type.Name, $"Num = {Invariant(count)}",
                "the runtime starts 1 to 64 instances of a custom process");
        }

        if (site.TryNamed("RestartInterval", out var restart) && restart.Value is int seconds && seconds is < 0 or > 3600)
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("RestartInterval"), "CustomProcess", site.Type.Name, $"RestartInterval = {Invariant(seconds)}",
                "use 0 to 3600 seconds");
        }
    }

    // RES108 (name, port, framing), and the name for RES103.
    private static void CheckSocketHandler(Site site, ConcurrentBag<Named> names)
    {
        var attribute = site.Attribute;
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array)
        {
            return;
        }

        const string Socket = "SocketHandler";
        var name = attribute.ConstructorArguments[0].Value as string;
        if (string.IsNullOrWhiteSpace(name))
        {
            site.Report(Rules.InvalidAttributeValue, site.Positional(0), Socket, site.Type.Name, $"the name {Quote(name)}",
                "a socket handler needs a name, such as [SocketHandler(\"tcp\")]");
        }
        else
        {
            names.Add(new Named(Socket, name!, site.Type, site.Positional(0), StringComparer.Ordinal));
        }

        // The attribute's defaults (SocketHandlerAttribute); configuration may override any of them at start, but a value
        // written in the attribute that is out of range is a mistake either way.
        var type = site.Int("Type") ?? 0; // Tcp
        const int Udp = 2, Udp6 = 3, Unix = 4;
        if (type != Unix && site.TryNamed("Port", out var portValue) && portValue.Value is int port && port != -1 && port is < 0 or > 65535)
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("Port"), Socket, site.Type.Name, $"Port = {Invariant(port)}",
                "use 0 to 65535 (0 lets the system choose)");
        }

        var maxLength = site.Int("PackageMaxLength") ?? 2 * 1024 * 1024;
        if (maxLength is < 1 or > MaxPackageLength)
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("PackageMaxLength"), Socket, site.Type.Name, $"PackageMaxLength = {Invariant(maxLength)}",
                "use 1 to 1073741824 bytes");
            return;
        }

        if (type is Udp or Udp6)
        {
            return; // Datagrams are not framed; the runtime ignores the framing settings.
        }

        const int Eof = 1, Length = 2, FixedSize = 3;
        switch (site.Int("Framing") ?? 0)
        {
            case Eof when site.TryNamed("PackageEof", out var eof) ? string.IsNullOrEmpty(eof.Value as string) : true:
                site.Report(Rules.InvalidAttributeValue, site.Named("PackageEof", "Framing"), Socket, site.Type.Name,
                    site.TryNamed("PackageEof", out _) ? "an empty PackageEof" : "Framing = SocketFraming.Eof without PackageEof",
                    "Eof framing needs the bytes that end a message, such as PackageEof = \"\\r\\n\"");
                break;
            case Length:
                var lengthSize = site.Int("LengthSize") ?? 4;
                var lengthOffset = site.Int("LengthOffset") ?? 0;
                var bodyOffset = site.Int("BodyOffset") ?? -1;
                if (lengthSize is not (1 or 2 or 4))
                {
                    site.Report(Rules.InvalidAttributeValue, site.Named("LengthSize"), Socket, site.Type.Name, $"LengthSize = {Invariant(lengthSize)}",
                        "a length field takes 1, 2 or 4 bytes");
                }
                else if (lengthOffset < 0 || lengthOffset + lengthSize > maxLength)
                {
                    site.Report(Rules.InvalidAttributeValue, site.Named("LengthOffset"), Socket, site.Type.Name, $"LengthOffset = {Invariant(lengthOffset)}",
                        "use 0 to PackageMaxLength − LengthSize");
                }

                if (bodyOffset < -1)
                {
                    site.Report(Rules.InvalidAttributeValue, site.Named("BodyOffset"), Socket, site.Type.Name, $"BodyOffset = {Invariant(bodyOffset)}",
                        "use −1 (right after the length field) or more");
                }

                break;
            case FixedSize:
                var fixedSize = site.Int("FixedSize") ?? 0;
                if (fixedSize < 1 || fixedSize > maxLength)
                {
                    site.Report(Rules.InvalidAttributeValue, site.Named("FixedSize", "Framing"), Socket, site.Type.Name,
                        site.TryNamed("FixedSize", out _) ? $"FixedSize = {Invariant(fixedSize)}" : "Framing = SocketFraming.FixedSize without FixedSize",
                        $"fixed-size framing needs a FixedSize from 1 to PackageMaxLength ({Invariant(maxLength)})");
                }

                break;
        }
    }

    // RES104 (a path not starting with '/'), and the path for its duplicate check.
    private static void CheckWebSocketPath(Site site, ConcurrentBag<Named> paths)
    {
        var attribute = site.Attribute;
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array)
        {
            return;
        }

        var path = attribute.ConstructorArguments[0].Value as string;
        if (string.IsNullOrWhiteSpace(path) || path![0] != '/')
        {
            site.Report(Rules.InvalidWebSocketPath, site.Positional(0), path ?? "null", site.Type.Name, "does not start with '/'; use a path such as \"/ws\"");
            return;
        }

        // Routing ignores case and a trailing slash, as ResidentManifestBuilder does.
        var key = path.Length > 1 ? path.TrimEnd('/') : path;
        paths.Add(new Named("WebSocketHandler", key, site.Type, site.Positional(0), StringComparer.OrdinalIgnoreCase) { Written = path });
    }

    // RES108: Tries and backoff, as TaskQueue.Validate checks them.
    private static void CheckRetry(Site site, string attributeName)
    {
        if (site.TryNamed("Tries", out var triesValue) && triesValue.Value is int tries && tries is < 1 or > MaxTries)
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("Tries"), attributeName, site.Type.Name, $"Tries = {Invariant(tries)}",
                $"use 1 to {Invariant(MaxTries)} tries in all");
        }

        var backoff = site.Int("BackoffMilliseconds") ?? 100;
        var maxBackoff = site.Int("MaxBackoffMilliseconds") ?? 60_000;
        if (backoff < 0)
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("BackoffMilliseconds"), attributeName, site.Type.Name, $"BackoffMilliseconds = {Invariant(backoff)}",
                "a backoff is 0 ms or more");
        }
        else if (maxBackoff < backoff)
        {
            site.Report(Rules.InvalidAttributeValue, site.Named("MaxBackoffMilliseconds", "BackoffMilliseconds"), attributeName, site.Type.Name,
                $"BackoffMilliseconds = {Invariant(backoff)} and MaxBackoffMilliseconds = {Invariant(maxBackoff)}",
                "MaxBackoffMilliseconds must be at least BackoffMilliseconds");
        }
    }

    // RES107: the generator's own payload rules, reported at the member they name.
    private static void CheckPayload(Site site, string[] interfaces)
    {
        if (DeclarationShape.CheckType(site.Type, interfaces) != ShapeProblem.None)
        {
            return; // RES100 explains; the generator reads no payload from it.
        }

        var problem = PayloadParser.Parse(site.Type, site.Context.CancellationToken).Problem;
        if (problem is null)
        {
            return;
        }

        var location = site.Whole;
        if (PayloadMember.Match(problem) is { Success: true } match)
        {
            var memberName = match.Groups["name"].Value;
            for (var current = site.Type; current is not null; current = current.BaseType)
            {
                if (current.GetMembers(memberName).FirstOrDefault(member => member.Locations.Any(l => l.IsInSource)) is { } member)
                {
                    // A member of this compilation's source; one declared elsewhere keeps the attribute as the location.
                    var memberLocation = member.Locations.First(l => l.IsInSource);
                    if (memberLocation.SourceTree is { } tree && site.Context.Compilation.ContainsSyntaxTree(tree))
                    {
                        location = memberLocation;
                    }

                    break;
                }
            }
        }

        site.Report(Rules.UnserializablePayload, location, problem);
    }

    // RES105, RES106, and the name for RES103.
    private static void CheckTable(Site site, ConcurrentBag<Named> names)
    {
        var type = site.Type;
        var attribute = site.Attribute;
        var problems = 0;
        void Shape(Location location, string problem)
        {
            problems++;
            site.Report(Rules.InvalidTableDeclaration, location, type.Name, problem);
        }

        if (type.TypeKind != TypeKind.Struct)
        {
            return; // AttributeUsage allows structs only; the compiler reports anything else.
        }

        var identifier = type.Locations.FirstOrDefault(l => l.IsInSource) ?? site.Whole;
        if (type.IsGenericType)
        {
            Shape(identifier, "is generic; a table row is one concrete struct");
        }

        if (type.ContainingType is not null)
        {
            Shape(identifier, "is nested in another type; declare it at the top level of a namespace");
        }

        if (type.IsReadOnly)
        {
            Shape(identifier, "is readonly; the generated codec writes its fields");
        }

        if (type.IsRefLikeType)
        {
            Shape(identifier, "is a ref struct; rows are copied in and out of shared memory");
        }

        if (type.IsFileLocal || type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal))
        {
            Shape(identifier, "must be public or internal, and not file-local");
        }

        if (!IsPartial(type, site.Context.CancellationToken))
        {
            Shape(identifier, "is not partial; declare it 'partial struct' so the generator can add its codec");
        }

        var name = LowerFirst(type.Name);
        if (attribute.ConstructorArguments.Length == 1)
        {
            if (attribute.ConstructorArguments[0].Value is not string declared)
            {
                Shape(site.Positional(0), "has a null name; leave the name out to use the struct's name");
                name = null;
            }
            else
            {
                name = declared;
            }
        }

        if (name is not null && !TableParser.IsValidName(name))
        {
            Shape(attribute.ConstructorArguments.Length == 1 ? site.Positional(0) : site.Whole,
                $"is named '{name}'; a table name has 1 to {Invariant(MaxTableNameLength)} letters, digits, '_', '-' and '.', and does not start with '.'");
        }

        if (site.TryNamed("Size", out var sizeValue) && sizeValue.Value is int size && size is < 1 or > MaxTableSize)
        {
            Shape(site.Named("Size"), $"has Size = {Invariant(size)}; use 1 to {Invariant(MaxTableSize)} rows");
        }

        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false, IsConst: false } field && CheckColumn(site, field) is { } columnProblem)
            {
                problems++;
                var column = field.AssociatedSymbol ?? field;
                var location = column.Locations.FirstOrDefault(l => l.IsInSource) ?? identifier;
                site.Report(Rules.InvalidTableColumn, location, column.Name, type.Name, columnProblem);
            }
        }

        // Only tables the generator keeps can clash: it leaves out every table whose name another one shares.
        if (problems == 0 && name is not null)
        {
            names.Add(new Named("SwooleTable", name, type, attribute.ConstructorArguments.Length == 1 ? site.Positional(0) : site.Whole, StringComparer.Ordinal));
        }
    }

    // As TableParser: long, int, double, and string with [Column(Size = 1..65535)]; plain writable fields only.
    private static string? CheckColumn(Site site, IFieldSymbol field)
    {
        if (field.IsImplicitlyDeclared)
        {
            return "is an auto-property; declare each column as a field";
        }

        if (field.IsReadOnly)
        {
            return "is readonly; the generated codec writes every column";
        }

        if (field.IsFixedSizeBuffer)
        {
            return "is a fixed-size buffer; use a string column with [Column(Size = n)]";
        }

        if (field.IsRequired)
        {
            return "is required; the generated codec creates rows without setting members";
        }

        switch (field.Type.SpecialType)
        {
            case SpecialType.System_Int64:
            case SpecialType.System_Int32:
            case SpecialType.System_Double:
                return null;
            case SpecialType.System_String:
                var column = field.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ColumnAttribute);
                var size = column?.NamedArguments.FirstOrDefault(argument => argument.Key == "Size").Value.Value as int?;
                if (size is null)
                {
                    return "is a string without [Column(Size = n)]; give the most UTF-8 bytes it holds, 1 to 65535";
                }

                return size is < 1 or > MaxStringColumnSize
                    ? $"is a string column of Size = {Invariant(size.Value)}; use 1 to {Invariant(MaxStringColumnSize)} UTF-8 bytes"
                    : null;
            default:
                return $"is of type {field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}, which a table cannot store; use long, int, double or string";
        }
    }

    private static bool IsPartial(INamedTypeSymbol type, System.Threading.CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Length > 0
        && type.DeclaringSyntaxReferences.All(reference =>
            reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(modifier => modifier.IsKind(SyntaxKind.PartialKeyword)));

    private static string LowerFirst(string name) =>
        name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

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

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string? value) => value is null ? "null" : "\"" + value + "\"";

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
            Any = CronJob is not null || CustomProcess is not null || SocketHandler is not null || WebSocketHandler is not null
                  || BackgroundTask is not null || AsyncEvent is not null || EventListener is not null || table is not null;
        }

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

        /// <summary>A named int (or enum) argument's value, or null when it is not written.</summary>
        public int? Int(string name) =>
            TryNamed(name, out var value) && value.Value is { } number && value.Kind is TypedConstantKind.Primitive or TypedConstantKind.Enum
                ? Convert.ToInt32(number, CultureInfo.InvariantCulture)
                : null;

        public void Report(DiagnosticDescriptor descriptor, Location location, params object[] arguments) =>
            Context.ReportDiagnostic(Diagnostic.Create(descriptor, location, arguments));
    }
}
