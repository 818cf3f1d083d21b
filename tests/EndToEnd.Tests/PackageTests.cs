using System.IO.Compression;
using System.Xml.Linq;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>One reference does it all: the Resident package carries the runtime, the generator and the analyzers.</summary>
[Collection(Collection)]
public sealed class PackageTests
{
    /// <summary>
    /// Tests that pack or publish the repository's projects (packages, the template, NativeAOT): one at a time, since
    /// they write the same obj files and each takes both cores for minutes.
    /// </summary>
    public const string Collection = "Packages";

    [Fact]
    public async Task The_package_carries_the_runtime_generator_and_analyzers_and_an_app_using_it_gets_all_three()
    {
        var work = Directory.CreateTempSubdirectory("resident-package-");
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(work.FullName, "feed")).FullName;
            var (packExit, packOutput) = await Repository.DotnetAsync(
                Repository.Root, null, "pack", "src/Runtime/Resident.csproj", "-c", Repository.Configuration, "--no-build", "-o", feed);
            Assert.True(packExit == 0, packOutput);

            var package = Assert.Single(Directory.GetFiles(feed, "Resident.*.nupkg"));

            // The runtime's package dependencies (cron parsing, the verbs' command line), taken from the restore that
            // built the repository.
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var dependency in new[] { "cronos", "system.commandline" })
            {
                var nupkg = Assert.Single(Directory.GetFiles(Path.Combine(packages, dependency), dependency + ".*.nupkg", SearchOption.AllDirectories));
                File.Copy(nupkg, Path.Combine(feed, Path.GetFileName(nupkg)));
            }

            using (var archive = ZipFile.OpenRead(package))
            {
                var entries = archive.Entries.Select(entry => entry.FullName).ToHashSet(StringComparer.Ordinal);
                Assert.Contains("lib/net10.0/Resident.dll", entries);
                Assert.Contains("lib/net10.0/Resident.xml", entries);
                Assert.Contains("analyzers/dotnet/cs/Resident.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Resident.Analyzers.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Resident.Analyzers.CodeFixes.dll", entries);
                Assert.Contains("README.md", entries);

                // Its build targets keep a consumer's NativeAOT publish folder free of .xml and .pdb files.
                Assert.Contains("build/Resident.targets", entries);
                Assert.Contains("buildTransitive/Resident.targets", entries);

                // Consumers get ASP.NET Core as a framework reference and no package dependency on the build-time parts.
                using var nuspecStream = archive.GetEntry("Resident.nuspec")!.Open();
                var nuspec = XDocument.Load(nuspecStream).ToString();
                Assert.Contains("Microsoft.AspNetCore.App", nuspec, StringComparison.Ordinal);
                Assert.DoesNotContain("Resident.Generators", nuspec, StringComparison.Ordinal);
                Assert.Contains("id=\"Cronos\"", nuspec, StringComparison.Ordinal);
                Assert.Contains("id=\"System.CommandLine\"", nuspec, StringComparison.Ordinal);
            }

            // An app with one PackageReference: the generator writes its manifest and the analyzer speaks.
            var app = Directory.CreateDirectory(Path.Combine(work.FullName, "app")).FullName;
            await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk.Web">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Resident" Version="{Path.GetFileNameWithoutExtension(package)["Resident.".Length..]}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using Resident;

                var builder = WebApplication.CreateBuilder(args);
                builder.AddResident();
                var app = builder.Build();
                app.MapGet("/", () => "hi");
                return await app.RunResidentAsync(args);

                [Cleaner]
                public sealed class PackagedCleaner : ICleaner
                {
                    public ValueTask CleanAsync(HttpContext context) => ValueTask.CompletedTask;
                }

                [Cleaner]
                public sealed class BrokenCleaner
                {
                }
                """);

            // Isolated from the repository's build settings and from the machine's package cache.
            await File.WriteAllTextAsync(Path.Combine(app, "Directory.Build.props"), "<Project />");
            await File.WriteAllTextAsync(Path.Combine(app, "Directory.Packages.props"), "<Project />");
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work.FullName, "packages") };
            var (buildExit, buildOutput) = await Repository.DotnetAsync(app, environment, "build", "--source", feed);
            Assert.True(buildExit == 0, buildOutput);

            Assert.Contains("RES100", buildOutput, StringComparison.Ordinal);
            Assert.Contains("BrokenCleaner", buildOutput, StringComparison.Ordinal);

            var manifest = Assert.Single(Directory.GetFiles(Path.Combine(app, "obj"), "ResidentManifest.g.cs", SearchOption.AllDirectories));
            var source = await File.ReadAllTextAsync(manifest);
            Assert.Contains("new global::PackagedCleaner()", source, StringComparison.Ordinal);
            // The broken declaration is never built; it is listed, so the app refuses to start instead of running without it.
            Assert.DoesNotContain("new global::BrokenCleaner", source, StringComparison.Ordinal);
            Assert.Contains("AddProblem(\"BrokenCleaner\"", source, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_Redis_package_sits_beside_Resident_and_brings_StackExchange_Redis()
    {
        var feed = Directory.CreateTempSubdirectory("resident-redis-package-");
        try
        {
            var (packExit, packOutput) = await Repository.DotnetAsync(
                Repository.Root, null, "pack", "src/Redis/Resident.Redis.csproj", "-c", Repository.Configuration, "--no-build", "-o", feed.FullName);
            Assert.True(packExit == 0, packOutput);

            var package = Assert.Single(Directory.GetFiles(feed.FullName, "Resident.Redis.*.nupkg"));
            using var archive = ZipFile.OpenRead(package);
            var entries = archive.Entries.Select(entry => entry.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("lib/net10.0/Resident.Redis.dll", entries);
            Assert.Contains("lib/net10.0/Resident.Redis.xml", entries);

            // An app that never scales out carries no Redis: the client library comes with this package only, and
            // this package depends on Resident at the same version instead of carrying the runtime again.
            Assert.DoesNotContain("lib/net10.0/Resident.dll", entries);
            using var nuspecStream = archive.GetEntry("Resident.Redis.nuspec")!.Open();
            var nuspec = XDocument.Load(nuspecStream).ToString();
            var version = Path.GetFileNameWithoutExtension(package)["Resident.Redis.".Length..];
            Assert.Contains($"id=\"Resident\" version=\"{version}\"", nuspec, StringComparison.Ordinal);
            Assert.Contains("id=\"StackExchange.Redis\"", nuspec, StringComparison.Ordinal);
        }
        finally
        {
            feed.Delete(recursive: true);
        }
    }
}
