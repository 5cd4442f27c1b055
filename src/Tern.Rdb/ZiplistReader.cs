using System.Buffers.Binary;

namespace Tern.Rdb;

/// <summary>
/// Decodes a ziplist blob (RDB types 10, 12, 13 and quicklist 1 nodes). Layout, all little-endian:
/// u32 zlbytes, u32 zltail, u16 zllen (65535 = unknown), entries, 0xFF. Entry: prevlen (1 byte, or 0xFE + u32),
/// encoding (00pppppp, 01pppppp+1 byte big-endian, 0x80+u32 big-endian string lengths; 0xC0 int16, 0xD0 int32,
/// 0xE0 int64, 0xF0 int24, 0xFE int8, 0xF1..0xFD immediate 0..12), data.
/// </summary>
internal static class ZiplistReader
{
    private const int HeaderSize = 10;

    private static RdbReadException Corrupt(string why) => new("Ziplist integrity check failed: " + why);

    /// <summary>All entries in order; integers as canonical decimal strings.</summary>
    public static List<byte[]> ReadAll(ReadOnlySpan<byte> zl)
    {
        if (zl.Length < HeaderSize + 1) throw Corrupt("blob too short");
        uint bytes = BinaryPrimitives.ReadUInt32LittleEndian(zl);
        uint tail = BinaryPrimitives.ReadUInt32LittleEndian(zl.Slice(4));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(zl.Slice(8));
        if (bytes != (uint)zl.Length) throw Corrupt("header size does not match the blob");
        if (tail > (uint)zl.Length - 1) throw Corrupt("tail offset out of range");
        if (zl[^1] != 0xFF) throw Corrupt("missing end marker");
        var items = new List<byte[]>(count == 0xFFFF ? 16 : count);
        int p = HeaderSize, end = zl.Length - 1, prevSize = 0, last = -1;
        while (p < end)
        {
            int start = p;
            int prevLen;
            if (zl[p] < 0xFE)
            {
                prevLen = zl[p];
                p += 1;
            }
            else if (zl[p] == 0xFE)
            {
                if (p + 5 > end) throw Corrupt("entry out of range");
                prevLen = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(zl.Slice(p + 1)), int.MaxValue);
                p += 5;
            }
            else throw Corrupt("unexpected end marker");
            if (prevLen != prevSize) throw Corrupt("previous entry length mismatch");
            if (p >= end) throw Corrupt("entry out of range");
            int enc = zl[p++];
            long strLen = -1;
            long value = 0;
            switch (enc >> 6)
            {
                case 0:
                    strLen = enc & 0x3f;
                    break;
                case 1:
                    if (p + 1 > end) throw Corrupt("entry out of range");
                    strLen = ((enc & 0x3f) << 8) | zl[p++];
                    break;
                case 2:
                    if (enc != 0x80 || p + 4 > end) throw Corrupt("bad string encoding");
                    strLen = BinaryPrimitives.ReadUInt32BigEndian(zl.Slice(p));
                    p += 4;
                    break;
                default:
                    int size;
                    switch (enc)
                    {
                        case 0xC0: size = 2; break;
                        case 0xD0: size = 4; break;
                        case 0xE0: size = 8; break;
                        case 0xF0: size = 3; break;
                        case 0xFE: size = 1; break;
                        default:
                            if (enc >= 0xF1 && enc <= 0xFD)
                            {
                                size = 0;
                                value = (enc & 0x0f) - 1;
                                break;
                            }
                            throw Corrupt($"bad encoding byte {enc}");
                    }
                    if (p + size > end) throw Corrupt("entry out of range");
                    var d = zl.Slice(p, size);
                    value = size switch
                    {
                        1 => (sbyte)d[0],
                        2 => BinaryPrimitives.ReadInt16LittleEndian(d),
                        3 => ((d[0] | (d[1] << 8) | (d[2] << 16)) << 8) >> 8,
                        4 => BinaryPrimitives.ReadInt32LittleEndian(d),
                        8 => BinaryPrimitives.ReadInt64LittleEndian(d),
                        _ => value,
                    };
                    p += size;
                    break;
            }
            if (strLen >= 0)
            {
                if (strLen > end - p) throw Corrupt("entry out of range");
                items.Add(zl.Slice(p, (int)strLen).ToArray());
                p += (int)strLen;
            }
            else items.Add(RdbReader.Decimal(value));
            prevSize = p - start;
            last = start;
        }
        if (count != 0xFFFF && count != items.Count) throw Corrupt("entry count does not match the header");
        if (last >= 0 ? tail != (uint)last : tail != HeaderSize) throw Corrupt("tail offset does not match");
        return items;
    }
}
