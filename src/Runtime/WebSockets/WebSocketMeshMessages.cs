using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;

namespace Resident.WebSockets;

/// <summary>
/// The binary messages the WebSocket servers of the workers exchange on <c>MeshChannel.WebSockets</c>. Every message
/// starts with its <see cref="WebSocketMeshKind"/> byte; numbers are little-endian; a string is its UTF-8 length as a
/// 7-bit encoded unsigned number, then the bytes; a nullable string stores length + 1, with 0 for null.
/// <list type="bullet">
/// <item>Opened (1): one or more entries to its end, each: id (i64), connected-at UTC ticks (i64), path (string),
/// sub-protocol (nullable string), address length (u8: 0, 4 or 16) and bytes, user (see <see cref="WriteUser"/>).</item>
/// <item>Closed (2): one or more ids (i64) to its end.</item>
/// <item>Push (3): id (i64), message type (u8: 0 text, 1 binary), payload to its end.</item>
/// <item>Disconnect (4): id (i64), close status (u16), reason (nullable string).</item>
/// <item>Broadcast (5): message type (u8), payload to its end; for every connection of the receiver.</item>
/// <item>BroadcastTo (6): message type (u8), id count (u32), the ids (i64 each), payload to its end.</item>
/// </list>
/// Ids in Opened and Closed carry the sender's address (node and worker bits); ids in Push, Disconnect and BroadcastTo the receiver's.
/// </summary>
internal static class WebSocketMeshMessages
{
    public const int PushHeaderSize = 1 + sizeof(long) + 1;
    public const int BroadcastHeaderSize = 1 + 1;

    public static byte[] Push(long id, string text)
    {
        var message = new byte[PushHeaderSize + Encoding.UTF8.GetByteCount(text)];
        WritePushHeader(message, id, WebSocketMessageType.Text);
        Encoding.UTF8.GetBytes(text, message.AsSpan(PushHeaderSize));
        return message;
    }

    public static byte[] Push(long id, ReadOnlySpan<byte> payload, WebSocketMessageType messageType)
    {
        var message = new byte[PushHeaderSize + payload.Length];
        WritePushHeader(message, id, messageType);
        payload.CopyTo(message.AsSpan(PushHeaderSize));
        return message;
    }

    private static void WritePushHeader(Span<byte> message, long id, WebSocketMessageType messageType)
    {
        message[0] = (byte)WebSocketMeshKind.Push;
        BinaryPrimitives.WriteInt64LittleEndian(message[1..], id);
        message[1 + sizeof(long)] = (byte)messageType;
    }

    public static byte[] Disconnect(long id, WebSocketCloseStatus status, string? reason)
    {
        var writer = new MeshMessageWriter(WebSocketMeshKind.Disconnect, 16 + (reason?.Length ?? 0) * 3);
        writer.Int64(id);
        writer.UInt16((ushort)status);
        writer.NullableString(reason);
        return writer.ToArray();
    }

    public static byte[] Broadcast(ReadOnlySpan<byte> payload, WebSocketMessageType messageType)
    {
        var message = new byte[BroadcastHeaderSize + payload.Length];
        message[0] = (byte)WebSocketMeshKind.Broadcast;
        message[1] = (byte)messageType;
        payload.CopyTo(message.AsSpan(BroadcastHeaderSize));
        return message;
    }

