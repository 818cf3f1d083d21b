using Resident.Hosting;

namespace Resident.Tasks;

internal sealed partial class TaskQueue
{
    /// <summary>Checks the background declarations alone; throws with every problem found.</summary>
    internal static void Validate(BackgroundDeclarations background)
    {
        var errors = new List<string>();
        ValidateTasks(background, errors);
        Resident.Events.EventValidation.Validate(background, errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>Adds a sentence naming the type for each <c>[BackgroundTask]</c> the queue could not run.</summary>
    internal static void ValidateTasks(BackgroundDeclarations background, List<string> errors)
    {
        foreach (var task in background.Tasks)
        {
            if (task.PayloadProblem is { } problem)
            {
                errors.Add(problem);
            }

            CheckRetry(task.Name, "[BackgroundTask]", task.Retry, errors);
        }
    }

    /// <summary>Adds a sentence for tries or backoff out of range.</summary>
    internal static void CheckRetry(string name, string attribute, RetryPolicy retry, List<string> errors)
    {
        if (retry.Tries is < ResidentLimits.Retry.MinTries or > ResidentLimits.Retry.MaxTries)
        {
            errors.Add($"{attribute} {name} sets Tries = {retry.Tries}; use {ResidentLimits.Retry.MinTries} to {ResidentLimits.Retry.MaxTries}.");
        }

        if (retry.BackoffMilliseconds < ResidentLimits.Retry.MinBackoffMilliseconds || retry.MaxBackoffMilliseconds < retry.BackoffMilliseconds)
        {
            errors.Add(
                $"{attribute} {name} sets BackoffMilliseconds = {retry.BackoffMilliseconds} and MaxBackoffMilliseconds = {retry.MaxBackoffMilliseconds}; " +
                $"use {ResidentLimits.Retry.MinBackoffMilliseconds} or more, with MaxBackoffMilliseconds at least BackoffMilliseconds.");
        }
    }
}
