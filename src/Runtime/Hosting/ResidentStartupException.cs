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

    private static string Describe(IReadOnlyList<string> errors) =>
        errors.Count == 1
            ? $"Resident cannot start: {errors[0]}"
            : $"Resident cannot start; fix these {errors.Count} problems:{Environment.NewLine}"
              + string.Join(Environment.NewLine, errors.Select(error => "  - " + error));

    private static Exception? Cause(IReadOnlyList<Exception>? causes) => causes switch
    {
        null or [] => null,
        [var single] => single,
        _ => new AggregateException(causes),
    };
}
