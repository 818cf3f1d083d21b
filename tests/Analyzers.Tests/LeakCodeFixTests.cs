using Resident.Analyzers.CodeFixes;
using Resident.Analyzers.Tests.Infrastructure;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>The leak rules' code fixes: the source before, the diagnostic, and the source after.</summary>
public sealed class LeakCodeFixTests
{
    [Fact]
    public Task Sleep_in_an_async_action_becomes_await_Task_Delay() =>
        Leak.VerifyFixAsync<AwaitDelayCodeFix>(
            """
            public sealed class SlowController : ControllerBase
            {
                public async Task<IActionResult> Get(int ms)
                {
                    {|#0:Thread.Sleep(ms)|};
                    await Task.Yield();
                    return Ok();
                }
            }
            """,
            """
            public sealed class SlowController : ControllerBase
            {
                public async Task<IActionResult> Get(int ms)
                {
                    await Task.Delay(ms);
                    await Task.Yield();
                    return Ok();
                }
            }
            """,
            Leak.At(Rules.ProcessOrThreadBlocked));

    [Fact]
    public Task Sleep_in_a_task_returning_method_makes_it_async() =>
        Leak.VerifyFixAsync<AwaitDelayCodeFix>(
            """
            [Cleaner]
            public sealed class Throttle : ICleaner
            {
                public ValueTask CleanAsync(HttpContext context)
                {
                    if (context.Response.StatusCode == 429)
                    {
                        return ValueTask.CompletedTask;
                    }

                    {|#0:Thread.Sleep(TimeSpan.FromMilliseconds(5))|};
                    return default;
                }
            }
            """,
            """
            [Cleaner]
            public sealed class Throttle : ICleaner
            {
                public async ValueTask CleanAsync(HttpContext context)
                {
                    if (context.Response.StatusCode == 429)
                    {
                        return;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(5));
                    return;
                }
            }
            """,
            Leak.At(Rules.ProcessOrThreadBlocked));

    [Fact]
    public Task Sleep_in_a_method_returning_Task_FromResult_returns_the_value() =>
        Leak.VerifyFixAsync<AwaitDelayCodeFix>(
            """
            public sealed class NumbersController : ControllerBase
            {
                public Task<int> Get()
                {
                    {|#0:Thread.Sleep(1)|};
                    return Task.FromResult(42);
                }
            }
            """,
            """
            public sealed class NumbersController : ControllerBase
            {
                public async Task<int> Get()
                {
                    await Task.Delay(1);
                    return 42;
                }
            }
            """,
            Leak.At(Rules.ProcessOrThreadBlocked));

    [Fact]
    public Task Static_counter_increment_becomes_Interlocked_Increment() =>
        Leak.VerifyFixAsync<InterlockedCounterCodeFix>(
            """
            public sealed class HomeController : ControllerBase
            {
                private static int s_visits;
                private static long s_bytes;
                private static int s_active;

                public IActionResult Index(int size)
                {
                    {|#0:s_visits++|};
                    {|#1:s_bytes += size|};
                    {|#2:s_active--|};
                    {|#3:s_active -= 2|};
                    {|#4:s_visits += 1|};
                    return Ok();
                }
            }
            """,
            """
            public sealed class HomeController : ControllerBase
            {
                private static int s_visits;
                private static long s_bytes;
                private static int s_active;

                public IActionResult Index(int size)
                {
                    Interlocked.Increment(ref s_visits);
                    Interlocked.Add(ref s_bytes, size);
                    Interlocked.Decrement(ref s_active);
                    Interlocked.Add(ref s_active, -2);
                    Interlocked.Increment(ref s_visits);
                    return Ok();
                }
            }
            """,
            Leak.At(Rules.StaticWrittenFromRequest, 0),
            Leak.At(Rules.StaticWrittenFromRequest, 1),
            Leak.At(Rules.StaticWrittenFromRequest, 2),
            Leak.At(Rules.StaticWrittenFromRequest, 3),
            Leak.At(Rules.StaticWrittenFromRequest, 4));

    [Fact]
    public Task Handler_counter_becomes_Interlocked_Increment() =>
        Leak.VerifyFixAsync<InterlockedCounterCodeFix>(
            """
            [WebSocketHandler("/ws")]
            public sealed class Chat : IWebSocketHandler
            {
                private long _messages;
                public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
                {
                    {|#0:_messages++|};
                    return default;
                }
            }
            """,
            """
            [WebSocketHandler("/ws")]
            public sealed class Chat : IWebSocketHandler
            {
                private long _messages;
                public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
                {
                    Interlocked.Increment(ref _messages);
                    return default;
                }
            }
            """,
            Leak.At(Rules.HandlerFieldWritten));

    [Fact]
    public async Task Counter_whose_value_is_used_gets_no_fix()
    {
        const string Source = """
            public sealed class HomeController : ControllerBase
            {
                private static int s_visits;
                public IActionResult Index() => Ok({|#0:s_visits++|});
            }
            """;
        await Leak.VerifyFixAsync<InterlockedCounterCodeFix>(Source, Source, Leak.At(Rules.StaticWrittenFromRequest));
    }

    [Fact]
    public Task Singleton_capturing_the_request_is_registered_as_scoped() =>
        Leak.VerifyFixAsync<ScopedRegistrationCodeFix>(
            """
            public sealed class Audit { public HttpContext? {|#0:Context|} { get; set; } }

            public static class Setup
            {
                public static void Add(IServiceCollection services)
                {
                    services.AddSingleton<Audit>();
                }
            }
            """,
            """
            public sealed class Audit { public HttpContext? Context { get; set; } }

            public static class Setup
            {
                public static void Add(IServiceCollection services)
                {
                    services.AddScoped<Audit>();
                }
            }
            """,
            Leak.At(Rules.CaptiveRequestState));

    [Fact]
    public async Task Hosted_service_gets_no_scoped_fix()
    {
        const string Source = """
            public sealed class Pump(HttpContext {|#0:context|}) : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken token) => context.Response.WriteAsync("x", token);
            }

            public static class Setup
            {
                public static void Add(IServiceCollection services) => services.AddHostedService<Pump>();
            }
            """;
        await Leak.VerifyFixAsync<ScopedRegistrationCodeFix>(Source, Source, Leak.At(Rules.CaptiveRequestState));
    }
}
