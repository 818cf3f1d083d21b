using Microsoft.AspNetCore.Http;
using Resident.Hosting;

namespace Resident.Http;

/// <summary>
/// Calls each component in order; one that throws is reported and the next still runs. Stays synchronous (no
/// state machine, no allocation) while every call completes synchronously, which is the common case.
/// </summary>
internal static class ContainedCalls
{
    public static Task RunAsync<T>(
        Named<T>[] components,
        HttpContext context,
        Func<T, HttpContext, ValueTask> invoke,
        Action<string, Exception> report)
    {
        for (var i = 0; i < components.Length; i++)
        {
            ValueTask pending;
            try
            {
                pending = invoke(components[i].Instance, context);
                if (pending.IsCompletedSuccessfully)
                {
                    pending.GetAwaiter().GetResult();
                    continue;
                }
            }
            catch (Exception exception)
            {
                report(components[i].Name, exception);
                continue;
            }

            return AwaitRemainingAsync(components, context, invoke, report, pending, i);
        }

        return Task.CompletedTask;
    }

    private static async Task AwaitRemainingAsync<T>(
        Named<T>[] components,
        HttpContext context,
        Func<T, HttpContext, ValueTask> invoke,
        Action<string, Exception> report,
        ValueTask pending,
        int index)
    {
        for (var i = index; i < components.Length; i++)
        {
            try
            {
                await (i == index ? pending : invoke(components[i].Instance, context));
            }
            catch (Exception exception)
            {
                report(components[i].Name, exception);
            }
        }
    }
}
