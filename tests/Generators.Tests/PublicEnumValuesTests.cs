using Resident.Hosting;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// The values of Resident's public enums are part of its contract: generated code, configuration files and other
/// processes carry them as numbers. Each member is pinned here; renumbering one is a breaking change.
/// </summary>
public sealed class PublicEnumValuesTests
{
    [Fact]
    public void Public_enum_members_keep_their_numbers()
    {
        Assert.Equal(
            [("Immediate", 0), ("Fixed", 1), ("Exponential", 2)],
            Members<TaskBackoff>());
        Assert.Equal(
            [("ServerStart", 0), ("ServerStop", 1), ("WorkerStart", 2), ("WorkerStop", 3), ("WorkerError", 4)],
            Members<LifecycleEvent>());
        Assert.Equal(
            [("Tcp", 0), ("Tcp6", 1), ("Udp", 2), ("Udp6", 3), ("Unix", 4)],
            Members<PortType>());
        Assert.Equal(
            [("None", 0), ("Eof", 1), ("Length", 2), ("FixedSize", 3)],
            Members<SocketFraming>());
        Assert.Equal(
            [("Wait", 0), ("Refuse", 1)],
            Members<TaskQueueFullMode>());
        Assert.Equal(
            [("Continue", 0), ("Stop", 1)],
            Members<Propagation>());
        Assert.Equal(
            [("Int64", 0), ("Int32", 1), ("Float", 2), ("String", 3)],
            Members<TableColumnType>());
        Assert.Equal(
            [("Cluster", 0), ("Node", 1)],
            Members<CronScope>());
        Assert.Equal(
            [("Default", 0), ("Throughput", 1)],
            Members<PerformanceProfile>());
        Assert.Equal(
            [("Runtime", 0), ("Workstation", 1), ("WorkstationConcurrent", 2), ("Server", 3), ("ServerDatas", 4)],
            Members<GarbageCollectorMode>());
    }

    [Fact]
    public void Every_public_enum_of_the_runtime_is_pinned()
    {
        var pinned = new[]
        {
            typeof(TaskBackoff), typeof(LifecycleEvent), typeof(PortType), typeof(SocketFraming), typeof(TaskQueueFullMode),
            typeof(Propagation), typeof(TableColumnType), typeof(CronScope), typeof(PerformanceProfile), typeof(GarbageCollectorMode),
        };
        var exported = typeof(ResidentManifestBuilder).Assembly.GetExportedTypes().Where(type => type.IsEnum);

        Assert.All(exported, type => Assert.Contains(type, pinned));
    }

    [Fact]
    public void The_default_backoff_is_the_exponential_member()
    {
        // ResidentLimits.Retry.DefaultBackoff is the number 2 (the generator cannot name the enum): it must stay Exponential.
        Assert.Equal(TaskBackoff.Exponential, new BackgroundTaskAttribute().Backoff);
        Assert.Equal(TaskBackoff.Exponential, new EventListenerAttribute().Backoff);
    }

    [Fact]
    public void The_default_cron_scope_is_once_per_cluster()
    {
        // Scaling out with AddRedis() must not start firing every job on every node.
        Assert.Equal(CronScope.Cluster, new CronJobAttribute(1000).Scope);
        Assert.Equal(CronScope.Cluster, default(CronScope));
    }

    private static (string Name, int Value)[] Members<TEnum>() where TEnum : struct, Enum =>
        [.. Enum.GetValues<TEnum>().Select(value => (value.ToString(), Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)))];
}
