namespace Resident.Metrics;

/// <summary>
/// A list of meter or instrument names from the settings, each an exact name or a prefix ending in <c>*</c>
/// (<c>Resident:Metrics:Meters</c>, <c>Resident:Metrics:ExcludedInstruments</c>).
/// </summary>
internal sealed class NamePatterns
{
    private readonly HashSet<string> _exact;
    private readonly string[] _prefixes;

    public NamePatterns(IEnumerable<string> patterns)
    {
        var all = patterns.ToArray();
        _exact = new HashSet<string>(all.Where(name => !name.EndsWith('*')), StringComparer.Ordinal);
        _prefixes = [.. all.Where(name => name.EndsWith('*')).Select(name => name[..^1])];
    }

    /// <summary>Whether <paramref name="name"/> is one of the exact names or starts with one of the prefixes.</summary>
    public bool Matches(string name) =>
        _exact.Contains(name) || _prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>An error for each entry of <paramref name="patterns"/> (the setting <paramref name="key"/>) that is blank or <c>*</c> alone.</summary>
    public static void Validate(List<string> errors, string key, IList<string> patterns, string what)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(patterns[i]) || patterns[i] == "*")
            {
                errors.Add(Hosting.OptionsReader.Message($"{key}:{i}", $"must be {what}, or a prefix ending in * (not * alone)", patterns[i]));
            }
        }
    }
}
