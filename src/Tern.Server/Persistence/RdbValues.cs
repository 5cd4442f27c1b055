using Tern.Protocol;
using Tern.Rdb;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Persistence;

/// <summary>Why <see cref="RdbValues.FromRdb"/> could not build a value.</summary>
public enum RdbConvertStatus : byte
{
    Ok = 0,

    /// <summary>An aggregate with no elements: Redis's loader skips such keys ("empty keys skipped").</summary>
    Empty,

    /// <summary>A set member, hash field or sorted set member twice, a NaN score, an inconsistent stream: corruption.</summary>
    Invalid,

    /// <summary>A module value (the reader skipped it): Tern has no modules.</summary>
    Module,
}

/// <summary>
/// The one converter between Tern's stored values (a <see cref="PackedString"/> byte[] or a
/// <see cref="StoredObject"/>) and the neutral RDB value model of Tern.Rdb. SAVE/BGSAVE and the snapshotter, the
/// loader, DUMP/RESTORE and the replica link all go through here, so a type is converted one way only.
/// <para>
/// Building from the model follows what Redis 7.0's rdbLoadObject ends with: the encoding the configured
/// thresholds give (a small hash becomes a listpack, a set of few integers an intset, a sorted set past
/// zset-max-listpack-entries a skiplist), not the encoding the file happened to use.
/// </para>
/// </summary>
public static class RdbValues
{
    // ------------------------------------------------------------------ Tern -> RDB

    /// <summary>The value of a stored key (strings: the value bytes, copied) as the RDB model.</summary>
    public static RdbValue ToRdb(object stored) => stored switch
    {
        byte[] a => new RdbString(PackedString.Value(a).ToArray()),
        ListValue l => ToRdb(l),
        SetValue s => ToRdb(s),
        HashValue h => ToRdb(h),
        ZSetValue z => ToRdb(z),
        StreamValue st => ToRdb(st),
        _ => throw new ArgumentException($"Unknown stored value type {stored.GetType().Name}", nameof(stored)),
    };

    public static RdbList ToRdb(ListValue l)
    {
        var items = new List<byte[]>((int)Math.Min(l.Count, int.MaxValue));
        var c = l.ForwardFrom(0);
        while (l.Next(ref c, out var v)) items.Add(v.ToArray());
        return new RdbList(items);
    }

    public static RdbSet ToRdb(SetValue s)
    {
        var members = new List<byte[]>(s.Count);
        for (int i = 0; i < s.Count; i++) members.Add(s.IsIntset ? s.MemberArray(i) : s.Table.At(i).AsSpan().ToArray());
        return new RdbSet(members);
    }

    /// <summary>Fields in storage order with their 7.4 field TTLs (0 = none), expired-but-unpurged fields included.</summary>
    public static RdbHash ToRdb(HashValue h)
    {
        var fields = new List<RdbHashField>(h.Count);
        foreach (var f in h) fields.Add(new RdbHashField(f.Field.ToArray(), f.Value.ToArray(), f.Expire));
        return new RdbHash(fields);
    }

    /// <summary>Members in ascending (score, member) order.</summary>
    public static RdbZSet ToRdb(ZSetValue z)
    {
        var members = new List<RdbZMember>((int)Math.Min(z.Count, int.MaxValue));
        for (var p = z.First(); p.Valid; z.Next(ref p)) members.Add(new RdbZMember(z.MemberAt(p).ToArray(), z.ScoreAt(p)));
        return new RdbZSet(members);
    }

