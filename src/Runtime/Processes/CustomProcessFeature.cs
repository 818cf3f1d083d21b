using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Processes;

/// <summary>The custom-process feature: the <c>Resident:CustomProcesses:{name}</c> overrides and their checks against the declarations.</summary>
internal static class CustomProcessFeature
{
    public static void AddCustomProcesses(IServiceCollection services)
    {
        services.AddSingleton<CustomProcessSupervisor>();
        services.AddSingleton<ICustomProcesses>(provider => provider.GetRequiredService<CustomProcessSupervisor>());
        services.AddResidentSection(Bind, provider => new CustomProcessStartupCheck(provider.GetRequiredService<CustomProcessSupervisor>()));
    }

    /// <summary>The full key of a process's section: <c>Resident:CustomProcesses:{name}</c>.</summary>
    internal static string Key(string process) => OptionsReader.Key($"{nameof(ResidentOptions.CustomProcesses)}:{process}");

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        foreach (var (name, process, prefix) in Entries(section, nameof(ResidentOptions.CustomProcesses)))
        {
            var processOptions = options.CustomProcesses.TryGetValue(name, out var existing) ? existing : options.CustomProcesses[name] = new CustomProcessOptions();
            ReadBool(process, nameof(CustomProcessOptions.Enabled), errors, value => processOptions.Enabled = value, prefix);
            ReadInt(process, nameof(CustomProcessOptions.Num), errors, value => processOptions.Num = value, prefix);
        }
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        foreach (var (process, processOptions) in options.CustomProcesses)
        {
            if (processOptions.Num is { } num)
            {
                Range(errors, $"{nameof(ResidentOptions.CustomProcesses)}:{process}:{nameof(CustomProcessOptions.Num)}", num,
                    ResidentLimits.CustomProcess.MinNum, ResidentLimits.CustomProcess.MaxNum);
            }
        }
    }

    private sealed class CustomProcessStartupCheck(CustomProcessSupervisor supervisor) : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);

        public void CheckDeclarations(StartupContext context) => supervisor.Prepare(context.Errors);
    }
}
