using Tern.Protocol;
using Tern.Rdb;

namespace Tern.Server.Storage;

/// <summary>
/// How many bytes Redis's RDB writer would use for a value (rdbSavedObjectLen), for DEBUG OBJECT's
/// serializedlength. Strings follow rdbSaveStringObject: small integers in 2, 3 or 5 bytes, LZF when it saves
/// at least 4 bytes of a string over 20 bytes, otherwise a length prefix and the bytes.
/// </summary>
public static class RdbLength
{
    /// <summary>The serialized size of <paramref name="o"/>'s value; 0 for a type not measured yet.</summary>
    public static long Of(object o, bool compression)
    {
        // Collection families add their rdbSaveObject size here when they come.
        if (o is SetValue set) return OfSet(set, compression);
        if (o is ZSetValue z) return z.RdbSize(compression);
        if (o is not byte[] a) return 0;
        var v = PackedString.Value(a);
        bool intEncoded = PackedString.Encoding(a).SequenceEqual("int"u8);
        if (intEncoded && RespNumber.TryParseInt64(v, out long n))
        {
            int enc = IntegerSize(n);
            return enc > 0 ? enc : LenSize(v.Length) + v.Length;
        }
        return RawString(v, compression);
    }

    /// <summary>
    /// A set as rdbSaveObject writes it: an intset as one string (its blob), a hashtable as a length and each
    /// member as a string.
    /// </summary>
    private static long OfSet(SetValue set, bool compression)
    {
        if (set.IsIntset) return RawString(set.IntsetBlob(), compression);
        var t = set.Table;
        long n = LenSize(t.Count);
        for (int i = 0; i < t.Count; i++) n += RawString(t.At(i), compression);
        return n;
    }

    /// <summary>rdbEncodeInteger: 2, 3 or 5 bytes for 8, 16 or 32-bit values; 0 when it does not fit.</summary>
    public static int IntegerSize(long v) =>
        v >= sbyte.MinValue && v <= sbyte.MaxValue ? 2 :
        v >= short.MinValue && v <= short.MaxValue ? 3 :
        v >= int.MinValue && v <= int.MaxValue ? 5 : 0;

    /// <summary>rdbSaveLen: 1, 2, 5 or 9 bytes.</summary>
    public static int LenSize(long len) => len < 1 << 6 ? 1 : len < 1 << 14 ? 2 : len <= uint.MaxValue ? 5 : 9;

    /// <summary>rdbSaveRawString.</summary>
    public static long RawString(ReadOnlySpan<byte> s, bool compression)
    {
        if (s.Length <= 11 && RespNumber.TryParseInt64(s, out long n))
        {
            int enc = IntegerSize(n);
            if (enc > 0) return enc;
        }
        if (compression && s.Length > 20)
        {
            // Worth it only when LZF saves at least 4 bytes.
            var buf = new byte[s.Length - 4];
            int c = Lzf.Compress(s, buf);
            if (c > 0) return 1 + LenSize(c) + LenSize(s.Length) + c;
        }
        return LenSize(s.Length) + s.Length;
    }
}
