using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Emitting;
using Resident.Generators.Model;

namespace Resident.Generators.Declarations.Sockets;

/// <summary>
/// A <c>[SocketHandler(name)]</c> class: the attribute as written (configuration may override any setting at start),
/// which handler interfaces it implements, and its factory.
/// </summary>
internal sealed record SocketHandlerSpec(string Name, string PortName, AttributeSpec Attribute, bool Tcp, bool Udp, FactorySpec Factory) : DeclarationSpec(Name)
{
    public override string Kind => SocketHandlerDeclaration.Attribute;

    public override string SortKey => PortName + "\0" + Name;

    public override void Emit(ManifestWriter writer) =>
        writer.Add("AddSocketHandler", Name, Factory, Attribute.Expression, "tcp: " + ManifestWriter.Boolean(Tcp), "udp: " + ManifestWriter.Boolean(Udp));
}

/// <summary>
/// Reads a <c>[SocketHandler]</c> class: an <c>ITcpHandler</c> or <c>IUdpHandler</c> the factory can build, with a
/// name, a port in range and framing settings that fit the framing.
/// </summary>
internal static class SocketHandlerDeclaration
{
    public const string Attribute = "SocketHandler";
    public const string Step = "SocketHandlers";
    private static readonly string[] Interfaces = { KnownNames.TcpHandler, KnownNames.UdpHandler };

    // PortType and SocketFraming values (pinned by PublicEnumValuesTests).
    private const int Tcp = 0, Udp = 2, Udp6 = 3, Unix = 4;
    private const int NoFraming = 0, Eof = 1, Length = 2, FixedSize = 3;

    public static DeclarationSpec? Read(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!DeclarationParser.TryNameArgument(attribute, out var name) || AttributeSpec.From(attribute) is not { } written)
        {
            return null; // An argument that does not bind: the compiler reports that one.
        }

        var problems = DeclarationParser.FactoryAndProblems(type, Interfaces, Attribute, out var factory);
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add(Problems.Value(Attribute, ProblemSite.ConstructorArgument, "0", $"the name {Problems.Quote(name)}",
                "a socket handler needs a name, such as [SocketHandler(\"tcp\")]"));
        }

        CheckSettings(attribute, problems);
        return DeclarationParser.Result(type, Attribute, problems, () => new SocketHandlerSpec(
            DeclarationParser.Name(type),
            name!,
            written,
            DeclarationShape.Implements(type, KnownNames.TcpHandler),
            DeclarationShape.Implements(type, KnownNames.UdpHandler),
            factory!));
    }

    // The attribute's own defaults fill what is not written; configuration may override any of them at start, but a
    // value written in the attribute that is out of range is a mistake either way.
    private static void CheckSettings(AttributeData attribute, List<DeclarationProblem> problems)
    {
        var portType = DeclarationParser.Int(attribute, "Type") ?? Tcp;
        if (portType != Unix && DeclarationParser.Int(attribute, "Port") is { } port
            && port != ResidentLimits.Socket.UnsetPort && port is < ResidentLimits.Socket.MinPort or > ResidentLimits.Socket.MaxPort)
        {
            problems.Add(Problems.Named(Attribute, "Port", $"Port = {Problems.Invariant(port)}",
                $"use {Problems.Invariant(ResidentLimits.Socket.MinPort)} to {Problems.Invariant(ResidentLimits.Socket.MaxPort)} (0 lets the system choose)"));
        }

        var maxLength = DeclarationParser.Int(attribute, "PackageMaxLength") ?? ResidentLimits.Socket.DefaultPackageMaxLength;
        if (maxLength is < ResidentLimits.Socket.MinPackageMaxLength or > ResidentLimits.Socket.MaxPackageMaxLength)
        {
            problems.Add(Problems.Named(Attribute, "PackageMaxLength", $"PackageMaxLength = {Problems.Invariant(maxLength)}",
                $"use {Problems.Invariant(ResidentLimits.Socket.MinPackageMaxLength)} to {Problems.Invariant(ResidentLimits.Socket.MaxPackageMaxLength)} bytes"));
            return;
        }

        if (portType is Udp or Udp6)
        {
            return; // Datagrams are not framed; the runtime ignores the framing settings.
        }

        switch (DeclarationParser.Int(attribute, "Framing") ?? NoFraming)
        {
            case Eof:
                var hasEof = DeclarationParser.TryNamed(attribute, "PackageEof", out var eof);
                if (!hasEof || string.IsNullOrEmpty(eof.Value as string))
                {
                    problems.Add(Problems.Named(Attribute, "PackageEof|Framing",
                        hasEof ? "an empty PackageEof" : "Framing = SocketFraming.Eof without PackageEof",
                        "Eof framing needs the bytes that end a message, such as PackageEof = \"\\r\\n\""));
                }

                break;
            case Length:
                var lengthSize = DeclarationParser.Int(attribute, "LengthSize") ?? ResidentLimits.Socket.DefaultLengthSize;
                var lengthOffset = DeclarationParser.Int(attribute, "LengthOffset") ?? 0;
                var bodyOffset = DeclarationParser.Int(attribute, "BodyOffset") ?? ResidentLimits.Socket.DefaultBodyOffset;
                if (lengthSize is not (1 or 2 or 4))
                {
                    problems.Add(Problems.Named(Attribute, "LengthSize", $"LengthSize = {Problems.Invariant(lengthSize)}", "a length field takes 1, 2 or 4 bytes"));
                }
                else if (lengthOffset < 0 || lengthOffset + lengthSize > maxLength)
                {
                    problems.Add(Problems.Named(Attribute, "LengthOffset", $"LengthOffset = {Problems.Invariant(lengthOffset)}", "use 0 to PackageMaxLength − LengthSize"));
                }

                if (bodyOffset < ResidentLimits.Socket.DefaultBodyOffset)
                {
                    problems.Add(Problems.Named(Attribute, "BodyOffset", $"BodyOffset = {Problems.Invariant(bodyOffset)}", "use −1 (right after the length field) or more"));
                }

                break;
            case FixedSize:
                var fixedSize = DeclarationParser.Int(attribute, "FixedSize") ?? 0;
                if (fixedSize < 1 || fixedSize > maxLength)
                {
                    problems.Add(Problems.Named(Attribute, "FixedSize|Framing",
                        DeclarationParser.TryNamed(attribute, "FixedSize", out _) ? $"FixedSize = {Problems.Invariant(fixedSize)}" : "Framing = SocketFraming.FixedSize without FixedSize",
                        $"fixed-size framing needs a FixedSize from 1 to PackageMaxLength ({Problems.Invariant(maxLength)})"));
                }

                break;
        }
    }
}
