using System.ComponentModel;
using System.Text.Json;

namespace Resident.Hosting;

/// <summary>
/// Writes and reads one task or event type as JSON. Implemented only by generated code (one codec per
/// <c>[BackgroundTask]</c> and <c>[AsyncEvent]</c> type), so payloads cross processes without reflection.
/// </summary>
/// <typeparam name="T">The payload type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class PayloadCodec<T> where T : class
{
    /// <summary>Writes <paramref name="value"/> as one JSON object.</summary>
    public abstract void Write(Utf8JsonWriter writer, T value);

    /// <summary>Reads one JSON object written by <see cref="Write"/>; unknown properties are skipped.</summary>
    /// <exception cref="JsonException">The JSON is not such an object.</exception>
    public abstract T Read(ref Utf8JsonReader reader);

    /// <summary>The payload as UTF-8 JSON.</summary>
    public byte[] Serialize(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The payload read back from UTF-8 JSON.</summary>
    /// <exception cref="JsonException">The JSON is not a payload of this type.</exception>
    public T Deserialize(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read())
        {
            throw new JsonException($"Empty JSON where a {typeof(T).Name} was expected.");
        }

        return Read(ref reader);
    }
}
