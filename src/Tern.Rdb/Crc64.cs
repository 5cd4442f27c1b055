namespace Tern.Rdb;

/// <summary>
/// The CRC-64 Redis puts at the end of RDB files and DUMP payloads: the Jones polynomial
/// (0xad93d23594c935a9), reflected, initial value 0, no final xor. crc64("123456789") = 0xe9c6d914c4b8d9ca.
/// Table driven, eight tables so the loop consumes eight bytes per step.
/// </summary>
public static class Crc64
{
    private const ulong ReflectedPoly = 0x95ac9329ac4bc9b5UL; // bit-reverse of 0xad93d23594c935a9
    private static readonly ulong[] Tables = Build();

    private static ulong[] Build()
    {
        var t = new ulong[8 * 256];
        for (int n = 0; n < 256; n++)
        {
            ulong c = (ulong)n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ ReflectedPoly : c >> 1;
            t[n] = c;
        }
        for (int n = 0; n < 256; n++)
        {
            ulong c = t[n];
            for (int k = 1; k < 8; k++)
            {
                c = t[(int)(c & 0xff)] ^ (c >> 8);
                t[k * 256 + n] = c;
            }
        }
        return t;
    }

    /// <summary>Continues <paramref name="crc"/> over <paramref name="data"/> (start with 0).</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        var t = Tables;
        int i = 0;
        while (data.Length - i >= 8)
        {
            ulong v = crc ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i));
            crc = t[7 * 256 + (int)(v & 0xff)] ^ t[6 * 256 + (int)((v >> 8) & 0xff)]
                ^ t[5 * 256 + (int)((v >> 16) & 0xff)] ^ t[4 * 256 + (int)((v >> 24) & 0xff)]
                ^ t[3 * 256 + (int)((v >> 32) & 0xff)] ^ t[2 * 256 + (int)((v >> 40) & 0xff)]
                ^ t[1 * 256 + (int)((v >> 48) & 0xff)] ^ t[(int)(v >> 56)];
            i += 8;
        }
        for (; i < data.Length; i++) crc = t[(int)((crc ^ data[i]) & 0xff)] ^ (crc >> 8);
        return crc;
    }

    public static ulong Compute(ReadOnlySpan<byte> data) => Update(0, data);
}
