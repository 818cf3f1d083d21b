using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>Asking a custom process: every answer goes to the ask it answers, whatever the concurrency, timeouts and cancellations.</summary>
public sealed class CustomProcessPipeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Task<TestServer> StartAsync(BackgroundProbe probe) =>
        TestServer.StartAsync(configure: builder => builder.Services.AddSingleton(probe), mapWebSockets: false);

    [Fact]
    public async Task Many_concurrent_asks_each_get_the_answer_to_their_own_request()
    {
        var probe = new BackgroundProbe("answerers");
        await using var server = await StartAsync(probe);
        var pipe = server.Server.Processes["answerers"];

        var asks = Enumerable.Range(0, 300).Select(i => pipe.AskAsync($"n{i}", Patience)).ToArray();
        var answers = await Task.WhenAll(asks);

        for (var i = 0; i < answers.Length; i++)
        {
            Assert.Matches($"^[01]:n{i}$", answers[i]);
        }
    }

    [Fact]
    public async Task A_timed_out_asks_late_answer_is_never_delivered_to_the_next_ask()
    {
        var probe = new BackgroundProbe("answerer");
        await using var server = await StartAsync(probe);
        var pipe = server.Server.Processes["answerer"];

        await probe.WaitForAsync(events => events.Contains("answering:0"));

        // Long enough for the idle instance to read the request on a loaded machine, so that it times out while held.
        var slow = pipe.AskAsync("hold:slow", TimeSpan.FromSeconds(3));
        await probe.WaitForAsync(events => events.Contains("holding:0:slow"));
        await Assert.ThrowsAsync<TimeoutException>(() => slow);

        // The handler answers "late:slow" now, to nobody: the one instance answers one request at a time, so the late
        // answer is sent before the next request is even read.
        probe.Gate.SetResult();
        Assert.Equal("0:next", await pipe.AskAsync("next", Patience));
        Assert.Equal(["answering:0", "holding:0:slow", "late:slow", "seen:next"], probe.Events);
    }

    [Fact]
    public async Task A_cancelled_ask_leaves_nothing_behind_and_its_unread_request_is_skipped()
    {
        var probe = new BackgroundProbe("answerer");
        await using var server = await StartAsync(probe);
        var pipe = server.Server.Processes["answerer"];

        using var cancelHeld = new CancellationTokenSource();
        var held = pipe.AskAsync("hold:first", cancelHeld.Token);
        await probe.WaitForAsync(events => events.Contains("holding:0:first"));

        // Queued behind the held request, then given up before the process read it.
        using var cancelQueued = new CancellationTokenSource();
        var queued = pipe.AskAsync("abandoned", cancelQueued.Token);
        await cancelQueued.CancelAsync();
        await cancelHeld.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);

        probe.Gate.SetResult();
        Assert.Equal("0:after", await pipe.AskAsync("after", Patience));
        Assert.DoesNotContain("seen:abandoned", probe.Events);
        Assert.Equal(["answering:0", "holding:0:first", "late:first", "seen:after"], probe.Events);
    }

    [Fact]
    public async Task With_several_instances_a_free_instance_answers_while_another_is_busy()
    {
        var probe = new BackgroundProbe("answerers");
        await using var server = await StartAsync(probe);
        var pipe = server.Server.Processes["answerers"];
        await probe.WaitForAsync(events => events.Count(e => e.StartsWith("answering:", StringComparison.Ordinal)) == 2);

        var held = pipe.AskAsync("hold:busy", Patience);
        var busy = (await probe.WaitForAsync(events => events.Any(e => e.StartsWith("holding:", StringComparison.Ordinal))))
            .Single(e => e.StartsWith("holding:", StringComparison.Ordinal))[8];

        var free = await pipe.AskAsync("quick", Patience);
        Assert.Equal($"{(busy == '0' ? '1' : '0')}:quick", free);
        Assert.False(held.IsCompleted);

        probe.Gate.SetResult();
        Assert.Equal("late:busy", await held);
    }

    [Fact]
    public async Task A_failing_handler_fails_only_its_own_ask_and_a_stopped_process_fails_the_asks_left()
    {
        var probe = new BackgroundProbe("answerer");
        var server = await StartAsync(probe);
        var pipe = server.Server.Processes["answerer"];

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => pipe.AskAsync("fail", Patience));
        Assert.Equal("Custom process 'answerer' failed to answer: no answer to fail", failure.Message);
        Assert.Equal("0:fine", await pipe.AskAsync("fine", Patience));

        // Asked while the server stops: the handler is cancelled, and the ask fails instead of waiting forever.
        var waiting = pipe.AskAsync("hold:stop");
        await probe.WaitForAsync(events => events.Contains("holding:0:stop"));
        await server.DisposeAsync();
        var stopped = await Assert.ThrowsAsync<InvalidOperationException>(() => waiting.WaitAsync(Patience));
        Assert.Contains("answerer", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("stopped", stopped.Message, StringComparison.Ordinal);

        var after = await Assert.ThrowsAsync<InvalidOperationException>(() => pipe.AskAsync("anyone?", Patience));
        Assert.Equal("Custom process 'answerer' has stopped; it answers no more requests.", after.Message);
    }

    [Fact]
    public async Task A_request_read_by_hand_is_answered_once_and_asks_stay_apart_from_the_raw_pipe()
    {
        var probe = new BackgroundProbe("replier");
        await using var server = await StartAsync(probe);
        var pipe = server.Server.Processes["replier"];

        Assert.Equal("replied:first", await pipe.AskAsync("first", Patience));
        await probe.WaitForAsync(events => events.Contains("second reply refused"));

        // Asks travel apart from the raw pipe: nothing of theirs is left for a raw read.
        using var none = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipe.ReadAsync(none.Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pipe.AskAsync("x", TimeSpan.Zero));
    }
}

