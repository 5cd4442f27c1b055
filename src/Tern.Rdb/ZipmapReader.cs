using System.Buffers.Binary;

namespace Tern.Rdb;

/// <summary>
/// Decodes a zipmap blob (RDB type 9, Redis before 2.6): zmlen byte (254 = unknown), then
/// (len, key, len, free, value, free bytes)... and 0xFF. A length is one byte below 254, else 0xFE + u32 LE.
/// </summary>
internal static class ZipmapReader
{
    private static RdbReadException Corrupt(string why) => new("Zipmap integrity check failed: " + why);

    public static List<RdbHashField> Read(ReadOnlySpan<byte> zm)
    {
        if (zm.Length < 2) throw Corrupt("blob too short");
        int declared = zm[0];
        int p = 1;
        var fields = new List<RdbHashField>();
        while (true)
        {
            if (p >= zm.Length) throw Corrupt("missing end marker");
            if (zm[p] == 0xFF)
            {
                p++;
                break;
            }
            int klen = ReadLength(zm, ref p);
            if (klen > zm.Length - p) throw Corrupt("key out of range");
            byte[] key = zm.Slice(p, klen).ToArray();
            p += klen;
            int vlen = ReadLength(zm, ref p);
            if (p >= zm.Length) throw Corrupt("value out of range");
            int free = zm[p++];
            if ((long)vlen + free > zm.Length - p) throw Corrupt("value out of range");
            byte[] value = zm.Slice(p, vlen).ToArray();
            p += vlen + free;
            fields.Add(new RdbHashField(key, value, 0));
        }
        if (p != zm.Length) throw Corrupt("data after the end marker");
        if (fields.Count == 0) throw Corrupt("empty zipmap");
        if (declared != 254 && declared != fields.Count) throw Corrupt("entry count does not match the header");
        return fields;
    }

    private static int ReadLength(ReadOnlySpan<byte> zm, ref int p)
    {
        if (p >= zm.Length) throw Corrupt("length out of range");
        int b = zm[p++];
        if (b < 254) return b;
        if (b == 255 || p + 4 > zm.Length) throw Corrupt("bad length");
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(zm.Slice(p));
        p += 4;
        if (v > int.MaxValue) throw Corrupt("bad length");
        return (int)v;
    }
}
