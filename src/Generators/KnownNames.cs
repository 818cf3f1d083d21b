namespace Resident.Generators;

/// <summary>Metadata names of the Resident types the generator and analyzers look for.</summary>
internal static class KnownNames
{
    public const string CleanerAttribute = "Resident.CleanerAttribute";
    public const string LifecycleHookAttribute = "Resident.LifecycleHookAttribute";
    public const string RequestHookAttribute = "Resident.RequestHookAttribute";
    public const string WebSocketHandlerAttribute = "Resident.WebSocketHandlerAttribute";
    public const string SocketHandlerAttribute = "Resident.SocketHandlerAttribute";
    public const string BackgroundTaskAttribute = "Resident.BackgroundTaskAttribute";
    public const string AsyncEventAttribute = "Resident.AsyncEventAttribute";
    public const string EventListenerAttribute = "Resident.EventListenerAttribute";
    public const string CronJobAttribute = "Resident.CronJobAttribute";
    public const string CustomProcessAttribute = "Resident.CustomProcessAttribute";
    public const string SwooleTableAttribute = "Resident.SwooleTableAttribute";
    public const string ColumnAttribute = "Resident.ColumnAttribute";

    public const string Cleaner = "Resident.ICleaner";
    public const string LifecycleHook = "Resident.ILifecycleHook";
    public const string RequestReceivedHook = "Resident.IRequestReceivedHook";
    public const string ResponseGeneratedHook = "Resident.IResponseGeneratedHook";
    public const string LifecycleEvent = "Resident.LifecycleEvent";
    public const string WebSocketHandler = "Resident.IWebSocketHandler";
    public const string TcpHandler = "Resident.ITcpHandler";
    public const string UdpHandler = "Resident.IUdpHandler";
    public const string BackgroundTask = "Resident.IBackgroundTask";
    public const string TaskContext = "Resident.TaskContext";
    public const string TaskBackoff = "Resident.TaskBackoff";

    /// <summary>The generic <c>IEventListener&lt;TEvent&gt;</c>, by metadata name.</summary>
    public const string EventListener = "Resident.IEventListener`1";
    public const string CronJob = "Resident.ICronJob";
    public const string CronScope = "Resident.CronScope";
    public const string CustomProcess = "Resident.ICustomProcess";
    public const string PayloadCodec = "Resident.Hosting.PayloadCodec`1";
    public const string JsonIgnoreAttribute = "System.Text.Json.Serialization.JsonIgnoreAttribute";

    public const string Manifest = "Resident.Hosting.IResidentManifest";

    /// <summary>The namespace of generated code; each manifest-bearing assembly has a public marker type there.</summary>
    public const string GeneratedNamespace = "Resident.Generated";

    /// <summary>
    /// The marker type name of an assembly: <c>ResidentManifestOf_</c> and the assembly name with every character
    /// that cannot appear in an identifier replaced by '_', so each assembly's marker has its own name.
    /// </summary>
    public static string ManifestMarker(string assemblyName)
    {
        var name = new System.Text.StringBuilder("ResidentManifestOf_", 19 + assemblyName.Length);
        foreach (var c in assemblyName)
        {
            name.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return name.ToString();
    }
    public const string ActivatorUtilitiesConstructor = "Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructorAttribute";

    /// <summary>The names of <c>Resident.LifecycleEvent</c>'s members, by value.</summary>
    public static readonly string[] LifecycleEvents = { "ServerStart", "ServerStop", "WorkerStart", "WorkerStop", "WorkerError" };

    /// <summary>The names of <c>Resident.TaskBackoff</c>'s members, by value.</summary>
    public static readonly string[] TaskBackoffs = { "Immediate", "Fixed", "Exponential" };

    /// <summary>The names of <c>Resident.CronScope</c>'s members, by value.</summary>
    public static readonly string[] CronScopes = { "Cluster", "Node" };
}
