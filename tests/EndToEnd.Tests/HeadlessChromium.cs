using System.Buffers;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Resident.EndToEnd.Tests;

/// <summary>
/// A headless Chromium driven over the Chrome DevTools Protocol: just enough to open pages, evaluate JavaScript,
/// type, click and wait. No browser-automation package, so the browser tests need nothing but Chromium itself.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    internal static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] ExecutableNames = ["chromium", "chromium-browser", "google-chrome"];

    private readonly Process _process;
    private readonly string _profile;
    private readonly LineTail _output = new();
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sending = new(1, 1);

    // A null answer means the connection closed first; no exception ever sits in a task nobody awaits.
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject?>> _pending = new();
    private readonly ConcurrentDictionary<string, ChromiumPage> _pages = new(StringComparer.Ordinal);
    private Task _reader = Task.CompletedTask;
    private string? _closedBecause;
    private int _nextId;
    private int _disposed;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    internal bool IsClosed => Volatile.Read(ref _closedBecause) is not null;

    /// <summary>Starts a fresh headless Chromium with a throwaway profile and connects to its browser target.</summary>
    public static async Task<HeadlessChromium> LaunchAsync()
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("Chromium is required for this test: apt-get install -y chromium");

        var profile = Directory.CreateTempSubdirectory("resident-chromium-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in Arguments(profile))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch
        {
            Directory.Delete(profile, recursive: true);
            throw;
        }

        var chromium = new HeadlessChromium(process, profile);
        try
        {
            await chromium.ConnectAsync();
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a new tab on <paramref name="url"/> and returns once its document is complete.</summary>
    public async Task<ChromiumPage> OpenPageAsync(Uri url)
    {
        // The tab starts blank so the page's domains are enabled before its own scripts run and log.
        var created = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var targetId = created["targetId"]!.GetValue<string>();
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = targetId, ["flatten"] = true });
        var page = new ChromiumPage(this, targetId, attached["sessionId"]!.GetValue<string>());
        _pages[page.SessionId] = page;
        await page.InitializeAsync(url);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await SendAsync("Browser.close", timeout: CloseTimeout);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // The browser may drop the connection before it answers; the kill below covers a browser that hangs.
            }
        }

        if (!await ExitedWithinAsync(CloseTimeout))
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or AggregateException or Win32Exception)
            {
                // It exited meanwhile, or a child did.
            }

            await ExitedWithinAsync(CloseTimeout);
        }

        _socket.Abort();
        try
        {
            await _reader.WaitAsync(CloseTimeout);
        }
        catch (TimeoutException)
        {
            // The reader never throws; Abort ends its receive. Do not hang a test run on it either way.
        }

        _socket.Dispose();
        _process.Dispose();
        await DeleteProfileAsync();
    }

    /// <summary>Sends one command (to the browser, or to a page's session) and returns its result.</summary>
    internal async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null, string? sessionId = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? CommandTimeout;
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonObject?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            // Checked after registering: either this sees the close, or the reader's final sweep sees this command.
            ThrowIfClosed(method);
            var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
            if (sessionId is not null)
            {
                command["sessionId"] = sessionId;
            }

            await SendTextAsync(method, command.ToJsonString(), limit);

            JsonObject? response;
            try
            {
                response = await answer.Task.WaitAsync(limit);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Chromium did not answer {method} within {limit.TotalSeconds:0.#} s.");
            }

            if (response is null)
            {
                throw Closed(method);
            }

            if (response["error"] is JsonObject error)
            {
                throw new InvalidOperationException($"{method} failed: {error["message"]} (code {error["code"]}).");
            }

            return response["result"] as JsonObject ?? [];
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private static IEnumerable<string> Arguments(string profile) =>
    [
        "--headless=new",
        // Tests run as root in containers, where Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-gpu",
        // A container's /dev/shm may be tiny; Chromium crashes when it runs out.
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        // Several tabs are open at once and each must keep running its timers and sockets as if it were in front.
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        $"--user-data-dir={profile}",
        "about:blank",
    ];

    private static string? FindExecutable()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return ExecutableNames
            .SelectMany(name => path.Select(directory => Path.Combine(directory, name)))
            .FirstOrDefault(File.Exists);
    }

    private async Task ConnectAsync()
    {
        // Null when Chromium closes its output without announcing the endpoint, i.e. it died starting up.
        var listening = new TaskCompletionSource<Uri?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, line) => _output.Add(line.Data);
        _process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                listening.TrySetResult(null);
                return;
            }

            _output.Add(line.Data);
            // An exception thrown here would crash the test host, so a malformed address is just not the line.
            if (DevToolsLine().Match(line.Data) is { Success: true } match
                && Uri.TryCreate(match.Groups["endpoint"].Value, UriKind.Absolute, out var endpoint))
            {
                listening.TrySetResult(endpoint);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        Uri? endpoint;
        try
        {
            endpoint = await listening.Task.WaitAsync(LaunchTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"Chromium did not print 'DevTools listening on ws://...' within {LaunchTimeout.TotalSeconds:0} s. {DescribeProcess()}");
        }

        if (endpoint is null)
        {
            throw new InvalidOperationException($"Chromium stopped before printing 'DevTools listening on ws://...'. {DescribeProcess()}");
        }

        using var connecting = new CancellationTokenSource(CommandTimeout);
        try
        {
            await _socket.ConnectAsync(endpoint, connecting.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Could not connect to Chromium's DevTools at {endpoint} within {CommandTimeout.TotalSeconds:0} s. {DescribeProcess()}");
        }

        _reader = ReadAsync();
    }

    /// <summary>The one reader: answers go to their waiting command, events to their page. It never throws.</summary>
    private async Task ReadAsync()
    {
        string reason;
        try
        {
            var message = new ArrayBufferWriter<byte>(64 * 1024);
            while (await ReceiveAsync(message))
            {
                Dispatch(message.WrittenSpan);
            }

            reason = "Chromium closed the DevTools connection";
        }
        catch (Exception e)
        {
            // The browser died (the socket broke) or DisposeAsync aborted the socket.
            reason = $"the DevTools connection broke: {e.Message}";
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            reason += " (the browser was being disposed)";
        }

        Volatile.Write(ref _closedBecause, $"{reason}. {DescribeProcess()}");
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var answer))
            {
                answer.TrySetResult(null);
            }
        }
    }

    private async Task<bool> ReceiveAsync(ArrayBufferWriter<byte> message)
    {
        message.ResetWrittenCount();
        ValueWebSocketReceiveResult received;
        do
        {
            received = await _socket.ReceiveAsync(message.GetMemory(16 * 1024), CancellationToken.None);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return false;
            }

            message.Advance(received.Count);
        }
        while (!received.EndOfMessage);

        return true;
    }

    private void Dispatch(ReadOnlySpan<byte> utf8)
    {
        try
        {
            if (JsonNode.Parse(utf8) is not JsonObject message)
            {
                return;
            }

            if (message["id"] is JsonValue id)
            {
                if (_pending.TryRemove(id.GetValue<int>(), out var answer))
                {
                    answer.TrySetResult(message);
                }

                return;
            }

            var method = message["method"]?.GetValue<string>();
            var parameters = message["params"] as JsonObject ?? [];
            if (message["sessionId"]?.GetValue<string>() is { } sessionId)
            {
                if (method is not null && _pages.TryGetValue(sessionId, out var page))
                {
                    page.OnEvent(method, parameters);
                }
            }
            else if (method == "Target.detachedFromTarget"
                && parameters["sessionId"]?.GetValue<string>() is { } detached
                && _pages.TryRemove(detached, out var page))
            {
                page.OnDetached();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            _output.Add($"(an unreadable DevTools message: {e.Message})");
        }
    }

    private async Task SendTextAsync(string method, string text, TimeSpan limit)
    {
        if (!await _sending.WaitAsync(limit))
        {
            throw new TimeoutException($"Could not send {method} to Chromium within {limit.TotalSeconds:0.#} s: the connection is busy.");
        }

        try
        {
            using var sending = new CancellationTokenSource(limit);
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, sending.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            throw new InvalidOperationException($"Could not send {method} to Chromium: {e.Message} {Volatile.Read(ref _closedBecause)}", e);
        }
        finally
        {
            _sending.Release();
        }
    }

    private void ThrowIfClosed(string method)
    {
        if (IsClosed)
        {
            throw Closed(method);
        }
    }

    private InvalidOperationException Closed(string method) =>
        new($"{method} cannot complete: {Volatile.Read(ref _closedBecause)}");

    private string DescribeProcess()
    {
        string state;
        try
        {
            state = _process.HasExited ? $"exited with code {_process.ExitCode}" : "is still running";
        }
        catch (InvalidOperationException)
        {
            state = "is gone";
        }

        return $"Chromium {state}. Its last output:\n{_output}";
    }

    private async Task<bool> ExitedWithinAsync(TimeSpan limit)
    {
        // Polled rather than WaitForExitAsync, which also waits for any child still holding the output pipes.
        var elapsed = Stopwatch.StartNew();
        while (!_process.HasExited)
        {
            if (elapsed.Elapsed >= limit)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    private async Task DeleteProfileAsync()
    {
        // Chromium's helpers may write to the profile for a moment after the browser exits.
        for (var attempt = 1; Directory.Exists(_profile); attempt++)
        {
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt == 10)
                {
                    return; // A leftover temp folder must not fail the test that used it.
                }

                await Task.Delay(200);
            }
        }
    }

    [GeneratedRegex(@"DevTools listening on (?<endpoint>ws://\S+)")]
    private static partial Regex DevToolsLine();

    /// <summary>The last lines of a noisy stream, kept for failure messages.</summary>
    internal sealed class LineTail
    {
        private const int MaxLines = 200;
        private readonly Queue<string> _lines = new();

        public void Add(string? line)
        {
            // Chromium in a container complains about the missing D-Bus on every start; it only hides real errors.
            if (line is null || line.Contains(":ERROR:dbus/", StringComparison.Ordinal))
            {
                return;
            }

            lock (_lines)
            {
                if (_lines.Count == MaxLines)
                {
                    _lines.Dequeue();
                }

                _lines.Enqueue(line);
            }
        }

        public override string ToString()
        {
            lock (_lines)
            {
                return _lines.Count == 0 ? "(nothing)" : string.Join('\n', _lines);
            }
        }
    }
}

