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
        builder.AddWebSocketHandler("App.ChatHandler", new WebSocketHandlerAttribute(first), _ => null!);
        builder.AddWebSocketHandler("App.PushHandler", new WebSocketHandlerAttribute(second), _ => null!);

        var declarations = builder.Build();
        var error = Assert.Single(declarations.Problems);
        Assert.Contains("App.ChatHandler", error, StringComparison.Ordinal);
        Assert.Contains("App.PushHandler", error, StringComparison.Ordinal);
        Assert.Contains("give each handler its own path", error, StringComparison.Ordinal);
        Assert.Single(declarations.WebSocketHandlers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ws")]
    [InlineData("  ")]
    public void A_path_that_is_not_a_path_fails_the_start_naming_the_class(string path)
    {
        var builder = new ResidentManifestBuilder();
        builder.AddWebSocketHandler("App.ChatHandler", new WebSocketHandlerAttribute(path), _ => null!);

        var declarations = builder.Build();
        Assert.Equal([$"The WebSocket handler App.ChatHandler declares the path '{path}'; a path must start with '/', such as \"/ws\"."], declarations.Problems);
        Assert.Empty(declarations.WebSocketHandlers);
    }

    [Fact]
    public void A_rejected_declaration_and_a_duplicate_path_are_all_listed_without_throwing()
    {
        var builder = new ResidentManifestBuilder();
        builder.AddProblem("App.Tick", "RES102: [CronJob] 'App.Tick' has the interval 0 ms; the scheduler refuses to start with an interval below 1 ms.");
        builder.AddWebSocketHandler("App.ChatHandler", new WebSocketHandlerAttribute("/ws"), _ => null!);
        builder.AddWebSocketHandler("App.PushHandler", new WebSocketHandlerAttribute("/ws"), _ => null!);
        builder.AddCleaner("App.Cleaner", new CleanerAttribute(), _ => null!);

        var declarations = builder.Build();

        Assert.Equal(2, declarations.Problems.Length);
        Assert.StartsWith("RES102: [CronJob] 'App.Tick'", declarations.Problems[0], StringComparison.Ordinal);
        Assert.Contains("both declare the path '/ws'", declarations.Problems[1], StringComparison.Ordinal);
        Assert.Single(declarations.Cleaners);
    }

    [Fact]
    public void Different_paths_and_one_class_on_several_paths_are_fine()
    {
        var builder = new ResidentManifestBuilder();
        builder.AddWebSocketHandler("App.ChatHandler", new WebSocketHandlerAttribute("/ws") { SubProtocols = ["chat"] }, _ => null!);
        builder.AddWebSocketHandler("App.ChatHandler", new WebSocketHandlerAttribute("/rooms/{room}"), _ => null!);
        builder.AddWebSocketHandler("App.PushHandler", new WebSocketHandlerAttribute("/push"), _ => null!);

        var declarations = builder.Build();
        var handlers = declarations.WebSocketHandlers;
        Assert.Empty(declarations.Problems);
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
