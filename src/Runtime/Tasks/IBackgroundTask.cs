namespace Resident;

/// <summary>
/// A unit of background work delivered through <see cref="ITaskQueue"/> and run on a task worker. Mark the class
/// <see cref="BackgroundTaskAttribute">[BackgroundTask]</see>; its public properties are the payload.
/// </summary>
public interface IBackgroundTask
{
    /// <summary>
    /// Does the work (LaravelS <c>handle()</c>). Throwing fails this try; the task is retried while it has
    /// tries left, then logged. Resolve services from <see cref="TaskContext.Services"/>.
    /// </summary>
    ValueTask HandleAsync(TaskContext context);

    /// <summary>
    /// Runs after <see cref="HandleAsync"/> succeeded, in the process that delivered the task and outside the task
    /// workers (LaravelS <c>finish()</c>). Its context tells the attempt that succeeded (<see cref="TaskContext.Attempt"/>)
    /// and the tries the delivery had (<see cref="TaskContext.Tries"/>). Exceptions are logged. The default does nothing.
    /// </summary>
    ValueTask FinishAsync(TaskContext context) => ValueTask.CompletedTask;
}
