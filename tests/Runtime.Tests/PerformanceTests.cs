using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Performance;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>The settings the profile-on reruns of the HTTP and WebSocket tests use.</summary>
internal static class ThroughputProfile
{
    /// <summary>
    /// The profile, with inline scheduling set by its key: the profile picks it only where socket completions are
    /// inline, which only a supervised worker's environment gives (PerformanceProfileTests, end to end, covers that
    /// and the pinning). It is the riskiest setting, so every HTTP and WebSocket test proves it (and Resident's held
    /// flushes with it) safe for Resident's own code. Plus a transport setting the profile leaves at Kestrel's default.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Resident:Performance:Profile"] = "Throughput",
        ["Resident:Performance:InlineScheduling"] = "true",
        ["Resident:Performance:WaitForDataBeforeAllocatingBuffer"] = "false",
    };

    public static void AssertOn(TestServer server)
    {
        Assert.Equal(PerformanceProfile.Throughput, server.App.Services.GetRequiredService<IOptions<ResidentOptions>>().Value.Performance.Profile);
        var transport = server.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.True(transport.UnsafePreferInlineScheduling);
        Assert.False(transport.WaitForDataBeforeAllocatingBuffer);
    }
}

/// <summary>Every <see cref="HttpServerTests"/> test again, on servers with the throughput profile on.</summary>
public sealed class HttpServerTestsWithThroughputProfile : HttpServerTests
{
    public HttpServerTestsWithThroughputProfile() => TestServer.AmbientSettings = ThroughputProfile.Settings;

    [Fact]
    public async Task The_servers_of_these_tests_run_with_the_profile()
    {
        await using var server = await TestServer.StartAsync();
        ThroughputProfile.AssertOn(server);
        Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));
    }
}

/// <summary>Every <see cref="WebSocketTests"/> test again, on servers with the throughput profile on.</summary>
public sealed class WebSocketTestsWithThroughputProfile : WebSocketTests
{
    public WebSocketTestsWithThroughputProfile() => TestServer.AmbientSettings = ThroughputProfile.Settings;

    [Fact]
    public async Task The_servers_of_these_tests_run_with_the_profile()
    {
        await using var server = await TestServer.StartAsync();
        ThroughputProfile.AssertOn(server);
    }
}

