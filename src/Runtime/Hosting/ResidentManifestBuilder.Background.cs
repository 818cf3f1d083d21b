namespace Resident.Hosting;

public sealed partial class ResidentManifestBuilder
{
    private readonly List<TaskDeclaration> _tasks = [];
    private readonly List<EventDeclaration> _events = [];
    private readonly List<ListenerDeclaration> _listeners = [];
    private readonly List<CronJobDeclaration> _cronJobs = [];
    private readonly List<CustomProcessDeclaration> _customProcesses = [];

    /// <summary>Declares a <see cref="BackgroundTaskAttribute">[BackgroundTask]</see> type.</summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="attribute">The attribute as written on the class: tries and backoff.</param>
    /// <param name="hasFinish">Whether the type declares <see cref="IBackgroundTask.FinishAsync"/>.</param>
    /// <param name="codec">The generated JSON codec, or null when <paramref name="payloadProblem"/> says why there is none.</param>
    /// <param name="payloadProblem">Why the payload cannot be serialized; the start fails with it.</param>
    public void AddBackgroundTask<TTask>(string name, BackgroundTaskAttribute attribute, bool hasFinish, PayloadCodec<TTask>? codec, string? payloadProblem)
        where TTask : class, IBackgroundTask
    {
        ArgumentNullException.ThrowIfNull(attribute);
        var retry = new RetryPolicy(attribute.Tries, attribute.Backoff, attribute.BackoffMilliseconds, attribute.MaxBackoffMilliseconds);
        _tasks.Add(new TaskDeclaration<TTask>(name, retry, hasFinish, codec, payloadProblem) { Durable = attribute.Durable });
    }

    /// <summary>Declares an <see cref="AsyncEventAttribute">[AsyncEvent]</see> type.</summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="attribute">The attribute as written on the class.</param>
    /// <param name="codec">The generated JSON codec, or null when <paramref name="payloadProblem"/> says why there is none.</param>
    /// <param name="payloadProblem">Why the payload cannot be serialized; the start fails with it.</param>
    public void AddAsyncEvent<TEvent>(string name, AsyncEventAttribute attribute, PayloadCodec<TEvent>? codec, string? payloadProblem) where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _events.Add(new EventDeclaration<TEvent>(name, codec, payloadProblem));
    }

    /// <summary>Declares an <see cref="EventListenerAttribute">[EventListener]</see> class.</summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="attribute">The attribute as written on the class: order, tries and backoff.</param>
    /// <param name="factory">Creates a fresh listener for each firing, resolving constructor parameters from DI.</param>
    public void AddEventListener<TEvent>(string name, EventListenerAttribute attribute, Func<IServiceProvider, IEventListener<TEvent>> factory) where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(attribute);
        var retry = new RetryPolicy(attribute.Tries, attribute.Backoff, attribute.BackoffMilliseconds, attribute.MaxBackoffMilliseconds);
        _listeners.Add(new ListenerDeclaration<TEvent>(name, attribute.Order, retry, factory));
    }

    /// <summary>Declares a <see cref="CronJobAttribute">[CronJob]</see> class.</summary>
    /// <param name="name">The fully qualified type name; its last part names the job unless <see cref="CronJobAttribute.Name"/> does.</param>
    /// <param name="attribute">The attribute as written on the class: its interval or cron expression and settings.</param>
    /// <param name="factory">Creates the job, resolving constructor parameters from DI.</param>
    public void AddCronJob(string name, CronJobAttribute attribute, Func<IServiceProvider, ICronJob> factory)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        var jobName = attribute.Name ?? name[(name.LastIndexOf('.') + 1)..];
        _cronJobs.Add(new CronJobDeclaration(name, jobName, attribute.IntervalMilliseconds, attribute.Expression, attribute.TimeZone,
            attribute.Immediate, attribute.AllowOverlap, factory, attribute.Scope));
    }

    /// <summary>Declares a <see cref="CustomProcessAttribute">[CustomProcess]</see> class.</summary>
    /// <param name="name">The fully qualified type name.</param>
    /// <param name="attribute">The attribute as written on the class: its process name, instances and restart interval.</param>
    /// <param name="factory">Creates an instance (a fresh one for every start and restart), resolving constructor parameters from DI.</param>
    public void AddCustomProcess(string name, CustomProcessAttribute attribute, Func<IServiceProvider, ICustomProcess> factory)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        _customProcesses.Add(new CustomProcessDeclaration(name, attribute.Name ?? "", attribute.Num, attribute.RestartInterval, factory));
    }

    private BackgroundDeclarations BuildBackground() => new(
        [.. _tasks.OrderBy(task => task.Name, StringComparer.Ordinal)],
        [.. _events.OrderBy(@event => @event.Name, StringComparer.Ordinal)],
        [.. _listeners.OrderBy(listener => listener.Order).ThenBy(listener => listener.Name, StringComparer.Ordinal)],
        [.. _cronJobs.OrderBy(job => job.JobName, StringComparer.Ordinal)],
        [.. _customProcesses.OrderBy(process => process.ProcessName, StringComparer.Ordinal)]);
}

