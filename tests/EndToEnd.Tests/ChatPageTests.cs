using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Showcase chat in a real browser: two pages talking through the server's /ws WebSocket.</summary>
public sealed class ChatPageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_message_typed_in_one_chat_page_appears_in_another()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        try
        {
            var alice = await chromium.OpenPageAsync(new Uri(showcase.BaseAddress, "/chat.html?name=alice"));
            var bob = await chromium.OpenPageAsync(new Uri(showcase.BaseAddress, "/chat.html?name=bob"));
            await alice.WaitForAsync("document.body.dataset.state === 'open'", Timeout);
            await bob.WaitForAsync("document.body.dataset.state === 'open'", Timeout);

            // Unique, so a message left over from elsewhere cannot satisfy the wait.
            var message = $"hello bob {Guid.NewGuid():N}";
            await alice.TypeAsync("#message", message);
            await alice.ClickAsync("#send");

            var expected = JsonSerializer.Serialize($"alice: {message}");
            await bob.WaitForAsync(
                $"Array.from(document.querySelectorAll('#log li')).some(item => item.textContent.includes({expected}))",
                Timeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // The driver's message shows what the browser saw; the server's log shows why.
            throw new Xunit.Sdk.XunitException($"{e.Message}\nShowcase output:\n{showcase.Output}", e);
        }
    }
}
