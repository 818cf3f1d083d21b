namespace Resident;

/// <summary>
/// The server cannot start: every bad setting, declaration and component found by the start-up checks, in one list,
/// so one run shows everything there is to fix.
/// </summary>
public sealed class ResidentStartupException : InvalidOperationException
{
    /// <summary>Creates the exception from the problems found, each a full sentence naming its key or class.</summary>
    /// <param name="errors">The problems, in the order they were found.</param>
    /// <param name="causes">Exceptions behind some of them (a component's factory that threw), if any.</param>
    public ResidentStartupException(IReadOnlyList<string> errors, IReadOnlyList<Exception>? causes = null)
        : base(Describe(errors), Cause(causes))
    {
        Errors = errors;
    }

    /// <summary>The problems, each a full sentence naming its key (<c>Resident:ListenPort</c>) or class.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>
    /// The problems without a stack trace: they are the user's to fix, not a bug, and the host logs this once when
    /// the start fails. A component's factory that threw keeps its own exception (and trace) after the list.
    /// </summary>
    public override string ToString() =>
        InnerException is { } cause
            ? $"{GetType().FullName}: {Message}{Environment.NewLine} ---> {cause}"
            : $"{GetType().FullName}: {Message}";

    private static string Describe(IReadOnlyList<string> errors) =>
        (errors.Count == 1
            ? $"Resident cannot start: {errors[0]}"
            : $"Resident cannot start; fix these {errors.Count} problems:{Environment.NewLine}"
              + string.Join(Environment.NewLine, errors.Select(error => "  - " + error)))
        + Hint(errors);

    // How to set the first key named, the three usual ways.
    private static string Hint(IReadOnlyList<string> errors)
    {
        var key = errors.Select(error => System.Text.RegularExpressions.Regex.Match(error, @"\bResident(:[A-Za-z0-9_.-]+)+")).FirstOrDefault(match => match.Success)?.Value;
        return key is null
            ? ""
            : $"{Environment.NewLine}Settings come from appsettings.json (the \"Resident\" section), the environment ({key.Replace(":", "__", StringComparison.Ordinal)}=…) "
              + $"and the command line (--{key}=…); see the README's configuration table.";
    }

    private static Exception? Cause(IReadOnlyList<Exception>? causes) => causes switch
    {
        null or [] => null,
        [var single] => single,
        _ => new AggregateException(causes),
    };
}
