using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Tern.Server.Storage;

/// <summary>
/// A string key stored as one byte array: header, optional expiry, key and value together, so a small string
/// key is a single heap object (Redis needs a dictEntry, an sds key and a robj/sds value).
/// <code>
/// [0]       flags: bit0 has expiry, bit1 raw encoding (APPEND/SETRANGE made it so, as in Redis), bit2 a small
///           integer that Redis would not share (COPY duplicates it: OBJECT REFCOUNT says 1)
/// [1..4)    24-bit LRU clock
/// [4..12)   expiry in unix ms, little-endian (only with bit0)
/// varint    key length
/// key bytes, then value bytes to the end of the array
/// </code>
/// </summary>
public static class PackedString
{
    public const byte FlagExpire = 1;
    public const byte FlagRaw = 2;
    public const byte FlagUnshared = 4;
    private const int FixedHeader = 4;

    private static int VarintSize(int v) => v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;

    private static int WriteVarint(Span<byte> dest, int v)
    {
        int i = 0;
        uint u = (uint)v;
        while (u >= 0x80)
        {
            dest[i++] = (byte)(u | 0x80);
            u >>= 7;
        }
        dest[i++] = (byte)u;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadVarint(byte[] a, int pos, out int value)
    {
        uint b = a[pos];
        if (b < 0x80)
        {
            value = (int)b;
            return 1;
        }
        uint v = b & 0x7F;
        int shift = 7, i = 1;
        while (true)
        {
            b = a[pos + i++];
            v |= (b & 0x7F) << shift;
            if (b < 0x80) break;
            shift += 7;
        }
        value = (int)v;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KeyLenPos(byte[] a) => (a[0] & FlagExpire) != 0 ? FixedHeader + 8 : FixedHeader;

    /// <summary>Size of the array that holds this key and value.</summary>
    public static int SizeFor(int keyLength, int valueLength, bool hasExpire) =>
        FixedHeader + (hasExpire ? 8 : 0) + VarintSize(keyLength) + keyLength + valueLength;

    /// <summary>Builds a packed string.</summary>
    public static byte[] Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAt, uint lru, bool raw = false)
    {
        var a = GC.AllocateUninitializedArray<byte>(SizeFor(key.Length, value.Length, expireAt != 0));
        Write(a, key, value, expireAt, lru, raw);
        return a;
    }

    /// <summary>Fills <paramref name="a"/> (which has exactly the size <see cref="SizeFor"/> gives).</summary>
    public static void Write(byte[] a, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAt, uint lru, bool raw)
    {
        int pos = FixedHeader;
        a[0] = (byte)((expireAt != 0 ? FlagExpire : 0) | (raw ? FlagRaw : 0));
        a[1] = (byte)lru;
        a[2] = (byte)(lru >> 8);
        a[3] = (byte)(lru >> 16);
        if (expireAt != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(a.AsSpan(pos), expireAt);
            pos += 8;
        }
        pos += WriteVarint(a.AsSpan(pos), key.Length);
        key.CopyTo(a.AsSpan(pos));
        pos += key.Length;
        value.CopyTo(a.AsSpan(pos));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Key(byte[] a)
    {
        int p = KeyLenPos(a);
        p += ReadVarint(a, p, out int len);
        return new ReadOnlySpan<byte>(a, p, len);
    }

    /// <summary>Offset of the value in the array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ValueOffset(byte[] a)
    {
        int p = KeyLenPos(a);
        p += ReadVarint(a, p, out int len);
        return p + len;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Value(byte[] a)
    {
        int off = ValueOffset(a);
        return new ReadOnlySpan<byte>(a, off, a.Length - off);
    }

    /// <summary>The value as writable bytes (in-place updates of equal length).</summary>
    public static Span<byte> MutableValue(byte[] a)
    {
        int off = ValueOffset(a);
        return new Span<byte>(a, off, a.Length - off);
    }

    public static int ValueLength(byte[] a) => a.Length - ValueOffset(a);

    public static long ExpireAt(byte[] a) =>
        (a[0] & FlagExpire) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(a.AsSpan(FixedHeader)) : 0;

    /// <summary>Sets the expiry in place; the array must already have room (flag set).</summary>
    public static void SetExpireInPlace(byte[] a, long expireAt) =>
        BinaryPrimitives.WriteInt64LittleEndian(a.AsSpan(FixedHeader), expireAt);

    public static bool IsRaw(byte[] a) => (a[0] & FlagRaw) != 0;

    /// <summary>
    /// The value as an integer in 0..<paramref name="limit"/>-1 when it is written canonically (what Redis's
    /// string2ll accepts: no sign, no leading zero), else -1. Cheap enough for every access.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SmallInteger(byte[] a, int limit) => ParseSmallInteger(Value(a), limit);

    /// <summary><see cref="SmallInteger(byte[], int)"/> over bare value bytes.</summary>
    public static int ParseSmallInteger(ReadOnlySpan<byte> v, int limit)
    {
        if (v.Length == 0 || v.Length > 9 || (v[0] == '0' && v.Length > 1)) return -1;
        int n = 0;
        foreach (byte b in v)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return -1;
            n = n * 10 + (int)d;
        }
        return n < limit ? n : -1;
    }

    public static bool IsUnshared(byte[] a) => (a[0] & FlagUnshared) != 0;

    public static void MarkUnshared(byte[] a) => a[0] |= FlagUnshared;

    public static uint Lru(byte[] a) => (uint)(a[1] | (a[2] << 8) | (a[3] << 16));

    public static void SetLru(byte[] a, uint lru)
    {
        a[1] = (byte)lru;
        a[2] = (byte)(lru >> 8);
        a[3] = (byte)(lru >> 16);
    }

    /// <summary>A copy with a different expiry (0 removes it).</summary>
    public static byte[] WithExpire(byte[] a, long expireAt)
    {
        var n = Create(Key(a), Value(a), expireAt, Lru(a), IsRaw(a));
        n[0] |= (byte)(a[0] & FlagUnshared);
        return n;
    }

    /// <summary>OBJECT ENCODING for a string value, as Redis decides it at write time.</summary>
    public static ReadOnlySpan<byte> Encoding(byte[] a)
    {
        var v = Value(a);
        if (!IsRaw(a) && v.Length <= 20 && Tern.Protocol.RespNumber.TryParseInt64(v, out _)) return "int"u8;
        if (!IsRaw(a) && v.Length <= 44) return "embstr"u8;
        return "raw"u8;
    }
}
