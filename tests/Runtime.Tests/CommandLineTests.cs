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
    public void The_verb_is_the_first_argument_that_is_not_an_option(string[] args, string expected) =>
        Assert.Equal(expected, ResidentCommand.Parse(args).Verb.ToString());

    [Theory]
    [InlineData("serve", "Unknown verb 'serve'")]
    [InlineData("reload", "supervised mode")]
    public async Task A_verb_that_cannot_run_exits_with_2_and_says_why_without_serving(string verb, string expected)
    {
        var (app, recorder, _) = TestServer.Build();
        await using (app)
        {
            var error = new StringWriter();
            var original = Console.Error;
            Console.SetError(error);
            int exitCode;
            try
            {
                exitCode = await app.RunResidentAsync([verb]);
            }
            finally
            {
                Console.SetError(original);
            }

            Assert.Equal(2, exitCode);
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
