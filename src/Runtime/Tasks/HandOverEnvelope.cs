using System.Buffers;
using System.Text.Json;

namespace Resident.Tasks;

/// <summary>
/// One delivery in a hand-over envelope: what runs it (kind and declaration name), its payload as written by the
/// generated codec, and how far it got.
/// </summary>
/// <param name="Kind"><see cref="HandOverEnvelope.TaskKind"/> or <see cref="HandOverEnvelope.EventKind"/>.</param>
/// <param name="Name">The task or event type's full name (the declaration name).</param>
/// <param name="Payload">The payload as UTF-8 JSON (one object).</param>
/// <param name="Tries">Tries set by the delivery; 0 takes the declaration's.</param>
/// <param name="Attempt">The number of the try still to run, from 1.</param>
/// <param name="Listener">For an event: the listener to run next (its name); null for a task.</param>
/// <param name="Order">For an event: that listener's order.</param>
/// <param name="DueUnixMilliseconds">When it is due, in UTC Unix milliseconds; null when it was ready to run.</param>
internal sealed record HandOverEntry(string Kind, string Name, byte[] Payload, int Tries, int Attempt, string? Listener, int Order, long? DueUnixMilliseconds)
{
    public bool Equals(HandOverEntry? other) =>
        other is not null && Kind == other.Kind && Name == other.Name && Payload.AsSpan().SequenceEqual(other.Payload) && Tries == other.Tries
        && Attempt == other.Attempt && Listener == other.Listener && Order == other.Order && DueUnixMilliseconds == other.DueUnixMilliseconds;

    public override int GetHashCode() => HashCode.Combine(Kind, Name, Tries, Attempt, Listener, Order, DueUnixMilliseconds);
}

/// <summary>
/// The format that carries a worker's pending deliveries to the next generation: one UTF-8 JSON object, written and
/// read with <see cref="Utf8JsonWriter"/>/<see cref="Utf8JsonReader"/> (no reflection, NativeAOT-clean):
/// <code>
/// {"format":"resident-handover","version":1,"items":[
///   {"kind":"task","name":"App.SendMail","tries":0,"attempt":1,"due":1767225602000,"payload":{...}},
///   {"kind":"event","name":"App.OrderPlaced","listener":"App.Audit","order":2,"tries":0,"attempt":2,"payload":{...}}]}
/// </code>
/// Due times are absolute (UTC Unix milliseconds, rounded up), so they survive the change of process; an item
/// without <c>due</c> was ready to run. Readers skip properties they do not know.
/// </summary>
internal static class HandOverEnvelope
{
    public const string Format = "resident-handover";
    public const int Version = 1;
    public const string TaskKind = "task";
    public const string EventKind = "event";

    public static byte[] Write(IEnumerable<HandOverEntry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format"u8, Format);
            writer.WriteNumber("version"u8, Version);
            writer.WriteStartArray("items"u8);
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("kind"u8, entry.Kind);
                writer.WriteString("name"u8, entry.Name);
                if (entry.Listener is not null)
                {
                    writer.WriteString("listener"u8, entry.Listener);
                    writer.WriteNumber("order"u8, entry.Order);
                }

                writer.WriteNumber("tries"u8, entry.Tries);
                writer.WriteNumber("attempt"u8, entry.Attempt);
                if (entry.DueUnixMilliseconds is { } due)
                {
                    writer.WriteNumber("due"u8, due);
                }

                writer.WritePropertyName("payload"u8);
                writer.WriteRawValue(entry.Payload);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a whole envelope, or throws <see cref="JsonException"/> saying why it is not one.</summary>
    public static List<HandOverEntry> Read(ReadOnlySpan<byte> envelope)
    {
        var reader = new Utf8JsonReader(envelope, new JsonReaderOptions { MaxDepth = 256 });
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "the batch is not a JSON object");
        string? format = null;
        int? version = null;
        List<HandOverEntry>? entries = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("format"u8))
            {
                format = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("version"u8))
            {
                version = ReadInt(ref reader);
                Expect(version == Version, $"version {version} is not understood (this version reads {Version})");
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                Expect(format == Format && version == Version, "format and version must come before the items");
                entries = ReadItems(ref reader, envelope);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        Expect(format == Format, $"the format is not '{Format}'");
        Expect(version == Version, "the version is missing");
        Expect(entries is not null, "the items are missing");
        Expect(!reader.Read(), "there is more after the envelope");
        return entries!;
    }

    private static List<HandOverEntry> ReadItems(ref Utf8JsonReader reader, ReadOnlySpan<byte> envelope)
    {
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartArray, "the items are not an array");
        var entries = new List<HandOverEntry>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(reader.TokenType == JsonTokenType.StartObject, "an item is not an object");
            string? kind = null, name = null, listener = null;
            byte[]? payload = null;
            int tries = 0, attempt = 1, order = 0;
            long? due = null;
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("kind"u8))
                {
                    kind = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("name"u8))
                {
                    name = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("listener"u8))
                {
                    listener = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("order"u8))
                {
                    order = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("tries"u8))
                {
                    tries = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("attempt"u8))
                {
                    attempt = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("due"u8))
                {
                    Expect(reader.Read() && reader.TokenType == JsonTokenType.Number, "a due time is not a number");
                    Expect(reader.TryGetInt64(out var value), "a due time is not a whole number");
                    due = value;
                }
                else if (reader.ValueTextEquals("payload"u8))
                {
                    Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "a payload is not a JSON object");
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    payload = envelope[start..(int)reader.BytesConsumed].ToArray();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            Expect(kind is TaskKind or EventKind, $"an item's kind is '{kind}', not '{TaskKind}' or '{EventKind}'");
            Expect(!string.IsNullOrEmpty(name), "an item has no name");
            Expect(payload is not null, $"the item {name} has no payload");
            Expect(tries is >= 0 and <= ResidentLimits.Retry.MaxTries, $"the item {name} has tries {tries}");
            Expect(attempt is >= 1 and <= ResidentLimits.Retry.MaxTries, $"the item {name} has attempt {attempt}");
            entries.Add(new HandOverEntry(kind!, name!, payload!, tries, attempt, kind == EventKind ? listener ?? "" : null, order, due));
        }

        Expect(reader.TokenType == JsonTokenType.EndArray, "the items end early");
        return entries;
    }

    // Moves to the next property name of the current object; false at its end.
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        Expect(reader.Read(), "the batch ends early");
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            return false;
        }

        Expect(reader.TokenType == JsonTokenType.PropertyName, "a property name was expected");
        return true;
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        Expect(reader.Read() && reader.TokenType == JsonTokenType.String, "a string was expected");
        return reader.GetString()!;
    }

    private static int ReadInt(ref Utf8JsonReader reader)
    {
        Expect(reader.Read() && reader.TokenType == JsonTokenType.Number, "a number was expected");
        Expect(reader.TryGetInt32(out var value), "a whole number was expected");
        return value;
    }

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new JsonException(problem);
        }
    }
}