/// <summary>Tries and backoff of a task type or listener.</summary>
internal sealed record RetryPolicy(int Tries, TaskBackoff Backoff, int BackoffMilliseconds, int MaxBackoffMilliseconds);

internal abstract record TaskDeclaration(string Name, Type Type, RetryPolicy Retry, bool HasFinish, string? PayloadProblem)
{
    /// <summary>What the attribute says of durability (<c>Resident:Tasks:{name}:Durable</c> may override it).</summary>
    public bool Durable { get; init; }

    /// <summary>The typed runner of deliveries read back from a durable transport.</summary>
    public abstract Resident.Tasks.WorkRunner CreateDurableRunner();

    /// <summary>The typed runner of this task type (no reflection needed).</summary>
    public abstract Resident.Tasks.WorkRunner CreateRunner();
}

internal sealed record TaskDeclaration<TTask>(string Name, RetryPolicy Retry, bool HasFinish, PayloadCodec<TTask>? Codec, string? PayloadProblem)
    : TaskDeclaration(Name, typeof(TTask), Retry, HasFinish, PayloadProblem) where TTask : class, IBackgroundTask
{
    public override Resident.Tasks.WorkRunner CreateRunner() => new Resident.Tasks.TaskRunner<TTask>(this);

    public override Resident.Tasks.WorkRunner CreateDurableRunner() => new Resident.Tasks.DurableTaskRunner<TTask>(this).Durably();
}

internal abstract record EventDeclaration(string Name, Type Type, string? PayloadProblem);

internal sealed record EventDeclaration<TEvent>(string Name, PayloadCodec<TEvent>? Codec, string? PayloadProblem)
    : EventDeclaration(Name, typeof(TEvent), PayloadProblem) where TEvent : class;

internal abstract record ListenerDeclaration(string Name, Type EventType, int Order, RetryPolicy Retry)
{
    /// <summary>The typed route of <paramref name="listeners"/>, all of this one's event type (no reflection needed).</summary>
    public abstract Resident.Tasks.WorkRunner CreateRoute(ListenerDeclaration[] listeners);
}

internal sealed record ListenerDeclaration<TEvent>(string Name, int Order, RetryPolicy Retry, Func<IServiceProvider, IEventListener<TEvent>> Factory)
    : ListenerDeclaration(Name, typeof(TEvent), Order, Retry) where TEvent : class
{
    public override Resident.Tasks.WorkRunner CreateRoute(ListenerDeclaration[] listeners) =>
        new Resident.Events.ListenerRoute<TEvent>([.. listeners.Cast<ListenerDeclaration<TEvent>>()]);
}

internal sealed record CronJobDeclaration(string Name, string JobName, int IntervalMilliseconds, string? Expression, string? TimeZone,
    bool Immediate, bool AllowOverlap, Func<IServiceProvider, ICronJob> Factory, CronScope Scope = CronScope.Cluster);

internal sealed record CustomProcessDeclaration(string Name, string ProcessName, int Num, int RestartIntervalSeconds, Func<IServiceProvider, ICustomProcess> Factory);

/// <summary>The background-work declarations, each list in a stable order.</summary>
internal sealed record BackgroundDeclarations(
    TaskDeclaration[] Tasks,
    EventDeclaration[] Events,
    ListenerDeclaration[] Listeners,
    CronJobDeclaration[] CronJobs,
    CustomProcessDeclaration[] CustomProcesses);
