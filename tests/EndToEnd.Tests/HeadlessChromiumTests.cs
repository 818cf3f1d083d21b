using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The test-only DevTools driver against a self-contained page, so browser tests can trust it.</summary>
public sealed class HeadlessChromiumTests
{
    private const string GreeterHtml = """
        <!doctype html>
        <title>greeter</title>
        <input id="name">
        <button id="greet">Greet</button>
        <p id="echo"></p>
        <p id="greeting"></p>
        <script>
            const name = document.getElementById('name');
            name.addEventListener('input', () => document.getElementById('echo').textContent = name.value);
            document.getElementById('greet').addEventListener('click', () => {
                document.getElementById('greeting').textContent = 'Hello, ' + name.value + '!';
            });
            console.log('greeter ready');
        </script>
        """;

    private static readonly Uri Greeter = new("data:text/html," + Uri.EscapeDataString(GreeterHtml));

    [Fact]
    public async Task Typing_and_clicking_run_the_page_script_and_the_wait_sees_its_result()
    {
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.OpenPageAsync(Greeter);

        Assert.Equal("greeter", await page.EvaluateAsync<string>("document.title"));
        Assert.Equal(3, await page.EvaluateAsync<int>("Promise.resolve(1 + 2)"));
        Assert.Equal("", await page.EvaluateAsync<string>("document.getElementById('greeting').textContent"));

        await page.TypeAsync("#name", "Ada <Lovelace> \"O'Neil\"");
        Assert.Equal("Ada <Lovelace> \"O'Neil\"", await page.EvaluateAsync<string>("document.getElementById('echo').textContent"));

        await page.ClickAsync("#greet");
        await page.WaitForAsync("document.getElementById('greeting').textContent === 'Hello, Ada <Lovelace> \"O\\'Neil\"!'", TimeSpan.FromSeconds(10));
        Assert.Contains("console.log: greeter ready", page.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_say_what_went_wrong_with_the_page_html()
    {
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.OpenPageAsync(Greeter);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => page.EvaluateAsync<int>("null.length"));
        Assert.Contains("TypeError", thrown.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => page.ClickAsync("#nowhere"));
        Assert.Contains("No element matches #nowhere", missing.Message, StringComparison.Ordinal);

        var timedOut = await Assert.ThrowsAsync<TimeoutException>(
            () => page.WaitForAsync("document.getElementById('greeting').textContent === 'never'", TimeSpan.FromMilliseconds(300)));
        Assert.Contains("document.getElementById('greeting').textContent === 'never'", timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("<button id=\"greet\">Greet</button>", timedOut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_fail_clearly_once_the_browser_is_gone()
    {
        var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.OpenPageAsync(Greeter);
        await chromium.DisposeAsync();

        var closed = await Assert.ThrowsAsync<InvalidOperationException>(() => page.EvaluateAsync<string>("document.title"));
        Assert.Contains("Runtime.evaluate cannot complete", closed.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => page.WaitForAsync("true", TimeSpan.FromSeconds(5)));
    }
}
