using System.Buffers.Binary;

namespace Tern.Rdb;

/// <summary>Decodes an intset blob (RDB type 11): u32 encoding (2, 4 or 8), u32 count, sorted values, all LE.</summary>
internal static class IntsetReader
{
    public static List<byte[]> Read(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 8) throw new RdbReadException("Intset integrity check failed: blob too short");
        uint width = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(4));
        if (width != 2 && width != 4 && width != 8)
            throw new RdbReadException($"Intset integrity check failed: unknown encoding {width}");
        if (8 + (ulong)count * width != (ulong)blob.Length)
            throw new RdbReadException("Intset integrity check failed: size does not match the header");
        if (count == 0) throw new RdbReadException("Intset integrity check failed: empty intset");
        var items = new List<byte[]>((int)count);
        long prev = 0;
        for (int i = 0; i < (int)count; i++)
        {
            var d = blob.Slice(8 + i * (int)width);
            long v = width switch
            {
                2 => BinaryPrimitives.ReadInt16LittleEndian(d),
                4 => BinaryPrimitives.ReadInt32LittleEndian(d),
                _ => BinaryPrimitives.ReadInt64LittleEndian(d),
            };
            if (i > 0 && v <= prev) throw new RdbReadException("Intset integrity check failed: values out of order");
            prev = v;
            items.Add(RdbReader.Decimal(v));
        }
        return items;
    }
}
