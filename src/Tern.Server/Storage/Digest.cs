using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Tern.Server.Storage;

/// <summary>
/// DEBUG DIGEST and DEBUG DIGEST-VALUE with Redis's algorithm (debug.c), so that a Redis and a Tern holding the
/// same data print the same 40 hex digits. Two primitives over a 20-byte running digest:
/// <list type="bullet">
/// <item><see cref="Xor"/>: digest ^= SHA1(data). Commutative, used for unordered things (keys of a database,
/// members of a set, fields of a hash).</item>
/// <item><see cref="Mix"/>: digest = SHA1(digest ^ SHA1(data)). Order-sensitive (list elements, the parts of
/// one key).</item>
/// </list>
/// A key contributes Mix(key), Mix(type code), its value by type, and Xor("!!expire!!") when it has a TTL (the
/// TTL's value is not part of the digest). Each database with keys first mixes its index into the result.
/// Collection families plug their value walk into <see cref="DigestValue"/>.
/// </summary>
public static class Digest
{
    public const int Size = 20;

    /// <summary>digest ^= SHA1(data) (Redis's xorDigest).</summary>
    public static void Xor(Span<byte> digest, ReadOnlySpan<byte> data)
    {
        Span<byte> h = stackalloc byte[Size];
        SHA1.HashData(data, h);
        for (int i = 0; i < Size; i++) digest[i] ^= h[i];
    }

    /// <summary>digest = SHA1(digest ^ SHA1(data)) (Redis's mixDigest).</summary>
    public static void Mix(Span<byte> digest, ReadOnlySpan<byte> data)
    {
        Xor(digest, data);
        Span<byte> copy = stackalloc byte[Size];
        digest[..Size].CopyTo(copy);
        SHA1.HashData(copy, digest);
    }

    /// <summary>Redis's OBJ_* type codes, which the digest mixes in (a stream is 6 there, after modules).</summary>
    public static uint RedisTypeCode(ValueKind kind) => kind switch
    {
        ValueKind.String => 0,
        ValueKind.List => 1,
        ValueKind.Set => 2,
        ValueKind.ZSet => 3,
        ValueKind.Hash => 4,
        ValueKind.Stream => 6,
        _ => 255,
    };

    /// <summary>
    /// Mixes one value into <paramref name="digest"/> as Redis's xorObjectDigest does: type code, the value by
    /// type, and the expiry marker. Returns false when the value's type cannot be digested yet (nothing is mixed
    /// in then): strings and sets can; other <see cref="StoredObject"/> types until their family adds its walk here.
    /// </summary>
    public static bool DigestValue(object o, Span<byte> digest)
    {
        if (o is not (byte[] or HashValue or SetValue or ListValue or ZSetValue or StreamValue)) return false;
        Span<byte> type = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(type, RedisTypeCode(Entry.Kind(o)));
        Mix(digest, type);
        switch (o)
        {
            case byte[] a:
                // Redis digests the decoded string: an int-encoded value is its decimal text, which Tern keeps.
                Mix(digest, PackedString.Value(a));
                break;
            case ZSetValue z:
                z.DigestElements(digest);
                break;
            case ListValue list:
                // Elements are mixed in order, head to tail.
                var c = list.ForwardFrom(0);
                while (list.Next(ref c, out var element)) Mix(digest, element);
                break;
            case SetValue set:
                // Members are xored in (order does not matter), each as its string form: intset members as decimal.
                Span<byte> scratch = stackalloc byte[24];
                for (int i = 0; i < set.Count; i++) Xor(digest, set.MemberAt(i, scratch));
                break;
            case HashValue h:
                // Each field/value pair is mixed into its own digest, and the pairs are xored: order-free.
                Span<byte> pair = stackalloc byte[20];
                foreach (var f in h)
                {
                    pair.Clear();
                    Mix(pair, f.Field);
                    Mix(pair, f.Value);
                    Xor(digest, pair);
                }
                break;
            case StreamValue st:
                // Entries in ID order, each as "ms.seq" then its fields and values (groups are not digested).
                Span<byte> idText = stackalloc byte[44];
                foreach (var e in st.Range(StreamId.Min, StreamId.Max, false))
                {
                    e.Id.Ms.TryFormat(idText, out int a);
                    idText[a++] = (byte)'.';
                    e.Id.Seq.TryFormat(idText[a..], out int b);
                    Mix(digest, idText[..(a + b)]);
                    var items = e.GetReader();
                    while (items.Next(out var x)) Mix(digest, x);
                }
                break;
        }
        if (Entry.ExpireAt(o) != 0) Xor(digest, "!!expire!!"u8);
        return true;
    }

    /// <summary>
    /// The digest of every database (Redis's computeDatasetDigest), including keys past their TTL that are not
    /// reaped yet, as Redis walks the dictionary. The caller holds every shard lock. Returns false when some
    /// value cannot be digested.
    /// </summary>
    public static bool Dataset(Keyspace keyspace, Span<byte> result)
    {
        result[..Size].Clear();
        Span<byte> kv = stackalloc byte[Size];
        Span<byte> dbId = stackalloc byte[4];
        var shards = keyspace.Shards;
        for (int db = 0; db < keyspace.Databases; db++)
        {
            long count = 0;
            foreach (var s in shards) count += s.DbIfExists(db)?.Count ?? 0;
            if (count == 0) continue;
            BinaryPrimitives.WriteUInt32BigEndian(dbId, (uint)db);
            Mix(result, dbId);
            foreach (var s in shards)
            {
                var table = s.DbIfExists(db);
                if (table == null) continue;
                for (int i = 0; i < table.SlotCount; i++)
                {
                    var o = table.At(i);
                    if (o == null) continue;
                    kv.Clear();
                    Mix(kv, Entry.Key(o));
                    if (!DigestValue(o, kv)) return false;
                    Xor(result, kv);
                }
            }
        }
        return true;
    }

    /// <summary>Lower-case hex, as DEBUG DIGEST prints it.</summary>
    public static byte[] Hex(ReadOnlySpan<byte> digest)
    {
        var hex = new byte[Size * 2];
        const string digits = "0123456789abcdef";
        for (int i = 0; i < Size; i++)
        {
            hex[2 * i] = (byte)digits[digest[i] >> 4];
            hex[2 * i + 1] = (byte)digits[digest[i] & 15];
        }
        return hex;
    }
}
