using System.Net;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Resident.EndToEnd.Tests;

/// <summary>
/// The Showcase's /resident dashboard in headless Chromium: the numbers on the page change as the test sends requests,
/// tasks (one failing), a WebSocket connection and a table write. A screenshot lands in the test output folder.
/// </summary>
public sealed class DashboardPageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task The_dashboard_shows_the_running_Showcase_and_its_numbers_change_live()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        using var http = new HttpClient { BaseAddress = showcase.BaseAddress, Timeout = Timeout };
        try
        {
            var dashboard = await chromium.OpenPageAsync(new Uri(showcase.BaseAddress, "/resident"));
            await dashboard.WaitForAsync("document.body.dataset.state === 'live' && Number(document.body.dataset.updates) >= 1", Timeout);

            Assert.Equal(showcase.ProcessId, await NumberAsync(dashboard, "pid"));
            Assert.Equal("inline", await dashboard.EvaluateAsync<string>("document.getElementById('mode').textContent"));
            var requests = await NumberAsync(dashboard, "requests");
            var completed = await NumberAsync(dashboard, "tasks-completed");
            Assert.Equal(0, await NumberAsync(dashboard, "tasks-failed"));
            Assert.Equal(0, await NumberAsync(dashboard, "websockets"));
            Assert.Equal(0, await RowNumberAsync(dashboard, "websockets", "/ws", 2));
            Assert.Equal(0, await RowNumberAsync(dashboard, "tables", "counter", 1));
            Assert.Equal("reverser", await dashboard.EvaluateAsync<string>("document.querySelector('#processes tr[data-key=\"reverser\"] td').textContent"));
            Assert.Contains("tcp-echo", await dashboard.EvaluateAsync<string>("document.getElementById('ports').textContent"), StringComparison.Ordinal);

            // Requests, tasks (one that fails every try), a table row and a WebSocket (the chat page in another tab).
            for (var i = 0; i < 25; i++)
            {
                Assert.Equal("Hello, World!", await http.GetStringAsync("/plaintext"));
            }

            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"/task?name=visitor{i}", null)).StatusCode);
            }

            // The front page links to the dashboard, shows the live numbers and the real extra ports, and its buttons
            // work: this one delivers a task that fails every try.
            var front = await chromium.OpenPageAsync(showcase.BaseAddress);
            Assert.True(await front.EvaluateAsync<bool>("!!document.querySelector('header nav a[href=\"/resident\"]')"));
            await front.WaitForAsync("!document.getElementById('live').hidden", Timeout);
            await front.WaitForAsync($"document.getElementById('ports').textContent.includes('nc -C {showcase.BaseAddress.Host} {showcase.SocketEndPoint("tcp-echo").Port}')", Timeout);
            await front.ClickAsync("button[data-post=\"/task?name=failing-demo\"]");
            await front.WaitForAsync("document.querySelector('button[data-post=\"/task?name=failing-demo\"]').closest('.card').querySelector('pre.out').textContent.startsWith('202 ')", Timeout);
            using (var counter = JsonDocument.Parse(await http.GetStringAsync("/table/counter")))
            {
                Assert.Equal(1, counter.RootElement.GetProperty("rows").GetInt32());
            }

            var chat = await chromium.OpenPageAsync(new Uri(showcase.BaseAddress, "/chat.html?name=alice"));
            await chat.WaitForAsync("document.body.dataset.state === 'open'", Timeout);

            await dashboard.WaitForAsync($"{Number("requests")} >= {requests + 25}", Timeout);
            await dashboard.WaitForAsync($"{Number("tasks-completed")} >= {completed + 3}", Timeout);
            await dashboard.WaitForAsync($"{Number("tasks-failed")} === 1", Timeout);
            await dashboard.WaitForAsync(
                "document.getElementById('failures').textContent.includes('failing-demo cannot be welcomed (try 3 of 3).')", Timeout);
            await dashboard.WaitForAsync($"{Number("websockets")} === 1", Timeout);
            await dashboard.WaitForAsync($"{RowNumber("websockets", "/ws", 2)} === 1", Timeout);
            await dashboard.WaitForAsync($"{RowNumber("tables", "counter", 1)} === 1", Timeout);

            // TickJob runs every second from the start: its runs grow and its next run is ahead (or under a second away).
            var ticks = await RowNumberAsync(dashboard, "cron", "TickJob", 3);
            await dashboard.WaitForAsync($"{RowNumber("cron", "TickJob", 3)} > {ticks}", Timeout);
            var nextRun = await dashboard.EvaluateAsync<string>("document.querySelector('#cron tr[data-key=\"TickJob\"]').children[8].textContent");
            Assert.True(nextRun == "now" || nextRun!.StartsWith("in ", StringComparison.Ordinal), $"TickJob's next run reads '{nextRun}'");

            var screenshot = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
            await dashboard.SaveScreenshotAsync(screenshot);
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is suspiciously small");
            output.WriteLine($"Dashboard screenshot: {screenshot}");
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nShowcase output:\n{showcase.Output}", e);
        }
    }

    private static string Number(string stat) =>
        $"Number(document.querySelector('[data-stat=\"{stat}\"]').textContent.replace(/[^0-9]/g, ''))";

    private static string RowNumber(string table, string key, int column) =>
        $"Number(document.querySelector('#{table} tr[data-key=\"{key}\"]').children[{column}].textContent.replace(/[^0-9]/g, ''))";

    private static async Task<long> NumberAsync(ChromiumPage page, string stat) => await page.EvaluateAsync<long>(Number(stat));

    private static async Task<long> RowNumberAsync(ChromiumPage page, string table, string key, int column) =>
        await page.EvaluateAsync<long>(RowNumber(table, key, column));
}
