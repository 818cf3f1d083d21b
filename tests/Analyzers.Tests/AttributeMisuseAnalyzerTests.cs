using Resident.Analyzers.Tests.Infrastructure;
using Xunit;
using static Resident.Analyzers.Tests.Infrastructure.MisuseAnalyzerTest;

namespace Resident.Analyzers.Tests;

/// <summary>RES101–RES108: each misuse flagged at its argument, and near-misses that must stay quiet.</summary>
public sealed class AttributeMisuseAnalyzerTests
{
    private const string ListenerBody = "public ValueTask<Propagation> HandleAsync(Paid @event, TaskContext context) => new(Propagation.Continue);";
    private const string PaidEvent = "[AsyncEvent] public sealed class Paid { public int Id { get; set; } }";

    // ---- RES101 -------------------------------------------------------------------------------------------------

    public static TheoryData<string, string, string> InvalidCronExpressions => new()
    {
        { """[CronJob({|#0:"0 25 * * *"|})]""", "0 25 * * *", "its hour field needs a number from 0 to 23." },
        { """[CronJob({|#0:"@reboot"|})]""", "@reboot", "it is not a macro Cronos knows (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every_minute, @every_second)." },
        { """[CronJob({|#0:"* * * *"|})]""", "* * * *", "it ends after the month field; use five fields (minute hour day month weekday) or six with seconds first." },
        { """[CronJob({|#0:"0 0 * * MONDAY"|}, Name = "weekly")]""", "0 0 * * MONDAY", "it has an unexpected 'D' after the day-of-week field; use five fields (minute hour day month weekday) or six with seconds first." },
        { """[CronJob({|#0:Schedules.Bad|})]""", "*/61 * * * *", "in its minute field, the step after / must be a number from 1 to 59." },
        { """[CronJob(expression: {|#0:""|}, Name = "n")]""", "", "its minute field needs a number from 0 to 59." },
    };

