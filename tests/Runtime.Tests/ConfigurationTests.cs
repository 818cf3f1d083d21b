using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("ListenPort", "70000", "Resident:ListenPort must be from 0 to 65535, but is '70000'.")]
    [InlineData("ListenPort", "-1", "Resident:ListenPort must be from 0 to 65535, but is '-1'.")]
    [InlineData("ListenPort", "eighty", "Resident:ListenPort must be a whole number, but is 'eighty'.")]
    [InlineData("ListenIp", "localhost.example", "Resident:ListenIp must be an IPv4 or IPv6 address")]
    [InlineData("WorkerNum", "0", "Resident:WorkerNum must be from 1 to 256, but is '0'.")]
    [InlineData("TaskWorkerNum", "5000", "Resident:TaskWorkerNum must be from 1 to 1024, but is '5000'.")]
    [InlineData("MaxRequest", "-5", "Resident:MaxRequest must be from 0 to 2147483647, but is '-5'.")]
    [InlineData("MaxWaitTime", "0", "Resident:MaxWaitTime must be from 1 to 3600, but is '0'.")]
    [InlineData("HandleStatic", "maybe", "Resident:HandleStatic must be true or false, but is 'maybe'.")]
    [InlineData("ForwardedHeaders", "1", "Resident:ForwardedHeaders must be true or false, but is '1'.")]
    [InlineData("Server", "bad\u0001name", "Resident:Server must be printable ASCII")]
    [InlineData("TrustedProxies:0", "not-a-network", "Resident:TrustedProxies:0 must be an IP address (10.0.0.5) or a network in CIDR form (10.0.0.0/8), but is 'not-a-network'.")]
    [InlineData("TrustedProxies:0", "10.0.0.0/99", "Resident:TrustedProxies:0 must be an IP address")]
    [InlineData("NodeId", "40000", "Resident:NodeId must be from 0 to 32767, but is '40000'.")]
    [InlineData("HeartbeatIdleTime", "-1", "Resident:HeartbeatIdleTime must be from 0 to 86400, but is '-1'.")]
    [InlineData("HeartbeatCheckInterval", "soon", "Resident:HeartbeatCheckInterval must be a whole number, but is 'soon'.")]
    [InlineData("WebSocket:MaxMessageSize", "0", "Resident:WebSocket:MaxMessageSize must be from 1 to 1073741824, but is '0'.")]
    [InlineData("WebSocket:MaxMessageSize", "big", "Resident:WebSocket:MaxMessageSize must be a whole number, but is 'big'.")]
    [InlineData("WebSocket:MaxConnections", "-1", "Resident:WebSocket:MaxConnections must be from 0 to 2147483647, but is '-1'.")]
    [InlineData("WebSocket:SendQueueSize", "0", "Resident:WebSocket:SendQueueSize must be from 1 to 2147483647, but is '0'.")]
    [InlineData("WebSocket:KeepAliveInterval", "-5", "Resident:WebSocket:KeepAliveInterval must be from 0 to 86400, but is '-5'.")]
    [InlineData("WebSocket:CloseTimeout", "0", "Resident:WebSocket:CloseTimeout must be from 1 to 3600, but is '0'.")]
    [InlineData("WebSocket:AllowedOrigins:0", "example.com", "Resident:WebSocket:AllowedOrigins:0 must be an origin: scheme, host and optional port, such as https://example.com, but is 'example.com'.")]
    [InlineData("WebSocket:AllowedOrigins:0", "https://example.com/chat", "Resident:WebSocket:AllowedOrigins:0 must be an origin")]
    public async Task An_invalid_setting_fails_the_start_naming_the_key_and_the_allowed_values(string key, string value, string expected)
    {
        var error = Assert.IsType<OptionsValidationException>(await TestServer.StartFailureAsync(new() { ["Resident:" + key] = value }));
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

        var error = Assert.IsType<OptionsValidationException>(failure);
        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.StartsWith("Resident:ListenPort", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Resident:WorkerNum", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Resident:MaxWaitTime", StringComparison.Ordinal));

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
            options.MaxWaitTime = 99;
            options.Server = "FromCode";
        });
        await using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<ResidentOptions>>().Value;
        Assert.Equal(7, options.MaxWaitTime);
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
            var error = Assert.IsType<InvalidOperationException>(
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

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
        Assert.Contains("Resident could not create the", error.Message, StringComparison.Ordinal);
        Assert.Contains("Resident.Tests.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Recorder", error.Message, StringComparison.Ordinal);
    }
}
