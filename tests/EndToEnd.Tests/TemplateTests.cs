using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>
/// What a new user does with the template package, from packed packages in a local folder: install it, create an app,
/// run its tests, run it; with <c>--aot</c>, publish one native binary without trim/AOT warnings.
/// </summary>
[Collection(PackageTests.Collection)]
public sealed class TemplateTests(TemplateFeed feed) : IClassFixture<TemplateFeed>
{
    [Fact]
    public async Task A_new_app_from_the_template_builds_passes_its_tests_and_serves()
    {
        var app = await feed.NewAsync("FirstApp");

        // Its own test project: the app on Kestrel through WebApplicationFactory, packages from the registry.
        var (testExit, testOutput) = await Repository.DotnetAsync(app, feed.Environment, "test", "FirstApp.Tests");
        Assert.True(testExit == 0, testOutput);
        Assert.Contains("Passed!", testOutput, StringComparison.Ordinal);

        // The app itself, as `dotnet run` would, on a port the system picks.
        await using var server = await ShowcaseProcess.StartAsync(
            Path.Combine(app, "FirstApp", "bin", "Debug", "net10.0", "FirstApp.dll"), Path.Combine(app, "FirstApp"));
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync("/");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Hello from Resident!", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("FirstApp", Assert.Single(response.Headers.GetValues("Server")));
        Assert.Equal(0, await server.TerminateAsync());

        // launchSettings.json agrees with Resident:ListenPort (no "Overriding address(es)" surprise).
        Assert.Contains("\"applicationUrl\": \"http://127.0.0.1:5200\"", await File.ReadAllTextAsync(Path.Combine(app, "FirstApp", "Properties", "launchSettings.json")), StringComparison.Ordinal);
        Assert.Contains("\"ListenPort\": 5200", await File.ReadAllTextAsync(Path.Combine(app, "FirstApp", "appsettings.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_aot_option_makes_an_app_that_publishes_natively_without_warnings_and_serves()
    {
        Assert.True(
            File.Exists("/usr/bin/clang") || File.Exists("/usr/local/bin/clang"),
            "NativeAOT needs a C toolchain: install it with `apt-get install -y clang zlib1g-dev` (.ci/run does).");
        var app = await feed.NewAsync("NativeApp", "--aot", "--port", "5301");

        var (publishExit, log) = await Repository.DotnetAsync(Path.Combine(app, "NativeApp"), feed.Environment, "publish", "-c", "Release", "-o", "out");
        Assert.True(publishExit == 0, log);
        var ilWarnings = NativeAotTests.IlWarning().Matches(log).Select(match => match.Value).Distinct().ToList();
        Assert.True(ilWarnings.Count == 0, "Trim/AOT warnings:\n" + string.Join("\n", ilWarnings));

        // One native binary, and no documentation files beside it.
        var published = Path.Combine(app, "NativeApp", "out");
        Assert.True(File.Exists(Path.Combine(published, "NativeApp")), log);
        Assert.Empty(Directory.GetFiles(published, "*.xml"));
        Assert.Contains("\"ListenPort\": 5301", await File.ReadAllTextAsync(Path.Combine(app, "NativeApp", "appsettings.json")), StringComparison.Ordinal);

        await using var server = await ShowcaseProcess.StartAsync(Path.Combine(published, "NativeApp"), published);
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Assert.StartsWith("Hello from Resident!", await client.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.Equal(0, await server.TerminateAsync());
    }
}

/// <summary>
/// Resident and Resident.Templates packed into a local folder, the template installed in a CLI home of its own, and a
/// package cache of its own (so a stale Resident package from an earlier run is never used). Other packages (xunit,
/// the test host) come from the registry, or from the machine's cache as a fallback folder.
/// </summary>
public sealed class TemplateFeed : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("resident-template-");

    public Dictionary<string, string> Environment { get; } = [];

    private string Feed => Path.Combine(_work.FullName, "feed");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        foreach (var project in new[] { "src/Runtime/Resident.csproj", "templates/Resident.Templates.csproj" })
        {
            var (exit, output) = await Repository.DotnetAsync(Repository.Root, null, "pack", project, "-c", Repository.Configuration, "--no-build", "-o", Feed);
            Assert.True(exit == 0, output);
        }

        var machineCache = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(_work.FullName, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="resident" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machineCache}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        Environment["NUGET_PACKAGES"] = Path.Combine(_work.FullName, "packages");
        Environment["DOTNET_CLI_HOME"] = Path.Combine(_work.FullName, "home");

        var template = Assert.Single(Directory.GetFiles(Feed, "Resident.Templates.*.nupkg"));
        var (installExit, installOutput) = await Repository.DotnetAsync(_work.FullName, Environment, "new", "install", template);
        Assert.True(installExit == 0, installOutput);
    }

    /// <summary>Runs <c>dotnet new resident -n name</c> in a folder of its own and returns that folder.</summary>
    public async Task<string> NewAsync(string name, params string[] options)
    {
        var (exit, output) = await Repository.DotnetAsync(_work.FullName, Environment, ["new", "resident", "-n", name, "-o", name, .. options]);
        Assert.True(exit == 0, output);
        return Path.Combine(_work.FullName, name);
    }

    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        return Task.CompletedTask;
    }
}