    [Theory]
    [MemberData(nameof(InvalidCronExpressions))]
    public async Task Invalid_cron_expression_is_flagged_at_the_argument(string attribute, string expression, string problem)
    {
        var source = $$"""
            namespace App;
            public static class Schedules { public const string Bad = "*/61 * * * *"; }
            {{attribute}} public sealed class Job : ICronJob { {{CronBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidCronExpression, 0, "Job", expression, problem)).RunAsync();
    }

    [Fact]
    public async Task Null_cron_expression_is_flagged()
    {
        var source = $$"""
            #nullable disable
            namespace App;
            [CronJob({|#0:(string)null|})] public sealed class Job : ICronJob { {{CronBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidCronExpression, 0, "Job", "null", "there is no expression (null).")).RunAsync();
    }

    [Theory]
    [InlineData("""[CronJob("*/5 * * * *")]""")]
    [InlineData("""[CronJob("0 */5 * * * *", Name = "fast")]""")]
    [InlineData("""[CronJob("@daily", TimeZone = "Europe/Berlin")]""")]
    [InlineData("""[CronJob("0 12 L-3W JAN-MAR/2 ?")]""")]
    [InlineData("""[CronJob("0 0 * * 5#3")]""")]
    [InlineData("""[CronJob(Schedules.Good)]""")]
    [InlineData("""[CronJob(1000, Immediate = true)]""")]
    public async Task Valid_schedule_is_not_flagged(string attribute)
    {
        var source = $$"""
            namespace App;
            public static class Schedules { public const string Good = "0 0 1 * *"; }
            {{attribute}} public sealed class Job : ICronJob { {{CronBody}} }
            """;

        await new MisuseAnalyzerTest(source).RunAsync();
    }

    // ---- RES102 -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("{|#0:0|}", 0)]
    [InlineData("{|#0:-5|}", -5)]
    [InlineData("{|#0:Intervals.Delay - 1000|}", 0)]
    [InlineData("{|#0:int.MinValue|}", int.MinValue)]
    public async Task Non_positive_interval_is_flagged(string argument, int interval)
    {
        var source = $$"""
            namespace App;
            public static class Intervals { public const int Delay = 1000; }
            [CronJob({{argument}})] public sealed class Tick : ICronJob { {{CronBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.NonPositiveInterval, 0, "Tick", interval.ToString(System.Globalization.CultureInfo.InvariantCulture))).RunAsync();
    }

    [Theory]
    [InlineData("1")]
    [InlineData("int.MaxValue")]
    [InlineData("Intervals.Delay - 999")]
    public async Task Positive_interval_is_not_flagged(string argument)
    {
        var source = $$"""
            namespace App;
            public static class Intervals { public const int Delay = 1000; }
            [CronJob({{argument}})] public sealed class Tick : ICronJob { {{CronBody}} }
            """;

        await new MisuseAnalyzerTest(source).RunAsync();
    }

    // ---- RES103 -------------------------------------------------------------------------------------------------

    private const string ProcessClash = "the runtime refuses to start with two custom processes of one name; give each its own name";
    private const string CronClash = "the scheduler refuses to start with two cron jobs of one name (ignoring case); set another Name";
    private const string SocketClash = "the runtime refuses to start with two socket handlers of one name; give each its own name";
    private const string TableClash = "the generator leaves out both tables; give each its own name";

    [Fact]
    public async Task Second_custom_process_of_a_name_is_flagged_naming_the_first()
    {
        var source = $$"""
            namespace App;
            [CustomProcess("worker")] public sealed class Mailer : ICustomProcess { {{ProcessBody}} }
            [CustomProcess({|#0:"worker"|}, Num = 2)] public sealed class Indexer : ICustomProcess { {{ProcessBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.DuplicateName, 0, "CustomProcess", "App.Indexer", "worker", "App.Mailer", ProcessClash)).RunAsync();
    }

    [Fact]
    public async Task Cron_job_names_clash_ignoring_case_and_default_to_the_class_name()
    {
        var source = $$"""
            namespace App;
            [CronJob(1000)] public sealed class Cleanup : ICronJob { {{CronBody}} }
            [CronJob(5000, Name = {|#0:"CLEANUP"|})] public sealed class Purge : ICronJob { {{CronBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.DuplicateName, 0, "CronJob", "App.Purge", "CLEANUP", "App.Cleanup", CronClash)).RunAsync();
    }

    [Fact]
    public async Task Cron_jobs_of_one_class_name_in_two_namespaces_clash_across_files()
    {
        var first = $$"""
            namespace App.Billing;
            [CronJob("@hourly")] public sealed class Sync : ICronJob { {{CronBody}} }
            """;
        var second = $$"""
            namespace App.Search;
            [{|#0:CronJob("@daily")|}] public sealed class Sync : ICronJob { {{CronBody}} }
            """;

        await new MisuseAnalyzerTest(first, At(Rules.DuplicateName, 0, "CronJob", "App.Search.Sync", "Sync", "App.Billing.Sync", CronClash))
            .WithSource(second).RunAsync();
    }

    [Fact]
    public async Task Second_socket_handler_of_a_name_is_flagged()
    {
        var source = $$"""
            namespace App;
            [SocketHandler("tcp", Port = 9502)] public sealed class Echo : ITcpHandler { {{TcpBody}} }
            [SocketHandler({|#0:"tcp"|}, Port = 9503)] public sealed class Chat : ITcpHandler { {{TcpBody}} }
            [SocketHandler({|#1:"tcp"|}, Port = 9504)] public sealed class Feed : ITcpHandler { {{TcpBody}} }
            """;

        await new MisuseAnalyzerTest(
            source,
            At(Rules.DuplicateName, 0, "SocketHandler", "App.Chat", "tcp", "App.Echo", SocketClash),
            At(Rules.DuplicateName, 1, "SocketHandler", "App.Feed", "tcp", "App.Echo", SocketClash)).RunAsync();
    }

    [Fact]
    public async Task Tables_of_one_name_are_flagged_including_the_default_name()
    {
        var source = """
            namespace App;
            [SwooleTable] public partial struct WsRow { public long UserId; }
            [SwooleTable({|#0:"wsRow"|}, Size = 64)] public partial struct OtherRow { public int Fd; }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.DuplicateName, 0, "SwooleTable", "App.OtherRow", "wsRow", "App.WsRow", TableClash))
            .RunAsync();
    }

    [Fact]
    public async Task Distinct_names_are_not_flagged()
    {
        var source = $$"""
            namespace App;
            [CustomProcess("worker")] public sealed class Mailer : ICustomProcess { {{ProcessBody}} }
            [CustomProcess("Worker")] public sealed class Indexer : ICustomProcess { {{ProcessBody}} }
            [CronJob(1000)] public sealed class Cleanup : ICronJob { {{CronBody}} }
            [CronJob(1000, Name = "cleanup-2")] public sealed class Purge : ICronJob { {{CronBody}} }
            [SocketHandler("tcp", Port = 9502)] public sealed class Echo : ITcpHandler { {{TcpBody}} }
            [SocketHandler("Tcp", Port = 9503)] public sealed class Chat : ITcpHandler { {{TcpBody}} }
            [SwooleTable("ws")] public partial struct WsRow { public long UserId; }
            [SwooleTable("Ws")] public partial struct OtherRow { public long UserId; }
            """;

        await new MisuseAnalyzerTest(source).RunAsync();
    }

    [Fact]
    public async Task A_name_shared_across_kinds_is_not_flagged()
    {
        var source = $$"""
            namespace App;
            [CustomProcess("worker")] public sealed class Mailer : ICustomProcess { {{ProcessBody}} }
            [CronJob(1000, Name = "worker")] public sealed class Tick : ICronJob { {{CronBody}} }
            [SocketHandler("worker", Port = 9502)] public sealed class Echo : ITcpHandler { {{TcpBody}} }
            """;

        await new MisuseAnalyzerTest(source).RunAsync();
    }

    [Fact]
    public async Task A_table_the_generator_already_leaves_out_does_not_clash()
    {
        // The second struct is not partial (RES106), so the generator keeps only the first: no clash.
        var source = """
            namespace App;
            [SwooleTable("ws")] public partial struct WsRow { public long UserId; }
            [SwooleTable("ws")] public struct {|#0:OtherRow|} { public long UserId; }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidTableDeclaration, 0, "OtherRow", "is not partial; declare it 'partial struct' so the generator can add its codec"))
            .RunAsync();
    }

    // ---- RES104 -------------------------------------------------------------------------------------------------

    private const string NoSlash = "does not start with '/'; use a path such as \"/ws\"";

    [Theory]
    [InlineData("ws")]
    [InlineData("")]
    [InlineData(" /ws")]
    [InlineData("ws/chat/")]
    public async Task Path_not_starting_with_a_slash_is_flagged(string path)
    {
        var source = $$"""
            namespace App;
            [WebSocketHandler({|#0:"{{path}}"|})] public sealed class Chat : IWebSocketHandler { {{SocketBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidWebSocketPath, 0, path, "Chat", NoSlash)).RunAsync();
    }

    [Fact]
    public async Task Path_served_twice_ignoring_case_and_trailing_slash_is_flagged()
    {
        var source = $$"""
            namespace App;
            [WebSocketHandler("/chat")] public sealed class ChatV1 : IWebSocketHandler { {{SocketBody}} }
            [WebSocketHandler({|#0:"/Chat/"|})] public sealed class ChatV2 : IWebSocketHandler { {{SocketBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidWebSocketPath, 0, "/Chat/", "ChatV2",
            "is already served by 'App.ChatV1' ('/chat'); routing ignores case and a trailing slash, so give each handler its own path")).RunAsync();
    }

    [Fact]
    public async Task Path_declared_twice_on_one_class_is_flagged()
    {
        var source = $$"""
            namespace App;
            [WebSocketHandler("/ws")]
            [WebSocketHandler({|#0:"/ws/"|})]
            public sealed class Chat : IWebSocketHandler { {{SocketBody}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidWebSocketPath, 0, "/ws/", "Chat", "is declared twice on that class; routing ignores case and a trailing slash")).RunAsync();
    }

    [Fact]
    public async Task Distinct_rooted_paths_are_not_flagged()
    {
        var source = $$"""
            namespace App;
            [WebSocketHandler("/")] public sealed class Root : IWebSocketHandler { {{SocketBody}} }
            [WebSocketHandler("/ws")] [WebSocketHandler("/ws/chat")] public sealed class Chat : IWebSocketHandler { {{SocketBody}} }
            [WebSocketHandler("/ws-admin", SubProtocols = new[] { "v1" })] public sealed class Admin : IWebSocketHandler { {{SocketBody}} }
            [WebSocketHandler("/rooms/{room}")] public sealed class Rooms : IWebSocketHandler { {{SocketBody}} }
            """;

        await new MisuseAnalyzerTest(source).RunAsync();
    }

    // ---- RES105 -------------------------------------------------------------------------------------------------

    public static TheoryData<string, string, string> BadColumns => new()
    {
        { "public string {|#0:Name|};", "Name", "is a string without [Column(Size = n)]; give the most UTF-8 bytes it holds, 1 to 65535" },
        { "[Column] public string {|#0:Name|};", "Name", "is a string without [Column(Size = n)]; give the most UTF-8 bytes it holds, 1 to 65535" },
        { "[Column(Size = 0)] public string {|#0:Room|};", "Room", "is a string column of Size = 0; use 1 to 65535 UTF-8 bytes" },
        { "[Column(Size = 65536)] public string {|#0:Room|};", "Room", "is a string column of Size = 65536; use 1 to 65535 UTF-8 bytes" },
        { "public decimal {|#0:Balance|};", "Balance", "is of type decimal, which a table cannot store; use long, int, double or string" },
        { "public DateTime {|#0:Seen|};", "Seen", "is of type DateTime, which a table cannot store; use long, int, double or string" },
        { "public float {|#0:Score|};", "Score", "is of type float, which a table cannot store; use long, int, double or string" },
        { "public long {|#0:Id|} { get; set; }", "Id", "is an auto-property; declare each column as a field" },
        { "public readonly long {|#0:Id|};", "Id", "is readonly; the generated codec writes every column" },
        { "public required long {|#0:Id|};", "Id", "is required; the generated codec creates rows without setting members" },
    };

    [Theory]
    [MemberData(nameof(BadColumns))]
    public async Task Column_the_generator_cannot_store_is_flagged_at_the_member(string member, string name, string problem)
    {
        var source = $$"""
            namespace App;
            [SwooleTable("users")] public partial struct UserRow { public long UserId; {{member}} }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidTableColumn, 0, name, "UserRow", problem)).RunAsync();
    }

    [Fact]
    public async Task Supported_columns_and_non_columns_are_not_flagged()
    {
        var source = """
            namespace App;
            [SwooleTable("users", Size = 16777216)]
            public partial struct UserRow
            {
                public const int Version = 2;
                public static decimal Rate;
                public long UserId;
                public int Fd;
                public double Score;
                [Column(Size = 1)] public string Flag;
                [Column(Size = 65535)] public string Bio;
                public long Twice => UserId * 2;
                public override string ToString() => Bio;
            }
            """;

        await new MisuseAnalyzerTest(source).RunAsync();
    }

    // ---- RES106 -------------------------------------------------------------------------------------------------

    public static TheoryData<string, string> BadTables => new()
    {
        { """[SwooleTable("t")] public struct {|#0:Row|} { public long Id; }""", "is not partial; declare it 'partial struct' so the generator can add its codec" },
        { """[SwooleTable("t")] public partial struct {|#0:Row|}<T> { public long Id; }""", "is generic; a table row is one concrete struct" },
        { """public static partial class Outer { [SwooleTable("t")] public partial struct {|#0:Row|} { public long Id; } }""", "is nested in another type; declare it at the top level of a namespace" },
        { """[SwooleTable("t")] public ref partial struct {|#0:Row|} { public long Id; }""", "is a ref struct; rows are copied in and out of shared memory" },
        { """[SwooleTable("t")] file partial struct {|#0:Row|} { public long Id; }""", "must be public or internal, and not file-local" },
        { """[SwooleTable({|#0:"my table"|})] public partial struct Row { public long Id; }""", "is named 'my table'; a table name has 1 to 64 letters, digits, '_', '-' and '.', and does not start with '.'" },
        { """[SwooleTable({|#0:".hidden"|})] public partial struct Row { public long Id; }""", "is named '.hidden'; a table name has 1 to 64 letters, digits, '_', '-' and '.', and does not start with '.'" },
        { """[SwooleTable("t", Size = {|#0:0|})] public partial struct Row { public long Id; }""", "has Size = 0; use 1 to 16777216 rows" },
        { """[SwooleTable("t", Size = {|#0:16777217|})] public partial struct Row { public long Id; }""", "has Size = 16777217; use 1 to 16777216 rows" },
    };

    [Theory]
    [MemberData(nameof(BadTables))]
    public async Task Table_struct_the_generator_cannot_use_is_flagged(string declaration, string problem)
    {
        await new MisuseAnalyzerTest($"namespace App;\n{declaration}", At(Rules.InvalidTableDeclaration, 0, "Row", problem)).RunAsync();
    }

    [Fact]
    public async Task Null_table_name_is_flagged()
    {
        var source = """
            #nullable disable
            namespace App;
            [SwooleTable({|#0:(string)null|})] public partial struct Row { public long Id; }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.InvalidTableDeclaration, 0, "Row", "has a null name; leave the name out to use the struct's name")).RunAsync();
    }

    [Theory]
    [InlineData("""[SwooleTable] public partial struct Row { public long Id; }""")]
    [InlineData("""[SwooleTable("ws.v1-x_2", Size = 1)] internal partial struct Row { public long Id; }""")]
    [InlineData("""[SwooleTable("t")] public partial struct Row { public long Id; } public partial struct Row { public int Fd; }""")]
    [InlineData("""[SwooleTable("0123456789012345678901234567890123456789012345678901234567890123")] public partial struct Row { }""")]
    public async Task Usable_table_struct_is_not_flagged(string declaration)
    {
        await new MisuseAnalyzerTest($"namespace App;\n{declaration}").RunAsync();
    }

    // ---- RES107 -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Unsupported_payload_member_is_flagged_at_the_member_with_the_runtime_sentence()
    {
        var source = $$"""
            using System.Collections.Generic;
            namespace App;
            [BackgroundTask]
            public sealed class SendMail : IBackgroundTask
            {
                public string To { get; set; } = "";
                public Dictionary<string, string> {|#0:Headers|} { get; set; } = new();
                {{TaskBody}}
            }
            """;

        await new MisuseAnalyzerTest(source, At(Rules.UnserializablePayload, 0,
            "The payload of App.SendMail cannot be serialized: member 'Headers' is of type System.Collections.Generic.Dictionary<string, string>, which generated JSON does not support (use string, numbers, bool, Guid, dates, TimeSpan, enums, byte[] or arrays/lists of them).")).RunAsync();
    }

    public static TheoryData<string> BadPayloads => new()
    {
        $$"""[BackgroundTask] public sealed class Job : IBackgroundTask { public object {|RES107:State|} { get; set; } = new(); {{TaskBody}} }""",
        """[AsyncEvent] public sealed class Paid { public System.IO.Stream? {|RES107:Receipt|} { get; set; } }""",
        """[AsyncEvent] public sealed class Paid { public int Amount { get; set; } public int {|RES107:amount|} { get; set; } }""",
        """[{|RES107:AsyncEvent|}] public sealed class Paid { public Paid(int total) { } public int Amount { get; set; } }""",
        """[AsyncEvent] public sealed class Paid { public required int {|RES107:Amount|}; }""",
        """[AsyncEvent] public sealed class Paid { public List<List<int>> {|RES107:Rows|} { get; set; } = new(); }""",
        """public class PaidBase { public Uri? {|RES107:Link|} { get; set; } } [AsyncEvent] public sealed class Paid : PaidBase { public int Id { get; set; } }""",
    };

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public async Task Payload_the_codec_cannot_handle_is_flagged(string declaration)
    {
        await new MisuseAnalyzerTest($"using System.Collections.Generic;\nnamespace App;\n{declaration}").RunAsync();
    }

    public static TheoryData<string> GoodPayloads => new()
    {
        $$"""[BackgroundTask] public sealed class Job : IBackgroundTask { public string To { get; set; } = ""; public int[] Ids { get; init; } = []; public List<Guid>? Keys { get; set; } public DateTimeOffset? At { get; set; } public byte[] Body { get; set; } = []; {{TaskBody}} }""",
        """[AsyncEvent] public sealed class Paid(int amount, string currency) { public int Amount { get; } = amount; public string Currency { get; } = currency; }""",
        """[AsyncEvent] public sealed class Paid { [System.Text.Json.Serialization.JsonIgnore] public Dictionary<string, string> Extra { get; set; } = new(); public int Amount { get; set; } }""",
        """[AsyncEvent] public sealed class Paid { public Dictionary<string, string> Computed => new(); public decimal Total { get; set; } public TimeSpan Took { get; set; } public DayOfWeek Day { get; set; } }""",
        // A class the generator cannot name at all is RES100's to explain, not RES107's.
        """[AsyncEvent] public abstract class Paid { public object? State { get; set; } }""",
    };

    [Theory]
    [MemberData(nameof(GoodPayloads))]
    public async Task Payload_the_codec_handles_is_not_flagged(string declaration)
    {
        await new MisuseAnalyzerTest($"using System.Collections.Generic;\nnamespace App;\n{declaration}").RunAsync();
    }

    // ---- RES108 -------------------------------------------------------------------------------------------------

    public static TheoryData<string, string, string, string> BadValues => new()
    {
        { $$"""[CustomProcess("w", Num = {|#0:0|})] public sealed class Job : ICustomProcess { {{ProcessBody}} }""", "CustomProcess", "Num = 0", "the runtime starts 1 to 64 instances of a custom process" },
        { $$"""[CustomProcess("w", Num = {|#0:65|})] public sealed class Job : ICustomProcess { {{ProcessBody}} }""", "CustomProcess", "Num = 65", "the runtime starts 1 to 64 instances of a custom process" },
        { $$"""[CustomProcess("w", RestartInterval = {|#0:-1|})] public sealed class Job : ICustomProcess { {{ProcessBody}} }""", "CustomProcess", "RestartInterval = -1", "use 0 to 3600 seconds" },
        { $$"""[CustomProcess("w", RestartInterval = {|#0:3601|})] public sealed class Job : ICustomProcess { {{ProcessBody}} }""", "CustomProcess", "RestartInterval = 3601", "use 0 to 3600 seconds" },
        { $$"""[CustomProcess({|#0:" "|})] public sealed class Job : ICustomProcess { {{ProcessBody}} }""", "CustomProcess", "the name \" \"", "a custom process needs a name, such as [CustomProcess(\"worker\")]" },
        { $$"""[CronJob(1000, Name = {|#0:""|})] public sealed class Job : ICronJob { {{CronBody}} }""", "CronJob", "Name = \"\"", "a cron job needs a name; leave Name out to use the class name" },
        { $$"""[CronJob(1000, Scope = {|#0:(CronScope)2|})] public sealed class Job : ICronJob { {{CronBody}} }""", "CronJob", "Scope = (CronScope)2", "use CronScope.Cluster or CronScope.Node" },
        { $$"""[BackgroundTask(Tries = {|#0:0|})] public sealed class Job : IBackgroundTask { {{TaskBody}} }""", "BackgroundTask", "Tries = 0", "use 1 to 100 tries in all" },
        { $$"""[BackgroundTask(Tries = {|#0:101|})] public sealed class Job : IBackgroundTask { {{TaskBody}} }""", "BackgroundTask", "Tries = 101", "use 1 to 100 tries in all" },
        { $$"""[BackgroundTask(BackoffMilliseconds = {|#0:-1|})] public sealed class Job : IBackgroundTask { {{TaskBody}} }""", "BackgroundTask", "BackoffMilliseconds = -1", "a backoff is 0 ms or more" },
        { $$"""[BackgroundTask(Backoff = {|#0:(TaskBackoff)9|})] public sealed class Job : IBackgroundTask { {{TaskBody}} }""", "BackgroundTask", "Backoff = (TaskBackoff)9", "use TaskBackoff.Immediate, TaskBackoff.Fixed, TaskBackoff.Exponential" },
        { $$"""[LifecycleHook({|#0:(LifecycleEvent)99|})] public sealed class Job : ILifecycleHook { public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken token) => default; }""", "LifecycleHook", "the event 99", "use a member of LifecycleEvent, such as LifecycleEvent.WorkerStart" },
        { $$"""[EventListener(BackoffMilliseconds = 500, MaxBackoffMilliseconds = {|#0:100|})] public sealed class Job : IEventListener<Paid> { {{ListenerBody}} }""", "EventListener", "BackoffMilliseconds = 500 and MaxBackoffMilliseconds = 100", "MaxBackoffMilliseconds must be at least BackoffMilliseconds" },
        { $$"""[EventListener(Tries = {|#0:-3|}, Order = 1)] public sealed class Job : IEventListener<Paid> { {{ListenerBody}} }""", "EventListener", "Tries = -3", "use 1 to 100 tries in all" },
        { $$"""[SocketHandler("tcp", Port = {|#0:70000|})] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "Port = 70000", "use 0 to 65535 (0 lets the system choose)" },
        { $$"""[SocketHandler({|#0:""|}, Port = 1)] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "the name \"\"", "a socket handler needs a name, such as [SocketHandler(\"tcp\")]" },
        { $$"""[SocketHandler("tcp", Port = 1, Framing = {|#0:SocketFraming.Eof|})] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "Framing = SocketFraming.Eof without PackageEof", "Eof framing needs the bytes that end a message, such as PackageEof = \"\\r\\n\"" },
        { $$"""[SocketHandler("tcp", Port = 1, Framing = SocketFraming.Eof, PackageEof = {|#0:""|})] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "an empty PackageEof", "Eof framing needs the bytes that end a message, such as PackageEof = \"\\r\\n\"" },
        { $$"""[SocketHandler("tcp", Port = 1, Framing = SocketFraming.Length, LengthSize = {|#0:3|})] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "LengthSize = 3", "a length field takes 1, 2 or 4 bytes" },
        { $$"""[SocketHandler("tcp", Port = 1, Framing = SocketFraming.Length, BodyOffset = {|#0:-2|})] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "BodyOffset = -2", "use −1 (right after the length field) or more" },
        { $$"""[SocketHandler("tcp", Port = 1, Framing = {|#0:SocketFraming.FixedSize|})] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "Framing = SocketFraming.FixedSize without FixedSize", "fixed-size framing needs a FixedSize from 1 to PackageMaxLength (2097152)" },
        { $$"""[SocketHandler("tcp", Port = 1, Framing = SocketFraming.FixedSize, FixedSize = {|#0:64|}, PackageMaxLength = 32)] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "FixedSize = 64", "fixed-size framing needs a FixedSize from 1 to PackageMaxLength (32)" },
        { $$"""[SocketHandler("tcp", Port = 1, PackageMaxLength = {|#0:0|})] public sealed class Job : ITcpHandler { {{TcpBody}} }""", "SocketHandler", "PackageMaxLength = 0", "use 1 to 1073741824 bytes" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task Value_the_runtime_rejects_is_flagged_at_the_argument(string declaration, string attribute, string setting, string advice)
    {
        await new MisuseAnalyzerTest($"namespace App;\n{PaidEvent}\n{declaration}", At(Rules.InvalidAttributeValue, 0, attribute, "Job", setting, advice)).RunAsync();
    }

    public static TheoryData<string> GoodValues => new()
    {
        $$"""[CronJob(1000, Scope = CronScope.Node)] public sealed class Job : ICronJob { {{CronBody}} }""",
        $$"""[CustomProcess("w", Num = 64, RestartInterval = 0)] public sealed class Job : ICustomProcess { {{ProcessBody}} }""",
        $$"""[CustomProcess("w", Num = 1, RestartInterval = 3600)] public sealed class Job : ICustomProcess { {{ProcessBody}} }""",
        $$"""[BackgroundTask(Tries = 100, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 0, MaxBackoffMilliseconds = 0)] public sealed class Job : IBackgroundTask { {{TaskBody}} }""",
        $$"""[EventListener(Tries = 1, BackoffMilliseconds = 60000)] public sealed class Job : IEventListener<Paid> { {{ListenerBody}} }""",
        $$"""[SocketHandler("tcp", Port = 0)] public sealed class Job : ITcpHandler { {{TcpBody}} }""",
        $$"""[SocketHandler("tcp")] public sealed class Job : ITcpHandler { {{TcpBody}} }""",
        $$"""[SocketHandler("tcp", Port = 65535, Framing = SocketFraming.Eof, PackageEof = "\r\n")] public sealed class Job : ITcpHandler { {{TcpBody}} }""",
        $$"""[SocketHandler("tcp", Port = 1, Framing = SocketFraming.Length, LengthSize = 2, LengthOffset = 4, BodyOffset = -1)] public sealed class Job : ITcpHandler { {{TcpBody}} }""",
        $$"""[SocketHandler("tcp", Port = 1, Framing = SocketFraming.FixedSize, FixedSize = 32, PackageMaxLength = 32)] public sealed class Job : ITcpHandler { {{TcpBody}} }""",
        """[SocketHandler("udp", Port = 1, Type = PortType.Udp, Framing = SocketFraming.Eof)] public sealed class Job : IUdpHandler { public ValueTask OnPacketAsync(IUdpPort port, ReadOnlyMemory<byte> data, System.Net.EndPoint remote) => default; }""",
        $$"""[SocketHandler("unix", Type = PortType.Unix, Host = "/tmp/app.sock", Port = 70000)] public sealed class Job : ITcpHandler { {{TcpBody}} }""",
        $$"""[CronJob(1000, Name = "tick")] public sealed class Job : ICronJob { {{CronBody}} }""",
    };

    [Theory]
    [MemberData(nameof(GoodValues))]
    public async Task Value_in_range_is_not_flagged(string declaration)
    {
        await new MisuseAnalyzerTest($"namespace App;\n{PaidEvent}\n{declaration}").RunAsync();
    }

    // ---- Scope --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Look_alike_attributes_of_another_namespace_are_not_analyzed()
    {
        const string source = """
            namespace Other;
            public sealed class CronJobAttribute(string expression) : System.Attribute { public string Expression { get; } = expression; }
            public sealed class CustomProcessAttribute(string name) : System.Attribute { public string Name { get; } = name; public int Num { get; set; } }
            [CronJob("not cron")] public sealed class A;
            [CustomProcess("w", Num = 0)] public sealed class B;
            [CustomProcess("w", Num = 0)] public sealed class C;
            """;

        await new MisuseAnalyzerTest(source).RunAsync();
    }

    [Fact]
    public async Task Compilation_without_the_Resident_runtime_is_not_analyzed()
    {
        const string source = """
            namespace Other;
            public sealed class CronJobAttribute(string expression) : System.Attribute { public string Expression { get; } = expression; }
            [CronJob("not cron")] public sealed class A;
            """;

        await new MisuseAnalyzerTest(source).WithoutResidentRuntime().RunAsync();
    }
}
