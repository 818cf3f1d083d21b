using System.Text.RegularExpressions;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Showcase published with NativeAOT: zero trim/AOT warnings, and the native binary serves.</summary>
/// <remarks>In the packages' collection: one NativeAOT publish or pack at a time, so neither starves the other on two cores.</remarks>
[Collection(PackageTests.Collection)]
public sealed partial class NativeAotTests
{
    [Fact]
    public async Task Showcase_publishes_with_NativeAOT_without_IL_warnings_and_the_binary_serves()
    {
        Assert.True(
            File.Exists("/usr/bin/clang") || File.Exists("/usr/local/bin/clang"),
            "NativeAOT needs a C toolchain: install it with `apt-get install -y clang zlib1g-dev` (.ci/run does).");

        var output = Directory.CreateTempSubdirectory("resident-aot-");
        try
        {
            var (exitCode, log) = await Repository.DotnetAsync(
                Repository.Root,
                null,
                "publish", "samples/Showcase/Showcase.csproj", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
                // A fresh native intermediate folder makes ILC compile (and warn) every time, never from an earlier run.
                // The compiler's own trim/AOT analyzers run in every build of the Showcase, where warnings are errors.
                $"-p:NativeIntermediateOutputPath={Path.Combine(output.FullName, "obj")}/",
                "-o", Path.Combine(output.FullName, "bin"));
            Assert.True(exitCode == 0, log);

            Assert.True(File.Exists(Path.Combine(output.FullName, "obj", "Showcase.o")), "ILC did not compile into the fresh folder:\n" + log);
            var ilWarnings = IlWarning().Matches(log).Select(match => match.Value).Distinct().ToList();
            Assert.True(ilWarnings.Count == 0, "Trim/AOT warnings:\n" + string.Join("\n", ilWarnings));

            // What runs, not the references' documentation or managed symbols (Resident's build targets).
            var leftovers = Directory.GetFiles(Path.Combine(output.FullName, "bin"), "*.xml").Concat(Directory.GetFiles(Path.Combine(output.FullName, "bin"), "*.pdb"));
            Assert.Empty(leftovers);

            await using var showcase = await ShowcaseProcess.StartAsync(Path.Combine(output.FullName, "bin", "Showcase"), Path.Combine(output.FullName, "bin"));
            using var client = new HttpClient { BaseAddress = showcase.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

            var plaintext = await client.GetAsync("/plaintext");
            Assert.Equal("Hello, World!", await plaintext.Content.ReadAsStringAsync());
            Assert.Equal("Resident", Assert.Single(plaintext.Headers.GetValues("Server")));
            Assert.Single(plaintext.Headers.GetValues("X-Response-Time-Ms"));
            Assert.Equal("""{"message":"Hello, World!"}""", await client.GetStringAsync("/json"));
            Assert.Equal("""{"count":2}""", await client.GetStringAsync("/counter?times=2"));
            Assert.Equal("""{"count":2}""", await client.GetStringAsync("/counter?times=2"));

            // The dashboard's JSON, written without reflection, from the native binary.
            using (var stats = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/resident/stats.json")))
            {
                Assert.Equal("inline", stats.RootElement.GetProperty("server").GetProperty("mode").GetString());
                Assert.Equal(showcase.ProcessId, stats.RootElement.GetProperty("server").GetProperty("pid").GetInt32());
                Assert.Contains(stats.RootElement.GetProperty("cronJobs").EnumerateArray(), job => job.GetProperty("name").GetString() == "TickJob");
            }

            Assert.Contains("<title>Resident dashboard</title>", await client.GetStringAsync("/resident"), StringComparison.Ordinal);

            Assert.Equal(0, await showcase.TerminateAsync());
            Assert.Contains("ServerStop: worker 0", showcase.Output, StringComparison.Ordinal);

            // The same binary in the supervised mode: start -d, reload, info, stop (from a directory of its own, which
            // has no wwwroot).
            await using var supervised = await SupervisedServer.StartProgramAsync(Path.Combine(output.FullName, "bin", "Showcase"),
                "--Resident:Sockets:tcp-echo:Port=0", "--Resident:Sockets:udp-echo:Port=0", "--Resident:HandleStatic=false");
            using var supervisedClient = new HttpClient { BaseAddress = supervised.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal("Hello, World!", await supervisedClient.GetStringAsync("/plaintext"));

            // In supervised mode the dashboard shows the serving worker's view, and says so.
            using (var stats = System.Text.Json.JsonDocument.Parse(await supervisedClient.GetStringAsync("/resident/stats.json")))
            {
                var server = stats.RootElement.GetProperty("server");
                Assert.Equal("supervised", server.GetProperty("mode").GetString());
                Assert.NotEqual(supervised.MasterProcessId, server.GetProperty("pid").GetInt32());
                Assert.Equal(1, server.GetProperty("workerNum").GetInt32());
            }

            var (reloaded, reloadOutput) = await supervised.RunAsync("reload");
            Assert.True(reloaded == 0, reloadOutput + supervised.Log);
            Assert.Contains("generation 2 serves", reloadOutput, StringComparison.Ordinal);
            Assert.Equal("Hello, World!", await supervisedClient.GetStringAsync("/plaintext"));
            var (informed, info) = await supervised.RunAsync("info", "--json");
            Assert.True(informed == 0, info);
            Assert.Contains($"\"pid\": {supervised.MasterProcessId}", info, StringComparison.Ordinal);
            var (stopped, stopOutput) = await supervised.RunAsync("stop");
            Assert.True(stopped == 0, stopOutput);
            Assert.False(File.Exists(supervised.PidFilePath));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"warning IL[23]\d{3}[^\r\n]*")]
    internal static partial Regex IlWarning();
}
