using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Resident.Hosting;
using Resident.Metrics;

namespace Resident.Http;

/// <summary>How one kind of component is called; a struct, so each kind's loop is compiled with a direct call in it.</summary>
internal interface IComponentCall<in T>
{
    ValueTask Invoke(T component, HttpContext context);
}

internal readonly struct CleanerCall : IComponentCall<ICleaner>
{
    public ValueTask Invoke(ICleaner component, HttpContext context) => component.CleanAsync(context);
}

internal readonly struct RequestReceivedCall : IComponentCall<IRequestReceivedHook>
{
    public ValueTask Invoke(IRequestReceivedHook component, HttpContext context) => component.OnRequestReceivedAsync(context);
}

internal readonly struct ResponseGeneratedCall : IComponentCall<IResponseGeneratedHook>
{
    public ValueTask Invoke(IResponseGeneratedHook component, HttpContext context) => component.OnResponseGeneratedAsync(context);
}

/// <summary>
/// The components of one kind (cleaners, RequestReceived or ResponseGenerated hooks) in run order, with what a
/// failure needs: the name to log and the metric tags, built once here so the throw path allocates nothing.
/// </summary>
internal sealed class ContainedComponents<T> where T : class
{
    public const string CleanerKind = "cleaner";

    public const string RequestReceivedKind = "request_received";

    public const string ResponseGeneratedKind = "response_generated";

    private readonly string[] _names;
    private readonly KeyValuePair<string, object?>[] _hookTags;
    private readonly KeyValuePair<string, object?> _kindTag;
    private readonly string _stage;
    private readonly ILogger _logger;
    private readonly ResidentMetrics _metrics;

    /// <param name="components">The built components, in run order.</param>
    /// <param name="kind">The <c>hook.kind</c> tag value: <c>cleaner</c>, <c>request_received</c> or <c>response_generated</c>.</param>
    /// <param name="stage">The stage named in a hook's failure log (null for cleaners, which have their own message).</param>
    /// <param name="logger">Where failures are logged.</param>
    /// <param name="metrics">Where failures are counted.</param>
    public ContainedComponents(Named<T>[] components, string kind, string? stage, ILogger logger, ResidentMetrics metrics)
    {
        Instances = [.. components.Select(component => component.Instance)];
        _names = [.. components.Select(component => component.Name)];
        _hookTags = [.. _names.Select(ResidentMetrics.HookTag)];
        _kindTag = ResidentMetrics.HookKindTag(kind);
        _stage = stage ?? "";
        _logger = logger;
        _metrics = metrics;
    }

    public T[] Instances { get; }

    public int Length => Instances.Length;

    /// <summary>Logs that component <paramref name="index"/> threw and counts it on <c>resident.http.hook.errors</c>.</summary>
    public void Failed(int index, Exception exception)
    {
        if (_stage.Length == 0)
        {
            HttpLog.CleanerFailed(_logger, _names[index], exception);
        }
        else
        {
            HttpLog.RequestHookFailed(_logger, _names[index], _stage, exception);
        }

        _metrics.AddHookError(_hookTags[index], _kindTag);
    }
}

/// <summary>
/// Calls each component in order; one that throws is reported and the next still runs. Stays synchronous (no
/// state machine, no allocation) while every call completes synchronously, which is the common case.
/// </summary>
internal static class ContainedCalls
{
    public static Task RunAsync<T, TCall>(ContainedComponents<T> components, HttpContext context)
        where T : class
        where TCall : struct, IComponentCall<T>
    {
        var instances = components.Instances;
        for (var i = 0; i < instances.Length; i++)
        {
            ValueTask pending;
            try
            {
                pending = default(TCall).Invoke(instances[i], context);
                if (pending.IsCompletedSuccessfully)
                {
                    // Releases a pooled IValueTaskSource, if the ValueTask has one.
                    pending.GetAwaiter().GetResult();
                    continue;
                }
            }
            catch (Exception exception)
            {
                components.Failed(i, exception);
                continue;
            }

            return AwaitRemainingAsync<T, TCall>(components, context, pending, i);
        }

        return Task.CompletedTask;
    }

    private static async Task AwaitRemainingAsync<T, TCall>(ContainedComponents<T> components, HttpContext context, ValueTask pending, int index)
        where T : class
        where TCall : struct, IComponentCall<T>
    {
        var instances = components.Instances;
        for (var i = index; i < instances.Length; i++)
        {
            try
            {
                await (i == index ? pending : default(TCall).Invoke(instances[i], context));
            }
            catch (Exception exception)
            {
                components.Failed(i, exception);
            }
        }
    }
}