    public static RdbStream ToRdb(StreamValue st)
    {
        var r = new RdbStream
        {
            Length = (ulong)st.Length,
            LastId = Id(st.LastId),
            FirstId = Id(st.FirstId),
            MaxDeletedId = Id(st.MaxDeletedId),
            EntriesAdded = (ulong)st.EntriesAdded,
        };
        foreach (var e in st.Range(StreamId.Min, StreamId.Max, false))
        {
            var items = new byte[e.Items][];
            var reader = e.GetReader();
            int i = 0;
            while (reader.Next(out var x)) items[i++] = x.ToArray();
            r.Entries.Add(new RdbStreamEntry(Id(e.Id), items));
        }
        if (st.Groups != null)
        {
            foreach (var g in st.Groups)
            {
                var rg = new RdbStreamGroup(g.Name.AsSpan().ToArray()) { LastId = Id(g.LastId), EntriesRead = g.EntriesRead };
                foreach (var n in g.Pel.Items) rg.Pending.Add(new RdbPendingEntry(Id(n.Id), n.DeliveryTime, (ulong)n.DeliveryCount));
                foreach (var c in g.Consumers)
                {
                    // Redis 7.0 keeps one time per consumer (seen-time); 7.2's active-time reads as the same.
                    var rc = new RdbStreamConsumer(c.Name.AsSpan().ToArray()) { SeenTimeMs = c.SeenTime, ActiveTimeMs = -1 };
                    foreach (var n in c.Pel.Items) rc.Pending.Add(Id(n.Id));
                    rg.Consumers.Add(rc);
                }
                r.Groups.Add(rg);
            }
        }
        return r;
    }

    private static RdbStreamId Id(StreamId id) => new(id.Ms, id.Seq);

    private static StreamId Id(RdbStreamId id) => new(id.Ms, id.Seq);

    // ------------------------------------------------------------------ RDB -> Tern

    /// <summary>
    /// Builds the stored value for <paramref name="key"/> from the model: a packed string (byte[]) or a
    /// <see cref="StoredObject"/>, with expiry <paramref name="expireAt"/> (unix ms, 0 for none) and access clock
    /// <paramref name="lru"/>. Null with a status other than <see cref="RdbConvertStatus.Ok"/> when the value is
    /// empty, corrupt (duplicates, NaN scores, an inconsistent stream) or a module value; <paramref name="error"/>
    /// then says what, for the log.
    /// </summary>
    public static object? FromRdb(ReadOnlySpan<byte> key, RdbValue value, long expireAt, uint lru, ServerConfig config,
        out RdbConvertStatus status, out string? error)
    {
        status = RdbConvertStatus.Ok;
        error = null;
        switch (value)
        {
            case RdbString s:
                return PackedString.Create(key, s.Value, expireAt, lru);
            case RdbList l:
                if (l.Items.Count == 0) return Fail(RdbConvertStatus.Empty, "empty list", out status, out error);
                return SetMeta(BuildList(key, l, config), expireAt, lru);
            case RdbSet set:
                if (set.Members.Count == 0) return Fail(RdbConvertStatus.Empty, "empty set", out status, out error);
                var sv = BuildSet(key, set, config, out error);
                return sv == null ? Fail(RdbConvertStatus.Invalid, error!, out status, out error) : SetMeta(sv, expireAt, lru);
            case RdbHash h:
                if (h.Fields.Count == 0) return Fail(RdbConvertStatus.Empty, "empty hash", out status, out error);
                var hv = BuildHash(key, h, config, out error);
                return hv == null ? Fail(RdbConvertStatus.Invalid, error!, out status, out error) : SetMeta(hv, expireAt, lru);
            case RdbZSet z:
                if (z.Members.Count == 0) return Fail(RdbConvertStatus.Empty, "empty sorted set", out status, out error);
                var zv = BuildZSet(key, z, config, out error);
                return zv == null ? Fail(RdbConvertStatus.Invalid, error!, out status, out error) : SetMeta(zv, expireAt, lru);
            case RdbStream st:
                // An empty stream is a valid key (it keeps its last ID and groups): Redis loads it.
                var stv = BuildStream(key, st, config, out error);
                return stv == null ? Fail(RdbConvertStatus.Invalid, error!, out status, out error) : SetMeta(stv, expireAt, lru);
            case RdbSkippedModule m:
                return Fail(RdbConvertStatus.Module, $"module value of type '{m.ModuleName}'", out status, out error);
            default:
                return Fail(RdbConvertStatus.Invalid, $"unknown value model {value.GetType().Name}", out status, out error);
        }
    }

