using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Resident.Hosting;

/// <summary>
/// One feature's part of the start-up checks. Each feature folder registers its own with its <c>Add…</c> method;
/// <see cref="ResidentStartup"/> runs all of them in one pass and fails the start once with every problem found.
/// Checks append to <see cref="StartupContext.Errors"/> and never throw.
/// </summary>
internal interface IStartupCheck
{
    /// <summary>Checks the feature's settings (ranges, formats).</summary>
    void CheckOptions(StartupContext context)
    {
    }

    /// <summary>Checks the feature's declarations against each other and the configuration, and plans what it runs.</summary>
    void CheckDeclarations(StartupContext context)
    {
    }

    /// <summary>Builds the feature's components through <see cref="StartupContext.Components"/>.</summary>
    void BuildComponents(StartupContext context)
    {
    }
}

/// <summary>What the start-up checks share: the settings, the declarations, the components and the error list.</summary>
internal sealed class StartupContext(ResidentOptions options, ResidentDeclarations declarations, ResidentComponents components)
{
    public ResidentOptions Options => options;

    public ResidentDeclarations Declarations => declarations;

    public ResidentComponents Components => components;

    /// <summary>Every problem found so far, each a full sentence naming its key or class.</summary>
    public List<string> Errors { get; } = [];
}

/// <summary>
/// The one start-up path: first among hosted services, it runs every feature's checks (settings, then declarations
/// against the configuration, then the components' factories) and fails the start with all problems at once, before
/// anything opens, listens or runs.
/// </summary>
internal sealed class ResidentStartup(
    ResidentRuntime runtime,
    IOptions<ResidentOptions> options,
    IEnumerable<IStartupCheck> checks) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Run();
        return Task.CompletedTask;
    }

    /// <summary>Runs every check; throws <see cref="ResidentStartupException"/> listing every problem.</summary>
    public void Run()
    {
        var settings = options.Value;
        var components = runtime.CreateComponents();
        var context = new StartupContext(settings, runtime.Declarations, components);
        context.Errors.AddRange(settings.BindingErrors);
        var all = checks.ToArray();
        foreach (var check in all)
        {
            check.CheckOptions(context);
        }

        // Declarations the generator rejected (or the manifests contradict) come first among declaration problems.
        context.Errors.AddRange(runtime.Declarations.Problems);
        foreach (var check in all)
        {
            check.CheckDeclarations(context);
        }

        foreach (var check in all)
        {
            check.BuildComponents(context);
        }

        context.Errors.AddRange(components.Errors);
        if (context.Errors.Count > 0)
        {
            throw new ResidentStartupException([.. context.Errors.Distinct(StringComparer.Ordinal)], components.Failures);
        }

        runtime.UseComponents(components);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>How features register their part of the <c>Resident</c> section and their start-up check.</summary>
internal static class StartupRegistration
{
    /// <summary>
    /// Registers how a feature reads its keys from the <c>Resident</c> section (after the code defaults, so
    /// configuration wins) and its start-up check. Read errors go to <see cref="ResidentOptions.BindingErrors"/>.
    /// </summary>
    public static void AddResidentSection(this IServiceCollection services, Action<IConfigurationSection, ResidentOptions> bind, Func<IServiceProvider, IStartupCheck> check)
    {
        services.AddSingleton<IConfigureOptions<ResidentOptions>>(provider =>
        {
            var section = provider.GetRequiredService<IConfiguration>().GetSection(ResidentOptions.SectionName);
            return new ConfigureOptions<ResidentOptions>(options => bind(section, options));
        });
        services.AddSingleton(check);
    }
}