/// <summary>One tab of a <see cref="HeadlessChromium"/>, driven through its own (flattened) DevTools session.</summary>
internal sealed class ChromiumPage
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan NavigationTimeout = TimeSpan.FromSeconds(30);
    private const int MaxHtmlChars = 4000;

    private readonly HeadlessChromium _browser;

    // Main-frame loads by loader id, whichever comes first: the load event or the navigation's answer naming it.
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _loads = new(StringComparer.Ordinal);
    private readonly HeadlessChromium.LineTail _log = new();

    internal ChromiumPage(HeadlessChromium browser, string targetId, string sessionId)
    {
        _browser = browser;
        TargetId = targetId;
        SessionId = sessionId;
    }

    public string TargetId { get; }

    public string SessionId { get; }

    /// <summary>The page's console messages, uncaught exceptions and browser log entries (network errors, for one).</summary>
    public string Log => _log.ToString();

    /// <summary>Navigates and returns once the new document's load has fired and its readyState is complete.</summary>
    public async Task NavigateAsync(Uri url)
    {
        var navigated = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri }, NavigationTimeout);
        if (navigated["errorText"]?.GetValue<string>() is { Length: > 0 } error)
        {
            throw new InvalidOperationException($"Chromium could not open {url}: {error}\nPage log:\n{Log}");
        }

        // Waiting for this navigation's own load means readyState below is the new document's, not about:blank's.
        if (navigated["loaderId"]?.GetValue<string>() is { } loaderId)
        {
            try
            {
                await Loaded(loaderId).Task.WaitAsync(NavigationTimeout);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{url} did not finish loading within {NavigationTimeout.TotalSeconds:0} s.\nPage log:\n{Log}");
            }
        }

        await WaitForAsync("document.readyState === 'complete'", NavigationTimeout);
    }

    /// <summary>Evaluates <paramref name="expression"/> (awaiting a promise) and returns its value as JSON turned into <typeparamref name="T"/>.</summary>
    public async Task<T?> EvaluateAsync<T>(string expression) =>
        await EvaluateValueAsync(expression, HeadlessChromium.CommandTimeout) is { } value ? value.Deserialize<T>() : default;

    /// <summary>
    /// Polls until <paramref name="condition"/> is truthy. Until the timeout, an evaluation that throws counts as "not yet"
    /// (the element may not exist yet); the timeout's message carries the condition, the last error, the page's HTML and log.
    /// </summary>
    public async Task WaitForAsync(string condition, TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        string? lastError = null;
        while (true)
        {
            var remaining = timeout - elapsed.Elapsed;
            try
            {
                var value = await EvaluateValueAsync($"!!({condition})", remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
                if (value is JsonValue truth && truth.GetValue<bool>())
                {
                    return;
                }

                lastError = null;
            }
            catch (InvalidOperationException e) when (!_browser.IsClosed)
            {
                lastError = e.Message;
            }
            catch (TimeoutException e)
            {
                lastError = e.Message;
            }

            if (elapsed.Elapsed >= timeout)
            {
                throw new TimeoutException(await DescribeTimeoutAsync(condition, timeout, lastError));
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Sets the value of the element matching <paramref name="selector"/> and raises input and change, as typing does.</summary>
    public Task TypeAsync(string selector, string text) =>
        RunOnElementAsync(selector, $$"""
            element.focus();
            element.value = {{Js(text)}};
            element.dispatchEvent(new Event('input', { bubbles: true }));
            element.dispatchEvent(new Event('change', { bubbles: true }));
            """);

    /// <summary>Clicks the element matching <paramref name="selector"/> (a button in a form also submits it).</summary>
    public Task ClickAsync(string selector) => RunOnElementAsync(selector, "element.click();");

    /// <summary>Saves a PNG of the whole page, laid out <paramref name="width"/> CSS pixels wide, to <paramref name="path"/>.</summary>
    public async Task SaveScreenshotAsync(string path, int width = 1400, int height = 900)
    {
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
    }

    internal async Task InitializeAsync(Uri url)
    {
        await SendAsync("Runtime.enable");
        await SendAsync("Page.enable");
        await SendAsync("Log.enable");
        await SendAsync("Page.setLifecycleEventsEnabled", new JsonObject { ["enabled"] = true });
        await NavigateAsync(url);
    }

    /// <summary>Called by the browser's reader for this session's events; it must neither block nor throw.</summary>
    internal void OnEvent(string method, JsonObject parameters)
    {
        switch (method)
        {
            case "Page.lifecycleEvent" when parameters["name"]?.GetValue<string>() == "load":
                if (parameters["loaderId"]?.GetValue<string>() is { } loaderId)
                {
                    Loaded(loaderId).TrySetResult();
                }

                break;
            case "Runtime.consoleAPICalled":
                var arguments = (parameters["args"] as JsonArray ?? []).Select(argument => Text(argument?["value"] ?? argument?["description"]));
                _log.Add($"console.{parameters["type"]}: {string.Join(' ', arguments)}");
                break;
            case "Runtime.exceptionThrown":
                _log.Add("uncaught " + ExceptionText(parameters["exceptionDetails"]));
                break;
            case "Log.entryAdded":
                var entry = parameters["entry"];
                _log.Add($"{entry?["level"]}: {entry?["text"]} {entry?["url"]}".TrimEnd());
                break;
            case "Inspector.targetCrashed":
                _log.Add("the page crashed");
                break;
        }
    }

    internal void OnDetached() => _log.Add("the DevTools session was detached (the tab closed or crashed)");

    private static string Js(string value) => JsonSerializer.Serialize(value);

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : node?.ToJsonString() ?? "undefined";

    private static string ExceptionText(JsonNode? details) =>
        Text(details?["exception"]?["description"] ?? details?["text"]);

    private TaskCompletionSource Loaded(string loaderId) =>
        _loads.GetOrAdd(loaderId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private Task<JsonObject> SendAsync(string method, JsonObject? parameters = null, TimeSpan? timeout = null) =>
        _browser.SendAsync(method, parameters, SessionId, timeout);

    private async Task<JsonNode?> EvaluateValueAsync(string expression, TimeSpan timeout)
    {
        var evaluated = await SendAsync(
            "Runtime.evaluate",
            new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true },
            timeout);
        if (evaluated["exceptionDetails"] is { } details)
        {
            throw new InvalidOperationException($"JavaScript threw {ExceptionText(details)}\nwhile evaluating: {expression}");
        }

        return evaluated["result"]?["value"];
    }

    private async Task RunOnElementAsync(string selector, string body) =>
        await EvaluateValueAsync(
            $$"""
            (() => {
                const element = document.querySelector({{Js(selector)}});
                if (!element) throw new Error('No element matches ' + {{Js(selector)}});
                {{body}}
            })()
            """,
            HeadlessChromium.CommandTimeout);

    private async Task<string> DescribeTimeoutAsync(string condition, TimeSpan timeout, string? lastError)
    {
        string html;
        try
        {
            html = Text(await EvaluateValueAsync("document.body ? document.body.innerHTML : '(the document has no body)'", TimeSpan.FromSeconds(5))).Trim();
            if (html.Length > MaxHtmlChars)
            {
                html = html[..MaxHtmlChars] + " ...";
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            html = $"(could not read it: {e.Message})";
        }

        return new StringBuilder()
            .AppendLine($"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {condition}")
            .AppendLine($"Last evaluation error: {lastError ?? "(none: the condition was false)"}")
            .AppendLine("document.body.innerHTML:")
            .AppendLine(html)
            .AppendLine("Page log:")
            .Append(Log)
            .ToString();
    }
}
