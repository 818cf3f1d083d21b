namespace Resident.Generators;

/// <summary>Metadata names of the Resident types the generator and analyzers look for.</summary>
internal static class KnownNames
{
    public const string CleanerAttribute = "Resident.CleanerAttribute";
    public const string LifecycleHookAttribute = "Resident.LifecycleHookAttribute";
    public const string RequestHookAttribute = "Resident.RequestHookAttribute";

    public const string Cleaner = "Resident.ICleaner";
    public const string LifecycleHook = "Resident.ILifecycleHook";
    public const string RequestReceivedHook = "Resident.IRequestReceivedHook";
    public const string ResponseGeneratedHook = "Resident.IResponseGeneratedHook";
    public const string LifecycleEvent = "Resident.LifecycleEvent";

    public const string Manifest = "Resident.Hosting.IResidentManifest";
    public const string ActivatorUtilitiesConstructor = "Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructorAttribute";

    /// <summary>The names of <c>Resident.LifecycleEvent</c>'s members, by value.</summary>
    public static readonly string[] LifecycleEvents = { "ServerStart", "ServerStop", "WorkerStart", "WorkerStop", "WorkerError" };
}
