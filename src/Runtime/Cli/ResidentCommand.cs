using System.CommandLine;

namespace Resident.Cli;

/// <summary>The verbs of <c>app [verb]</c>, as LaravelS's <c>bin/laravels</c> has them.</summary>
internal enum ResidentVerb
{
    /// <summary>No verb: serve in this process (what <c>dotnet run</c> does).</summary>
    Inline,
    Start,
    Stop,
    Restart,
    Reload,
    Info,
    Help,

    /// <summary>A word that is no verb, or a verb with a bad option: <see cref="ResidentCommand.Error"/> says which.</summary>
    Unknown,
}

/// <summary>
/// The parsed command line. The verb is the first argument that is not a configuration option (<c>--Key=value</c>,
/// <c>--Key value</c>); the options after it belong to the verb (System.CommandLine parses them, so help and errors
/// come for free), and anything else passes through to configuration untouched.
/// </summary>
internal sealed record ResidentCommand(ResidentVerb Verb, string? Text)
{
    private static readonly Option<bool> Daemonize = new("--daemonize", "-d") { Description = "Run in the background: return once the server answers requests, log to Resident:LogFile." };
    private static readonly Option<string?> Environment = new("--env", "-e") { Description = "The environment (ASPNETCORE_ENVIRONMENT), e.g. Production." };
    private static readonly Option<bool> Ignore = new("--ignore", "-i") { Description = "Skip the check for a running server's pid file (containers, supervisord)." };
    private static readonly Option<string?> Version = new("--x-version", "-x") { Description = "The app version this run serves, readable as IResidentServer.Version." };
    private static readonly Option<string[]> Watch = new("--watch")
    {
        Description = "Rebuild with dotnet build when the sources change and reload when the build succeeds (default path: the project directory).",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print the information as JSON, for scripts." };

    /// <summary>Run in the background (<c>start -d</c>).</summary>
    public bool Daemon { get; init; }

    /// <summary>The environment name given with <c>-e</c>, or null.</summary>
    public string? EnvironmentName { get; init; }

    /// <summary>Skip the stale-pid check (<c>-i</c>).</summary>
    public bool IgnorePidFile { get; init; }

    /// <summary>The version given with <c>-x</c>, or null.</summary>
    public string? AppVersion { get; init; }

    /// <summary>Null without <c>--watch</c>; otherwise the paths to watch (empty: the project directory).</summary>
    public IReadOnlyList<string>? WatchPaths { get; init; }

    /// <summary><c>info --json</c>.</summary>
    public bool AsJson { get; init; }

    /// <summary>Why the command line cannot run, or null.</summary>
    public string? Error { get; init; }

    /// <summary>The usage text, every verb with its options.</summary>
    public static string Usage
    {
        get
        {
            var writer = new StringWriter();
            writer.WriteLine("Usage: app [verb] [options] [--Resident:Key=value ...]");
            writer.WriteLine();
            writer.WriteLine("With no verb the server runs in this process until Ctrl+C (what `dotnet run` does).");
            writer.WriteLine();
            writer.WriteLine("Verbs (supervised mode: a master process and its worker processes):");
            foreach (var command in Commands())
            {
                writer.WriteLine($"  {command.Name,-8} {command.Description}");
                foreach (var option in command.Options)
                {
                    var names = string.Join(", ", option.Aliases.Order().Prepend(option.Name));
                    writer.WriteLine($"           {names,-24} {option.Description}");
                }
            }

            writer.WriteLine();
            writer.WriteLine("Settings come from appsettings.json, environment variables (Resident__ListenPort=8080) and the command line (--Resident:ListenPort=8080).");
            return writer.ToString();
        }
    }

    public static ResidentCommand Parse(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "-?" or "/?" or "/h")
            {
                return new(ResidentVerb.Help, arg);
            }

            if (arg.StartsWith('-') || arg.StartsWith('/') || arg.Contains('='))
            {
                // "--Key value" takes the next argument as its value.
                if (arg.StartsWith('-') && !arg.Contains('=') && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                {
                    i++;
                }

                continue;
            }

            var verb = arg.ToLowerInvariant() switch
            {
                "start" => ResidentVerb.Start,
                "stop" => ResidentVerb.Stop,
                "restart" => ResidentVerb.Restart,
                "reload" => ResidentVerb.Reload,
                "info" => ResidentVerb.Info,
                "help" => ResidentVerb.Help,
                _ => ResidentVerb.Unknown,
            };
            if (verb == ResidentVerb.Unknown)
            {
                return new(verb, arg) { Error = $"Unknown verb '{arg}'." };
            }

            return verb == ResidentVerb.Help ? new(verb, arg) : ParseVerb(verb, arg, args.Skip(i + 1).ToArray());
        }

        return new(ResidentVerb.Inline, null);
    }

