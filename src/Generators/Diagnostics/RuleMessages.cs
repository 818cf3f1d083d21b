using Microsoft.CodeAnalysis;

namespace Resident.Generators.Diagnostics;

/// <summary>
/// The ids and message formats of the rules a declaration's parser decides. The analyzer's descriptors
/// (<c>Resident.Analyzers.Rules</c>) and the sentences the generated manifest hands to the runtime are both made
/// from these, so the IDE and a failed start say the same thing.
/// </summary>
internal static class RuleMessages
{
    public const string DeclarationShapeId = "RES100";
    public const string DeclarationShape = "[{0}] class '{1}' {2}; the generated manifest skips it";

    public const string InvalidCronExpressionId = "RES101";
    public const string InvalidCronExpression = "[CronJob] '{0}' has the cron expression '{1}', which the scheduler rejects at start: {2}";

    public const string NonPositiveIntervalId = "RES102";
    public const string NonPositiveInterval = "[CronJob] '{0}' has the interval {1} ms; the scheduler refuses to start with an interval below 1 ms";

    public const string DuplicateNameId = "RES103";
    public const string DuplicateName = "[{0}] '{1}' is named '{2}', like '{3}'; {4}";

    public const string InvalidWebSocketPathId = "RES104";
    public const string InvalidWebSocketPath = "[WebSocketHandler] path '{0}' of '{1}' {2}";

    public const string InvalidTableColumnId = "RES105";
    public const string InvalidTableColumn = "Column '{0}' of [SwooleTable] struct '{1}' {2}; the generator leaves the table out";

    public const string InvalidTableDeclarationId = "RES106";
    public const string InvalidTableDeclaration = "[SwooleTable] struct '{0}' {1}; the generator leaves the table out";

    public const string UnserializablePayloadId = "RES107";
    public const string UnserializablePayload = "{0}";

    public const string InvalidAttributeValueId = "RES108";
    public const string InvalidAttributeValue = "[{0}] on '{1}' sets {2}; {3}";

    /// <summary>The message format of rule <paramref name="id"/>.</summary>
    public static string For(string id) => id switch
    {
        DeclarationShapeId => DeclarationShape,
        InvalidCronExpressionId => InvalidCronExpression,
        NonPositiveIntervalId => NonPositiveInterval,
        DuplicateNameId => DuplicateName,
        InvalidWebSocketPathId => InvalidWebSocketPath,
        InvalidTableColumnId => InvalidTableColumn,
        InvalidTableDeclarationId => InvalidTableDeclaration,
        UnserializablePayloadId => UnserializablePayload,
        InvalidAttributeValueId => InvalidAttributeValue,
        GeneratorDiagnostics.GeneratorFailedId => GeneratorDiagnostics.GeneratorFailedMessage,
        _ => "{0}",
    };
}

/// <summary>The diagnostics the generator itself reports (catalogued with the analyzers' rules).</summary>
internal static class GeneratorDiagnostics
{
    public const string GeneratorFailedId = "RESG001";
    public const string GeneratorFailedMessage = "Resident's generator could not read '{0}' and left it out of the manifest: {1}";

    /// <summary>RESG001: reading a declaration (or writing the manifest) threw; the app fails its start naming the type.</summary>
    public static readonly DiagnosticDescriptor GeneratorFailed = new(
        GeneratorFailedId,
        "Resident's generator could not read a declaration",
        GeneratorFailedMessage,
        "Resident.Generator",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        "The generator met code it could not read (a bug in Resident, or code too broken to analyze) while reading a declaration or writing the manifest. It leaves that declaration out and the generated manifest lists the failure, so the app refuses to start instead of running without it.",
        HelpLinks.For(GeneratorFailedId));
}