    private static object? Fail(RdbConvertStatus s, string message, out RdbConvertStatus status, out string? error)
    {
        status = s;
        error = message;
        return null;
    }

    private static StoredObject SetMeta(StoredObject o, long expireAt, uint lru)
    {
        o.ExpireAt = expireAt;
        o.Lru = lru;
        return o;
    }

    private static ListValue BuildList(ReadOnlySpan<byte> key, RdbList l, ServerConfig config)
    {
        var list = new ListValue(key.ToArray());
        long fill = config.ListMaxListpackSize;
        foreach (var item in l.Items) list.PushTail(item, fill);
        return list;
    }

    private static SetValue? BuildSet(ReadOnlySpan<byte> key, RdbSet set, ServerConfig config, out string? error)
    {
        error = null;
        var sv = new SetValue(key.ToArray());
        long max = config.SetMaxIntsetEntries;
        // As rdbLoadObject: a set longer than set-max-intset-entries is a hashtable from the start.
        if (set.Members.Count > max) sv.ConvertToTable();
        foreach (var m in set.Members)
        {
            if (!sv.AddOwned(m, max))
            {
                error = "duplicate set member";
                return null;
            }
        }
        return sv;
    }

    private static HashValue? BuildHash(ReadOnlySpan<byte> key, RdbHash h, ServerConfig config, out string? error)
    {
        error = null;
        var hv = new HashValue(key.ToArray());
        long maxEntries = config.HashMaxListpackEntries, maxValue = config.HashMaxListpackValue;
        if (h.Fields.Count > maxEntries) hv.ConvertToTable();
        bool ttls = h.HasFieldTtls;
        if (ttls) hv.EnableFieldExpiry();
        foreach (var f in h.Fields)
        {
            if (hv.Set(f.Field, f.Value, keepTtl: false, maxEntries, maxValue))
            {
                error = "duplicate hash field";
                return null;
            }
        }
        if (ttls)
        {
            foreach (var f in h.Fields)
                if (f.ExpireAtMs != 0) hv.SetFieldExpire(f.Field, f.ExpireAtMs, HashValue.ExpireCondition.None, alreadyExpired: false);
        }
        return hv;
    }

    private static ZSetValue? BuildZSet(ReadOnlySpan<byte> key, RdbZSet z, ServerConfig config, out string? error)
    {
        error = null;
        long maxEntries = config.ZSetMaxListpackEntries, maxValue = config.ZSetMaxListpackValue;
        bool full = z.Members.Count > maxEntries;
        if (!full)
            foreach (var m in z.Members)
                if (m.Member.Length > maxValue)
                {
                    full = true;
                    break;
                }
        var zv = full ? ZSetValue.CreateFull(key.ToArray()) : ZSetValue.CreateCompact(key.ToArray());
        foreach (var m in z.Members)
        {
            if (double.IsNaN(m.Score))
            {
                error = "NaN score in sorted set";
                return null;
            }
            if (full)
            {
                if (zv.TryGetScore(m.Member, out _))
                {
                    error = "duplicate sorted set member";
                    return null;
                }
                zv.InsertNew(m.Score, m.Member);
            }
            else if ((zv.Add(m.Score, m.Member, ZAddFlags.None, maxEntries, maxValue, out _) & ZAddResult.Added) == 0)
            {
                error = "duplicate sorted set member";
                return null;
            }
        }
        return zv;
    }

