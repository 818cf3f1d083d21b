using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Resident.Tests;

public sealed class ConfigurationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ListenPort", "70000", "Resident:ListenPort must be from 0 to 65535, but is '70000'.")]
    [InlineData("ListenPort", "-1", "Resident:ListenPort must be from 0 to 65535, but is '-1'.")]
    [InlineData("ListenPort", "eighty", "Resident:ListenPort must be a whole number, but is 'eighty'.")]
    [InlineData("ListenIp", "localhost.example", "Resident:ListenIp must be an IPv4 or IPv6 address")]
    [InlineData("WorkerNum", "0", "Resident:WorkerNum must be from 1 to 256, but is '0'.")]
    [InlineData("TaskWorkerNum", "5000", "Resident:TaskWorkerNum must be from 1 to 1024, but is '5000'.")]
    [InlineData("MaxRequest", "-5", "Resident:MaxRequest must be from 0 to 2147483647, but is '-5'.")]
    [InlineData("MaxWaitTime", "0", "Resident:MaxWaitTime must be from 1 to 3600 seconds, but is '0'.")]
    [InlineData("MaxWaitTime", "01:00:01", "Resident:MaxWaitTime must be from 1 to 3600 seconds, but is '3601'.")]
    [InlineData("MaxWaitTime", "1 minute", "Resident:MaxWaitTime must be a whole number of seconds or a time span such as 00:00:30, but is '1 minute'.")]
    [InlineData("MaxWaitTime", "-9223372036854775808", "Resident:MaxWaitTime must be a whole number of seconds or a time span such as 00:00:30, but is '-9223372036854775808'.")]
    [InlineData("MaxWaitTime", "-00:00:05", "Resident:MaxWaitTime must be from 1 to 3600 seconds, but is '-5'.")]
    [InlineData("TaskQueueFullTimeout", "-1", "Resident:TaskQueueFullTimeout must be from 0 to 3600000 milliseconds, but is '-1'.")]
    [InlineData("HandleStatic", "maybe", "Resident:HandleStatic must be true or false, but is 'maybe'.")]
    [InlineData("ForwardedHeaders", "1", "Resident:ForwardedHeaders must be true or false, but is '1'.")]
    [InlineData("Server", "bad\u0001name", "Resident:Server must be printable ASCII")]
    [InlineData("TrustedProxies:0", "not-a-network", "Resident:TrustedProxies:0 must be an IP address (10.0.0.5) or a network in CIDR form (10.0.0.0/8), but is 'not-a-network'.")]
    [InlineData("TrustedProxies:0", "10.0.0.0/99", "Resident:TrustedProxies:0 must be an IP address")]
    [InlineData("NodeId", "40000", "Resident:NodeId must be from 0 to 32767, but is '40000'.")]
    [InlineData("HeartbeatIdleTime", "-1", "Resident:HeartbeatIdleTime must be from 0 to 86400 seconds, but is '-1'.")]
    [InlineData("HeartbeatCheckInterval", "soon", "Resident:HeartbeatCheckInterval must be a whole number of seconds or a time span such as 00:00:30, but is 'soon'.")]
    [InlineData("WebSocket:MaxMessageSize", "0", "Resident:WebSocket:MaxMessageSize must be from 1 to 1073741824, but is '0'.")]
    [InlineData("WebSocket:MaxMessageSize", "big", "Resident:WebSocket:MaxMessageSize must be a whole number, but is 'big'.")]
    [InlineData("WebSocket:MaxConnections", "-1", "Resident:WebSocket:MaxConnections must be from 0 to 2147483647, but is '-1'.")]
    [InlineData("WebSocket:SendQueueSize", "0", "Resident:WebSocket:SendQueueSize must be from 1 to 2147483647, but is '0'.")]
    [InlineData("WebSocket:KeepAliveInterval", "-5", "Resident:WebSocket:KeepAliveInterval must be from 0 to 86400 seconds, but is '-5'.")]
    [InlineData("WebSocket:CloseTimeout", "0", "Resident:WebSocket:CloseTimeout must be from 1 to 3600 seconds, but is '0'.")]
    [InlineData("WebSocket:AllowedOrigins:0", "example.com", "Resident:WebSocket:AllowedOrigins:0 must be an origin: scheme, host and optional port, such as https://example.com, but is 'example.com'.")]
    [InlineData("WebSocket:AllowedOrigins:0", "https://example.com/chat", "Resident:WebSocket:AllowedOrigins:0 must be an origin")]
    public async Task An_invalid_setting_fails_the_start_naming_the_key_and_the_allowed_values(string key, string value, string expected)
    {
        var error = Assert.IsType<ResidentStartupException>(await TestServer.StartFailureAsync(new() { ["Resident:" + key] = value }));
        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_invalid_setting_is_reported_at_once()
    {
        Recorder? recorder = null;
        var failure = await TestServer.StartFailureAsync(
            new()
            {
                ["Resident:ListenPort"] = "99999",
                ["Resident:WorkerNum"] = "-3",
                ["Resident:MaxWaitTime"] = "never",
            },
            arrange: r => recorder = r);

        var error = Assert.IsType<ResidentStartupException>(failure);
        Assert.Equal(3, error.Errors.Count);
        Assert.Contains(error.Errors, f => f.StartsWith("Resident:ListenPort", StringComparison.Ordinal));
        Assert.Contains(error.Errors, f => f.StartsWith("Resident:WorkerNum", StringComparison.Ordinal));
        Assert.Contains(error.Errors, f => f.StartsWith("Resident:MaxWaitTime", StringComparison.Ordinal));

        // Nothing started: no lifecycle hook ran.
        Assert.NotNull(recorder);
        Assert.Empty(recorder.Events);
    }

    [Fact]
    public async Task Configuration_overrides_code_defaults_and_code_defaults_override_built_in_defaults()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resident:MaxWaitTime"] = "7",
            ["Resident:TrustedProxies:0"] = "10.1.0.0/16",
        });
        builder.AddResident(options =>
        {
            options.MaxWaitTime = TimeSpan.FromSeconds(99);
            options.Server = "FromCode";
        });
        await using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<ResidentOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(7), options.MaxWaitTime);
        Assert.Equal("FromCode", options.Server);
        Assert.Equal(["10.1.0.0/16"], options.TrustedProxies);
        Assert.Equal("127.0.0.1", options.ListenIp);
        Assert.Equal(5200, options.ListenPort);

        // MaxWaitTime is the host's graceful-shutdown budget.
        Assert.Equal(TimeSpan.FromSeconds(7), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public async Task HandleStatic_without_a_web_root_fails_the_start_naming_the_key()
    {
        var emptyRoot = Directory.CreateTempSubdirectory("resident-no-wwwroot-");
        try
        {
            var error = Assert.IsType<ResidentStartupException>(
                await TestServer.StartFailureAsync(new() { ["Resident:HandleStatic"] = "true" }, contentRoot: emptyRoot.FullName));
            Assert.Contains("Resident:HandleStatic", error.Message, StringComparison.Ordinal);
            Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            emptyRoot.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_component_whose_dependency_is_missing_fails_the_start_naming_the_component()
    {
        // The test declarations need a Recorder; a host without one cannot build them.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Resident:ListenPort"] = "0" });
        builder.AddResident();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<ResidentStartupException>(() => app.StartAsync());
        Assert.Contains("Resident could not create the", error.Message, StringComparison.Ordinal);
        Assert.Contains("Resident.Tests.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Recorder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Durations_take_the_documented_numbers_or_time_spans()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resident:MaxWaitTime"] = "00:00:45",
            ["Resident:TaskQueueFullTimeout"] = "250",
            ["Resident:HeartbeatIdleTime"] = "30",
            ["Resident:HeartbeatCheckInterval"] = "00:00:00.500",
            ["Resident:WebSocket:KeepAliveInterval"] = "00:02:30",
            ["Resident:WebSocket:KeepAliveTimeout"] = "10",
            ["Resident:WebSocket:CloseTimeout"] = "2",
            ["Resident:CronJobs:nightly:Interval"] = "00:00:05",
        });
        builder.AddResident();
        await using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<ResidentOptions>>().Value;
        Assert.Empty(options.BindingErrors);
        Assert.Equal(TimeSpan.FromSeconds(45), options.MaxWaitTime);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.TaskQueueFullTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.HeartbeatIdleTime);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.HeartbeatCheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(150), options.WebSocket.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), options.WebSocket.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.WebSocket.CloseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.CronJobs["nightly"].Interval);
        Assert.Equal(TimeSpan.FromSeconds(45), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public async Task A_broken_app_fails_its_start_once_with_every_bad_setting_declaration_and_component()
    {
        Recorder? recorder = null;
        var failure = await TestServer.StartFailureAsync(
            new()
            {
                ["Resident:ListenPort"] = "99999",
                ["Resident:MaxWaitTime"] = "never",
                ["Resident:WebSocket:CloseTimeout"] = "0",
                ["Resident:CronJobs:ghost:Enabled"] = "false",
                ["Resident:CronJobs:nightly:TimeZone"] = "Mars/Olympus",
                ["Resident:CustomProcesses:worker:Num"] = "65",
                ["Resident:Sockets:lines:Framing"] = "Eof",
                ["Resident:Sockets:nobody:Port"] = "7000",
            },
            arrange: r => recorder = r,
            manifests: [new BrokenManifest()]);

        var error = Assert.IsType<ResidentStartupException>(failure);
        output.WriteLine(error.Message);
        string[] expected =
        [
            // Settings.
            "Resident:ListenPort must be from 0 to 65535, but is '99999'.",
            "Resident:MaxWaitTime must be a whole number of seconds or a time span such as 00:00:30, but is 'never'.",
            "Resident:WebSocket:CloseTimeout must be from 1 to 3600 seconds, but is '0'.",
            "Resident:CustomProcesses:worker:Num must be from 1 to 64, but is '65'.",

            // Declarations against each other and against the configuration.
            "The WebSocket handlers Broken.ChatHandler and Broken.PushHandler both declare the path '/chat'; give each handler its own path.",
            "The WebSocket handler Broken.LostHandler declares the path 'lost'; a path must start with '/', such as \"/ws\".",
            "The payload of Broken.SendMail cannot be serialized: member 'Body' is of type System.IO.Stream, which generated JSON does not support.",
            "[BackgroundTask] Broken.SendMail sets Tries = 101; use 1 to 100.",
            "The listener Broken.OnNothing listens to Resident.Tests.UndeclaredEvent, which is not marked [AsyncEvent]; mark the event class [AsyncEvent].",
            "The cron jobs Broken.Nightly and Broken.TwinNightly are both named 'nightly'; give one of them another Name.",
            "Resident:CronJobs:ghost names no cron job; the jobs are: nightly.",
            "Resident:CronJobs:nightly:TimeZone has the time zone 'Mars/Olympus'",
            "[CronJob] Broken.Nightly has the cron expression '61 * * * *', which is not valid",
            "[CustomProcess] Broken.Worker sets RestartInterval = 7200; use 0 to 3600 seconds.",
            "Resident:Sockets:nobody names no socket handler; the handlers are: lines.",
            "Resident:Sockets:lines:PackageEof must be set for Eof framing",

            // Components whose factories throw.
            "Resident could not create the cleaner 'Broken.Cleaner': no database here",
            "Resident could not create the WebSocket handler 'Broken.ChatHandler': no chat service",
        ];
        foreach (var sentence in expected)
        {
            Assert.Contains(error.Errors, e => e.StartsWith(sentence, StringComparison.Ordinal));
            Assert.Contains(sentence, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(expected.Length, error.Errors.Count);

        // Nothing started: no lifecycle hook ran.
        Assert.NotNull(recorder);
        Assert.Empty(recorder.Events);
    }

    /// <summary>An app whose declarations are wrong in every way the compiler cannot stop (or a library got past it).</summary>
    private sealed class BrokenManifest : IResidentManifest
    {
        public string AssemblyName => "Broken.App";

        public void Describe(ResidentManifestBuilder builder)
        {
            builder.AddCleaner("Broken.Cleaner", new CleanerAttribute(), _ => throw new InvalidOperationException("no database here"));
            builder.AddWebSocketHandler("Broken.ChatHandler", new WebSocketHandlerAttribute("/chat"), _ => throw new InvalidOperationException("no chat service"));
            builder.AddWebSocketHandler("Broken.PushHandler", new WebSocketHandlerAttribute("/chat"), _ => null!);
            builder.AddWebSocketHandler("Broken.LostHandler", new WebSocketHandlerAttribute("lost"), _ => null!);
            builder.AddBackgroundTask<RecordTask>("Broken.SendMail",
                new BackgroundTaskAttribute { Tries = 101, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 10, MaxBackoffMilliseconds = 100 }, hasFinish: false, null,
                "The payload of Broken.SendMail cannot be serialized: member 'Body' is of type System.IO.Stream, which generated JSON does not support.");
            builder.AddEventListener<UndeclaredEvent>("Broken.OnNothing", new EventListenerAttribute { Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 10, MaxBackoffMilliseconds = 100 }, _ => null!);
            builder.AddCronJob("Broken.Nightly", new CronJobAttribute("61 * * * *") { Name = "nightly" }, _ => null!);
            builder.AddCronJob("Broken.TwinNightly", new CronJobAttribute(1000) { Name = "nightly" }, _ => null!);
            builder.AddCustomProcess("Broken.Worker", new CustomProcessAttribute("worker") { RestartInterval = 7200 }, _ => null!);
            builder.AddSocketHandler("Broken.Lines", new SocketHandlerAttribute("lines") { Port = 0 }, tcp: true, udp: false, _ => null!);
        }
    }
}
