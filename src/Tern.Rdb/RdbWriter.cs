using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Tern.Rdb;

/// <summary>
/// Encoding thresholds, as the *-max-* settings. The defaults are redis-server 7.0's built-in ones (config.c), which
/// Tern's config shares: note hash-max-listpack-entries is 512 there, not the 128 of the sample redis.conf.
/// </summary>
public sealed class RdbWriterOptions
{
    /// <summary>rdbcompression: LZF for strings longer than 20 bytes when it saves at least 4 bytes.</summary>
    public bool Compress = true;

    public int HashMaxListpackEntries = 512,
        HashMaxListpackValue = 64,
        ZSetMaxListpackEntries = 128,
        ZSetMaxListpackValue = 64,
        SetMaxIntsetEntries = 512,
        ListMaxListpackSize = -2,
        StreamNodeMaxBytes = 4096,
        StreamNodeMaxEntries = 100;
}

/// <summary>
/// Writes an RDB file (version 10, what redis-server 7.0 writes) or DUMP payloads, making the same encoding
/// choices as Redis 7.0 so that sizes, and for most values the bytes, equal what Redis writes. Output goes through
/// a pooled buffer and reaches the stream in large blocks; the CRC64 is computed as the bytes leave the buffer.
/// Not thread safe. Dispose flushes what is buffered (without the end marker: call <see cref="WriteEnd"/>).
/// </summary>
public sealed partial class RdbWriter : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _out;
    private readonly RdbWriterOptions _opt;
    private readonly bool _checksum;
    private byte[] _buf;
    private int _pos;
    private long _flushed;
    private ulong _crc;
    private ListpackBuilder? _lp;
    private bool _disposed;

    public RdbWriter(Stream output, RdbWriterOptions? options = null, bool checksum = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        _out = output;
        _opt = options ?? new RdbWriterOptions();
        _checksum = checksum;
        _buf = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>Bytes produced so far, buffered ones included.</summary>
    public long BytesWritten => _flushed + _pos;

    /// <summary>"REDIS" and the version in four digits.</summary>
    public void WriteHeader(int version = RdbFormat.WriteVersion)
    {
        if (version < 1 || version > 9999) throw new ArgumentOutOfRangeException(nameof(version));
        Span<byte> h = stackalloc byte[9];
        "REDIS"u8.CopyTo(h);
        h[5] = (byte)('0' + version / 1000);
        h[6] = (byte)('0' + version / 100 % 10);
        h[7] = (byte)('0' + version / 10 % 10);
        h[8] = (byte)('0' + version % 10);
        WriteBytes(h);
    }

    public void WriteAux(string name, string value)
    {
        WriteAux(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(value));
    }

    /// <summary>An integer AUX field (redis-bits, ctime, used-mem, repl-stream-db, repl-offset, aof-base): its
    /// decimal string goes through the string encoder, so values in int32 range become integer encodings.</summary>
    public void WriteAux(string name, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out int n, default, CultureInfo.InvariantCulture);
        WriteAux(Encoding.UTF8.GetBytes(name), digits.Slice(0, n));
    }

    public void WriteAux(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        WriteByte(RdbFormat.OpAux);
        WriteString(name);
        WriteString(value);
    }

    public void WriteSelectDb(int db)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(db);
        WriteByte(RdbFormat.OpSelectDb);
        WriteLength((ulong)db);
    }

    public void WriteResizeDb(ulong keys, ulong expires)
    {
        WriteByte(RdbFormat.OpResizeDb);
        WriteLength(keys);
        WriteLength(expires);
    }

    /// <summary>A function library (FUNCTION2 opcode + its source as one string).</summary>
    public void WriteFunction(ReadOnlySpan<byte> librarySource)
    {
        WriteByte(RdbFormat.OpFunction2);
        WriteString(librarySource);
    }

    /// <summary>A string key: [expire][idle][freq] type 0, key, value. No allocation.</summary>
    public void WriteStringKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAtMs = -1,
        long idleSeconds = -1, int freq = -1)
    {
        WriteKeyPrefix(expireAtMs, idleSeconds, freq);
        WriteByte(RdbFormat.TypeString);
        WriteString(key);
        WriteString(value);
    }

    /// <summary>Pre-serialized bytes (a snapshot chunk written with checksum off); they enter this file's CRC.</summary>
    public void WriteRaw(ReadOnlySpan<byte> serialized) => WriteBytes(serialized);

    /// <summary>EOF opcode, then the CRC64 little-endian (zeros when the checksum is off), then flush.</summary>
    public void WriteEnd()
    {
        WriteByte(RdbFormat.OpEof);
        FlushBuffer();
        Span<byte> crc = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, _checksum ? _crc : 0);
        // The checksum itself is not part of what it covers.
        _out.Write(crc);
        _flushed += 8;
        _out.Flush();
    }

    public void Flush()
    {
        FlushBuffer();
        _out.Flush();
    }

    /// <summary>DUMP payload: type byte + value + u16 LE RDB version (10) + u64 LE CRC64 of all before.</summary>
    public static byte[] CreateDumpPayload(RdbValue value, RdbWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var ms = new MemoryStream();
        using (var w = new RdbWriter(ms, options, checksum: false))
        {
            if (!w.WriteTypedValue(value))
                throw new ArgumentException("An empty aggregate has no DUMP payload (Redis never holds one).", nameof(value));
            w.FlushBuffer();
        }
        return Seal(ms);
    }

    public static byte[] CreateDumpPayload(ReadOnlySpan<byte> stringValue, RdbWriterOptions? options = null)
    {
        using var ms = new MemoryStream();
        using (var w = new RdbWriter(ms, options, checksum: false))
        {
            w.WriteByte(RdbFormat.TypeString);
            w.WriteString(stringValue);
            w.FlushBuffer();
        }
        return Seal(ms);
    }

    private static byte[] Seal(MemoryStream ms)
    {
        Span<byte> footer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(footer, RdbFormat.WriteVersion);
        ms.Write(footer);
        int len = (int)ms.Length;
        var result = new byte[len + 8];
        ms.GetBuffer().AsSpan(0, len).CopyTo(result);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(len), Crc64.Compute(result.AsSpan(0, len)));
        return result;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            FlushBuffer();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = [];
            _lp?.Dispose();
            _lp = null;
        }
    }

    // ---- primitives -------------------------------------------------------------------------------------------

    private void WriteKeyPrefix(long expireAtMs, long idleSeconds, int freq)
    {
        if (expireAtMs != -1)
        {
            WriteByte(RdbFormat.OpExpireTimeMs);
            WriteInt64(expireAtMs);
        }
        if (idleSeconds >= 0)
        {
            WriteByte(RdbFormat.OpIdle);
            WriteLength((ulong)idleSeconds);
        }
        if (freq >= 0)
        {
            WriteByte(RdbFormat.OpFreq);
            WriteByte((byte)Math.Min(freq, 255));
        }
    }

    private void FlushBuffer()
    {
        if (_pos == 0) return;
        var chunk = _buf.AsSpan(0, _pos);
        if (_checksum) _crc = Crc64.Update(_crc, chunk);
        _out.Write(chunk);
        _flushed += _pos;
        _pos = 0;
    }

    private Span<byte> Reserve(int n)
    {
        if (_buf.Length - _pos < n) FlushBuffer();
        return _buf.AsSpan(_pos, n);
    }

    private void WriteByte(byte b)
    {
        if (_pos == _buf.Length) FlushBuffer();
        _buf[_pos++] = b;
    }

    private void WriteBytes(ReadOnlySpan<byte> data)
    {
        if (data.Length <= _buf.Length - _pos)
        {
            data.CopyTo(_buf.AsSpan(_pos));
            _pos += data.Length;
            return;
        }
        FlushBuffer();
        if (data.Length < _buf.Length)
        {
            data.CopyTo(_buf);
            _pos = data.Length;
            return;
        }
        if (_checksum) _crc = Crc64.Update(_crc, data);
        _out.Write(data);
        _flushed += data.Length;
    }

    /// <summary>rdbSaveLen: 6 bits, 14 bits big-endian, 0x80 + u32 BE, or 0x81 + u64 BE.</summary>
    private void WriteLength(ulong len)
    {
        if (len < 64)
        {
            WriteByte((byte)len);
        }
        else if (len < 16384)
        {
            var s = Reserve(2);
            s[0] = (byte)(0x40 | (len >> 8));
            s[1] = (byte)len;
            _pos += 2;
        }
        else if (len <= uint.MaxValue)
        {
            var s = Reserve(5);
            s[0] = RdbFormat.Len32Bit;
            BinaryPrimitives.WriteUInt32BigEndian(s.Slice(1), (uint)len);
            _pos += 5;
        }
        else
        {
            var s = Reserve(9);
            s[0] = RdbFormat.Len64Bit;
            BinaryPrimitives.WriteUInt64BigEndian(s.Slice(1), len);
            _pos += 9;
        }
    }

    private void WriteInt64(long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), v);
        _pos += 8;
    }

    private void WriteDouble(double d)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), d);
        _pos += 8;
    }

    /// <summary>
    /// rdbSaveRawString: canonical decimals of at most 11 characters in int32 range as 0xC0/C1/C2 integers;
    /// otherwise LZF when compression is on, the string is longer than 20 bytes and LZF saves at least 4 bytes;
    /// otherwise length + bytes.
    /// </summary>
    internal void WriteString(ReadOnlySpan<byte> s)
    {
        if (s.Length <= 11 && RdbNumbers.TryParseCanonicalInt64(s, out long v) && v >= int.MinValue && v <= int.MaxValue)
        {
            WriteEncodedInt((int)v);
            return;
        }
        if (_opt.Compress && s.Length > 20 && TryWriteLzf(s)) return;
        WriteLength((ulong)s.Length);
        WriteBytes(s);
    }

    private void WriteEncodedInt(int v)
    {
        if (v >= sbyte.MinValue && v <= sbyte.MaxValue)
        {
            var s = Reserve(2);
            s[0] = 0xC0 | RdbFormat.EncInt8;
            s[1] = (byte)v;
            _pos += 2;
        }
        else if (v >= short.MinValue && v <= short.MaxValue)
        {
            var s = Reserve(3);
            s[0] = 0xC0 | RdbFormat.EncInt16;
            BinaryPrimitives.WriteInt16LittleEndian(s.Slice(1), (short)v);
            _pos += 3;
        }
        else
        {
            var s = Reserve(5);
            s[0] = 0xC0 | RdbFormat.EncInt32;
            BinaryPrimitives.WriteInt32LittleEndian(s.Slice(1), v);
            _pos += 5;
        }
    }

    private bool TryWriteLzf(ReadOnlySpan<byte> s)
    {
        // Redis gives LZF an output of len-4 bytes: compression that does not save 4 bytes fails.
        int outLen = s.Length - 4;
        var tmp = ArrayPool<byte>.Shared.Rent(outLen + 1);
        try
        {
            int clen = Lzf.Compress(s, tmp.AsSpan(0, outLen));
            if (clen == 0) return false;
            WriteByte(0xC0 | RdbFormat.EncLzf);
            WriteLength((ulong)clen);
            WriteLength((ulong)s.Length);
            WriteBytes(tmp.AsSpan(0, clen));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(tmp);
        }
    }

    private ListpackBuilder Listpack()
    {
        var lp = _lp ??= new ListpackBuilder(4096);
        lp.Reset();
        return lp;
    }
}
