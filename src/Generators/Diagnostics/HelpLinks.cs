namespace Resident.Generators.Diagnostics;

/// <summary>Where the help page of every Resident diagnostic lives: one repository URL, one folder, one page per id.</summary>
internal static class HelpLinks
{
    /// <summary>The project's public repository.</summary>
    public const string RepositoryUrl = "https://github.com/resident-dotnet/resident";

    /// <summary>The folder of the rule pages, as an absolute URL ending in '/'.</summary>
    public const string RulesRoot = RepositoryUrl + "/blob/main/docs/rules/";

    /// <summary>The absolute URL of the help page of the rule <paramref name="id"/> (<c>docs/rules/{id}.md</c>).</summary>
    public static string For(string id) => RulesRoot + id + ".md";
}
