using Resident.Hosting;

namespace Resident.Processes;

// The start-up half of the supervisor: checking the declarations against the configuration and planning how many
// instances of each process run. Problems are appended to the start-up error list, so all are reported at once.
internal sealed partial class CustomProcessSupervisor
{
    private (CustomProcessDeclaration Declaration, int Num)[] _plan = [];

    /// <summary>Checks names, counts and configuration; adds a sentence naming the class or key for each problem.</summary>
    public void Prepare(List<string> errors)
    {
        var byName = new Dictionary<string, CustomProcessDeclaration>(StringComparer.Ordinal);
        var plan = new List<(CustomProcessDeclaration, int)>();
        foreach (var declaration in _declarations)
        {
            if (string.IsNullOrWhiteSpace(declaration.ProcessName))
            {
                errors.Add($"[CustomProcess] {declaration.Name} has an empty name; name it, such as [CustomProcess(\"worker\")].");
                continue;
            }

            if (!byName.TryAdd(declaration.ProcessName, declaration))
            {
                errors.Add($"The custom processes {byName[declaration.ProcessName].Name} and {declaration.Name} are both named '{declaration.ProcessName}'; give each its own name.");
                continue;
            }

            if (declaration.Num is < ResidentLimits.CustomProcess.MinNum or > ResidentLimits.CustomProcess.MaxNum)
            {
                errors.Add($"[CustomProcess] {declaration.Name} sets Num = {declaration.Num}; use {ResidentLimits.CustomProcess.MinNum} to {ResidentLimits.CustomProcess.MaxNum}.");
            }

            if (declaration.RestartIntervalSeconds is < ResidentLimits.CustomProcess.MinRestartIntervalSeconds or > ResidentLimits.CustomProcess.MaxRestartIntervalSeconds)
            {
                errors.Add($"[CustomProcess] {declaration.Name} sets RestartInterval = {declaration.RestartIntervalSeconds}; " +
                    $"use {ResidentLimits.CustomProcess.MinRestartIntervalSeconds} to {ResidentLimits.CustomProcess.MaxRestartIntervalSeconds} seconds.");
            }

            _options.CustomProcesses.TryGetValue(declaration.ProcessName, out var overrides);
            if (overrides is not { Enabled: false })
            {
                plan.Add((declaration, overrides?.Num ?? declaration.Num));
            }
        }

        foreach (var configured in _options.CustomProcesses.Keys)
        {
            if (!byName.ContainsKey(configured))
            {
                errors.Add($"{CustomProcessFeature.Key(configured)} names no custom process; the processes are: {OptionsReader.Names(byName.Keys)}.");
            }
        }

        _plan = [.. plan];
    }
}
