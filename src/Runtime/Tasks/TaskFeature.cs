using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using static Resident.Hosting.OptionsReader;

namespace Resident.Tasks;

/// <summary>
/// The task queue feature: its keys of the <c>Resident</c> section (<c>TaskWorkerNum</c>, <c>TaskQueueCapacity</c>,
/// <c>TaskQueueFullMode</c>, <c>TaskQueueFullTimeout</c>, <c>Tasks:{name}:Durable</c>), their checks, and the <c>[BackgroundTask]</c> checks.
/// </summary>
internal static class TaskFeature
{
    public static void AddTasks(IServiceCollection services)
    {
        services.AddSingleton<TaskQueue>();
        services.AddSingleton<ITaskQueue>(provider => provider.GetRequiredService<TaskQueue>());
        services.AddResidentSection(Bind, provider => new TaskStartupCheck(provider.GetRequiredService<TaskQueue>()));
    }

    internal static void Bind(Microsoft.Extensions.Configuration.IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        ReadInt(section, nameof(ResidentOptions.TaskWorkerNum), errors, value => options.TaskWorkerNum = value);
        ReadInt(section, nameof(ResidentOptions.TaskQueueCapacity), errors, value => options.TaskQueueCapacity = value);
        ReadEnum<TaskQueueFullMode>(section, nameof(ResidentOptions.TaskQueueFullMode), errors, value => options.TaskQueueFullMode = value);
        ReadDuration(section, nameof(ResidentOptions.TaskQueueFullTimeout), DurationUnit.Milliseconds, errors, value => options.TaskQueueFullTimeout = value);
        foreach (var (name, task, prefix) in Entries(section, nameof(ResidentOptions.Tasks)))
        {
            var taskOptions = options.Tasks.TryGetValue(name, out var existing) ? existing : options.Tasks[name] = new BackgroundTaskOptions();
            ReadBool(task, nameof(BackgroundTaskOptions.Durable), errors, value => taskOptions.Durable = value, prefix);
        }
    }

    internal static void Validate(ResidentOptions options, List<string> errors)
    {
        Range(errors, nameof(ResidentOptions.TaskWorkerNum), options.TaskWorkerNum, ResidentLimits.Server.MinTaskWorkerNum, ResidentLimits.Server.MaxTaskWorkerNum);
        Range(errors, nameof(ResidentOptions.TaskQueueCapacity), options.TaskQueueCapacity,
            ResidentLimits.Server.MinTaskQueueCapacity, ResidentLimits.Server.MaxTaskQueueCapacity);
        if (!Enum.IsDefined(options.TaskQueueFullMode))
        {
            errors.Add(Message(nameof(ResidentOptions.TaskQueueFullMode), $"must be one of {string.Join(", ", Enum.GetNames<TaskQueueFullMode>())}",
                options.TaskQueueFullMode.ToString()));
        }

        Range(errors, nameof(ResidentOptions.TaskQueueFullTimeout), options.TaskQueueFullTimeout,
            ResidentLimits.Server.MinTaskQueueFullTimeoutMilliseconds, ResidentLimits.Server.MaxTaskQueueFullTimeoutMilliseconds, DurationUnit.Milliseconds);
    }

    private sealed class TaskStartupCheck(TaskQueue queue) : IStartupCheck
    {
        public void CheckOptions(StartupContext context) => Validate(context.Options, context.Errors);

        public void CheckDeclarations(StartupContext context)
        {
            TaskQueue.ValidateTasks(context.Declarations.Background, context.Errors);
            queue.CheckDurable(context.Declarations.Background.Tasks, context.Options.Tasks, context.Errors);
        }
    }
}
