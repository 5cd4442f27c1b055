using System.Buffers;
using System.Runtime.CompilerServices;

namespace Tern.Protocol;

/// <summary>
/// Writes RESP2 or RESP3 replies into a growable pooled buffer. Handlers write; the connection decides when to
/// send (once per batch of commands). Replies whose shape differs between protocols (null, map, set, double,
/// boolean, push) are written by protocol here, so handlers never check the protocol version.
/// </summary>
public sealed class ReplyWriter : IDisposable
{
    private byte[] _buf;
    private int _pos;

    public ReplyWriter(int initialSize = 16 * 1024)
    {
        _buf = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    /// <summary>2 or 3.</summary>
    public int Protocol { get; set; } = 2;

    /// <summary>Bytes written and not yet taken by <see cref="Consume"/>.</summary>
    public int Length => _pos;

    /// <summary>The written bytes.</summary>
    public ReadOnlyMemory<byte> Written => new(_buf, 0, _pos);

    public ReadOnlySpan<byte> WrittenSpan => new(_buf, 0, _pos);

    /// <summary>Forgets everything written (after a send, or to discard replies).</summary>
    public void Clear()
    {
        _pos = 0;
        if (_buf.Length > 1024 * 1024)
        {
            // Give back a buffer a big reply made huge.
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = ArrayPool<byte>.Shared.Rent(16 * 1024);
        }
    }

    /// <summary>Drops everything written after <paramref name="mark"/> (to undo a partial reply).</summary>
    public void Truncate(int mark) => _pos = mark;

    public void Dispose()
    {
        var b = _buf;
        _buf = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int size)
    {
        if (_buf.Length - _pos < size) Grow(size);
        return _buf.AsSpan(_pos);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int n) => _pos += n;

    private void Grow(int size)
    {
        long want = Math.Max((long)_buf.Length * 2, (long)_pos + size);
        if (want > Array.MaxLength) want = Array.MaxLength;
        var nb = ArrayPool<byte>.Shared.Rent((int)want);
        _buf.AsSpan(0, _pos).CopyTo(nb);
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = nb;
    }

    /// <summary>Appends raw bytes (already RESP).</summary>
    public void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _pos += bytes.Length;
    }

    private void Line(byte prefix, long n)
    {
        var s = GetSpan(24);
        s[0] = prefix;
        int w = RespNumber.Format(n, s[1..]);
        s[w + 1] = (byte)'\r';
        s[w + 2] = (byte)'\n';
        _pos += w + 3;
    }

    /// <summary>+OK</summary>
    public void Ok() => Raw("+OK\r\n"u8);

    /// <summary>A status reply: +text</summary>
    public void Simple(ReadOnlySpan<byte> text)
    {
        var s = GetSpan(text.Length + 3);
        s[0] = (byte)'+';
        text.CopyTo(s[1..]);
        s[text.Length + 1] = (byte)'\r';
        s[text.Length + 2] = (byte)'\n';
        _pos += text.Length + 3;
    }

    /// <summary>An error reply; <paramref name="text"/> is the whole message without '-' (e.g. "ERR syntax error").</summary>
    public void Error(ReadOnlySpan<byte> text)
    {
        // As Redis's addReplyErrorFormat: CR/LF trimmed at both ends, the ones inside replaced by spaces, so the
        // protocol stays intact whatever bytes a client sent.
        while (text.Length > 0 && (text[0] == '\r' || text[0] == '\n')) text = text[1..];
        while (text.Length > 0 && (text[^1] == '\r' || text[^1] == '\n')) text = text[..^1];
        var s = GetSpan(text.Length + 3);
        s[0] = (byte)'-';
        for (int i = 0; i < text.Length; i++)
        {
            byte c = text[i];
            s[i + 1] = c == '\r' || c == '\n' ? (byte)' ' : c;
        }
        s[text.Length + 1] = (byte)'\r';
        s[text.Length + 2] = (byte)'\n';
        _pos += text.Length + 3;
    }

    /// <summary>
    /// An error from a string whose characters are bytes (Latin-1): error texts are ASCII, and client bytes quoted
    /// in them (unknown command names ...) come back exactly as sent.
    /// </summary>
    public void Error(string text)
    {
        Span<byte> tmp = text.Length <= 1024 ? stackalloc byte[text.Length] : new byte[text.Length];
        int n = System.Text.Encoding.Latin1.GetBytes(text, tmp);
        Error(tmp[..n]);
    }

    public void Integer(long n) => Line((byte)':', n);

