using Resident.Hosting;
using Xunit;

namespace Resident.Tests;

/// <summary>The start-up checks of declared WebSocket paths (the generated manifest calls the same builder).</summary>
public sealed class WebSocketDeclarationTests
{
    [Theory]
    [InlineData("/ws", "/ws")]
    [InlineData("/ws", "/WS")]
    [InlineData("/ws", "/ws/")]
    public void Two_handlers_on_one_path_fail_the_start_naming_both(string first, string second)
    {
        var builder = new ResidentManifestBuilder();
        builder.AddWebSocketHandler("App.ChatHandler", first, [], _ => null!);
        builder.AddWebSocketHandler("App.PushHandler", second, [], _ => null!);

        var problem = Assert.Single(builder.Build().Problems);
        Assert.Contains("App.ChatHandler", problem, StringComparison.Ordinal);
        Assert.Contains("App.PushHandler", problem, StringComparison.Ordinal);
        Assert.Contains("give each handler its own path", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ws")]
    [InlineData("  ")]
    public void A_path_that_is_not_a_path_fails_the_start_naming_the_class(string path)
    {
        var builder = new ResidentManifestBuilder();
        builder.AddWebSocketHandler("App.ChatHandler", path, [], _ => null!);

        var problem = Assert.Single(builder.Build().Problems);
        Assert.Equal($"The WebSocket handler App.ChatHandler declares the path '{path}'; a path must start with '/', such as \"/ws\".", problem);
    }

    [Fact]
    public void Different_paths_and_one_class_on_several_paths_are_fine()
    {
        var builder = new ResidentManifestBuilder();
        builder.AddWebSocketHandler("App.ChatHandler", "/ws", ["chat"], _ => null!);
        builder.AddWebSocketHandler("App.ChatHandler", "/rooms/{room}", [], _ => null!);
        builder.AddWebSocketHandler("App.PushHandler", "/push", [], _ => null!);

        var handlers = builder.Build().WebSocketHandlers;
        Assert.Equal(["/push", "/rooms/{room}", "/ws"], handlers.Select(handler => handler.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["chat"], handlers.Single(handler => handler.Path == "/ws").SubProtocols);
    }

    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(0, 10, 20, 10)]
    [InlineData(30, 0, 30, 15)]
    [InlineData(1, 0, 1, 1)]
    [InlineData(60, 5, 60, 5)]
    public void Heartbeat_settings_follow_swoole_defaults(int idle, int interval, int expectedIdle, int expectedInterval)
    {
        var (effectiveIdle, effectiveInterval) = Resident.WebSockets.WebSocketServer.Heartbeat(idle, interval);
        Assert.Equal(TimeSpan.FromSeconds(expectedIdle), effectiveIdle);
        Assert.Equal(TimeSpan.FromSeconds(expectedInterval), effectiveInterval);
    }
}
