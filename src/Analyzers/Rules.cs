using Microsoft.CodeAnalysis;

namespace Resident.Analyzers;

/// <summary>
/// The one catalogue of Resident's diagnostics. IDs are assigned by hand and never reused:
/// RES001–RES099 request-leak rules, RES100–RES199 misuse of Resident's attributes.
/// </summary>
internal static class Rules
{
    // Help pages live in the repository; the link is relative to its root until the project has a public home.
    public const string HelpRoot = "docs/rules/";

    public static readonly DiagnosticDescriptor DeclarationShape = Rule(
        "RES100",
        "Resident cannot construct this declaration",
        "[{0}] class '{1}' {2}; the generated manifest skips it",
        "Resident.Declarations",
        "A class marked with a Resident attribute is built by a generated factory that calls its constructor with services from dependency injection. The class must be a concrete, non-generic class reachable from the assembly, implement the attribute's interface, and have one public or internal constructor the factory can call.");

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, string description) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description, HelpRoot + id + ".md");
}