    /// <summary>A bulk string.</summary>
    public void Bulk(ReadOnlySpan<byte> value)
    {
        var s = GetSpan(value.Length + 24);
        s[0] = (byte)'$';
        int w = RespNumber.Format(value.Length, s[1..]) + 1;
        s[w++] = (byte)'\r';
        s[w++] = (byte)'\n';
        value.CopyTo(s[w..]);
        w += value.Length;
        s[w++] = (byte)'\r';
        s[w++] = (byte)'\n';
        _pos += w;
    }

    public void Bulk(string value)
    {
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> tmp = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = System.Text.Encoding.UTF8.GetBytes(value, tmp);
        Bulk(tmp[..n]);
    }

    /// <summary>An integer as a bulk string.</summary>
    public void BulkInteger(long n)
    {
        Span<byte> tmp = stackalloc byte[24];
        int w = RespNumber.Format(n, tmp);
        Bulk(tmp[..w]);
    }

    /// <summary>Null bulk in RESP2 ($-1), null in RESP3 (_).</summary>
    public void Null() => Raw(Protocol == 3 ? "_\r\n"u8 : "$-1\r\n"u8);

    /// <summary>Null array in RESP2 (*-1), null in RESP3 (_).</summary>
    public void NullArray() => Raw(Protocol == 3 ? "_\r\n"u8 : "*-1\r\n"u8);

    public void ArrayHeader(int n)
    {
        if ((uint)n < 10)
        {
            var s = GetSpan(4);
            s[0] = (byte)'*';
            s[1] = (byte)('0' + n);
            s[2] = (byte)'\r';
            s[3] = (byte)'\n';
            _pos += 4;
            return;
        }
        Line((byte)'*', n);
    }

    /// <summary>A map of <paramref name="pairs"/> entries (RESP2: a flat array of 2n).</summary>
    public void MapHeader(int pairs)
    {
        if (Protocol == 3) Line((byte)'%', pairs);
        else ArrayHeader(pairs * 2);
    }

    /// <summary>A set (RESP2: an array).</summary>
    public void SetHeader(int n)
    {
        if (Protocol == 3) Line((byte)'~', n);
        else ArrayHeader(n);
    }

    /// <summary>A push message (RESP2: an array).</summary>
    public void PushHeader(int n)
    {
        if (Protocol == 3) Line((byte)'>', n);
        else ArrayHeader(n);
    }

    /// <summary>A double: RESP3 ",d", RESP2 a bulk string, formatted as Redis 7.0 does.</summary>
    public void Double(double d)
    {
        Span<byte> tmp = stackalloc byte[64];
        int n = RespNumber.FormatDouble(d, tmp);
        if (Protocol == 3)
        {
            var s = GetSpan(n + 3);
            s[0] = (byte)',';
            tmp[..n].CopyTo(s[1..]);
            s[n + 1] = (byte)'\r';
            s[n + 2] = (byte)'\n';
            _pos += n + 3;
        }
        else
        {
            Bulk(tmp[..n]);
        }
    }

    /// <summary>A boolean: RESP3 "#t"/"#f", RESP2 :1/:0.</summary>
    public void Boolean(bool b)
    {
        if (Protocol == 3) Raw(b ? "#t\r\n"u8 : "#f\r\n"u8);
        else Raw(b ? ":1\r\n"u8 : ":0\r\n"u8);
    }

    /// <summary>A big number: RESP3 "(n", RESP2 a bulk string.</summary>
    public void BigNumber(ReadOnlySpan<byte> digits)
    {
        if (Protocol == 3)
        {
            var s = GetSpan(digits.Length + 3);
            s[0] = (byte)'(';
            digits.CopyTo(s[1..]);
            s[digits.Length + 1] = (byte)'\r';
            s[digits.Length + 2] = (byte)'\n';
            _pos += digits.Length + 3;
        }
        else Bulk(digits);
    }

    /// <summary>A verbatim string: RESP3 "=len\r\ntxt:...", RESP2 a bulk string.</summary>
    public void Verbatim(ReadOnlySpan<byte> text, ReadOnlySpan<byte> format)
    {
        if (Protocol != 3)
        {
            Bulk(text);
            return;
        }
        int len = text.Length + 4;
        var s = GetSpan(len + 24);
        s[0] = (byte)'=';
        int w = RespNumber.Format(len, s[1..]) + 1;
        s[w++] = (byte)'\r';
        s[w++] = (byte)'\n';
        format[..3].CopyTo(s[w..]);
        w += 3;
        s[w++] = (byte)':';
        text.CopyTo(s[w..]);
        w += text.Length;
        s[w++] = (byte)'\r';
        s[w++] = (byte)'\n';
        _pos += w;
    }

    /// <summary>An empty array.</summary>
    public void EmptyArray() => Raw("*0\r\n"u8);
}
