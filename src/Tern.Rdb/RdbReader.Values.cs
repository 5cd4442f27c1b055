using System.Buffers.Binary;
using System.Globalization;

namespace Tern.Rdb;

public sealed partial class RdbReader
{
    /// <summary>
    /// Reads one value of <paramref name="type"/>. Returns null for an empty aggregate Redis skips on load
    /// ("empty keys skipped"); throws <see cref="RdbReadException"/> for what Redis calls corrupt.
    /// </summary>
    private RdbValue? ReadValue(int type)
    {
        switch (type)
        {
            case RdbFormat.TypeString:
                return new RdbString(ReadString());
            case RdbFormat.TypeList:
            {
                int n = ReadCount();
                if (n == 0) return null;
                var items = new List<byte[]>(Math.Min(n, 1024));
                for (int i = 0; i < n; i++) items.Add(ReadString());
                return new RdbList(items);
            }
            case RdbFormat.TypeSet:
            {
                int n = ReadCount();
                if (n == 0) return null;
                var items = new List<byte[]>(Math.Min(n, 1024));
                for (int i = 0; i < n; i++) items.Add(ReadString());
                return CheckedSet(items);
            }
            case RdbFormat.TypeZSet:
            case RdbFormat.TypeZSet2:
            {
                int n = ReadCount();
                if (n == 0) return null;
                var items = new List<RdbZMember>(Math.Min(n, 1024));
                for (int i = 0; i < n; i++)
                {
                    byte[] member = ReadString();
                    double score = type == RdbFormat.TypeZSet ? ReadOldDouble() : ReadBinaryDouble();
                    items.Add(new RdbZMember(member, score));
                }
                return CheckedZSet(items);
            }
            case RdbFormat.TypeHash:
            {
                int n = ReadCount();
                if (n == 0) return null;
                var fields = new List<RdbHashField>(Math.Min(n, 1024));
                for (int i = 0; i < n; i++)
                {
                    byte[] f = ReadString(), v = ReadString();
                    fields.Add(new RdbHashField(f, v, 0));
                }
                return CheckedHash(fields);
            }
            case RdbFormat.TypeHashMetadataPreGa:
            case RdbFormat.TypeHashMetadata:
            {
                long minExpire = type == RdbFormat.TypeHashMetadata ? ReadInt64LE() : 0;
                int n = ReadCount();
                if (n == 0) return null;
                var fields = new List<RdbHashField>(Math.Min(n, 1024));
                for (int i = 0; i < n; i++)
                {
                    ulong ttl = ReadLen();
                    long expireAt = type == RdbFormat.TypeHashMetadata
                        ? (ttl != 0 ? unchecked((long)ttl + minExpire - 1) : 0)
                        : unchecked((long)ttl);
                    if (expireAt < 0) throw new RdbReadException($"Invalid hash field expire time {expireAt}");
                    byte[] f = ReadString(), v = ReadString();
                    fields.Add(new RdbHashField(f, v, expireAt));
                }
                return CheckedHash(fields);
            }
            case RdbFormat.TypeModulePreGa:
            {
                ulong id = ReadLen();
                throw new RdbReadException(
                    $"Module value of module '{ModuleName(id)}' in the pre-GA format (type 6) cannot be loaded or skipped");
            }
            case RdbFormat.TypeModule2:
            {
                ulong id = ReadLen();
                string name = ModuleName(id);
                if (!_options.SkipModules)
                    throw new RdbReadException(
                        $"Module value of module '{name}' cannot be loaded: no module provides this type");
                SkipModuleData(id);
                return new RdbSkippedModule(name, id);
            }
            case RdbFormat.TypeHashZipmap:
            {
                var fields = ZipmapReader.Read(ReadString());
                return CheckedHash(fields);
            }
            case RdbFormat.TypeListZiplist:
            {
                var items = ZiplistReader.ReadAll(ReadString());
                return items.Count == 0 ? null : new RdbList(items);
            }
            case RdbFormat.TypeSetIntset:
                return CheckedSet(IntsetReader.Read(ReadString()));
            case RdbFormat.TypeZSetZiplist:
                return ZSetFromPairs(ZiplistReader.ReadAll(ReadString()), "Zset ziplist");
            case RdbFormat.TypeHashZiplist:
                return HashFromPairs(ZiplistReader.ReadAll(ReadString()), "Hash ziplist");
            case RdbFormat.TypeZSetListpack:
                return ZSetFromListpack(ReadString());
            case RdbFormat.TypeHashListpack:
                return HashFromListpack(ReadString());
            case RdbFormat.TypeSetListpack:
            {
                var items = ListpackReader.ReadAll(ReadString());
                return items.Count == 0 ? null : CheckedSet(items);
            }
            case RdbFormat.TypeHashListpackExPreGa:
            case RdbFormat.TypeHashListpackEx:
            {
                if (type == RdbFormat.TypeHashListpackEx) ReadInt64LE(); // minExpire, informational
                var items = ListpackReader.ReadAll(ReadString());
                if (items.Count % 3 != 0)
                    throw new RdbReadException("Hash listpack integrity check failed: not a list of triples");
                if (items.Count == 0) return null;
                var fields = new List<RdbHashField>(items.Count / 3);
                for (int i = 0; i < items.Count; i += 3)
                {
                    if (!long.TryParse(items[i + 2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture,
                            out long ttl) || ttl < 0)
                        throw new RdbReadException("Hash listpack integrity check failed: invalid field TTL");
                    fields.Add(new RdbHashField(items[i], items[i + 1], ttl));
                }
                return CheckedHash(fields);
            }
            case RdbFormat.TypeListQuicklist:
            case RdbFormat.TypeListQuicklist2:
                return ReadQuicklist(type);
            case RdbFormat.TypeStreamListpacks:
            case RdbFormat.TypeStreamListpacks2:
            case RdbFormat.TypeStreamListpacks3:
                return ReadStream(type);
            default:
                throw new RdbReadException($"Unknown RDB value type {type}");
        }
    }

    private RdbList? ReadQuicklist(int type)
    {
        int nodes = ReadCount();
        if (nodes == 0) return null;
        var items = new List<byte[]>(16);
        for (int i = 0; i < nodes; i++)
        {
            ulong container = RdbFormat.QuicklistNodePacked;
            if (type == RdbFormat.TypeListQuicklist2)
            {
                container = ReadLen();
                if (container != RdbFormat.QuicklistNodePacked && container != RdbFormat.QuicklistNodePlain)
                    throw new RdbReadException($"Quicklist integrity check failed: unknown node container {container}");
            }
            byte[] data = ReadString();
            if (data.Length == 0) throw new RdbReadException("Quicklist integrity check failed: empty node");
            if (container == RdbFormat.QuicklistNodePlain)
            {
                items.Add(data);
                continue;
            }
            // Empty nodes are skipped silently, as Redis does; an all-empty list is an empty key.
            if (type == RdbFormat.TypeListQuicklist2)
            {
                // Straight into the list: no per-node list (a load reads a million of these).
                var lp = new ListpackReader(data);
                while (!lp.AtEnd) items.Add(lp.NextBytes());
            }
            else items.AddRange(ZiplistReader.ReadAll(data));
        }
        return items.Count == 0 ? null : new RdbList(items);
    }

    private RdbStream ReadStream(int type)
    {
        var s = new RdbStream();
        int nodes = ReadCount();
        for (int n = 0; n < nodes; n++)
        {
            byte[] nodeKey = ReadString();
            if (nodeKey.Length != 16)
                throw new RdbReadException("Stream node key entry is not the size of a stream ID");
            var master = new RdbStreamId(BinaryPrimitives.ReadUInt64BigEndian(nodeKey),
                BinaryPrimitives.ReadUInt64BigEndian(nodeKey.AsSpan(8)));
            byte[] lp = ReadString();
            StreamNodeDecoder.Decode(lp, master, s.Entries);
        }
        s.Length = ReadLen();
        s.LastId = new RdbStreamId(ReadLen(), ReadLen());
        if (type >= RdbFormat.TypeStreamListpacks2)
        {
            s.FirstId = new RdbStreamId(ReadLen(), ReadLen());
            s.MaxDeletedId = new RdbStreamId(ReadLen(), ReadLen());
            s.EntriesAdded = ReadLen();
        }
        else
        {
            s.FirstId = s.Entries.Count > 0 ? s.Entries[0].Id : default;
            s.EntriesAdded = s.Length;
        }
        if (s.Length != 0 && nodes == 0)
            throw new RdbReadException("Stream has a length but no listpacks");

        int groups = ReadCount();
        var groupNames = new HashSet<byte[]>(ReaderBytesComparer.Instance);
        for (int g = 0; g < groups; g++)
        {
            var group = new RdbStreamGroup(ReadString());
            if (!groupNames.Add(group.Name)) throw new RdbReadException("Duplicated consumer group name " + Latin1(group.Name));
            group.LastId = new RdbStreamId(ReadLen(), ReadLen());
            if (type >= RdbFormat.TypeStreamListpacks2) group.EntriesRead = unchecked((long)ReadLen());
            int pel = ReadCount();
            var pelIds = new HashSet<RdbStreamId>();
            for (int i = 0; i < pel; i++)
            {
                RdbStreamId id = ReadRawStreamId();
                long deliveryTime = ReadInt64LE();
                ulong count = ReadLen();
                if (!pelIds.Add(id)) throw new RdbReadException("Duplicated global PEL entry loading stream consumer group");
                group.Pending.Add(new RdbPendingEntry(id, deliveryTime, count));
            }
            int consumers = ReadCount();
            var consumerNames = new HashSet<byte[]>(ReaderBytesComparer.Instance);
            var owners = new HashSet<RdbStreamId>();
            for (int c = 0; c < consumers; c++)
            {
                var consumer = new RdbStreamConsumer(ReadString());
                if (!consumerNames.Add(consumer.Name)) throw new RdbReadException("Duplicate stream consumer detected");
                consumer.SeenTimeMs = ReadInt64LE();
                if (type >= RdbFormat.TypeStreamListpacks3) consumer.ActiveTimeMs = ReadInt64LE();
                int owned = ReadCount();
                for (int i = 0; i < owned; i++)
                {
                    RdbStreamId id = ReadRawStreamId();
                    if (!pelIds.Contains(id))
                        throw new RdbReadException("Consumer entry not found in group global PEL");
                    if (!owners.Add(id)) throw new RdbReadException("Duplicated consumer PEL entry loading a stream consumer group");
                    consumer.Pending.Add(id);
                }
                group.Consumers.Add(consumer);
            }
            // Redis checks this under deep sanitization; a NACK without an owner would crash it later.
            if (owners.Count != group.Pending.Count)
                throw new RdbReadException("Stream CG PEL entry without consumer");
            s.Groups.Add(group);
        }
        return s;
    }

    private static string Latin1(byte[] b) => System.Text.Encoding.Latin1.GetString(b, 0, Math.Min(b.Length, 128));

    private RdbStreamId ReadRawStreamId()
    {
        Ensure(16);
        var span = _buf.AsSpan(_pos, 16);
        var id = new RdbStreamId(BinaryPrimitives.ReadUInt64BigEndian(span), BinaryPrimitives.ReadUInt64BigEndian(span.Slice(8)));
        _pos += 16;
        return id;
    }

    /// <summary>Old (type 3) double: a length byte, 253 NaN, 254 +inf, 255 -inf, else that many ASCII chars.</summary>
    private double ReadOldDouble()
    {
        int len = ReadByte();
        switch (len)
        {
            case 253: return double.NaN;
            case 254: return double.PositiveInfinity;
            case 255: return double.NegativeInfinity;
        }
        Span<byte> text = stackalloc byte[255];
        ReadExact(text.Slice(0, len));
        if (!TryParseScore(text.Slice(0, len), out double d))
            throw new RdbReadException("Invalid sorted set score");
        return d;
    }

    private double ReadBinaryDouble()
    {
        Ensure(8);
        double d = BinaryPrimitives.ReadDoubleLittleEndian(_buf.AsSpan(_pos, 8));
        _pos += 8;
        return d;
    }

    /// <summary>A score written as text (old ZSET doubles, ziplist/listpack strings): glibc strtod, NaN refused.</summary>
    internal static bool TryParseScore(ReadOnlySpan<byte> s, out double d) =>
        Tern.Protocol.RespNumber.TryParseDouble(s, out d) && !double.IsNaN(d);

    private static RdbZSet? ZSetFromPairs(List<byte[]> items, string what)
    {
        if (items.Count % 2 != 0) throw new RdbReadException(what + " integrity check failed: odd number of elements");
        if (items.Count == 0) return null;
        var members = new List<RdbZMember>(items.Count / 2);
        for (int i = 0; i < items.Count; i += 2)
        {
            if (!TryParseScore(items[i + 1], out double score))
                throw new RdbReadException(what + " integrity check failed: invalid score");
            members.Add(new RdbZMember(items[i], score));
        }
        return CheckedZSet(members);
    }

    // The listpack forms of the two pair types, decoded straight into the model: no intermediate list of every
    // entry, and integer-encoded scores are not turned into text to be parsed back. Errors and their order are
    // those of the *FromPairs versions (an odd count first, then a bad score).

    private static RdbZSet? ZSetFromListpack(byte[] blob)
    {
        var r = new ListpackReader(blob);
        var members = new List<RdbZMember>(16);
        int n = 0;
        bool badScore = false;
        byte[]? member = null;
        for (; !r.AtEnd; n++)
        {
            if ((n & 1) == 0)
            {
                member = r.NextBytes();
                continue;
            }
            // An integer entry is exactly the double its decimal text parses to (both round to nearest).
            double score;
            if (r.Next(out var text, out long v)) badScore |= !TryParseScore(text, out score);
            else score = v;
            members.Add(new RdbZMember(member!, score));
        }
        if (n % 2 != 0) throw new RdbReadException("Zset listpack integrity check failed: odd number of elements");
        if (n == 0) return null;
        if (badScore) throw new RdbReadException("Zset listpack integrity check failed: invalid score");
        return CheckedZSet(members);
    }

    private static RdbHash? HashFromListpack(byte[] blob)
    {
        var r = new ListpackReader(blob);
        var fields = new List<RdbHashField>(16);
        int n = 0;
        byte[]? field = null;
        for (; !r.AtEnd; n++)
        {
            var item = r.NextBytes();
            if ((n & 1) == 0) field = item;
            else fields.Add(new RdbHashField(field!, item, 0));
        }
        if (n % 2 != 0) throw new RdbReadException("Hash listpack integrity check failed: odd number of elements");
        if (n == 0) return null;
        return CheckedHash(fields);
    }

    private static RdbHash? HashFromPairs(List<byte[]> items, string what)
    {
        if (items.Count % 2 != 0) throw new RdbReadException(what + " integrity check failed: odd number of elements");
        if (items.Count == 0) return null;
        var fields = new List<RdbHashField>(items.Count / 2);
        for (int i = 0; i < items.Count; i += 2) fields.Add(new RdbHashField(items[i], items[i + 1], 0));
        return CheckedHash(fields);
    }

    private static RdbSet CheckedSet(List<byte[]> members)
    {
        if (HasDuplicate(members, static m => m)) throw new RdbReadException("Duplicate set members detected");
        return new RdbSet(members);
    }

    private static RdbZSet CheckedZSet(List<RdbZMember> members)
    {
        foreach (var m in members)
            if (double.IsNaN(m.Score)) throw new RdbReadException("Zset with NAN score detected");
        if (HasDuplicate(members, static m => m.Member)) throw new RdbReadException("Duplicate zset fields detected");
        return new RdbZSet(members);
    }

    private static RdbHash CheckedHash(List<RdbHashField> fields)
    {
        if (HasDuplicate(fields, static f => f.Field)) throw new RdbReadException("Duplicate hash fields detected");
        return new RdbHash(fields);
    }

    /// <summary>Duplicate names make Redis refuse a file; small aggregates are compared pairwise (no allocation).</summary>
    private static bool HasDuplicate<T>(List<T> items, Func<T, byte[]> name)
    {
        int n = items.Count;
        if (n <= 16)
        {
            for (int i = 1; i < n; i++)
            {
                var a = name(items[i]);
                for (int j = 0; j < i; j++)
                    if (a.AsSpan().SequenceEqual(name(items[j]))) return true;
            }
            return false;
        }
        var seen = new HashSet<byte[]>(n, ReaderBytesComparer.Instance);
        foreach (var it in items)
            if (!seen.Add(name(it))) return true;
        return false;
    }

    // ---- Modules ----

    private const string ModuleCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>The 9-character module type name packed in the upper 54 bits of a module id.</summary>
    internal static string ModuleName(ulong moduleId)
    {
        Span<char> name = stackalloc char[9];
        ulong id = moduleId >> 10;
        for (int j = 8; j >= 0; j--)
        {
            name[j] = ModuleCharset[(int)(id & 63)];
            id >>= 6;
        }
        return new string(name);
    }

    /// <summary>Walks module-serialized data (opcode, value)... up to the EOF opcode without interpreting it.</summary>
    private void SkipModuleData(ulong moduleId)
    {
        while (true)
        {
            ulong op = ReadLen();
            switch (op)
            {
                case RdbFormat.ModuleOpEof:
                    return;
                case RdbFormat.ModuleOpSInt:
                case RdbFormat.ModuleOpUInt:
                    ReadLen();
                    break;
                case RdbFormat.ModuleOpFloat:
                    Skip(4);
                    break;
                case RdbFormat.ModuleOpDouble:
                    Skip(8);
                    break;
                case RdbFormat.ModuleOpString:
                    SkipString();
                    break;
                default:
                    throw new RdbReadException($"Unknown module opcode {op} in data of module '{ModuleName(moduleId)}'");
            }
        }
    }

    private void SkipString()
    {
        ulong len = ReadLen(out bool encoded);
        if (!encoded)
        {
            SkipBytes(len);
            return;
        }
        switch ((int)len)
        {
            case RdbFormat.EncInt8: Skip(1); break;
            case RdbFormat.EncInt16: Skip(2); break;
            case RdbFormat.EncInt32: Skip(4); break;
            case RdbFormat.EncLzf:
                ulong clen = ReadLen();
                ReadLen();
                SkipBytes(clen);
                break;
            default: throw new RdbReadException($"Unknown RDB string encoding type {len}");
        }
    }

    private void SkipBytes(ulong n)
    {
        while (n > 0)
        {
            int step = (int)Math.Min(n, (ulong)ChunkSize);
            Skip(step);
            n -= (ulong)step;
        }
    }
}

internal sealed class ReaderBytesComparer : IEqualityComparer<byte[]>
{
    public static readonly ReaderBytesComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var h = new HashCode();
        h.AddBytes(obj);
        return h.ToHashCode();
    }
}
