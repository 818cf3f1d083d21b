using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>The generator names runtime types by string; these must follow the runtime when it changes.</summary>
public sealed class KnownNamesTests
{
    [Fact]
    public void Metadata_names_match_the_runtime_types()
    {
        Assert.Equal(KnownNames.CleanerAttribute, typeof(CleanerAttribute).FullName);
        Assert.Equal(KnownNames.LifecycleHookAttribute, typeof(LifecycleHookAttribute).FullName);
        Assert.Equal(KnownNames.RequestHookAttribute, typeof(RequestHookAttribute).FullName);
        Assert.Equal(KnownNames.WebSocketHandlerAttribute, typeof(WebSocketHandlerAttribute).FullName);
        Assert.Equal(KnownNames.Cleaner, typeof(ICleaner).FullName);
        Assert.Equal(KnownNames.LifecycleHook, typeof(ILifecycleHook).FullName);
        Assert.Equal(KnownNames.RequestReceivedHook, typeof(IRequestReceivedHook).FullName);
        Assert.Equal(KnownNames.ResponseGeneratedHook, typeof(IResponseGeneratedHook).FullName);
        Assert.Equal(KnownNames.WebSocketHandler, typeof(IWebSocketHandler).FullName);
        Assert.Equal(KnownNames.LifecycleEvent, typeof(LifecycleEvent).FullName);
        Assert.Equal(KnownNames.Manifest, typeof(IResidentManifest).FullName);
        Assert.Equal(KnownNames.ActivatorUtilitiesConstructor, typeof(ActivatorUtilitiesConstructorAttribute).FullName);
        Assert.Equal(KnownNames.BackgroundTaskAttribute, typeof(BackgroundTaskAttribute).FullName);
        Assert.Equal(KnownNames.AsyncEventAttribute, typeof(AsyncEventAttribute).FullName);
        Assert.Equal(KnownNames.EventListenerAttribute, typeof(EventListenerAttribute).FullName);
        Assert.Equal(KnownNames.CronJobAttribute, typeof(CronJobAttribute).FullName);
        Assert.Equal(KnownNames.CustomProcessAttribute, typeof(CustomProcessAttribute).FullName);
        Assert.Equal(KnownNames.BackgroundTask, typeof(IBackgroundTask).FullName);
        Assert.Equal(KnownNames.TaskContext, typeof(TaskContext).FullName);
        Assert.Equal(KnownNames.TaskBackoff, typeof(TaskBackoff).FullName);
        Assert.Equal(KnownNames.EventListener, typeof(IEventListener<>).FullName);
        Assert.Equal(KnownNames.CronJob, typeof(ICronJob).FullName);
        Assert.Equal(KnownNames.CronScope, typeof(CronScope).FullName);
        Assert.Equal(KnownNames.CustomProcess, typeof(ICustomProcess).FullName);
        Assert.Equal(KnownNames.SocketHandlerAttribute, typeof(SocketHandlerAttribute).FullName);
        Assert.Equal(KnownNames.TcpHandler, typeof(ITcpHandler).FullName);
        Assert.Equal(KnownNames.UdpHandler, typeof(IUdpHandler).FullName);
        Assert.Equal(KnownNames.PayloadCodec, typeof(PayloadCodec<>).FullName);
        Assert.Equal(KnownNames.JsonIgnoreAttribute, typeof(System.Text.Json.Serialization.JsonIgnoreAttribute).FullName);
    }

    [Fact]
    public void Cron_scope_names_are_indexed_by_the_enum_values()
    {
        var byValue = Enum.GetValues<CronScope>().OrderBy(value => (int)value).ToArray();

        Assert.Equal(Enumerable.Range(0, byValue.Length), byValue.Select(value => (int)value));
        Assert.Equal(byValue.Select(value => value.ToString()), KnownNames.CronScopes);
    }

    [Fact]
    public void Task_backoff_names_are_indexed_by_the_enum_values()
    {
        var byValue = Enum.GetValues<TaskBackoff>().OrderBy(value => (int)value).ToArray();

        Assert.Equal(Enumerable.Range(0, byValue.Length), byValue.Select(value => (int)value));
        Assert.Equal(byValue.Select(value => value.ToString()), KnownNames.TaskBackoffs);
    }

    [Fact]
    public void Lifecycle_event_names_are_indexed_by_the_enum_values()
    {
        // The generator turns the attribute's int argument into a member name by indexing this array.
        var byValue = Enum.GetValues<LifecycleEvent>().OrderBy(value => (int)value).ToArray();

        Assert.Equal(Enumerable.Range(0, byValue.Length), byValue.Select(value => (int)value));
        Assert.Equal(byValue.Select(value => value.ToString()), KnownNames.LifecycleEvents);
    }
}
