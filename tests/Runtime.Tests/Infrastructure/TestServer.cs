using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resident.Tests.Infrastructure;

/// <summary>A real Resident app on Kestrel, bound to 127.0.0.1 on a port the OS chooses, with a real HttpClient.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private static readonly AsyncLocal<IReadOnlyDictionary<string, string?>?> Ambient = new();

    private TestServer(WebApplication app, Recorder recorder, CapturedLogs logs)
    {
        App = app;
        Recorder = recorder;
        Logs = logs;
        Server = app.Services.GetRequiredService<IResidentServer>();
        BaseAddress = new Uri(Server.ListenAddresses.First(address => !address.Contains("unix:", StringComparison.Ordinal)));
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>
    /// Settings every server the current test builds gets, under the test's own (which win). A test class's
    /// constructor sets them (xUnit runs the test in the constructor's flow), so a subclass reruns every test of its
    /// base class on differently configured servers — say, with the throughput profile on.
    /// </summary>
    public static IReadOnlyDictionary<string, string?>? AmbientSettings
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    public WebApplication App { get; }

    public Recorder Recorder { get; }

    public CapturedLogs Logs { get; }

    public IResidentServer Server { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>Builds, configures and starts a Resident app. The recorder can be set up before the start.</summary>
    public static async Task<TestServer> StartAsync(
        Dictionary<string, string?>? settings = null,
        Action<WebApplication>? routes = null,
        Action<Recorder>? arrange = null,
        string? contentRoot = null,
        Action<WebApplicationBuilder>? configure = null,
        bool mapWebSockets = true)
    {
        var (app, recorder, logs) = Build(settings, routes, arrange, contentRoot, configure, mapWebSockets);
        await app.StartAsync();
        return new TestServer(app, recorder, logs);
    }

    /// <summary>
    /// Builds the app without starting it, for tests of start-up failures and of RunResidentAsync. With
    /// <paramref name="manifests"/> the app runs exactly those declarations instead of every loaded assembly's.
    /// </summary>
    public static (WebApplication App, Recorder Recorder, CapturedLogs Logs) Build(
        Dictionary<string, string?>? settings = null,
        Action<WebApplication>? routes = null,
        Action<Recorder>? arrange = null,
        string? contentRoot = null,
        Action<WebApplicationBuilder>? configure = null,
        bool mapWebSockets = true,
        IEnumerable<Resident.Hosting.IResidentManifest>? manifests = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = contentRoot ?? AppContext.BaseDirectory,
        });

        var configuration = new Dictionary<string, string?> { ["Resident:ListenPort"] = "0" };
        foreach (var (key, value) in Ambient.Value ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        if (manifests is null)
        {
            builder.AddResident();
        }
        else
        {
            builder.AddResident(manifests);
        }

        var recorder = new Recorder();
        arrange?.Invoke(recorder);
        builder.Services.AddSingleton(recorder);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGet("/plaintext", () => "Hello, World!");
        if (mapWebSockets)
        {
            // RunResidentAsync maps them; tests start the app directly.
            app.MapWebSocketHandlers();
        }

        routes?.Invoke(app);
        return (app, recorder, logs);
    }

    /// <summary>
    /// Builds and starts an app that must fail to start, and returns why. Settings Kestrel needs fail while the app
    /// is built, the rest when it starts; both are "at start" for the user.
    /// </summary>
    public static async Task<Exception> StartFailureAsync(
        Dictionary<string, string?>? settings = null,
        Action<Recorder>? arrange = null,
        string? contentRoot = null,
        IEnumerable<Resident.Hosting.IResidentManifest>? manifests = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        try
        {
            var (app, _, _) = Build(settings, arrange: arrange, contentRoot: contentRoot, configure: configure, manifests: manifests);
            await using (app)
            {
                await app.StartAsync();
                await app.StopAsync();
            }
        }
        catch (Exception exception)
        {
            return exception;
        }

        throw new Xunit.Sdk.XunitException("The app started, but it should have failed to.");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
