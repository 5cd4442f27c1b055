using System.Buffers.Binary;
using System.Text;

namespace Tern.Rdb;

public sealed class RdbReaderOptions
{
    /// <summary>Newest RDB version accepted; a newer file is refused before any key is read.</summary>
    public int MaxVersion = RdbFormat.MaxReadVersion;

    /// <summary>Number of databases of the receiving server: a SELECTDB at or past it fails the read.</summary>
    public int Databases = 16;

    /// <summary>Deliver module values as <see cref="RdbSkippedModule"/> instead of failing the read.</summary>
    public bool SkipModules;

    /// <summary>Compare the trailing CRC64 (version 5+) with the computed one; a zero checksum is never checked.</summary>
    public bool VerifyChecksum = true;
}

/// <summary>
/// The outcome of <see cref="RdbReader.Read"/> or <see cref="RdbReader.ReadDumpPayload"/>. On failure,
/// <see cref="Offset"/> is where the failing record (opcode or key) starts, <see cref="Db"/> the database being
/// read, <see cref="Key"/> the key when it was already read, and <see cref="Type"/> the value type byte or -1.
/// </summary>
public readonly record struct RdbReadResult(bool Ok, string? Error, long Offset, int Db, byte[]? Key, int Type)
{
    /// <summary>A one-line text for logs and error replies, e.g.
    /// "Unknown RDB value type 30 at offset 1234 (db 0, type 30)".</summary>
    public string Describe()
    {
        if (Ok) return "OK";
        var sb = new StringBuilder();
        sb.Append(Error ?? "RDB read failed").Append(" at offset ").Append(Offset).Append(" (db ").Append(Db);
        if (Key is not null) sb.Append(", key '").Append(Printable(Key)).Append('\'');
        if (Type >= 0) sb.Append(", type ").Append(Type).Append(' ').Append(TypeName(Type));
        sb.Append(')');
        return sb.ToString();
    }

    private static string Printable(byte[] key)
    {
        var sb = new StringBuilder();
        int n = Math.Min(key.Length, 128);
        for (int i = 0; i < n; i++)
        {
            byte b = key[i];
            if (b >= 0x20 && b < 0x7f && b != (byte)'\\' && b != (byte)'\'') sb.Append((char)b);
            else sb.Append("\\x").Append(b.ToString("x2"));
        }
        if (key.Length > n) sb.Append("...");
        return sb.ToString();
    }

    internal static string TypeName(int type) => type switch
    {
        RdbFormat.TypeString => "string",
        RdbFormat.TypeList => "list",
        RdbFormat.TypeSet => "set",
        RdbFormat.TypeZSet => "zset",
        RdbFormat.TypeHash => "hash",
        RdbFormat.TypeZSet2 => "zset-2",
        RdbFormat.TypeModulePreGa => "module-pre-ga",
        RdbFormat.TypeModule2 => "module-2",
        RdbFormat.TypeHashZipmap => "hash-zipmap",
        RdbFormat.TypeListZiplist => "list-ziplist",
        RdbFormat.TypeSetIntset => "set-intset",
        RdbFormat.TypeZSetZiplist => "zset-ziplist",
        RdbFormat.TypeHashZiplist => "hash-ziplist",
        RdbFormat.TypeListQuicklist => "list-quicklist",
        RdbFormat.TypeStreamListpacks => "stream-listpacks",
        RdbFormat.TypeHashListpack => "hash-listpack",
        RdbFormat.TypeZSetListpack => "zset-listpack",
        RdbFormat.TypeListQuicklist2 => "list-quicklist-2",
        RdbFormat.TypeStreamListpacks2 => "stream-listpacks-2",
        RdbFormat.TypeSetListpack => "set-listpack",
        RdbFormat.TypeStreamListpacks3 => "stream-listpacks-3",
        RdbFormat.TypeHashMetadataPreGa => "hash-metadata-pre-ga",
        RdbFormat.TypeHashListpackExPreGa => "hash-listpack-ex-pre-ga",
        RdbFormat.TypeHashMetadata => "hash-metadata",
        RdbFormat.TypeHashListpackEx => "hash-listpack-ex",
        _ => "(unknown)",
    };
}