/// <summary>The <c>Resident:Performance</c> section: binding, checks, the profile's choices and the workers' environment.</summary>
public sealed class PerformanceTests
{
    [Fact]
    public async Task By_default_nothing_changes_Kestrels_transport_keeps_its_defaults_and_nothing_is_logged()
    {
        await using var server = await TestServer.StartAsync();
        var options = server.App.Services.GetRequiredService<IOptions<ResidentOptions>>().Value.Performance;
        Assert.Equal(PerformanceProfile.Default, options.Profile);
        Assert.False(PerformanceSettings.Of(options).ChangesAnything);

        var transport = server.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        var kestrel = new SocketTransportOptions();
        Assert.Equal(kestrel.UnsafePreferInlineScheduling, transport.UnsafePreferInlineScheduling);
        Assert.Equal(kestrel.IOQueueCount, transport.IOQueueCount);
        Assert.Equal(kestrel.WaitForDataBeforeAllocatingBuffer, transport.WaitForDataBeforeAllocatingBuffer);
        Assert.DoesNotContain(server.Logs.Entries, entry => entry.Category.StartsWith("Resident.Performance", StringComparison.Ordinal));
        Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));
    }

    [Fact]
    public async Task Every_key_binds_and_the_transport_keys_reach_Kestrel()
    {
        var (app, _, _) = TestServer.Build(new()
        {
            ["Resident:Performance:Profile"] = "throughput",
            ["Resident:Performance:InlineScheduling"] = "true",
            ["Resident:Performance:InlineSocketCompletions"] = "false",
            ["Resident:Performance:IOQueueCount"] = "3",
            ["Resident:Performance:WaitForDataBeforeAllocatingBuffer"] = "false",
            ["Resident:Performance:GarbageCollector"] = "ServerDatas",
            ["Resident:Performance:PinWorkers"] = "false",
            ["Resident:Performance:MinThreads"] = "12",
            ["Resident:Performance:RequestActivityForLogging"] = "true",
        });
        await using (app)
        {
            var options = app.Services.GetRequiredService<IOptions<ResidentOptions>>().Value.Performance;
            Assert.Equal(PerformanceProfile.Throughput, options.Profile);
            Assert.Equal(new PerformanceSettings(true, false, 3, false, GarbageCollectorMode.ServerDatas, false, 12, RequestActivityForLogging: true), PerformanceSettings.Of(options));

            var transport = app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
            Assert.True(transport.UnsafePreferInlineScheduling);
            Assert.Equal(3, transport.IOQueueCount);
            Assert.False(transport.WaitForDataBeforeAllocatingBuffer);
        }
    }

    [Fact]
    public void The_throughput_profile_picks_inline_scheduling_and_completions_and_pinned_workers_and_a_key_overrides_it()
    {
        var profile = PerformanceSettings.Of(new ResidentPerformanceOptions { Profile = PerformanceProfile.Throughput });
        Assert.True(profile.InlineScheduling);
        Assert.True(profile.InlineSocketCompletions);
        Assert.True(profile.PinWorkers);
        Assert.Equal(GarbageCollectorMode.Runtime, profile.GarbageCollector);
        Assert.False(profile.RequestActivityForLogging);
        Assert.True(profile.ChangesAnything);

        var overridden = PerformanceSettings.Of(new ResidentPerformanceOptions
        {
            Profile = PerformanceProfile.Throughput, InlineScheduling = false, InlineSocketCompletions = false, PinWorkers = false,
            RequestActivityForLogging = true,
        });
        Assert.False(overridden.InlineScheduling);
        Assert.False(overridden.InlineSocketCompletions);
        Assert.False(overridden.PinWorkers);
        Assert.True(overridden.RequestActivityForLogging);
        Assert.False(overridden.ChangesAnything);
    }

    [Fact]
    public async Task Without_a_tracer_the_profile_starts_no_request_Activity_and_a_listener_still_gets_one()
    {
        static void MapActivity(WebApplication app) =>
            app.MapGet("/activity", () => System.Diagnostics.Activity.Current?.OperationName ?? "none");
        const string HostingActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
        var profile = new Dictionary<string, string?> { ["Resident:Performance:Profile"] = "Throughput" };

        // ASP.NET Core's default: an Activity for every request, because hosting's log category is on.
        await using (var server = await TestServer.StartAsync(routes: MapActivity))
        {
            Assert.Equal(HostingActivity, await server.Client.GetStringAsync("/activity"));
        }

        // The profile: none, and start-up says so.
        await using (var server = await TestServer.StartAsync(profile, routes: MapActivity))
        {
            Assert.Equal("none", await server.Client.GetStringAsync("/activity"));
            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Performance profile Throughput", StringComparison.Ordinal)
                && entry.Message.EndsWith("request Activity for logging False.", StringComparison.Ordinal));
            Assert.DoesNotContain(server.Logs.Entries, entry => entry.Message.Contains("RequestActivityForLogging is off", StringComparison.Ordinal));

            // Something that asks for the Activity (here this host's DiagnosticListener; OpenTelemetry's tracing is an
            // ActivityListener, which hosting asks the same way) still gets it.
            var listener = server.App.Services.GetRequiredService<System.Diagnostics.DiagnosticListener>();
            using (listener.Subscribe(new IgnoringObserver(), (name, _, _) => name == HostingActivity))
            {
                Assert.Equal(HostingActivity, await server.Client.GetStringAsync("/activity"));
            }
        }

        // The key wins over the profile.
        await using (var server = await TestServer.StartAsync(new(profile) { ["Resident:Performance:RequestActivityForLogging"] = "true" }, routes: MapActivity))
        {
            Assert.Equal(HostingActivity, await server.Client.GetStringAsync("/activity"));
        }

        // A level set for one provider outranks Resident's rule: the Activity stays, and a warning names the category.
        await using (var server = await TestServer.StartAsync(profile, routes: MapActivity,
            configure: builder => builder.Logging.AddFilter<CapturedLogs>(null, LogLevel.Information)))
        {
            Assert.Equal(HostingActivity, await server.Client.GetStringAsync("/activity"));
            Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Warning
                && entry.Message.StartsWith("Resident:Performance:RequestActivityForLogging is off", StringComparison.Ordinal)
                && entry.Message.Contains(PerformanceFeature.HostingDiagnosticsCategory, StringComparison.Ordinal));
        }
    }

    private sealed class IgnoringObserver : IObserver<KeyValuePair<string, object?>>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
        }
    }

    [Fact]
    public async Task The_profiles_inline_scheduling_waits_for_inline_socket_completions_in_the_process()
    {
        Assert.False(WorkerTuning.InlineCompletionsInThisProcess, $"this test needs a process started without {WorkerTuning.InlineCompletionsVariable}=1");

        // The profile alone, in one process without the variable: completions still hop to the thread pool, so inline
        // scheduling (and the held flushes) stay off, and the warning says which variable is missing.
        await using var server = await TestServer.StartAsync(new() { ["Resident:Performance:Profile"] = "Throughput" });
        var transport = server.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.False(transport.UnsafePreferInlineScheduling);
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Warning
            && entry.Message.StartsWith("The Throughput profile's inline scheduling stays off in this process", StringComparison.Ordinal)
            && entry.Message.Contains($"{WorkerTuning.InlineCompletionsVariable}=1", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Performance profile Throughput: inline scheduling False", StringComparison.Ordinal));
        Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));

        // The key set on its own is obeyed.
        var options = new ResidentPerformanceOptions { Profile = PerformanceProfile.Throughput, InlineScheduling = true };
        Assert.True(PerformanceSettings.InlineSchedulingInEffect(options));
    }

    [Fact]
    public async Task A_bad_value_fails_the_start_naming_its_key()
    {
        var error = Assert.IsType<ResidentStartupException>(await TestServer.StartFailureAsync(new()
        {
            ["Resident:Performance:Profile"] = "Fastest",
            ["Resident:Performance:InlineScheduling"] = "sometimes",
            ["Resident:Performance:IOQueueCount"] = "-1",
            ["Resident:Performance:GarbageCollector"] = "Big",
            ["Resident:Performance:MinThreads"] = "99999",
            ["Resident:Performance:RequestActivityForLogging"] = "perhaps",
        }));
        Assert.Contains(error.Errors, e => e.StartsWith("Resident:Performance:Profile must be one of Default, Throughput, but is 'Fastest'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Resident:Performance:InlineScheduling must be true or false, but is 'sometimes'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Resident:Performance:IOQueueCount must be from 0 to 1024, but is '-1'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Resident:Performance:GarbageCollector must be one of", StringComparison.Ordinal) && e.Contains("'Big'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Resident:Performance:MinThreads must be from 0 to 32767, but is '99999'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("Resident:Performance:RequestActivityForLogging must be true or false, but is 'perhaps'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_master_gives_a_worker_the_start_time_settings_and_its_CPU()
    {
        var environment = new Dictionary<string, string?>();
        var settings = PerformanceSettings.Of(new ResidentPerformanceOptions { Profile = PerformanceProfile.Throughput, GarbageCollector = GarbageCollectorMode.Workstation });
        WorkerTuning.Apply(environment, settings, workerId: 3, cpus: [2, 5]);
        Assert.Equal("1", environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"]);
        Assert.Equal("5", environment[WorkerTuning.CpuVariable]);
        Assert.Equal("1", environment["DOTNET_PROCESSOR_COUNT"]);
        Assert.Equal("0", environment["DOTNET_gcServer"]);
        Assert.Equal("0", environment["DOTNET_gcConcurrent"]);

        var datas = new Dictionary<string, string?>();
        WorkerTuning.Apply(datas, settings with { GarbageCollector = GarbageCollectorMode.ServerDatas }, 0, [0]);
        Assert.Equal("1", datas["DOTNET_gcServer"]);
        Assert.Equal("1", datas["DOTNET_GCDynamicAdaptationMode"]);
    }

    [Fact]
    public void By_default_the_master_gives_a_worker_nothing_and_no_CPU_it_inherited()
    {
        var environment = new Dictionary<string, string?> { [WorkerTuning.CpuVariable] = "1", ["PATH"] = "/bin" };
        WorkerTuning.Apply(environment, PerformanceSettings.Of(new ResidentPerformanceOptions()), workerId: 0, cpus: [0, 1]);
        Assert.Equal(new Dictionary<string, string?> { ["PATH"] = "/bin" }, environment);
    }

    [Fact]
    public void This_process_may_run_on_the_CPUs_it_is_allowed()
    {
        var cpus = WorkerTuning.AllowedCpus();
        Assert.Equal(Environment.ProcessorCount, cpus.Count);
        Assert.Equal(cpus.Order(), cpus);
    }

    [Fact]
    public async Task In_one_process_the_profile_warns_that_inline_completions_need_the_environment_variable()
    {
        // The test process never has it set (the warning would then be wrong, and this test would say so).
        Assert.Null(Environment.GetEnvironmentVariable(WorkerTuning.InlineCompletionsVariable));
        await using var server = await TestServer.StartAsync(new() { ["Resident:Performance:Profile"] = "Throughput" });
        Assert.Contains(server.Logs.Entries, entry => entry.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && entry.Message.Contains("Resident:Performance:InlineSocketCompletions", StringComparison.Ordinal)
            && entry.Message.Contains("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Performance profile Throughput", StringComparison.Ordinal));
    }
}
