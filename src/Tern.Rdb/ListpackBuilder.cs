using System.Buffers;
using System.Buffers.Binary;

namespace Tern.Rdb;

/// <summary>
/// Builds a listpack blob byte for byte as Redis's listpack.c lays it out: a 6-byte header (u32 total bytes, u16
/// element count, 65535 when the count does not fit), the entries, then 0xFF. An entry is its encoding, its data
/// and a backlen (the size of encoding+data in 1..5 bytes of 7 bits). Strings that are canonical 64-bit integers
/// (lpStringToInt64) are stored as integers in the smallest encoding (lpEncodeIntegerGetType).
/// Reusable: <see cref="Reset"/> starts a new listpack in the same (pooled) buffer.
/// </summary>
internal sealed class ListpackBuilder : IDisposable
{
    internal const int HeaderSize = 6;
    private const byte Eof = 0xFF;

    private byte[] _buf;
    private int _pos;
    private int _count;

    public ListpackBuilder(int capacity = 256)
    {
        _buf = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 64));
        Reset();
    }

    /// <summary>Elements appended since the last reset.</summary>
    public int Count => _count;

    /// <summary>Size the finished listpack has now (header, entries and the end byte): Redis's lpBytes.</summary>
    public int Bytes => _pos + 1;

    public void Reset()
    {
        _pos = HeaderSize;
        _count = 0;
    }

    /// <summary>Appends a string, stored as an integer when it is a canonical decimal int64 (lpAppend).</summary>
    public void Append(ReadOnlySpan<byte> s)
    {
        if (RdbNumbers.TryParseCanonicalInt64(s, out long v))
        {
            AppendInteger(v);
            return;
        }
        int len = s.Length;
        int head = len < 64 ? 1 : len < 4096 ? 2 : 5;
        int entry = head + len;
        Ensure(entry + 5);
        var b = _buf;
        if (len < 64) b[_pos] = (byte)(0x80 | len);
        else if (len < 4096)
        {
            b[_pos] = (byte)(0xE0 | (len >> 8));
            b[_pos + 1] = (byte)len;
        }
        else
        {
            b[_pos] = 0xF0;
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(_pos + 1), len);
        }
        s.CopyTo(b.AsSpan(_pos + head));
        _pos += entry;
        _pos += EncodeBacklen(b.AsSpan(_pos), (ulong)entry);
        _count++;
    }

    /// <summary>Appends an integer in the smallest encoding (lpAppendInteger).</summary>
    public void AppendInteger(long v)
    {
        Ensure(9 + 1);
        int n = EncodeInteger(_buf.AsSpan(_pos), v);
        _pos += n;
        _buf[_pos++] = (byte)n; // an integer entry is at most 9 bytes: a one-byte backlen
        _count++;
    }

    /// <summary>Writes the encoding of <paramref name="v"/> (no backlen); returns its size, 1..9 bytes.</summary>
    internal static int EncodeInteger(Span<byte> b, long v)
    {
        if (v >= 0 && v <= 127)
        {
            b[0] = (byte)v;
            return 1;
        }
        if (v >= -4096 && v <= 4095)
        {
            ulong u = (ulong)v & 0x1FFF;
            b[0] = (byte)(0xC0 | (u >> 8));
            b[1] = (byte)u;
            return 2;
        }
        if (v >= short.MinValue && v <= short.MaxValue)
        {
            b[0] = 0xF1;
            BinaryPrimitives.WriteInt16LittleEndian(b.Slice(1), (short)v);
            return 3;
        }
        if (v >= -8388608 && v <= 8388607)
        {
            b[0] = 0xF2;
            b[1] = (byte)v;
            b[2] = (byte)(v >> 8);
            b[3] = (byte)(v >> 16);
            return 4;
        }
        if (v >= int.MinValue && v <= int.MaxValue)
        {
            b[0] = 0xF3;
            BinaryPrimitives.WriteInt32LittleEndian(b.Slice(1), (int)v);
            return 5;
        }
        b[0] = 0xF4;
        BinaryPrimitives.WriteInt64LittleEndian(b.Slice(1), v);
        return 9;
    }

    /// <summary>The backlen of an entry of <paramref name="l"/> bytes, written left to right; returns 1..5.</summary>
    internal static int EncodeBacklen(Span<byte> b, ulong l)
    {
        if (l <= 127)
        {
            b[0] = (byte)l;
            return 1;
        }
        if (l < 16383)
        {
            b[0] = (byte)(l >> 7);
            b[1] = (byte)((l & 127) | 128);
            return 2;
        }
        if (l < 2097151)
        {
            b[0] = (byte)(l >> 14);
            b[1] = (byte)(((l >> 7) & 127) | 128);
            b[2] = (byte)((l & 127) | 128);
            return 3;
        }
        if (l < 268435455)
        {
            b[0] = (byte)(l >> 21);
            b[1] = (byte)(((l >> 14) & 127) | 128);
            b[2] = (byte)(((l >> 7) & 127) | 128);
            b[3] = (byte)((l & 127) | 128);
            return 4;
        }
        b[0] = (byte)(l >> 28);
        b[1] = (byte)(((l >> 21) & 127) | 128);
        b[2] = (byte)(((l >> 14) & 127) | 128);
        b[3] = (byte)(((l >> 7) & 127) | 128);
        b[4] = (byte)((l & 127) | 128);
        return 5;
    }

    /// <summary>Size in bytes an appended string would take in the listpack (encoding, data, backlen).</summary>
    internal static int EntrySize(ReadOnlySpan<byte> s)
    {
        if (RdbNumbers.TryParseCanonicalInt64(s, out long v))
        {
            Span<byte> tmp = stackalloc byte[9];
            return EncodeInteger(tmp, v) + 1;
        }
        int len = s.Length;
        int entry = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
        Span<byte> bl = stackalloc byte[5];
        return entry + EncodeBacklen(bl, (ulong)entry);
    }

    /// <summary>Finishes the header and the end byte; the span stays valid until the next append or reset.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        Ensure(1);
        _buf[_pos] = Eof;
        int total = _pos + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(_buf, (uint)total);
        BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(4), (ushort)(_count < 65535 ? _count : 65535));
        return _buf.AsSpan(0, total);
    }

    private void Ensure(int n)
    {
        if (_pos + n + 1 <= _buf.Length) return;
        long want = Math.Max((long)_buf.Length * 2, (long)_pos + n + 1);
        if (want > Array.MaxLength) want = Array.MaxLength;
        var nb = ArrayPool<byte>.Shared.Rent((int)want);
        _buf.AsSpan(0, _pos).CopyTo(nb);
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = nb;
    }

    public void Dispose()
    {
        var b = _buf;
        _buf = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}