    private static ResidentCommand ParseVerb(ResidentVerb verb, string text, string[] rest)
    {
        var command = Commands().Single(candidate => candidate.Name == text.ToLowerInvariant());
        var result = command.Parse(rest);
        if (result.Errors.Count > 0)
        {
            return new(ResidentVerb.Unknown, text) { Error = string.Join(" ", result.Errors.Select(error => error.Message)) };
        }

        if (result.Tokens.Any(token => token.Value is "-h" or "--help"))
        {
            return new(ResidentVerb.Help, text);
        }

        // Unmatched words pass through as configuration (--Resident:Key=value, --Key value); an option-looking word
        // that cannot be a configuration key (-z, --bogus) is a mistyped option, not a setting.
        if (result.UnmatchedTokens.FirstOrDefault(IsMistypedOption) is { } unknown)
        {
            return new(ResidentVerb.Unknown, text) { Error = $"Unknown option '{unknown}' for '{text}'." };
        }

        // --watch takes the words after it; a --Resident:Key=value among them is configuration, not a path.
        var watch = command.Options.Contains(Watch) && result.GetResult(Watch) is not null
            ? (result.GetValue(Watch) ?? []).Where(path => !path.StartsWith('-')).ToArray()
            : null;
        return new(verb, text)
        {
            Daemon = command.Options.Contains(Daemonize) && result.GetValue(Daemonize),
            EnvironmentName = command.Options.Contains(Environment) ? result.GetValue(Environment) : null,
            IgnorePidFile = command.Options.Contains(Ignore) && result.GetValue(Ignore),
            AppVersion = command.Options.Contains(Version) ? result.GetValue(Version) : null,
            WatchPaths = watch,
            AsJson = command.Options.Contains(Json) && result.GetValue(Json),
        };
    }

    // A configuration key on the command line is --Section:Key, or any --key=value; everything else with a dash
    // names an option (System.CommandLine has already taken the known ones).
    private static bool IsMistypedOption(string token) =>
        token.StartsWith('-') && !(token.StartsWith("--", StringComparison.Ordinal) && (token.Contains(':', StringComparison.Ordinal) || token.Contains('=', StringComparison.Ordinal)));

    private static Command[] Commands()
    {
        Command[] commands =
        [
            new("start", "Start the server: a master that owns the sockets, and WorkerNum workers.") { Daemonize, Environment, Ignore, Version, Watch },
            new("stop", "Stop gracefully (within MaxWaitTime); returns once every process has exited."),
            new("restart", "stop, then start with the same options.") { Daemonize, Environment, Ignore, Version },
            new("reload", "Start a new generation of workers from the files on disk, then drain the old one."),
            new("info", "Versions, addresses, processes, requests, tasks, tables, timers.") { Json },
            new("help", "Print this text."),
        ];
        foreach (var command in commands)
        {
            // --Resident:Key=value after the verb passes through to configuration.
            command.TreatUnmatchedTokensAsErrors = false;
        }

        return commands;
    }

    /// <summary>Explains why this command cannot run and returns the exit code.</summary>
    public int Reject(TextWriter error)
    {
        error.WriteLine($"{Error} Run 'app help' for the verbs and their options.");
        error.Write(Usage);
        return 2;
    }
}