/// <summary>Corrupt or unsupported input found while reading; turned into a failed <see cref="RdbReadResult"/>.</summary>
internal sealed class RdbReadException(string message) : Exception(message)
{
}

/// <summary>
/// Streaming RDB reader (versions 1 to 12). It pulls the input in chunks, keeps at most one value in memory at a
/// time, computes the CRC64 as it goes, and hands every record to an <see cref="IRdbSink"/> in file order. Bytes it
/// read from the input past the end of the RDB stay available in <see cref="Unconsumed"/>.
/// </summary>
public sealed partial class RdbReader
{
    private const int ChunkSize = 64 * 1024;

    private readonly Stream _input;
    private readonly RdbReaderOptions _options;
    private byte[] _buf;
    private int _pos, _len, _crcFrom;
    private long _base; // input offset of _buf[0]
    private ulong _crc;
    private bool _crcOn;
    private ReadOnlyMemory<byte> _unconsumed = ReadOnlyMemory<byte>.Empty;
    private bool _started;

    // What the error report names.
    private long _recordStart;
    private int _db;
    private byte[]? _key;
    private int _type = -1;

    public RdbReader(Stream input, RdbReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        _input = input;
        _options = options ?? new RdbReaderOptions();
        _buf = new byte[ChunkSize];
    }

    private RdbReader(byte[] data, int length)
    {
        _input = Stream.Null;
        _options = new RdbReaderOptions();
        _buf = data;
        _len = length;
    }

    /// <summary>Bytes of the RDB consumed so far.</summary>
    public long Position => _base + _pos;

    /// <summary>Bytes read from the input past the RDB's end (valid after a successful <see cref="Read"/>).</summary>
    public ReadOnlyMemory<byte> Unconsumed => _unconsumed;

    /// <summary>Reads the whole RDB (header to EOF and checksum) into <paramref name="sink"/>. Never throws.</summary>
    public RdbReadResult Read(IRdbSink sink)
    {
        if (_started) return new RdbReadResult(false, "RdbReader.Read can be called only once", Position, _db, null, -1);
        _started = true;
        try
        {
            ReadFile(sink);
            return new RdbReadResult(true, null, Position, _db, null, -1);
        }
        catch (RdbReadException e)
        {
            return Fail(e.Message);
        }
        catch (SinkException e)
        {
            return Fail("RDB sink failed: " + e.InnerException!.GetType().Name + ": " + e.InnerException.Message);
        }
        catch (IOException e)
        {
            return Fail("I/O error reading the RDB: " + e.Message);
        }
        catch (Exception e)
        {
            return Fail("RDB read failed: " + e.GetType().Name + ": " + e.Message);
        }
    }

    private RdbReadResult Fail(string message) => new(false, message, _recordStart, _db, _key, _type);

    private sealed class SinkException(Exception inner) : Exception(inner.Message, inner)
    {
    }

