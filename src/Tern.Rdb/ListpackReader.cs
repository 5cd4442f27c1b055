using System.Buffers.Binary;

namespace Tern.Rdb;

/// <summary>
/// Walks a listpack blob (RDB types 16, 17, 18 nodes, 20, 23, 25 and stream nodes): u32 total bytes, u16 count
/// (65535 = unknown), entries, 0xFF; all LE. Entry encodings: 0xxxxxxx 7-bit uint; 10xxxxxx 6-bit string length;
/// 110xxxxx+1 byte 13-bit signed int; 1110xxxx+1 byte 12-bit string length; 0xF0+u32 string length;
/// 0xF1..0xF4 int16/24/32/64. Each entry is followed by its back-length (1 to 5 bytes).
/// </summary>
internal ref struct ListpackReader
{
    private const int HeaderSize = 6;

    private readonly ReadOnlySpan<byte> _lp;
    private readonly int _declared;
    private int _p;
    private int _seen;

    public ListpackReader(ReadOnlySpan<byte> lp)
    {
        if (lp.Length < HeaderSize + 1) throw Corrupt("blob too short");
        if (BinaryPrimitives.ReadUInt32LittleEndian(lp) != (uint)lp.Length) throw Corrupt("header size does not match the blob");
        if (lp[^1] != 0xFF) throw Corrupt("missing end marker");
        _lp = lp;
        _declared = BinaryPrimitives.ReadUInt16LittleEndian(lp.Slice(4));
        _p = HeaderSize;
        _seen = 0;
    }

    internal static RdbReadException Corrupt(string why) => new("Listpack integrity check failed: " + why);

    /// <summary>True at the end marker (and then the header count was checked).</summary>
    public bool AtEnd
    {
        get
        {
            if (_p >= _lp.Length) throw Corrupt("entry out of range");
            if (_lp[_p] != 0xFF) return false;
            if (_p != _lp.Length - 1) throw Corrupt("end marker inside the blob");
            if (_declared != 0xFFFF && _declared != _seen) throw Corrupt("entry count does not match the header");
            return true;
        }
    }

    /// <summary>Next entry: true with <paramref name="str"/> for a string, false with <paramref name="value"/> for an integer.</summary>
    public bool Next(out ReadOnlySpan<byte> str, out long value)
    {
        var lp = _lp;
        int end = lp.Length - 1;
        int start = _p;
        if (start >= end) throw Corrupt("read past the end");
        int b = lp[start];
        str = default;
        value = 0;
        int headerLen, dataLen;
        bool isString;
        if ((b & 0x80) == 0)
        {
            value = b & 0x7f;
            headerLen = 1;
            dataLen = 0;
            isString = false;
        }
        else if ((b & 0xC0) == 0x80)
        {
            headerLen = 1;
            dataLen = b & 0x3f;
            isString = true;
        }
        else if ((b & 0xE0) == 0xC0)
        {
            Need(start, 2);
            int v = ((b & 0x1f) << 8) | lp[start + 1];
            value = v >= 1 << 12 ? v - (1 << 13) : v;
            headerLen = 2;
            dataLen = 0;
            isString = false;
        }
        else if ((b & 0xF0) == 0xE0)
        {
            Need(start, 2);
            headerLen = 2;
            dataLen = ((b & 0x0f) << 8) | lp[start + 1];
            isString = true;
        }
        else
        {
            isString = false;
            switch (b)
            {
                case 0xF0:
                    Need(start, 5);
                    uint l = BinaryPrimitives.ReadUInt32LittleEndian(lp.Slice(start + 1));
                    if (l > int.MaxValue) throw Corrupt("string too long");
                    headerLen = 5;
                    dataLen = (int)l;
                    isString = true;
                    break;
                case 0xF1:
                    Need(start, 3);
                    value = BinaryPrimitives.ReadInt16LittleEndian(lp.Slice(start + 1));
                    headerLen = 3;
                    dataLen = 0;
                    break;
                case 0xF2:
                    Need(start, 4);
                    value = ((lp[start + 1] | (lp[start + 2] << 8) | (lp[start + 3] << 16)) << 8) >> 8;
                    headerLen = 4;
                    dataLen = 0;
                    break;
                case 0xF3:
                    Need(start, 5);
                    value = BinaryPrimitives.ReadInt32LittleEndian(lp.Slice(start + 1));
                    headerLen = 5;
                    dataLen = 0;
                    break;
                case 0xF4:
                    Need(start, 9);
                    value = BinaryPrimitives.ReadInt64LittleEndian(lp.Slice(start + 1));
                    headerLen = 9;
                    dataLen = 0;
                    break;
                default:
                    throw Corrupt($"bad encoding byte {b}");
            }
        }
        long entryLen = (long)headerLen + dataLen;
        int backLen = entryLen <= 127 ? 1 : entryLen < 16383 ? 2 : entryLen < 2097151 ? 3 : entryLen < 268435455 ? 4 : 5;
        if (entryLen + backLen > end - start) throw Corrupt("entry out of range");
        // The back-length repeats the entry size, 7 bits per byte, most significant group first; every byte
        // after the first has its high bit set (lpEncodeBacklen), so it can be read right to left.
        int bl = start + (int)entryLen;
        long back = 0;
        for (int i = 0; i < backLen; i++)
        {
            int x = lp[bl + i];
            if ((i == 0) == ((x & 0x80) != 0)) throw Corrupt("bad back-length");
            back = (back << 7) | (uint)(x & 0x7f);
        }
        if (back != entryLen) throw Corrupt("back-length does not match the entry");
        if (isString) str = lp.Slice(start + headerLen, dataLen);
        _p = start + (int)entryLen + backLen;
        _seen++;
        return isString;
    }

    private readonly void Need(int start, int n)
    {
        if (n > _lp.Length - 1 - start) throw Corrupt("entry out of range");
    }

    /// <summary>The next entry as bytes (integers as canonical decimal).</summary>
    public byte[] NextBytes() => Next(out var s, out long v) ? s.ToArray() : RdbReader.Decimal(v);

    /// <summary>The next entry as an integer (strings holding a canonical integer are accepted too).</summary>
    public long NextInt()
    {
        if (!Next(out var s, out long v)) return v;
        if (!long.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out v))
            throw Corrupt("integer expected");
        return v;
    }

    public static List<byte[]> ReadAll(ReadOnlySpan<byte> blob)
    {
        var r = new ListpackReader(blob);
        var items = new List<byte[]>(r._declared == 0xFFFF ? 16 : r._declared);
        while (!r.AtEnd) items.Add(r.NextBytes());
        return items;
    }
}