/// <summary>Answers asks with AnswerAsync: "hold:X" waits for the probe's gate, then answers "late:X"; "fail" throws; anything else comes back prefixed with the instance.</summary>
public abstract class AnsweringProcessBase(BackgroundProbe? probe, string name) : ICustomProcess
{
    public async Task RunAsync(CustomProcessContext context)
    {
        if (probe is null || !probe.Enables(name))
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        probe.Add($"answering:{context.Index}");
        await context.AnswerAsync(async (message, stopping) =>
        {
            if (message.StartsWith("hold:", StringComparison.Ordinal))
            {
                probe.Add($"holding:{context.Index}:{message[5..]}");
                await probe.Gate.Task.WaitAsync(stopping);
                probe.Add($"late:{message[5..]}");
                return $"late:{message[5..]}";
            }

            if (message == "fail")
            {
                throw new InvalidOperationException("no answer to fail");
            }

            probe.Add($"seen:{message}");
            return $"{context.Index}:{message}";
        });
    }
}

[CustomProcess("answerer", RestartInterval = 0)]
public sealed class AnsweringProcess(BackgroundProbe? probe = null) : AnsweringProcessBase(probe, "answerer");

[CustomProcess("answerers", Num = 2, RestartInterval = 0)]
public sealed class AnsweringProcesses(BackgroundProbe? probe = null) : AnsweringProcessBase(probe, "answerers");

/// <summary>Reads requests by hand and tries to answer each twice.</summary>
[CustomProcess("replier", RestartInterval = 0)]
public sealed class ReplyingProcess(BackgroundProbe? probe = null) : ICustomProcess
{
    public async Task RunAsync(CustomProcessContext context)
    {
        if (probe is null || !probe.Enables("replier"))
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        while (!context.CancellationToken.IsCancellationRequested)
        {
            CustomProcessRequest request;
            try
            {
                request = await context.ReadRequestAsync(context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await request.ReplyAsync("replied:" + request.Message);
            try
            {
                await request.ReplyAsync("again");
            }
            catch (InvalidOperationException)
            {
                probe.Add("second reply refused");
            }
        }
    }
}