    private void ReadFile(IRdbSink sink)
    {
        _recordStart = 0;
        Ensure(9);
        var head = _buf.AsSpan(_pos, 9);
        if (!head.StartsWith("REDIS"u8)) throw new RdbReadException("Wrong signature trying to load DB from file");
        int version = 0;
        for (int i = 5; i < 9; i++)
        {
            if (head[i] < '0' || head[i] > '9') throw new RdbReadException("Wrong signature trying to load DB from file");
            version = version * 10 + (head[i] - '0');
        }
        if (version < 1 || version > _options.MaxVersion)
            throw new RdbReadException($"Can't handle RDB format version {version}");
        _crcOn = version >= 5 && _options.VerifyChecksum;
        _pos += 9;
        Deliver(() => sink.OnHeader(version));

        long expireAt = RdbKey.NoExpire, idle = -1;
        int freq = -1;
        while (true)
        {
            _recordStart = Position;
            _key = null;
            _type = -1;
            int op = ReadByte();
            switch (op)
            {
                case RdbFormat.OpExpireTime:
                    expireAt = (long)ReadInt32LE() * 1000;
                    continue;
                case RdbFormat.OpExpireTimeMs:
                    expireAt = ReadInt64LE();
                    continue;
                case RdbFormat.OpIdle:
                    idle = (long)ReadLen();
                    continue;
                case RdbFormat.OpFreq:
                    freq = ReadByte();
                    continue;
                case RdbFormat.OpSelectDb:
                {
                    ulong db = ReadLen();
                    if (db >= (ulong)_options.Databases)
                        throw new RdbReadException(
                            $"SELECTDB {db} is out of range: the server has {_options.Databases} databases");
                    _db = (int)db;
                    Deliver(() => sink.OnSelectDb((int)db));
                    continue;
                }
                case RdbFormat.OpResizeDb:
                {
                    ulong keys = ReadLen(), expires = ReadLen();
                    Deliver(() => sink.OnResizeDb(keys, expires));
                    continue;
                }
                case RdbFormat.OpSlotInfo:
                    ReadLen();
                    ReadLen();
                    ReadLen();
                    continue;
                case RdbFormat.OpAux:
                {
                    byte[] name = ReadString(), value = ReadString();
                    Deliver(() => sink.OnAux(name, value));
                    continue;
                }
                case RdbFormat.OpModuleAux:
                {
                    ulong moduleId = ReadLen();
                    ulong when = ReadLen();
                    if (when != 2)
                        throw new RdbReadException(
                            $"Module aux data of module '{ModuleName(moduleId)}' has an invalid 'when' opcode {when}");
                    ReadLen(); // when (before or after the keyspace)
                    SkipModuleData(moduleId);
                    continue;
                }
                case RdbFormat.OpFunctionPreGa:
                {
                    ReadString(); // name
                    ReadString(); // engine
                    if (ReadLen() != 0) ReadString(); // description
                    byte[] code = ReadString();
                    Deliver(() => sink.OnFunction(code));
                    continue;
                }
                case RdbFormat.OpFunction2:
                {
                    byte[] code = ReadString();
                    Deliver(() => sink.OnFunction(code));
                    continue;
                }
                case RdbFormat.OpEof:
                    break;
                default:
                {
                    if (!IsValueType(op)) throw new RdbReadException($"Unknown RDB value type or opcode {op}");
                    _type = op;
                    byte[] key = ReadString();
                    _key = key;
                    RdbValue? value = ReadValue(op);
                    if (value is not null)
                    {
                        var k = new RdbKey(_db, key, expireAt, idle, freq);
                        try
                        {
                            sink.OnKey(in k, value);
                        }
                        catch (Exception e)
                        {
                            throw new SinkException(e);
                        }
                    }
                    expireAt = RdbKey.NoExpire;
                    idle = -1;
                    freq = -1;
                    continue;
                }
            }
            break;
        }

        _key = null;
        _type = -1;
        ulong stored = 0;
        if (version >= 5)
        {
            FlushCrc();
            ulong computed = _crc;
            Ensure(8);
            stored = BinaryPrimitives.ReadUInt64LittleEndian(_buf.AsSpan(_pos, 8));
            _pos += 8;
            if (_crcOn && stored != 0 && stored != computed)
                throw new RdbReadException($"Wrong RDB checksum: expected {stored:x16}, computed {computed:x16}");
        }
        _unconsumed = _buf.AsMemory(_pos, _len - _pos);
        Deliver(() => sink.OnEnd(stored));
    }

    private static void Deliver(Action a)
    {
        try
        {
            a();
        }
        catch (Exception e)
        {
            throw new SinkException(e);
        }
    }

    internal static bool IsValueType(int t) => t is >= 0 and <= 7 || t is >= 9 and <= 25;

