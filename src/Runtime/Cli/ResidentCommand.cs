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
    Unknown,
}

/// <summary>The parsed command line: the verb is the first argument that is not an option (<c>--Key=value</c>).</summary>
internal sealed record ResidentCommand(ResidentVerb Verb, string? Text)
{
    public static ResidentCommand Parse(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
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
                _ => ResidentVerb.Unknown,
            };
            return new(verb, arg);
        }

        return new(ResidentVerb.Inline, null);
    }

    /// <summary>Explains why this command cannot run and returns the exit code.</summary>
    public int Reject(TextWriter error)
    {
        if (Verb == ResidentVerb.Unknown)
        {
            error.WriteLine($"Unknown verb '{Text}'. Usage: app [start|stop|restart|reload|info] [--Resident:Key=value ...]; with no verb the server runs in this process.");
            return 2;
        }

        error.WriteLine($"The verb '{Text}' belongs to the supervised mode, which this version of Resident does not have yet. " +
                        "Run without a verb to serve in this process.");
        return 2;
    }
}
