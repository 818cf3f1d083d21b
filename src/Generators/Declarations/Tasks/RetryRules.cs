using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Resident.Generators.Declarations.Tasks;

/// <summary>The retry settings of <c>[BackgroundTask]</c> and <c>[EventListener]</c>, checked as the task queue checks them at start.</summary>
internal static class RetryRules
{
    public static void Check(AttributeData attribute, string attributeName, List<DeclarationProblem> problems)
    {
        if (DeclarationParser.Int(attribute, "Tries") is { } tries
            && tries is < ResidentLimits.Retry.MinTries or > ResidentLimits.Retry.MaxTries)
        {
            problems.Add(Problems.Named(attributeName, "Tries", $"Tries = {Problems.Invariant(tries)}",
                $"use {Problems.Invariant(ResidentLimits.Retry.MinTries)} to {Problems.Invariant(ResidentLimits.Retry.MaxTries)} tries in all"));
        }

        if (DeclarationParser.Int(attribute, "Backoff") is { } backoff && (backoff < 0 || backoff >= KnownNames.TaskBackoffs.Length))
        {
            problems.Add(Problems.Named(attributeName, "Backoff", $"Backoff = (TaskBackoff){Problems.Invariant(backoff)}",
                "use TaskBackoff." + string.Join(", TaskBackoff.", KnownNames.TaskBackoffs)));
        }

        var backoffMilliseconds = DeclarationParser.Int(attribute, "BackoffMilliseconds") ?? ResidentLimits.Retry.DefaultBackoffMilliseconds;
        var maxBackoffMilliseconds = DeclarationParser.Int(attribute, "MaxBackoffMilliseconds") ?? ResidentLimits.Retry.DefaultMaxBackoffMilliseconds;
        if (backoffMilliseconds < ResidentLimits.Retry.MinBackoffMilliseconds)
        {
            problems.Add(Problems.Named(attributeName, "BackoffMilliseconds", $"BackoffMilliseconds = {Problems.Invariant(backoffMilliseconds)}",
                "a backoff is 0 ms or more"));
        }
        else if (maxBackoffMilliseconds < backoffMilliseconds)
        {
            problems.Add(Problems.Named(attributeName, "MaxBackoffMilliseconds|BackoffMilliseconds",
                $"BackoffMilliseconds = {Problems.Invariant(backoffMilliseconds)} and MaxBackoffMilliseconds = {Problems.Invariant(maxBackoffMilliseconds)}",
                "MaxBackoffMilliseconds must be at least BackoffMilliseconds"));
        }
    }
}