    /// <summary>
    /// Reads a DUMP/RESTORE payload: type byte, value, u16 LE RDB version, CRC64 LE over everything before it.
    /// A version above <paramref name="maxVersion"/> or a wrong CRC fails with "DUMP payload version or checksum
    /// are wrong"; a value that cannot be parsed (or is an empty aggregate, or a module value) fails with an
    /// Error starting with "Bad data format".
    /// </summary>
    public static RdbReadResult ReadDumpPayload(ReadOnlySpan<byte> payload, out RdbValue? value,
        int maxVersion = RdbFormat.MaxReadVersion)
    {
        value = null;
        const string versionOrCrc = "DUMP payload version or checksum are wrong";
        if (payload.Length < 10) return new RdbReadResult(false, versionOrCrc, 0, 0, null, -1);
        int footer = payload.Length - 10;
        int version = BinaryPrimitives.ReadUInt16LittleEndian(payload.Slice(footer, 2));
        ulong crc = BinaryPrimitives.ReadUInt64LittleEndian(payload.Slice(footer + 2, 8));
        if (version > maxVersion || Crc64.Compute(payload.Slice(0, footer + 2)) != crc)
            return new RdbReadResult(false, versionOrCrc, 0, 0, null, -1);
        if (footer < 1) return new RdbReadResult(false, "Bad data format: no value", 0, 0, null, -1);
        var body = payload.Slice(0, footer).ToArray();
        var r = new RdbReader(body, body.Length);
        int type = body[0];
        try
        {
            r._pos = 1;
            if (!IsValueType(type)) throw new RdbReadException($"Unknown RDB value type {type}");
            r._type = type;
            value = r.ReadValue(type);
            if (value is null) throw new RdbReadException("empty value");
            if (value is RdbSkippedModule) throw new RdbReadException("module values are not supported");
            return new RdbReadResult(true, null, r.Position, 0, null, type);
        }
        catch (Exception e)
        {
            value = null;
            return new RdbReadResult(false, "Bad data format: " + e.Message, r._recordStart, 0, null, type);
        }
    }

    // ---- Input layer ----

    private void FlushCrc()
    {
        if (_crcOn && _pos > _crcFrom) _crc = Crc64.Update(_crc, _buf.AsSpan(_crcFrom, _pos - _crcFrom));
        _crcFrom = _pos;
    }

    private RdbReadException Truncated() =>
        new($"Unexpected end of the RDB (truncated) after {Position} bytes");

    /// <summary>Makes <paramref name="n"/> bytes available at _buf[_pos..].</summary>
    private void Ensure(int n)
    {
        if (_len - _pos >= n) return;
        if (_input == Stream.Null) throw Truncated();
        FlushCrc();
        int keep = _len - _pos;
        if (n > _buf.Length)
        {
            var bigger = new byte[Math.Max(n, _buf.Length * 2)];
            Buffer.BlockCopy(_buf, _pos, bigger, 0, keep);
            _buf = bigger;
        }
        else if (_pos > 0)
        {
            Buffer.BlockCopy(_buf, _pos, _buf, 0, keep);
        }
        _base += _pos;
        _pos = 0;
        _crcFrom = 0;
        _len = keep;
        while (_len < n)
        {
            int got = _input.Read(_buf, _len, _buf.Length - _len);
            if (got <= 0) throw Truncated();
            _len += got;
        }
    }

    private int ReadByte()
    {
        if (_pos >= _len) Ensure(1);
        return _buf[_pos++];
    }

    private int ReadInt32LE()
    {
        Ensure(4);
        int v = BinaryPrimitives.ReadInt32LittleEndian(_buf.AsSpan(_pos, 4));
        _pos += 4;
        return v;
    }

    private long ReadInt64LE()
    {
        Ensure(8);
        long v = BinaryPrimitives.ReadInt64LittleEndian(_buf.AsSpan(_pos, 8));
        _pos += 8;
        return v;
    }

    private void ReadExact(Span<byte> dest)
    {
        int avail = _len - _pos;
        if (avail >= dest.Length)
        {
            _buf.AsSpan(_pos, dest.Length).CopyTo(dest);
            _pos += dest.Length;
            return;
        }
        if (dest.Length <= ChunkSize || _input == Stream.Null)
        {
            Ensure(dest.Length);
            _buf.AsSpan(_pos, dest.Length).CopyTo(dest);
            _pos += dest.Length;
            return;
        }
        // Large: drain the buffer, then read straight into the destination.
        _buf.AsSpan(_pos, avail).CopyTo(dest);
        _pos += avail;
        FlushCrc();
        _base += _len;
        _pos = _len = _crcFrom = 0;
        int done = avail;
        while (done < dest.Length)
        {
            int got = _input.Read(dest.Slice(done));
            if (got <= 0) throw Truncated();
            if (_crcOn) _crc = Crc64.Update(_crc, dest.Slice(done, got));
            done += got;
            _base += got;
        }
    }

