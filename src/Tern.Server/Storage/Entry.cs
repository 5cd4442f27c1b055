using System.Runtime.CompilerServices;

namespace Tern.Server.Storage;

/// <summary>
/// A stored key is either a packed string (<c>byte[]</c>, see <see cref="PackedString"/>) or a
/// <see cref="StoredObject"/>. These helpers read what both share.
/// </summary>
public static class Entry
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Key(object o) =>
        o is byte[] a ? PackedString.Key(a) : Unsafe.As<StoredObject>(o).Key;

    public static long ExpireAt(object o) =>
        o is byte[] a ? PackedString.ExpireAt(a) : Unsafe.As<StoredObject>(o).ExpireAt;

    public static ValueKind Kind(object o) =>
        o is byte[] ? ValueKind.String : Unsafe.As<StoredObject>(o).Kind;

    public static uint Lru(object o) =>
        o is byte[] a ? PackedString.Lru(a) : Unsafe.As<StoredObject>(o).Lru;

    public static void Touch(object o, uint lru)
    {
        if (o is byte[] a) PackedString.SetLru(a, lru);
        else Unsafe.As<StoredObject>(o).Lru = lru;
    }

    public static ReadOnlySpan<byte> Encoding(object o) =>
        o is byte[] a ? PackedString.Encoding(a) : Unsafe.As<StoredObject>(o).Encoding;

    /// <summary>TYPE's answer.</summary>
    public static ReadOnlySpan<byte> TypeName(ValueKind k) => k switch
    {
        ValueKind.String => "string"u8,
        ValueKind.List => "list"u8,
        ValueKind.Set => "set"u8,
        ValueKind.ZSet => "zset"u8,
        ValueKind.Hash => "hash"u8,
        ValueKind.Stream => "stream"u8,
        _ => "none"u8,
    };

    /// <summary>The same value under another key and expiry (RENAME, COPY, MOVE).</summary>
    public static object Rekey(object o, ReadOnlySpan<byte> newKey, long expireAt)
    {
        if (o is byte[] a)
        {
            var n = PackedString.Create(newKey, PackedString.Value(a), expireAt, PackedString.Lru(a), PackedString.IsRaw(a));
            if (PackedString.IsUnshared(a)) PackedString.MarkUnshared(n);
            return n;
        }
        var so = Unsafe.As<StoredObject>(o).CloneWithKey(newKey.ToArray());
        so.ExpireAt = expireAt;
        return so;
    }

    /// <summary>Approximate memory in bytes, as MEMORY USAGE reports it (object plus table slot).</summary>
    public static long MemoryUsage(object o) =>
        o is byte[] a ? 24 + ((a.Length + 7) & ~7) + 20 : Unsafe.As<StoredObject>(o).MemoryUsage + 20;
}
