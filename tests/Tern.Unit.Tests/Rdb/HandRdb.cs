using System.Buffers.Binary;
using System.Text;
using Tern.Rdb;

namespace Tern.Unit.Tests.Rdb;

/// <summary>Hand-assembles RDB bytes from the format description (spec §5), for cases no fixture file covers.</summary>
internal sealed class HandRdb
{
    private readonly List<byte> _b = [];

    public static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    public HandRdb Header(int version) => Raw(B("REDIS" + version.ToString("D4")));

    public HandRdb Raw(params byte[] bytes)
    {
        _b.AddRange(bytes);
        return this;
    }

    public HandRdb Byte(int b) => Raw((byte)b);

    public HandRdb Len(ulong n)
    {
        if (n < 64) return Byte((int)n);
        if (n < 16384) return Raw((byte)(0x40 | (int)(n >> 8)), (byte)n);
        if (n <= uint.MaxValue)
        {
            var t = new byte[5];
            t[0] = 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(1), (uint)n);
            return Raw(t);
        }
        var u = new byte[9];
        u[0] = 0x81;
        BinaryPrimitives.WriteUInt64BigEndian(u.AsSpan(1), n);
        return Raw(u);
    }

    public HandRdb Str(byte[] s) => Len((ulong)s.Length).Raw(s);

    public HandRdb Str(string s) => Str(B(s));

    public HandRdb I64(long v)
    {
        var t = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(t, v);
        return Raw(t);
    }

    public HandRdb Double(double d)
    {
        var t = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(t, d);
        return Raw(t);
    }

    public HandRdb Key(int type, string key) => Byte(type).Str(key);

    /// <summary>0xFF then the CRC64 of everything so far (or 8 zero bytes).</summary>
    public byte[] End(bool checksum = true)
    {
        _b.Add(0xFF);
        var crc = checksum ? Crc64.Compute(_b.ToArray()) : 0UL;
        var t = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(t, crc);
        _b.AddRange(t);
        return _b.ToArray();
    }

    public byte[] ToArray() => _b.ToArray();

    /// <summary>A listpack of the given entries: strings (short) and longs.</summary>
    public static byte[] Listpack(params object[] entries)
    {
        var body = new List<byte>();
        foreach (var e in entries)
        {
            var enc = new List<byte>();
            if (e is long or int)
            {
                long v = Convert.ToInt64(e);
                if (v >= 0 && v < 128) enc.Add((byte)v);
                else if (v >= -4096 && v < 4096)
                {
                    int u = (int)(v & 0x1fff);
                    enc.Add((byte)(0xC0 | (u >> 8)));
                    enc.Add((byte)u);
                }
                else if (v >= short.MinValue && v <= short.MaxValue)
                {
                    enc.Add(0xF1);
                    enc.Add((byte)v);
                    enc.Add((byte)(v >> 8));
                }
                else if (v >= -(1 << 23) && v < (1 << 23))
                {
                    enc.Add(0xF2);
                    enc.Add((byte)v);
                    enc.Add((byte)(v >> 8));
                    enc.Add((byte)(v >> 16));
                }
                else if (v >= int.MinValue && v <= int.MaxValue)
                {
                    enc.Add(0xF3);
                    for (int i = 0; i < 4; i++) enc.Add((byte)(v >> (8 * i)));
                }
                else
                {
                    enc.Add(0xF4);
                    for (int i = 0; i < 8; i++) enc.Add((byte)(v >> (8 * i)));
                }
            }
            else
            {
                var s = e is byte[] bs ? bs : B((string)e);
                if (s.Length < 64) enc.Add((byte)(0x80 | s.Length));
                else if (s.Length < 4096)
                {
                    enc.Add((byte)(0xE0 | (s.Length >> 8)));
                    enc.Add((byte)s.Length);
                }
                else
                {
                    enc.Add(0xF0);
                    for (int i = 0; i < 4; i++) enc.Add((byte)(s.Length >> (8 * i)));
                }
                enc.AddRange(s);
            }
            body.AddRange(enc);
            int l = enc.Count;
            // back-length: 7 bits per byte, written so it reads right to left.
            if (l <= 127) body.Add((byte)l);
            else if (l < 16383)
            {
                body.Add((byte)(l >> 7));
                body.Add((byte)((l & 127) | 128));
            }
            else
            {
                body.Add((byte)(l >> 14));
                body.Add((byte)(((l >> 7) & 127) | 128));
                body.Add((byte)((l & 127) | 128));
            }
        }
        var lp = new byte[6 + body.Count + 1];
        BinaryPrimitives.WriteUInt32LittleEndian(lp, (uint)lp.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(lp.AsSpan(4), (ushort)Math.Min(entries.Length, 65535));
        body.CopyTo(lp, 6);
        lp[^1] = 0xFF;
        return lp;
    }

    public static byte[] Intset(int width, params long[] values)
    {
        var a = new byte[8 + width * values.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(a, (uint)width);
        BinaryPrimitives.WriteUInt32LittleEndian(a.AsSpan(4), (uint)values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            var d = a.AsSpan(8 + i * width);
            if (width == 2) BinaryPrimitives.WriteInt16LittleEndian(d, (short)values[i]);
            else if (width == 4) BinaryPrimitives.WriteInt32LittleEndian(d, (int)values[i]);
            else BinaryPrimitives.WriteInt64LittleEndian(d, values[i]);
        }
        return a;
    }

    /// <summary>A ziplist of short strings and small ints (int8/int16/int64 encodings).</summary>
    public static byte[] Ziplist(params object[] entries)
    {
        var body = new List<byte>();
        int prev = 0, lastStart = 10;
        foreach (var e in entries)
        {
            int start = 10 + body.Count;
            lastStart = start;
            var ent = new List<byte> { (byte)prev };
            if (e is long or int)
            {
                long v = Convert.ToInt64(e);
                if (v >= 0 && v <= 12) ent.Add((byte)(0xF1 + v));
                else if (v >= sbyte.MinValue && v <= sbyte.MaxValue)
                {
                    ent.Add(0xFE);
                    ent.Add((byte)v);
                }
                else if (v >= short.MinValue && v <= short.MaxValue)
                {
                    ent.Add(0xC0);
                    ent.Add((byte)v);
                    ent.Add((byte)(v >> 8));
                }
                else
                {
                    ent.Add(0xE0);
                    for (int i = 0; i < 8; i++) ent.Add((byte)(v >> (8 * i)));
                }
            }
            else
            {
                var s = B((string)e);
                ent.Add((byte)s.Length);
                ent.AddRange(s);
            }
            body.AddRange(ent);
            prev = ent.Count;
        }
        var zl = new byte[10 + body.Count + 1];
        BinaryPrimitives.WriteUInt32LittleEndian(zl, (uint)zl.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(zl.AsSpan(4), (uint)(entries.Length == 0 ? 10 : lastStart));
        BinaryPrimitives.WriteUInt16LittleEndian(zl.AsSpan(8), (ushort)entries.Length);
        body.CopyTo(zl, 10);
        zl[^1] = 0xFF;
        return zl;
    }
}

/// <summary>A stream that hands out at most <c>chunk</c> bytes per Read, like a socket.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int _pos;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _pos; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _pos);
        data.AsSpan(_pos, n).CopyTo(buffer);
        _pos += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