    private static StreamValue? BuildStream(ReadOnlySpan<byte> key, RdbStream st, ServerConfig config, out string? error)
    {
        error = null;
        var sv = new StreamValue(key.ToArray());
        StreamId prev = default;
        bool first = true;
        foreach (var e in st.Entries)
        {
            var id = Id(e.Id);
            if (!first && id <= prev)
            {
                error = "stream entry IDs out of order";
                return null;
            }
            if ((e.FieldsAndValues.Length & 1) != 0 || e.FieldsAndValues.Length == 0)
            {
                error = "stream entry with an odd number of items";
                return null;
            }
            sv.Append(id, e.FieldsAndValues, config.StreamNodeMaxBytes, config.StreamNodeMaxEntries);
            prev = id;
            first = false;
        }
        if (st.Entries.Count > 0 && Id(st.LastId) < prev)
        {
            error = "stream last ID smaller than an entry's";
            return null;
        }
        // The file's metadata wins over what the appends computed (deleted entries, XSETID, trimming).
        sv.Length = st.Entries.Count;
        sv.LastId = Id(st.LastId);
        sv.FirstId = st.Entries.Count > 0 ? Id(st.Entries[0].Id) : Id(st.FirstId);
        sv.MaxDeletedId = Id(st.MaxDeletedId);
        sv.EntriesAdded = (long)st.EntriesAdded;
        if (st.Groups.Count == 0) return sv;
        sv.Groups = new List<StreamGroup>(st.Groups.Count);
        foreach (var rg in st.Groups)
        {
            var g = new StreamGroup(rg.Name, Id(rg.LastId), rg.EntriesRead < 0 ? StreamGroup.InvalidEntriesRead : rg.EntriesRead);
            foreach (var p in rg.Pending)
            {
                if (!g.Pel.TryAdd(new StreamNack(Id(p.Id), null, p.DeliveryTimeMs) { DeliveryCount = (long)p.DeliveryCount }))
                {
                    error = "duplicate ID in a consumer group's PEL";
                    return null;
                }
            }
            foreach (var rc in rg.Consumers)
            {
                int at = g.FindConsumer(rc.Name);
                if (at >= 0)
                {
                    error = "duplicate consumer in a group";
                    return null;
                }
                var c = new StreamConsumer(rc.Name, rc.SeenTimeMs);
                g.Consumers.Insert(~at, c);
                foreach (var pid in rc.Pending)
                {
                    var nack = g.Pel.Get(Id(pid));
                    if (nack == null || nack.Consumer != null)
                    {
                        // rdbLoadObject: a consumer's pending ID must be in the group PEL, and owned once.
                        error = "consumer pending ID not in the group PEL";
                        return null;
                    }
                    nack.Consumer = c;
                    c.Pel.Items.Add(nack);
                }
            }
            foreach (var n in g.Pel.Items)
                if (n.Consumer == null)
                {
                    error = "group PEL entry without a consumer";
                    return null;
                }
            int gi = StreamValue.FindByName(sv.Groups, g.Name, static x => x.Name);
            if (gi >= 0)
            {
                error = "duplicate consumer group";
                return null;
            }
            sv.Groups.Insert(~gi, g);
        }
        return sv;
    }

    // ------------------------------------------------------------------ helpers for callers

    /// <summary>
    /// The access clock for a key read from an RDB: the file's IDLE (LRU policies) or FREQ (LFU policies) when
    /// given and it matches the keyspace's mode, as Redis's objectSetLRUOrLFU, else "created now".
    /// </summary>
    public static uint AccessClock(Keyspace keyspace, long idleSeconds, int freq, long now) =>
        keyspace.TryHintedClock(freq, idleSeconds, (uint)(now / 1000) & LruClock.Max, out uint clock)
            ? clock
            : keyspace.NewAccessClock(now);

    /// <summary>Whether <paramref name="o"/> is a key value this converter knows (for callers that walk a keyspace).</summary>
    public static bool IsConvertible(object o) => o is byte[] or ListValue or SetValue or HashValue or ZSetValue or StreamValue;

    /// <summary>Decimal text for a long, as RDB integers in strings are carried (helper for tests and callers).</summary>
    public static byte[] Decimal(long v)
    {
        Span<byte> tmp = stackalloc byte[24];
        int n = RespNumber.Format(v, tmp);
        return tmp[..n].ToArray();
    }
}