    public static byte[] BroadcastTo(IReadOnlyList<long> ids, ReadOnlySpan<byte> payload, WebSocketMessageType messageType)
    {
        var header = BroadcastHeaderSize + sizeof(uint) + (ids.Count * sizeof(long));
        var message = new byte[header + payload.Length];
        message[0] = (byte)WebSocketMeshKind.BroadcastTo;
        message[1] = (byte)messageType;
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(BroadcastHeaderSize), (uint)ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(BroadcastHeaderSize + sizeof(uint) + (i * sizeof(long))), ids[i]);
        }

        payload.CopyTo(message.AsSpan(header));
        return message;
    }

    public static byte[] Closed(long id)
    {
        var message = new byte[1 + sizeof(long)];
        message[0] = (byte)WebSocketMeshKind.Closed;
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(1), id);
        return message;
    }

    /// <summary>Appends one connection to an Opened message.</summary>
    public static void WriteOpened(MeshMessageWriter writer, IWebSocketConnection connection)
    {
        writer.Int64(connection.Id);
        writer.Int64(connection.ConnectedAt.UtcTicks);
        writer.String(connection.Path);
        writer.NullableString(connection.SubProtocol);
        WriteAddress(writer, connection.RemoteIpAddress);
        WriteUser(writer, connection.User);
    }

    /// <summary>Reads one entry of an Opened message.</summary>
    public static OpenedEntry ReadOpened(ref MeshMessageReader reader)
    {
        var id = reader.Int64();
        var ticks = reader.Int64();
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new MeshMessageException("connected-at out of range");
        }

        var path = reader.String();
        var subProtocol = reader.NullableString();
        var address = ReadAddress(ref reader);
        var user = ReadUser(ref reader);
        return new OpenedEntry(id, new DateTimeOffset(ticks, TimeSpan.Zero), path, subProtocol, address, user);
    }

    private static void WriteAddress(MeshMessageWriter writer, IPAddress? address)
    {
        if (address is null)
        {
            writer.Byte(0);
            return;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        writer.Byte((byte)written);
        writer.Bytes(bytes[..written]);
    }

    private static IPAddress? ReadAddress(ref MeshMessageReader reader)
    {
        var length = reader.Byte();
        return length switch
        {
            0 => null,
            4 or 16 => new IPAddress(reader.Bytes(length)),
            _ => throw new MeshMessageException($"address of {length} bytes"),
        };
    }

    /// <summary>
    /// The user: u8 0 for a principal without a claims identity, else 1, then its authentication type, name claim
    /// type and role claim type (nullable strings; null for the defaults), the claim count (7-bit) and each claim's
    /// type and value (strings). Only the primary identity crosses; that is what handlers and filters read.
    /// </summary>
    private static void WriteUser(MeshMessageWriter writer, ClaimsPrincipal user)
    {
        if (user.Identity is not ClaimsIdentity identity)
        {
            writer.Byte(0);
            return;
        }

        writer.Byte(1);
        writer.NullableString(identity.AuthenticationType);
        writer.NullableString(identity.NameClaimType == ClaimsIdentity.DefaultNameClaimType ? null : identity.NameClaimType);
        writer.NullableString(identity.RoleClaimType == ClaimsIdentity.DefaultRoleClaimType ? null : identity.RoleClaimType);
        var claims = identity.Claims as ICollection<Claim> ?? [.. identity.Claims];
        writer.Count(claims.Count);
        foreach (var claim in claims)
        {
            writer.String(claim.Type);
            writer.String(claim.Value);
        }
    }

    private static ClaimsPrincipal ReadUser(ref MeshMessageReader reader)
    {
        var kind = reader.Byte();
        if (kind == 0)
        {
            return new ClaimsPrincipal();
        }

        if (kind != 1)
        {
            throw new MeshMessageException($"user kind {kind}");
        }

        var authenticationType = reader.NullableString();
        var nameType = reader.NullableString() ?? ClaimsIdentity.DefaultNameClaimType;
        var roleType = reader.NullableString() ?? ClaimsIdentity.DefaultRoleClaimType;

        // Each claim takes at least two bytes, so a count beyond the bytes left is malformed (and allocates nothing).
        var count = reader.Count(maximum: reader.Remaining / 2);
        var claims = new List<Claim>(count);
        for (var i = 0; i < count; i++)
        {
            claims.Add(new Claim(reader.String(), reader.String()));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, nameType, roleType));
    }

    /// <summary>A connection of another worker as an Opened message describes it.</summary>
    internal readonly record struct OpenedEntry(long Id, DateTimeOffset ConnectedAt, string Path, string? SubProtocol, IPAddress? RemoteIpAddress, ClaimsPrincipal User);
}

/// <summary>The first byte of a WebSocket mesh message.</summary>
internal enum WebSocketMeshKind : byte
{
    Opened = 1,
    Closed = 2,
    Push = 3,
    Disconnect = 4,
    Broadcast = 5,
    BroadcastTo = 6,
}

/// <summary>A mesh message that does not parse; caught where messages are received, logged, and the message dropped.</summary>
internal sealed class MeshMessageException(string message) : Exception(message);

/// <summary>Builds a mesh message in a growing buffer.</summary>
internal sealed class MeshMessageWriter
{
    private byte[] _buffer;
    private int _length;

    public MeshMessageWriter(WebSocketMeshKind kind, int capacity = 256)
    {
        _buffer = new byte[Math.Max(capacity, 16)];
        _buffer[0] = (byte)kind;
        _length = 1;
    }

    /// <summary>Bytes written, the kind byte included.</summary>
    public int Length => _length;

    /// <summary>Starts over with only the kind byte, keeping the buffer.</summary>
    public void Reset() => _length = 1;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void Byte(byte value) => Reserve(1)[0] = value;

    public void UInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(sizeof(ushort)), value);

    public void Int64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(sizeof(long)), value);

    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void Count(int value)
    {
        var rest = (uint)value;
        while (rest >= 0x80)
        {
            Byte((byte)(rest | 0x80));
            rest >>= 7;
        }

        Byte((byte)rest);
    }

    public void String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Count(length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    public void NullableString(string? value)
    {
        if (value is null)
        {
            Count(0);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        Count(length + 1);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    private Span<byte> Reserve(int size)
    {
        if (_length + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        var span = _buffer.AsSpan(_length, size);
        _length += size;
        return span;
    }
}

/// <summary>Reads a mesh message; throws <see cref="MeshMessageException"/> where it is truncated or out of range.</summary>
internal ref struct MeshMessageReader(ReadOnlySpan<byte> message)
{
    private ReadOnlySpan<byte> _rest = message;

    public readonly int Remaining => _rest.Length;

    public readonly bool AtEnd => _rest.IsEmpty;

    public byte Byte() => Take(1)[0];

    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(sizeof(ushort)));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(sizeof(uint)));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(sizeof(long)));

    public ReadOnlySpan<byte> Bytes(int length) => Take(length);

    /// <summary>Everything not read yet.</summary>
    public ReadOnlySpan<byte> Rest()
    {
        var rest = _rest;
        _rest = default;
        return rest;
    }

    /// <summary>A 7-bit encoded count of at most <paramref name="maximum"/>.</summary>
    public int Count(int maximum)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var part = Byte();
            value |= (uint)(part & 0x7F) << shift;
            if (part < 0x80)
            {
                return value <= (uint)maximum ? (int)value : throw new MeshMessageException($"count {value} beyond {maximum}");
            }
        }

        throw new MeshMessageException("count too long");
    }

    public string String() => Encoding.UTF8.GetString(Take(Count(_rest.Length)));

    public string? NullableString()
    {
        var length = Count(_rest.Length + 1);
        return length == 0 ? null : Encoding.UTF8.GetString(Take(length - 1));
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _rest.Length)
        {
            throw new MeshMessageException("truncated");
        }

        var taken = _rest[..length];
        _rest = _rest[length..];
        return taken;
    }
}
