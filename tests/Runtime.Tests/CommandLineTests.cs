using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Resident.Cli;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new string[0], "Inline")]
    [InlineData(new[] { "--Resident:ListenPort=0" }, "Inline")]
    [InlineData(new[] { "--Resident:ListenPort", "0" }, "Inline")]
    [InlineData(new[] { "--Resident:ListenPort", "0", "reload" }, "Reload")]
    [InlineData(new[] { "Resident:ListenPort=0", "start", "-d" }, "Start")]
    [InlineData(new[] { "STOP" }, "Stop")]
    [InlineData(new[] { "info" }, "Info")]
    [InlineData(new[] { "restart" }, "Restart")]
    [InlineData(new[] { "serve" }, "Unknown")]
    [InlineData(new[] { "help" }, "Help")]
    [InlineData(new[] { "--help" }, "Help")]
    [InlineData(new[] { "-h" }, "Help")]
    [InlineData(new[] { "start", "--help" }, "Help")]
    [InlineData(new[] { "start", "--bogus" }, "Unknown")]
    [InlineData(new[] { "start", "-z" }, "Unknown")]
    [InlineData(new[] { "start", "--App:Journal=x", "--urls=y" }, "Start")]
    [InlineData(new[] { "start", "--Resident:ListenPort", "0" }, "Start")]
    public void The_verb_is_the_first_argument_that_is_not_an_option(string[] args, string expected) =>
        Assert.Equal(expected, ResidentCommand.Parse(args).Verb.ToString());

    [Fact]
    public void The_start_options_are_read_and_configuration_after_them_passes_through()
    {
        var command = ResidentCommand.Parse(["start", "-d", "-e", "Staging", "-i", "-x", "1.2.3", "--watch", "src", "lib", "--Resident:ListenPort=0"]);

        Assert.Equal(ResidentVerb.Start, command.Verb);
        Assert.True(command.Daemon);
        Assert.Equal("Staging", command.EnvironmentName);
        Assert.True(command.IgnorePidFile);
        Assert.Equal("1.2.3", command.AppVersion);
        Assert.Equal(["src", "lib"], command.WatchPaths);
        Assert.Null(command.Error);
    }

    [Fact]
    public void Without_watch_there_are_no_watch_paths_and_a_bare_watch_means_the_project()
    {
        Assert.Null(ResidentCommand.Parse(["start"]).WatchPaths);
        Assert.Empty(ResidentCommand.Parse(["start", "--watch"]).WatchPaths!);
        Assert.True(ResidentCommand.Parse(["info", "--json"]).AsJson);
    }

    [Fact]
    public void An_option_without_its_value_is_an_error_naming_it()
    {
        var command = ResidentCommand.Parse(["start", "-e"]);

        Assert.Equal(ResidentVerb.Unknown, command.Verb);
        Assert.Contains("-e", command.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_usage_lists_every_verb_and_option()
    {
        foreach (var word in new[] { "start", "stop", "restart", "reload", "info", "--daemonize", "-d", "--env", "--ignore", "--x-version", "--watch", "--json" })
        {
            Assert.Contains(word, ResidentCommand.Usage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { "serve" }, 2, "Unknown verb 'serve'")]
    [InlineData(new[] { "reload" }, 1, "not running")]
    [InlineData(new[] { "--help" }, 0, "Usage: app [verb]")]
    public async Task A_verb_that_cannot_run_fails_and_says_why_without_serving(string[] args, int expectedExitCode, string expected)
    {
        var (app, recorder, _) = TestServer.Build();
        await using (app)
        {
            var error = new StringWriter();
            var original = Console.Error;
            var originalOut = Console.Out;
            Console.SetError(error);
            Console.SetOut(error);
            int exitCode;
            try
            {
                exitCode = await app.RunResidentAsync(args);
            }
            finally
            {
                Console.SetError(original);
                Console.SetOut(originalOut);
            }

            Assert.Equal(expectedExitCode, exitCode);
            Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
            Assert.Empty(recorder.Events);
        }
    }

    [Fact]
    public async Task Without_a_verb_the_server_runs_inline_until_stopped_and_exits_0()
    {
        var (app, recorder, _) = TestServer.Build();
        await using (app)
        {
            var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());

            var run = app.RunResidentAsync(["--Resident:ListenPort=0"]);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(60));

            var server = app.Services.GetRequiredService<IResidentServer>();
            using (var client = new HttpClient { BaseAddress = new Uri(server.ListenAddresses[0]) })
            {
                Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
            }

            lifetime.StopApplication();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("lifecycle:ServerStop(worker=0)", recorder.Events);
        }
    }
}
