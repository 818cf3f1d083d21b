namespace Resident.Analyzers.Tests.Infrastructure;

/// <summary>Files of the repository the tests run from.</summary>
internal static class Repository
{
    /// <summary>The folder holding Gen.sln, found by walking up from the test output folder.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Gen.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains Gen.sln.");
    }
}
