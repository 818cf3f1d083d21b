using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Tables;

/// <summary>The tables' keys of the <c>Resident</c> section (<c>Tables:InstanceName</c>, <c>Tables:Directory</c>) and their checks.</summary>
internal static class TableOptionsFeature
{
    public static void AddTableOptions(IServiceCollection services) =>
        services.AddResidentSection(Bind, _ => new TableStartupCheck());

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var tables = section.GetSection(ResidentTableOptions.SectionName);
        ReadString(tables, nameof(ResidentTableOptions.InstanceName), value => options.Tables.InstanceName = value);
        ReadString(tables, nameof(ResidentTableOptions.Directory), value => options.Tables.Directory = value);
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        if (!ResidentTableOptions.IsValidInstanceName(options.Tables.InstanceName))
        {
            errors.Add(Message($"{ResidentTableOptions.SectionName}:{nameof(ResidentTableOptions.InstanceName)}",
                $"must be letters, digits, '.', '_' or '-', at most {ResidentLimits.Table.MaxInstanceNameLength} characters", options.Tables.InstanceName));
        }
    }

    private sealed class TableStartupCheck : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);
    }
}
