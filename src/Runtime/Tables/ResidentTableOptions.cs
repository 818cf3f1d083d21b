namespace Resident;

/// <summary>Shared-memory table settings, bound from <c>Resident:Tables</c>.</summary>
public sealed class ResidentTableOptions
{
    /// <summary>The section name under <c>Resident</c>.</summary>
    public const string SectionName = "Tables";

    /// <summary>
    /// Names this server's shared memory: table <c>ws</c> lives in <c>{Directory}/resident.{InstanceName}.ws</c>, and every
    /// process started with the same name shares it. Letters, digits, '.', '_' and '-', at most 100 characters.
    /// Empty (the default) means <c>{ApplicationName}-{ListenPort}</c>, or a name unique to this host when ListenPort is 0.
    /// </summary>
    public string InstanceName { get; set; } = "";

    /// <summary>Where the shared-memory files live. Empty (the default) means <c>/dev/shm</c> where it exists, else the temp folder.</summary>
    public string Directory { get; set; } = "";

    internal const int MaxInstanceNameLength = ResidentLimits.Table.MaxInstanceNameLength;

    internal static string DefaultDirectory => System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    internal static bool IsValidInstanceName(string name) =>
        name.Length <= MaxInstanceNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    internal static string Sanitize(string name)
    {
        var cleaned = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_')]);
        return cleaned.Length <= MaxInstanceNameLength ? cleaned : cleaned[..MaxInstanceNameLength];
    }
}