    private void Skip(int n)
    {
        Ensure(n);
        _pos += n;
    }

    /// <summary>Reads a byte array of a length the file states; grows as data arrives, so a corrupt huge length
    /// fails at the end of input instead of allocating it up front.</summary>
    private byte[] ReadBytes(ulong length)
    {
        if (length > (ulong)Array.MaxLength) throw new RdbReadException($"String length {length} is too large");
        int n = (int)length;
        const int Step = 16 << 20;
        if (n <= Step)
        {
            var a = new byte[n];
            ReadExact(a);
            return a;
        }
        var arr = new byte[Step];
        ReadExact(arr);
        int have = Step;
        while (have < n)
        {
            int next = (int)Math.Min((long)have * 2, n);
            Array.Resize(ref arr, next);
            ReadExact(arr.AsSpan(have, next - have));
            have = next;
        }
        return arr;
    }

    /// <summary>Length prefix (6, 14, 32 or 64 bits); <paramref name="encoded"/> when it is a special string encoding.</summary>
    private ulong ReadLen(out bool encoded)
    {
        encoded = false;
        int b = ReadByte();
        switch (b >> 6)
        {
            case RdbFormat.Len6Bit:
                return (ulong)(b & 0x3f);
            case RdbFormat.Len14Bit:
                return (ulong)(((b & 0x3f) << 8) | ReadByte());
            case RdbFormat.LenEncodedValue:
                encoded = true;
                return (ulong)(b & 0x3f);
        }
        if (b == RdbFormat.Len32Bit)
        {
            Ensure(4);
            uint v = BinaryPrimitives.ReadUInt32BigEndian(_buf.AsSpan(_pos, 4));
            _pos += 4;
            return v;
        }
        if (b == RdbFormat.Len64Bit)
        {
            Ensure(8);
            ulong v = BinaryPrimitives.ReadUInt64BigEndian(_buf.AsSpan(_pos, 8));
            _pos += 8;
            return v;
        }
        throw new RdbReadException($"Unknown length encoding {b}");
    }

    private ulong ReadLen()
    {
        ulong v = ReadLen(out bool encoded);
        if (encoded) throw new RdbReadException("Unexpected string encoding where a length was expected");
        return v;
    }

    /// <summary>A count of items: a length that must fit an int.</summary>
    private int ReadCount()
    {
        ulong v = ReadLen();
        if (v > int.MaxValue) throw new RdbReadException($"Length {v} is too large");
        return (int)v;
    }

    /// <summary>A string in any of its encodings: raw, int8/16/32 (as canonical decimal), LZF.</summary>
    private byte[] ReadString()
    {
        ulong len = ReadLen(out bool encoded);
        if (!encoded) return ReadBytes(len);
        switch ((int)len)
        {
            case RdbFormat.EncInt8:
                return Decimal((sbyte)ReadByte());
            case RdbFormat.EncInt16:
            {
                Ensure(2);
                short v = BinaryPrimitives.ReadInt16LittleEndian(_buf.AsSpan(_pos, 2));
                _pos += 2;
                return Decimal(v);
            }
            case RdbFormat.EncInt32:
                return Decimal(ReadInt32LE());
            case RdbFormat.EncLzf:
            {
                ulong clen = ReadLen(), ulen = ReadLen();
                if (clen == 0 && ulen != 0) throw new RdbReadException("Invalid LZF compressed string");
                if (ulen > (ulong)Array.MaxLength || ulen > clen * 300 + 64)
                    throw new RdbReadException($"Invalid LZF lengths (compressed {clen}, original {ulen})");
                byte[] comp = ReadBytes(clen);
                var output = new byte[ulen];
                if (ulen > 0 && Lzf.Decompress(comp, output) != (int)ulen)
                    throw new RdbReadException("Invalid LZF compressed string");
                return output;
            }
            default:
                throw new RdbReadException($"Unknown RDB string encoding type {len}");
        }
    }

    internal static byte[] Decimal(long v)
    {
        Span<byte> tmp = stackalloc byte[24];
        v.TryFormat(tmp, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        return tmp.Slice(0, n).ToArray();
    }
}
