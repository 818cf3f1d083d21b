using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Resident.Generators.Tests.Infrastructure;
using Resident.Hosting;
using Resident.TestSupport;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// Background work: the generated payload codecs write and read back every supported member type, and the
/// declarations of tasks, events, listeners, cron jobs and custom processes reach the builder with working factories.
/// </summary>
public sealed partial class GeneratedCodeBehaviourTests
{
    private const string BackgroundApp = """
        using System.Collections.Generic;
        using System.Text.Json.Serialization;

        namespace PayloadApp;

        public enum Color { Red = 1, Green = 2 }
        public enum Huge : ulong { Max = ulong.MaxValue }
        public enum Tiny : sbyte { Min = sbyte.MinValue }

        [BackgroundTask(Tries = 3, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 250, MaxBackoffMilliseconds = 1000)]
        public sealed class Everything : IBackgroundTask
        {
            public string? Text { get; set; }
            public bool Flag { get; set; }
            public byte Byte { get; set; }
            public sbyte SByte { get; set; }
            public short Short { get; set; }
            public ushort UShort { get; set; }
            public int Int { get; set; }
            public uint UInt { get; set; }
            public long Long { get; set; }
            public ulong ULong { get; set; }
            public float Float { get; set; }
            public double Double { get; set; }
            public decimal Decimal { get; set; }
            public char Char { get; set; }
            public Guid Guid { get; set; }
            public DateTime DateTime { get; set; }
            public DateTimeOffset DateTimeOffset { get; set; }
            public TimeSpan TimeSpan { get; set; }
            public Color Color { get; set; }
            public Huge Huge { get; set; }
            public Tiny Tiny { get; set; }
            public byte[]? Bytes { get; set; }
            public int? MaybeInt { get; set; }
            public Color? MaybeColor { get; set; }
            public DateTimeOffset? MaybeDate { get; set; }
            public int[]? Numbers { get; set; }
            public List<string?>? Names { get; set; }
            public IList<Guid>? GuidList { get; set; }
            public IReadOnlyList<double>? Doubles { get; set; }
            public IEnumerable<Color?>? Colors { get; set; }
            public ICollection<byte[]?>? Blobs { get; set; }
            public IReadOnlyCollection<TimeSpan>? Spans { get; set; }
            public int InitOnly { get; init; } = 42;
            public required string Required { get; set; }
            public string @event { get; set; } = "";
            [JsonIgnore] public string Ignored { get; set; } = "kept out";
            public int Computed => Int + 1;

            public ValueTask HandleAsync(TaskContext context) => default;
        }

        public static class Samples
        {
            public static Everything Full() => new()
            {
                Text = "quote \" backslash \\ slash / newline \n tab \t nul \0 control \u0001 é 😀 \u2028 <script>&'",
                Flag = true,
                Byte = byte.MaxValue,
                SByte = sbyte.MinValue,
                Short = short.MinValue,
                UShort = ushort.MaxValue,
                Int = int.MinValue,
                UInt = uint.MaxValue,
                Long = long.MinValue,
                ULong = ulong.MaxValue,
                Float = float.MaxValue,
                Double = double.Epsilon,
                Decimal = decimal.MinValue,
                Char = '"',
                Guid = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
                DateTime = new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234567),
                DateTimeOffset = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(330)).AddTicks(9876543),
                TimeSpan = TimeSpan.MinValue,
                Color = Color.Green,
                Huge = Huge.Max,
                Tiny = Tiny.Min,
                Bytes = [0, 1, 2, 254, 255],
                MaybeInt = -7,
                MaybeColor = Color.Red,
                MaybeDate = DateTimeOffset.MaxValue,
                Numbers = [int.MaxValue, 0, -1],
                Names = ["a", null, "ü\n"],
                GuidList = [Guid.Empty],
                Doubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.5, double.MaxValue],
                Colors = [Color.Red, null, (Color)99],
                Blobs = [[], null, [7]],
                Spans = [TimeSpan.MaxValue, TimeSpan.FromTicks(1), TimeSpan.FromDays(-3.5)],
                InitOnly = 7,
                Required = "set",
                @event = "keyword",
                Ignored = "not written",
            };

            public static Everything Empty() => new()
            {
                Required = "",
                Numbers = [],
                Names = [],
                GuidList = [],
                Doubles = [],
                Colors = [],
                Blobs = [],
                Spans = [],
                Bytes = [],
            };

            public static Everything Nulls() => new() { Required = null!, Text = null, Bytes = null };
        }

        [AsyncEvent]
        public sealed record OrderPlaced(Guid OrderId, decimal Total, string? Note, int Priority = 5)
        {
            public IReadOnlyList<string> Tags { get; init; } = ["default"];
            public int Retries { get; set; } = 3;
        }

        [AsyncEvent]
        public sealed class SendMail
        {
            public string To { get; set; } = "";
            public System.IO.Stream? Attachment { get; set; }
        }

        [BackgroundTask]
        public sealed class Upload : IBackgroundTask
        {
            public Dictionary<string, int>? Sizes { get; set; }
            public ValueTask HandleAsync(TaskContext context) => default;
        }

        [BackgroundTask]
        public sealed class Finishing : IBackgroundTask
        {
            public ValueTask HandleAsync(TaskContext context) => default;
            public ValueTask FinishAsync(TaskContext context) => default;
        }

        public abstract class FinishingBase : IBackgroundTask
        {
            public abstract ValueTask HandleAsync(TaskContext context);
            ValueTask IBackgroundTask.FinishAsync(TaskContext context) => default;
        }

        [BackgroundTask]
        public sealed class InheritsFinish : FinishingBase
        {
            public override ValueTask HandleAsync(TaskContext context) => default;
        }

        [BackgroundTask]
        public sealed record Defaults(
            Color Color = Color.Green, Huge Huge = Huge.Max, long Long = long.MinValue, double Double = 0.1, float Float = float.NaN,
            decimal Decimal = 1.5m, char Char = 'x', string? Text = "say \"hi\"\n", bool Flag = true, int? Maybe = null, int? Seven = 7,
            byte Byte = 255, DateTime When = default) : IBackgroundTask
        {
            public ValueTask HandleAsync(TaskContext context) => default;
        }

        public abstract class MailBase : IBackgroundTask
        {
            public string From { get; set; } = "noreply";
            public virtual int Priority { get; set; } = 1;
            public abstract ValueTask HandleAsync(TaskContext context);
        }

        [BackgroundTask]
        public sealed class Newsletter : MailBase
        {
            public override int Priority => base.Priority;
            public string Subject { get; init; } = "none";
            public new string From { get => base.From; set => base.From = value; }
            public override ValueTask HandleAsync(TaskContext context) => default;
        }

        [EventListener(Order = -1, Tries = 2, Backoff = TaskBackoff.Immediate)]
        public sealed class OrderMailer(List<string> journal) : IEventListener<OrderPlaced>
        {
            public ValueTask<Propagation> HandleAsync(OrderPlaced @event, TaskContext context)
            {
                journal.Add($"mail {@event.Total}");
                return new(Propagation.Stop);
            }
        }

        [CronJob("0 */5 * * * *", Name = "report", TimeZone = "Europe/Paris", Immediate = true)]
        public sealed class Report(List<string> journal) : ICronJob
        {
            public ValueTask RunAsync(CronJobContext context)
            {
                journal.Add("report");
                return default;
            }

            public List<string> Journal => journal;
        }

        [CronJob(1500, AllowOverlap = true)]
        public sealed class Heartbeat : ICronJob
        {
            public ValueTask RunAsync(CronJobContext context) => default;
        }

        [CustomProcess("pusher", Num = 3, RestartInterval = 0)]
        public sealed class Pusher(List<string> journal) : ICustomProcess
        {
            public Task RunAsync(CustomProcessContext context) => Task.CompletedTask;

            public List<string> Journal => journal;
        }
        """;