/// <summary>
/// Decodes one stream node listpack (t_stream.c layout): master entry <c>count, deleted, nfields, field..., 0</c>,
/// then per entry <c>flags, ms-diff, seq-diff, [nfields, field, value...] | [value...], lp-count</c>;
/// flag 1 = deleted, flag 2 = same fields as the master entry.
/// </summary>
internal static class StreamNodeDecoder
{
    private const int FlagDeleted = 1;
    private const int FlagSameFields = 2;

    public static void Decode(ReadOnlySpan<byte> lp, RdbStreamId master, List<RdbStreamEntry> into)
    {
        var r = new ListpackReader(lp);
        if (r.AtEnd) throw new RdbReadException("Empty listpack inside stream");
        long count = r.NextInt(), deleted = r.NextInt(), nMaster = r.NextInt();
        if (count < 0 || deleted < 0 || nMaster < 0 || nMaster > lp.Length)
            throw new RdbReadException("Stream listpack integrity check failed: bad master entry");
        var masterFields = new byte[nMaster][];
        for (int i = 0; i < nMaster; i++) masterFields[i] = r.NextBytes();
        if (r.NextInt() != 0) throw new RdbReadException("Stream listpack integrity check failed: bad master entry end");
        long entries = 0, live = 0;
        while (!r.AtEnd)
        {
            long flags = r.NextInt();
            ulong ms = unchecked(master.Ms + (ulong)r.NextInt());
            ulong seq = unchecked(master.Seq + (ulong)r.NextInt());
            byte[][] fv;
            if ((flags & FlagSameFields) != 0)
            {
                fv = new byte[nMaster * 2][];
                for (int i = 0; i < nMaster; i++)
                {
                    fv[2 * i] = (byte[])masterFields[i].Clone();
                    fv[2 * i + 1] = r.NextBytes();
                }
            }
            else
            {
                long n = r.NextInt();
                if (n < 0 || n > lp.Length) throw new RdbReadException("Stream listpack integrity check failed: bad field count");
                fv = new byte[n * 2][];
                for (int i = 0; i < fv.Length; i++) fv[i] = r.NextBytes();
            }
            r.NextInt(); // lp-count of the entry
            entries++;
            if ((flags & FlagDeleted) == 0)
            {
                live++;
                into.Add(new RdbStreamEntry(new RdbStreamId(ms, seq), fv));
            }
        }
        if (entries != count + deleted || live != count)
            throw new RdbReadException("Stream listpack integrity check failed: entry counts do not match the master entry");
    }
}
