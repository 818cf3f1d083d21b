using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Resident.Hosting;

/// <summary>
/// The shared helpers every feature reads and checks its part of the <c>Resident</c> section with. Configuration is
/// read by hand rather than with the reflection binder: it is NativeAOT-clean and every error names its key and the
/// allowed values. Keys are passed relative to <c>Resident</c> (<c>WebSocket:CloseTimeout</c>); messages add the prefix.
/// </summary>
internal static class OptionsReader
{
    /// <summary>The unit a plain number of a duration setting is read in.</summary>
    public enum DurationUnit
    {
        Seconds,
        Milliseconds,
    }

    /// <summary>The section of one named entry (<c>CronJobs:{name}</c>) and the key prefix its messages use.</summary>
    public static IEnumerable<(string Name, IConfigurationSection Section, string Prefix)> Entries(IConfigurationSection resident, string key) =>
        resident.GetSection(key).GetChildren().Select(child => (child.Key, child, $"{key}:{child.Key}:"));

    public static void ReadString(IConfigurationSection section, string key, Action<string> assign)
    {
        if (section[key] is { } value)
        {
            assign(value);
        }
    }

    public static void ReadInt(IConfigurationSection section, string key, List<string> errors, Action<int> assign, string prefix = "")
    {
        if (section[key] is not { } text)
        {
            return;
        }

        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            assign(value);
        }
        else
        {
            errors.Add($"{ResidentOptions.SectionName}:{prefix}{key} must be a whole number, but is '{text}'.");
        }
    }

    public static void ReadBool(IConfigurationSection section, string key, List<string> errors, Action<bool> assign, string prefix = "")
    {
        if (section[key] is not { } text)
        {
            return;
        }

        if (bool.TryParse(text.Trim(), out var value))
        {
            assign(value);
        }
        else
        {
            errors.Add($"{ResidentOptions.SectionName}:{prefix}{key} must be true or false, but is '{text}'.");
        }
    }

    public static void ReadEnum<TEnum>(IConfigurationSection section, string key, List<string> errors, Action<TEnum> assign, string prefix = "")
        where TEnum : struct, Enum
    {
        if (section[key] is not { } text)
        {
            return;
        }

        // Names only: a number would slip past Enum.TryParse as an undefined value.
        var trimmed = text.Trim();
        if (Enum.TryParse<TEnum>(trimmed, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(trimmed.FirstOrDefault())
            && !trimmed.StartsWith('-'))
        {
            assign(value);
        }
        else
        {
            errors.Add($"{ResidentOptions.SectionName}:{prefix}{key} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}, but is '{text}'.");
        }
    }

    /// <summary>
    /// Reads a duration: a whole number in <paramref name="unit"/> (as the README documents each key), or a time span
    /// such as <c>00:00:30</c>.
    /// </summary>
    public static void ReadDuration(IConfigurationSection section, string key, DurationUnit unit, List<string> errors, Action<TimeSpan> assign, string prefix = "")
    {
        if (section[key] is not { } text)
        {
            return;
        }

        var trimmed = text.Trim();
        var largest = unit == DurationUnit.Seconds ? (long)TimeSpan.MaxValue.TotalSeconds : (long)TimeSpan.MaxValue.TotalMilliseconds;
        if (long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= -largest && number <= largest)
        {
            assign(unit == DurationUnit.Seconds ? TimeSpan.FromSeconds(number) : TimeSpan.FromMilliseconds(number));
        }
        else if (trimmed.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span))
        {
            assign(span);
        }
        else
        {
            errors.Add($"{ResidentOptions.SectionName}:{prefix}{key} must be a whole number of {Name(unit)} or a time span such as 00:00:30, but is '{text}'.");
        }
    }

    public static void ReadList(IConfigurationSection section, string key, Action<IList<string>> assign)
    {
        var list = section.GetSection(key);
        if (list.Value is { } single)
        {
            // A single value (e.g. an environment variable) may list several entries separated by commas.
            assign([.. single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        }
        else if (list.GetChildren().Any())
        {
            // Replace, never append to, the defaults: a configured list is the whole list.
            assign([.. list.GetChildren()
                .OrderBy(child => int.TryParse(child.Key, out var index) ? index : int.MaxValue)
                .Select(child => child.Value ?? "")]);
        }
    }

    /// <summary>Adds an error unless <paramref name="value"/> is from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static void Range(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(Message(key, $"must be from {min} to {max}", value.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Adds an error unless the duration is from <paramref name="min"/> to <paramref name="max"/> <paramref name="unit"/>.</summary>
    public static void Range(List<string> errors, string key, TimeSpan value, long min, long max, DurationUnit unit)
    {
        var amount = unit == DurationUnit.Seconds ? value.TotalSeconds : value.TotalMilliseconds;
        if (amount < min || amount > max)
        {
            errors.Add(Message(key, $"must be from {min} to {max} {Name(unit)}", amount.ToString("0.###", CultureInfo.InvariantCulture)));
        }
    }

    /// <summary><c>Resident:{key} {rule}, but is '{value}'.</c></summary>
    public static string Message(string key, string rule, string? value) =>
        $"{ResidentOptions.SectionName}:{key} {rule}, but is '{value}'.";

    /// <summary>The full key of <paramref name="key"/>: <c>Resident:{key}</c>.</summary>
    public static string Key(string key) => $"{ResidentOptions.SectionName}:{key}";

    /// <summary>Names for an error message: <c>a, b, c</c>, or <c>(none)</c>.</summary>
    public static string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "(none)";

    private static string Name(DurationUnit unit) => unit == DurationUnit.Seconds ? "seconds" : "milliseconds";
}
