using System.Buffers;
using System.Buffers.Binary;

namespace Resident.Sockets;

/// <summary>
/// Cuts a byte stream into messages without copying: each message is a slice of the receive buffer. Stateless
/// between calls, so any split of the stream across reads yields the same messages.
/// </summary>
internal sealed class MessageFramer
{
    private readonly SocketFraming _framing;
    private readonly byte[] _eof;
    private readonly int _lengthOffset;
    private readonly int _lengthSize;
    private readonly bool _bigEndian;
    private readonly int _bodyOffset;
    private readonly int _fixedSize;

    public MessageFramer(SocketFraming framing, byte[] eof, int lengthOffset, int lengthSize, bool bigEndian, int bodyOffset, int fixedSize, int maxLength)
    {
        _framing = framing;
        _eof = eof;
        _lengthOffset = lengthOffset;
        _lengthSize = lengthSize;
        _bigEndian = bigEndian;
        _bodyOffset = bodyOffset < 0 ? lengthOffset + lengthSize : bodyOffset;
        _fixedSize = fixedSize;
        MaxLength = maxLength;
    }

    public int MaxLength { get; }

    /// <summary>
    /// Takes the next whole message off the front of <paramref name="buffer"/>. False when more bytes are needed, or
    /// when <paramref name="violation"/> says the stream breaks the framing (too long, or shorter than its own header).
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message, out string? violation) =>
        TryRead(ref buffer, out message, out violation, out _);

    /// <summary>
    /// <see cref="TryRead(ref ReadOnlySequence{byte}, out ReadOnlySequence{byte}, out string?)"/>, also saying whether
    /// the violation is a message over <see cref="MaxLength"/> (the other kind is a length field shorter than its header).
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message, out string? violation, out bool oversized)
    {
        violation = null;
        message = default;
        oversized = false;
        if (buffer.IsEmpty)
        {
            return false;
        }

        switch (_framing)
        {
            case SocketFraming.Eof:
                var delimited = TryReadDelimited(ref buffer, out message, out violation);
                oversized = violation is not null;
                return delimited;
            case SocketFraming.Length:
                return TryReadLengthPrefixed(ref buffer, out message, out violation, out oversized);
            case SocketFraming.FixedSize:
                return TryTake(ref buffer, _fixedSize, out message);
            default:
                // Raw chunks, cut at the limit so no message is ever longer than it.
                return TryTake(ref buffer, (int)Math.Min(buffer.Length, MaxLength), out message);
        }
    }

    private static bool TryTake(ref ReadOnlySequence<byte> buffer, long length, out ReadOnlySequence<byte> message)
    {
        if (buffer.Length < length)
        {
            message = default;
            return false;
        }

        message = buffer.Slice(0, length);
        buffer = buffer.Slice(length);
        return true;
    }

    private bool TryReadDelimited(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message, out string? violation)
    {
        violation = null;
        if (_eof.Length == 1)
        {
            // One-byte delimiter ('\n'): the vectorized search, as a hand-written line reader would do.
            if (buffer.PositionOf(_eof[0]) is { } end)
            {
                message = buffer.Slice(0, end);
                return Accept(ref buffer, message, buffer.GetPosition(1, end), out violation);
            }

            message = default;
        }
        else
        {
            var reader = new SequenceReader<byte>(buffer);
            if (reader.TryReadTo(out message, _eof, advancePastDelimiter: true))
            {
                return Accept(ref buffer, message, reader.Position, out violation);
            }
        }

        // No delimiter yet. The message can still fit only if every byte past MaxLength is the start of the delimiter.
        if (buffer.Length > MaxLength)
        {
            var tail = buffer.Slice(MaxLength);
            Span<byte> start = stackalloc byte[_eof.Length];
            if (tail.Length >= _eof.Length || !IsDelimiterStart(tail, start))
            {
                violation = $"more than PackageMaxLength ({MaxLength}) bytes arrived without the message delimiter";
            }
        }

        return false;
    }

    private bool Accept(ref ReadOnlySequence<byte> buffer, ReadOnlySequence<byte> message, SequencePosition next, out string? violation)
    {
        if (message.Length > MaxLength)
        {
            violation = $"a message of {message.Length} bytes is over PackageMaxLength ({MaxLength})";
            return false;
        }

        violation = null;
        buffer = buffer.Slice(next);
        return true;
    }

    private bool IsDelimiterStart(ReadOnlySequence<byte> tail, Span<byte> scratch)
    {
        var bytes = scratch[..(int)tail.Length];
        tail.CopyTo(bytes);
        return _eof.AsSpan().StartsWith(bytes);
    }

    private bool TryReadLengthPrefixed(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message, out string? violation, out bool oversized)
    {
        violation = null;
        message = default;
        oversized = false;
        var headerEnd = _lengthOffset + _lengthSize;
        if (buffer.Length < headerEnd)
        {
            return false;
        }

        Span<byte> field = stackalloc byte[4];
        buffer.Slice(_lengthOffset, _lengthSize).CopyTo(field);
        long value = _lengthSize switch
        {
            1 => field[0],
            2 => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(field) : BinaryPrimitives.ReadUInt16LittleEndian(field),
            _ => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(field) : BinaryPrimitives.ReadUInt32LittleEndian(field),
        };

        var total = _bodyOffset + value;
        if (total > MaxLength)
        {
            oversized = true;
            violation = $"a message announces {total} bytes, over PackageMaxLength ({MaxLength})";
            return false;
        }

        if (total < headerEnd)
        {
            violation = $"a message announces {total} bytes, shorter than its own header ({headerEnd})";
            return false;
        }

        return TryTake(ref buffer, total, out message);
    }
}