    [Fact]
    public void Background_declarations_reach_the_builder_with_their_settings_and_working_factories()
    {
        var declarations = BackgroundDeclarations.Value;
        var background = declarations.Background;
        Assert.Equal(
            ["PayloadApp.Defaults", "PayloadApp.Everything", "PayloadApp.Finishing", "PayloadApp.InheritsFinish", "PayloadApp.Newsletter", "PayloadApp.Upload"],
            background.Tasks.Select(task => task.Name));
        var everything = TaskNamed("Everything");
        Assert.Equal(new RetryPolicy(3, TaskBackoff.Fixed, 250, 1000), everything.Retry);
        Assert.Equal(new RetryPolicy(1, TaskBackoff.Exponential, 100, 60_000), TaskNamed("Finishing").Retry);
        Assert.Equal([false, false, true, true, false, false], background.Tasks.Select(task => task.HasFinish));
        Assert.Equal("PayloadApp.Everything", everything.Type.FullName);

        Assert.Equal(["PayloadApp.OrderPlaced", "PayloadApp.SendMail"], background.Events.Select(@event => @event.Name));

        var listener = Assert.Single(background.Listeners);
        Assert.Equal(("PayloadApp.OrderMailer", "PayloadApp.OrderPlaced", -1), (listener.Name, listener.EventType.FullName, listener.Order));
        Assert.Equal(new RetryPolicy(2, TaskBackoff.Immediate, 100, 60_000), listener.Retry);

        Assert.Equal(
            [
                ("PayloadApp.Heartbeat", "Heartbeat", 1500, null, null, false, true),
                ("PayloadApp.Report", "report", 0, "0 */5 * * * *", "Europe/Paris", true, false),
            ],
            background.CronJobs.Select(job => (job.Name, job.JobName, job.IntervalMilliseconds, job.Expression, job.TimeZone, job.Immediate, job.AllowOverlap)));

        var process = Assert.Single(background.CustomProcesses);
        Assert.Equal(("PayloadApp.Pusher", "pusher", 3, 0), (process.Name, process.ProcessName, process.Num, process.RestartIntervalSeconds));

        // The factories build each class with its dependencies.
        var journal = new List<string>();
        using var services = new ServiceCollection().AddSingleton(journal).BuildServiceProvider();
        var listenerFactory = (Func<IServiceProvider, object>)listener.GetType().GetProperty("Factory")!.GetValue(listener)!;
        Assert.Equal("PayloadApp.OrderMailer", listenerFactory(services).GetType().FullName);
        Assert.Same(journal, background.CronJobs[1].Factory(services).GetType().GetProperty("Journal")!.GetValue(background.CronJobs[1].Factory(services)));
        Assert.Equal("PayloadApp.Heartbeat", background.CronJobs[0].Factory(services).GetType().FullName);
        var pusher = process.Factory(services);
        Assert.Same(journal, pusher.GetType().GetProperty("Journal")!.GetValue(pusher));

        using var empty = new ServiceCollection().BuildServiceProvider();
        Assert.Throws<InvalidOperationException>(() => process.Factory(empty));
    }

