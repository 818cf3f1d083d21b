namespace Resident.Performance;

/// <summary>
/// What <c>Resident:Performance</c> comes to once the profile is applied and the keys set override it: the one place
/// the profile's choices live. Null means "leave the platform's default".
/// </summary>
internal sealed record PerformanceSettings(
    bool InlineScheduling,
    bool InlineSocketCompletions,
    int? IOQueueCount,
    bool? WaitForDataBeforeAllocatingBuffer,
    GarbageCollectorMode GarbageCollector,
    bool PinWorkers,
    int? MinThreads,
    bool RequestActivityForLogging)
{
    /// <summary>The settings of <paramref name="options"/>: its profile's, overridden by every key it sets.</summary>
    public static PerformanceSettings Of(ResidentPerformanceOptions options)
    {
        var profile = Profile(options.Profile);
        return new PerformanceSettings(
            options.InlineScheduling ?? profile.InlineScheduling,
            options.InlineSocketCompletions ?? profile.InlineSocketCompletions,
            options.IOQueueCount ?? profile.IOQueueCount,
            options.WaitForDataBeforeAllocatingBuffer ?? profile.WaitForDataBeforeAllocatingBuffer,
            options.GarbageCollector ?? profile.GarbageCollector,
            options.PinWorkers ?? profile.PinWorkers,
            options.MinThreads is 0 ? null : options.MinThreads ?? profile.MinThreads,
            options.RequestActivityForLogging ?? profile.RequestActivityForLogging);
    }

    /// <summary>
    /// Inline scheduling as this process applies it. A key that sets it is obeyed. The profile's choice holds only where
    /// socket completions are inline too (a supervised worker the master gave the variable, or a process started with
    /// it): without them a request still hops to the thread pool, and inline scheduling then measured 20–35% more CPU
    /// per request than Kestrel's defaults (docs/performance.md).
    /// </summary>
    public static bool InlineSchedulingInEffect(ResidentPerformanceOptions options) =>
        options.InlineScheduling ?? (Of(options).InlineScheduling && WorkerTuning.InlineCompletionsInThisProcess);

    /// <summary>Whether anything differs from the platform's defaults.</summary>
    public bool ChangesAnything => this != Profile(PerformanceProfile.Default);

    /// <summary>
    /// The profiles. Throughput keeps only what measurement showed earns its place (docs/performance.md has the
    /// figures and the command): inline scheduling (with Resident holding the app's flushes until it returns, so a
    /// response leaves in one send), inline socket completions, one pinned worker per core, and no request Activity
    /// that only logging would use. Workstation GC cost more CPU per request than it saved, so it stays off; its key
    /// remains for machines where it measures better.
    /// </summary>
    private static PerformanceSettings Profile(PerformanceProfile profile) => profile switch
    {
        PerformanceProfile.Throughput => new PerformanceSettings(
            InlineScheduling: true,
            InlineSocketCompletions: true,
            IOQueueCount: null,
            WaitForDataBeforeAllocatingBuffer: null,
            GarbageCollector: GarbageCollectorMode.Runtime,
            PinWorkers: true,
            MinThreads: null,
            RequestActivityForLogging: false),
        _ => new PerformanceSettings(false, false, null, null, GarbageCollectorMode.Runtime, false, null, RequestActivityForLogging: true),
    };
}
