using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Redis.Tests;

/// <summary>Joining the cluster: the settings, the NodeId claim, Redis away at start.</summary>
public sealed class NodeTests(SharedRedis redis) : IClassFixture<SharedRedis>
{
    /// <summary>Settings for an in-process node <paramref name="nodeId"/> of the cluster <paramref name="prefix"/>.</summary>
    internal static Dictionary<string, string?> NodeSettings(string configuration, string prefix, int nodeId) => new()
    {
        ["Resident:NodeId"] = nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Resident:Redis:Configuration"] = configuration,
        ["Resident:Redis:KeyPrefix"] = prefix,
    };

    [Fact]
    public async Task AddRedis_without_a_configuration_fails_the_start_naming_the_key()
    {
        var failure = await TestServer.StartFailureAsync(new() { ["Resident:Redis:KeyPrefix"] = "x" }, configure: builder => builder.AddRedis());
        Assert.Contains("Resident:Redis:Configuration is required", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_node_timeout_fails_the_start_naming_the_key()
    {
        var settings = NodeSettings(redis.Server.Configuration, SharedRedis.NewPrefix(), 1);
        settings["Resident:Redis:NodeTimeout"] = "soon";
        var failure = await TestServer.StartFailureAsync(settings, configure: builder => builder.AddRedis());
        Assert.Contains("Resident:Redis:NodeTimeout must be a whole number of seconds", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_node_with_the_same_NodeId_is_refused_naming_the_first()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var first = await TestServer.StartAsync(NodeSettings(redis.Server.Configuration, prefix, 7), configure: builder => builder.AddRedis());

        // The first node's claim names this process (alive) and its own instance: the second is refused.
        var failure = await TestServer.StartFailureAsync(NodeSettings(redis.Server.Configuration, prefix, 7), configure: builder => builder.AddRedis());
        Assert.Contains("Resident:NodeId 7 is already used by the node " + Environment.MachineName + "/" + Environment.ProcessId + "/", failure.Message, StringComparison.Ordinal);

        // Another id joins.
        await using var second = await TestServer.StartAsync(NodeSettings(redis.Server.Configuration, prefix, 8), configure: builder => builder.AddRedis());
        var nodes = await second.App.Services.GetRequiredService<NodeRegistry>().AliveNodesAsync();
        Assert.Equal([7, 8], nodes);
    }

    [Fact]
    public async Task A_node_stopped_gives_its_id_back_at_once()
    {
        var prefix = SharedRedis.NewPrefix();
        var first = await TestServer.StartAsync(NodeSettings(redis.Server.Configuration, prefix, 3), configure: builder => builder.AddRedis());
        await first.DisposeAsync();
        await using var again = await TestServer.StartAsync(NodeSettings(redis.Server.Configuration, prefix, 3), configure: builder => builder.AddRedis());
        Assert.Equal([3], await again.App.Services.GetRequiredService<NodeRegistry>().AliveNodesAsync());
    }

    [Fact]
    public async Task Without_Redis_the_node_starts_warns_and_joins_once_Redis_answers()
    {
        await using var late = await RedisServer.StartAsync();
        await late.KillAsync();
        var settings = NodeSettings(late.Configuration, SharedRedis.NewPrefix(), 4);
        settings["Resident:Redis:ConnectTimeout"] = "1";
        settings["Resident:Redis:NodeTimeout"] = "3";
        await using var node = await TestServer.StartAsync(settings, configure: builder => builder.AddRedis());
        Assert.Equal("Hello, World!", await node.Client.GetStringAsync("/plaintext"));
        Assert.Contains(node.Logs.Entries, entry => entry.Message.Contains("did not answer within 1 s", StringComparison.Ordinal));

        await late.StartAgainAsync();
        await node.App.Services.GetRequiredService<RedisNodeService>().Claimed.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal([4], await node.App.Services.GetRequiredService<NodeRegistry>().AliveNodesAsync());
    }
}
