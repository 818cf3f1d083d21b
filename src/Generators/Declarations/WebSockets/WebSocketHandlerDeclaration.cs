using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.WebSockets;

/// <summary>One <c>[WebSocketHandler(path)]</c> attribute on a class; a class serving several paths has several specs.</summary>
internal sealed record WebSocketHandlerSpec(string Name, string Path, AttributeSpec Attribute, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => WebSocketHandlerDeclaration.Attribute;

    public override string SortKey => Name + "\0" + Path;

    public override void Emit(ManifestWriter writer) => writer.Add("AddWebSocketHandler", Name, Factory, Attribute.Expression);
}

/// <summary>
/// Reads a <c>[WebSocketHandler]</c> attribute: an <c>IWebSocketHandler</c> class the factory can build, on a path
/// starting with '/'. Two handlers on one path are a start-up problem the runtime finds across assemblies.
/// </summary>
internal static class WebSocketHandlerDeclaration
{
    public const string Attribute = "WebSocketHandler";
    public const string Step = "WebSocketHandlers";
    private static readonly string[] Interfaces = { KnownNames.WebSocketHandler };

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!DeclarationParser.TryNameArgument(attribute, out var path) || AttributeSpec.From(attribute) is not { } written)
        {
            return null; // An argument that does not bind (a number): the compiler reports that one.
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        if (PathProblem(path) is { } pathProblem)
        {
            problems.Add(Problems.WebSocketPath(path ?? "null", pathProblem));
        }

        return DeclarationParser.Result(type, Attribute, problems, () => new WebSocketHandlerSpec(DeclarationParser.Name(type), path!, written, factory!));
    }

    /// <summary>Why <paramref name="path"/> is not a WebSocket path, or null.</summary>
    public static string? PathProblem(string? path) =>
        string.IsNullOrWhiteSpace(path) || path![0] != '/' ? "does not start with '/'; use a path such as \"/ws\"" : null;

    /// <summary>The key two paths clash on: routing ignores case and a trailing slash, as the runtime does.</summary>
    public static string RouteKey(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