    [Fact]
    public void Every_supported_member_type_round_trips_through_the_generated_codec()
    {
        var task = TaskNamed("Everything");
        Assert.Null(task.PayloadProblem);
        var codec = Codec(task);
        var samples = task.Type.Assembly.GetType("PayloadApp.Samples")!;
        foreach (var sample in new[] { "Full", "Empty", "Nulls" })
        {
            var original = samples.GetMethod(sample)!.Invoke(null, null)!;
            var json = Serialize(codec, task.Type, original);
            var readBack = Deserialize(codec, task.Type, json);

            AssertSameMembers(original, readBack, sample);
            Assert.Equal(Encoding.UTF8.GetString(json), Encoding.UTF8.GetString(Serialize(codec, task.Type, readBack)));
        }

        // The JSON itself: camelCase names, enums as numbers, TimeSpan as "c", the offset kept, nothing ignored or computed.
        var full = samples.GetMethod("Full")!.Invoke(null, null)!;
        using var document = JsonDocument.Parse(Serialize(codec, task.Type, full));
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("color").GetInt32());
        Assert.Equal(ulong.MaxValue, root.GetProperty("huge").GetUInt64());
        Assert.Equal("-10675199.02:48:05.4775808", root.GetProperty("timeSpan").GetString());
        Assert.Equal("2025-01-02T03:04:05.9876543+05:30", root.GetProperty("dateTimeOffset").GetString());
        Assert.Equal("AAEC/v8=", root.GetProperty("bytes").GetString());
        Assert.Equal("NaN", root.GetProperty("doubles")[0].GetString());
        Assert.Equal("keyword", root.GetProperty("event").GetString());
        Assert.Equal(7, root.GetProperty("initOnly").GetInt32());
        Assert.False(root.TryGetProperty("ignored", out _));
        Assert.False(root.TryGetProperty("computed", out _));
        var back = Deserialize(codec, task.Type, Serialize(codec, task.Type, full));
        Assert.Equal(TimeSpan.FromMinutes(330), ((DateTimeOffset)task.Type.GetProperty("DateTimeOffset")!.GetValue(back)!).Offset);
        Assert.Equal("kept out", task.Type.GetProperty("Ignored")!.GetValue(back));
        Assert.Equal(DateTimeKind.Utc, ((DateTime)task.Type.GetProperty("DateTime")!.GetValue(back)!).Kind);
    }

    [Fact]
    public void A_record_round_trips_through_its_primary_constructor_and_missing_members_keep_their_defaults()
    {
        var declarations = BackgroundDeclarations.Value;
        var @event = declarations.Background.Events[0];
        Assert.Null(@event.PayloadProblem);
        var (codec, type) = (Codec(@event), @event.Type);

        var original = Activator.CreateInstance(type, Guid.NewGuid(), 12.5m, "note \"x\"", 9)!;
        type.GetProperty("Tags")!.SetValue(original, new List<string> { "a", "b" });
        type.GetProperty("Retries")!.SetValue(original, 8);
        AssertSameMembers(original, Deserialize(codec, type, Serialize(codec, type, original)), "OrderPlaced");

        // Nothing in the JSON: the constructor's default, the init and setter members' own initial values.
        var defaults = Deserialize(codec, type, "{}");
        Assert.Equal(Guid.Empty, type.GetProperty("OrderId")!.GetValue(defaults));
        Assert.Null(type.GetProperty("Note")!.GetValue(defaults));
        Assert.Equal(5, type.GetProperty("Priority")!.GetValue(defaults));
        Assert.Equal(["default"], (IEnumerable<string>)type.GetProperty("Tags")!.GetValue(defaults)!);
        Assert.Equal(3, type.GetProperty("Retries")!.GetValue(defaults));
    }

    [Fact]
    public void Constructor_parameters_missing_from_the_JSON_take_their_declared_defaults()
    {
        var task = TaskNamed("Defaults");
        var codec = Codec(task);
        var defaults = Activator.CreateInstance(task.Type, BindingFlags.OptionalParamBinding | BindingFlags.Public | BindingFlags.Instance | BindingFlags.CreateInstance, null, Enumerable.Repeat(Type.Missing, 13).ToArray(), null)!;

        AssertSameMembers(defaults, Deserialize(codec, task.Type, "{}"), "Defaults");
        AssertSameMembers(defaults, Deserialize(codec, task.Type, Serialize(codec, task.Type, defaults)), "Defaults");
        Assert.Equal("say \"hi\"\n", task.Type.GetProperty("Text")!.GetValue(defaults));
        Assert.Equal(7, task.Type.GetProperty("Seven")!.GetValue(Deserialize(codec, task.Type, "{}")));
        Assert.Null(task.Type.GetProperty("Seven")!.GetValue(Deserialize(codec, task.Type, """{"seven":null}""")));
    }

    [Fact]
    public void Inherited_overridden_and_hidden_members_are_written_once_in_declaration_order()
    {
        var task = TaskNamed("Newsletter");
        var codec = Codec(task);
        var mail = Activator.CreateInstance(task.Type)!;
        task.Type.GetProperty("From", BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)!.SetValue(mail, "me");
        task.Type.BaseType!.GetProperty("Priority")!.SetValue(mail, 3);

        var json = Encoding.UTF8.GetString(Serialize(codec, task.Type, mail));
        Assert.Equal("""{"priority":3,"subject":"none","from":"me"}""", json);

        var back = Deserialize(codec, task.Type, """{"from":"you","priority":9,"subject":"news"}""");
        Assert.Equal("""{"priority":9,"subject":"news","from":"you"}""", Encoding.UTF8.GetString(Serialize(codec, task.Type, back)));
    }

    [Fact]
    public void Unknown_JSON_properties_are_skipped_whatever_their_value()
    {
        var declarations = BackgroundDeclarations.Value;
        var @event = declarations.Background.Events[0];
        var back = Deserialize(Codec(@event), @event.Type, """
            {"unknown":{"a":[1,{"b":null}],"c":"d"},"total":3.5,"Total":99,"more":[[],[1,2]],"x":"y","priority":1,"n":null,"t":true}
            """);

        Assert.Equal(3.5m, @event.Type.GetProperty("Total")!.GetValue(back));
        Assert.Equal(1, @event.Type.GetProperty("Priority")!.GetValue(back));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("""{"int":"5"}""")]
    [InlineData("""{"int":1.5}""")]
    [InlineData("""{"int":2147483648}""")]
    [InlineData("""{"byte":256}""")]
    [InlineData("""{"uLong":-1}""")]
    [InlineData("""{"flag":1}""")]
    [InlineData("""{"text":5}""")]
    [InlineData("""{"char":"ab"}""")]
    [InlineData("""{"char":""}""")]
    [InlineData("""{"guid":"not a guid"}""")]
    [InlineData("""{"dateTime":"yesterday"}""")]
    [InlineData("""{"dateTimeOffset":42}""")]
    [InlineData("""{"timeSpan":"1 hour"}""")]
    [InlineData("""{"color":"Green"}""")]
    [InlineData("""{"tiny":128}""")]
    [InlineData("""{"bytes":"***"}""")]
    [InlineData("""{"bytes":[1,2]}""")]
    [InlineData("""{"maybeInt":"x"}""")]
    [InlineData("""{"numbers":{}}""")]
    [InlineData("""{"numbers":[1,"2"]}""")]
    [InlineData("""{"names":"a"}""")]
    [InlineData("""{"doubles":["Infinite"]}""")]
    [InlineData("""{"decimal":1e300}""")]
    [InlineData("""{"int":1""")]
    [InlineData("""{"numbers":[1,2""")]
    [InlineData("""{"int":}""")]
    public void Malformed_or_mistyped_JSON_throws_JsonException(string json)
    {
        var task = TaskNamed("Everything");
        Assert.ThrowsAny<JsonException>(() => Deserialize(Codec(task), task.Type, json));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'t', (byte)'e', (byte)'x', (byte)'t', (byte)'"', (byte)':', (byte)'"', 0xFF, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'c', (byte)'h', (byte)'a', (byte)'r', (byte)'"', (byte)':', (byte)'"', 0xC3, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'t', (byte)'i', (byte)'m', (byte)'e', (byte)'S', (byte)'p', (byte)'a', (byte)'n', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'n', (byte)'a', (byte)'m', (byte)'e', (byte)'s', (byte)'"', (byte)':', (byte)'[', (byte)'"', 0xFE, (byte)'"', (byte)']', (byte)'}' })]
    [InlineData(new byte[] { })]
    public void Invalid_UTF8_or_empty_input_throws_JsonException(byte[] json)
    {
        var task = TaskNamed("Everything");
        Assert.ThrowsAny<JsonException>(() => Deserialize(Codec(task), task.Type, json));
    }

    [Fact]
    public void An_unsupported_member_leaves_no_codec_and_a_problem_naming_type_member_and_member_type()
    {
        var declarations = BackgroundDeclarations.Value;
        var sendMail = declarations.Background.Events[1];
        Assert.Equal("PayloadApp.SendMail", sendMail.Name);
        Assert.Null(sendMail.GetType().GetProperty("Codec")!.GetValue(sendMail));
        Assert.Equal(
            "The payload of PayloadApp.SendMail cannot be serialized: member 'Attachment' is of type System.IO.Stream, which generated JSON "
            + "does not support (use string, numbers, bool, Guid, dates, TimeSpan, enums, byte[] or arrays/lists of them).",
            sendMail.PayloadProblem);

        var upload = TaskNamed("Upload");
        Assert.Equal("PayloadApp.Upload", upload.Name);
        Assert.Null(upload.GetType().GetProperty("Codec")!.GetValue(upload));
        Assert.Contains("member 'Sizes' is of type System.Collections.Generic.Dictionary<string, int>", upload.PayloadProblem, StringComparison.Ordinal);

        // A task without members still has a codec: an empty object.
        var finishing = TaskNamed("Finishing");
        Assert.Null(finishing.PayloadProblem);
        Assert.Equal("{}", Encoding.UTF8.GetString(Serialize(Codec(finishing), finishing.Type, Activator.CreateInstance(finishing.Type)!)));
        Assert.IsType(finishing.Type, Deserialize(Codec(finishing), finishing.Type, """{"anything":[1]}"""));
    }

    // Compiled and loaded once for all the tests here (never unloaded: the theory alone would compile it 29 times).
    private static readonly Lazy<ResidentDeclarations> BackgroundDeclarations = new(DescribeBackgroundApp);

    private static ResidentDeclarations DescribeBackgroundApp()
    {
        var assemblyName = "PayloadApp" + Guid.NewGuid().ToString("N");
        var outcome = GeneratorHarness.Run(TestReferences.Compile([BackgroundApp], assemblyName: assemblyName));
        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Empty(outcome.WarningsInGeneratedCode);

        var context = new IsolatedLoadContext();
        var assembly = Load(outcome.Output, context);
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        var manifest = Assert.Single(ResidentManifests.All, candidate => candidate.AssemblyName == assemblyName);
        var builder = new ResidentManifestBuilder();
        manifest.Describe(builder);
        return builder.Build();
    }

    private static TaskDeclaration TaskNamed(string name) =>
        Assert.Single(BackgroundDeclarations.Value.Background.Tasks, task => task.Name == "PayloadApp." + name);

    private static object Codec(object declaration) =>
        declaration.GetType().GetProperty("Codec")!.GetValue(declaration) ?? throw new Xunit.Sdk.XunitException("No codec.");

    private static byte[] Serialize(object codec, Type type, object value) =>
        (byte[])Generic(nameof(SerializeTyped), type).Invoke(null, BindingFlags.DoNotWrapExceptions, null, [codec, value], null)!;

    private static object Deserialize(object codec, Type type, byte[] json) =>
        Generic(nameof(DeserializeTyped), type).Invoke(null, BindingFlags.DoNotWrapExceptions, null, [codec, json], null)!;

    private static object Deserialize(object codec, Type type, string json) => Deserialize(codec, type, Encoding.UTF8.GetBytes(json));

    private static MethodInfo Generic(string name, Type type) =>
        typeof(GeneratedCodeBehaviourTests).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);

    private static byte[] SerializeTyped<T>(PayloadCodec<T> codec, T value) where T : class => codec.Serialize(value);

    private static T DeserializeTyped<T>(PayloadCodec<T> codec, byte[] json) where T : class => codec.Deserialize(json);

    /// <summary>Every public property of <paramref name="expected"/> has an equal value in <paramref name="actual"/>; sequences item by item.</summary>
    private static void AssertSameMembers(object expected, object actual, string sample)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var (want, got) = (property.GetValue(expected), property.GetValue(actual));
            if (property.Name == "Ignored")
            {
                continue;
            }

            Assert.True(SameValue(want, got), $"{sample}.{property.Name}: expected {Show(want)}, got {Show(got)}");
        }
    }

    private static bool SameValue(object? want, object? got)
    {
        if (want is null || got is null)
        {
            return want is null && got is null;
        }

        if (want is IEnumerable wantItems and not string && got is IEnumerable gotItems and not string)
        {
            var (left, right) = (wantItems.Cast<object?>().ToList(), gotItems.Cast<object?>().ToList());
            return left.Count == right.Count && left.Zip(right).All(pair => SameValue(pair.First, pair.Second));
        }

        return Equals(want, got);
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Show)) + "]",
        _ => value.ToString() ?? "",
    };
}
