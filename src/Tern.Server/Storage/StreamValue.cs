using Tern.Protocol;

namespace Tern.Server.Storage;

/// <summary>A stream entry ID: milliseconds and sequence, both unsigned 64-bit, ordered as Redis's streamID.</summary>
public readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    public static readonly StreamId Min = new(0, 0);
    public static readonly StreamId Max = new(ulong.MaxValue, ulong.MaxValue);

    public int CompareTo(StreamId o) => Ms != o.Ms ? Ms.CompareTo(o.Ms) : Seq.CompareTo(o.Seq);

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    public bool IsZero => Ms == 0 && Seq == 0;

    /// <summary>The next ID (streamIncrID); false when this is the maximum.</summary>
    public bool TryIncrement(out StreamId next)
    {
        if (Seq == ulong.MaxValue)
        {
            if (Ms == ulong.MaxValue)
            {
                next = Min;
                return false;
            }
            next = new StreamId(Ms + 1, 0);
            return true;
        }
        next = new StreamId(Ms, Seq + 1);
        return true;
    }

    /// <summary>The previous ID (streamDecrID); false when this is 0-0.</summary>
    public bool TryDecrement(out StreamId prev)
    {
        if (Seq == 0)
        {
            if (Ms == 0)
            {
                prev = Max;
                return false;
            }
            prev = new StreamId(Ms - 1, ulong.MaxValue);
            return true;
        }
        prev = new StreamId(Ms, Seq - 1);
        return true;
    }

    /// <summary>Writes "ms-seq" into <paramref name="dest"/> (at least 41 bytes); returns the length.</summary>
    public int Format(Span<byte> dest)
    {
        Ms.TryFormat(dest, out int a);
        dest[a++] = (byte)'-';
        Seq.TryFormat(dest[a..], out int b);
        return a + b;
    }

    public byte[] ToBytes()
    {
        Span<byte> tmp = stackalloc byte[44];
        return tmp[..Format(tmp)].ToArray();
    }

    public override string ToString() => $"{Ms}-{Seq}";
}

/// <summary>
/// One entry of a stream: its ID, Redis's deleted flag and its field/value pairs packed into one byte array
/// (each item a 7-bit varint length and its bytes). An entry with its node's master fields stores only the values
/// and reads the field names from the node, as Redis's SAMEFIELDS entries do. The data never changes once
/// written, so copies share it.
/// </summary>
public sealed class StreamEntry
{
    public StreamEntry(StreamId id, byte[] data, int items, byte[][]? masterFields)
    {
        Id = id;
        Data = data;
        Items = items;
        MasterFields = masterFields;
    }

    public readonly StreamId Id;
    /// <summary>The packed items: values only when <see cref="MasterFields"/> is set, else fields and values.</summary>
    public readonly byte[] Data;
    /// <summary>Fields plus values (twice the number of fields).</summary>
    public readonly int Items;
    /// <summary>The node's master fields when this entry has the same fields (STREAM_ITEM_FLAG_SAMEFIELDS).</summary>
    public readonly byte[][]? MasterFields;
    public bool Deleted;

    public bool SameFields => MasterFields != null;

    /// <summary>Packs <paramref name="items"/> (fields at even indexes skipped when <paramref name="valuesOnly"/>).</summary>
    public static byte[] Pack(byte[][] items, bool valuesOnly)
    {
        int size = 0;
        for (int i = valuesOnly ? 1 : 0; i < items.Length; i += valuesOnly ? 2 : 1) size += VarintSize(items[i].Length) + items[i].Length;
        var data = new byte[size];
        int pos = 0;
        for (int i = valuesOnly ? 1 : 0; i < items.Length; i += valuesOnly ? 2 : 1)
        {
            uint len = (uint)items[i].Length;
            while (len >= 0x80)
            {
                data[pos++] = (byte)(len | 0x80);
                len >>= 7;
            }
            data[pos++] = (byte)len;
            items[i].CopyTo(data, pos);
            pos += items[i].Length;
        }
        return data;
    }

    private static int VarintSize(int n)
    {
        int s = 1;
        while (n >= 0x80)
        {
            n >>= 7;
            s++;
        }
        return s;
    }

    public Reader GetReader() => new(this);

    /// <summary>Reads the items in order: field, value, field, value ...</summary>
    public ref struct Reader
    {
        private readonly StreamEntry _e;
        private int _pos;
        private int _index;

        internal Reader(StreamEntry e)
        {
            _e = e;
            _pos = 0;
            _index = 0;
        }

        public bool Next(out ReadOnlySpan<byte> item)
        {
            if (_index >= _e.Items)
            {
                item = default;
                return false;
            }
            var master = _e.MasterFields;
            if (master != null && (_index & 1) == 0)
            {
                item = master[_index >> 1];
                _index++;
                return true;
            }
            var data = _e.Data;
            int len = 0, shift = 0;
            byte b;
            do
            {
                b = data[_pos++];
                len |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            item = data.AsSpan(_pos, len);
            _pos += len;
            _index++;
            return true;
        }
    }
}

/// <summary>
/// A macro node, as Redis's listpack nodes in the rax: keyed by its master ID (the first ID inserted into it), it
/// holds entries in ID order, deleted ones flagged in place. <see cref="LpBytes"/> follows the size Redis's
/// listpack would have, so nodes split exactly where Redis's do (stream-node-max-bytes / -entries), which keeps
/// approximate trimming and XINFO's node counts equal to Redis's.
/// </summary>
public sealed class StreamNode
{
    public StreamNode(StreamId master, byte[][] masterFields)
    {
        Master = master;
        MasterFields = masterFields;
        BodyBytes = 7 + Listpack.IntSize(masterFields.Length) + Listpack.IntSize(0);
        foreach (var f in masterFields) BodyBytes += Listpack.StrSize(f);
    }

    public readonly StreamId Master;
    public readonly byte[][] MasterFields;
    public readonly List<StreamEntry> Entries = [];
    public int Live;
    public int DeletedCount;
    /// <summary>Listpack bytes without the live and deleted counters (which change size as they change).</summary>
    public long BodyBytes;

    public long LpBytes => BodyBytes + Listpack.IntSize(Live) + Listpack.IntSize(DeletedCount);

    /// <summary>Index of the entry with <paramref name="id"/>, or ~insertion point.</summary>
    public int Find(StreamId id)
    {
        int lo = 0, hi = Entries.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = Entries[mid].Id.CompareTo(id);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }
}

/// <summary>Element sizes of Redis's listpack encoding (listpack.c), to mirror node sizes.</summary>
internal static class Listpack
{
    private static int BackLen(long l) => l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;

    public static long IntSize(long v)
    {
        int enc = v >= 0 && v <= 127 ? 1
            : v >= -4096 && v <= 4095 ? 2
            : v >= short.MinValue && v <= short.MaxValue ? 3
            : v >= -8388608 && v <= 8388607 ? 4
            : v >= int.MinValue && v <= int.MaxValue ? 5 : 9;
        return enc + BackLen(enc);
    }

    public static long StrSize(ReadOnlySpan<byte> s)
    {
        if (s.Length <= 20 && RespNumber.TryParseInt64(s, out long v)) return IntSize(v);
        long enc = s.Length < 64 ? 1 + s.Length : s.Length < 4096 ? 2 + s.Length : 5 + s.Length;
        return enc + BackLen(enc);
    }
}

/// <summary>A pending entry of a consumer group (streamNACK).</summary>
public sealed class StreamNack(StreamId id, StreamConsumer? consumer, long deliveryTime)
{
    public readonly StreamId Id = id;
    public StreamConsumer? Consumer = consumer;
    public long DeliveryTime = deliveryTime;
    public long DeliveryCount = 1;
}

/// <summary>A list of pending entries ordered by ID (a group's or a consumer's PEL).</summary>
public sealed class StreamPel
{
    public readonly List<StreamNack> Items = [];

    public int Count => Items.Count;

    /// <summary>Index of <paramref name="id"/> or ~insertion point.</summary>
    public int Find(StreamId id)
    {
        var items = Items;
        int lo = 0, hi = items.Count - 1;
        if (hi >= 0 && items[hi].Id < id) return ~items.Count;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = items[mid].Id.CompareTo(id);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>First index whose ID is >= <paramref name="id"/>.</summary>
    public int LowerBound(StreamId id)
    {
        int i = Find(id);
        return i >= 0 ? i : ~i;
    }

    public StreamNack? Get(StreamId id)
    {
        int i = Find(id);
        return i >= 0 ? Items[i] : null;
    }

    /// <summary>Adds when absent; false when the ID is already there.</summary>
    public bool TryAdd(StreamNack n)
    {
        int i = Find(n.Id);
        if (i >= 0) return false;
        Items.Insert(~i, n);
        return true;
    }

    public bool Remove(StreamId id)
    {
        int i = Find(id);
        if (i < 0) return false;
        Items.RemoveAt(i);
        return true;
    }
}

public sealed class StreamConsumer(byte[] name, long seenTime)
{
    public readonly byte[] Name = name;
    public long SeenTime = seenTime;
    public readonly StreamPel Pel = new();
}

public sealed class StreamGroup(byte[] name, StreamId lastId, long entriesRead)
{
    public const long InvalidEntriesRead = -1;

    public readonly byte[] Name = name;
    public StreamId LastId = lastId;
    public long EntriesRead = entriesRead;
    public readonly StreamPel Pel = new();
    /// <summary>Ordered by name bytes, as the rax orders them.</summary>
    public readonly List<StreamConsumer> Consumers = [];

    public int FindConsumer(ReadOnlySpan<byte> name) => StreamValue.FindByName(Consumers, name, static c => c.Name);

    public StreamConsumer? Consumer(ReadOnlySpan<byte> name)
    {
        int i = FindConsumer(name);
        return i >= 0 ? Consumers[i] : null;
    }
}

/// <summary>
/// A stream (t_stream.c of Redis 7.0): entries ordered by ID in macro nodes that split where Redis's listpacks
/// do, deletions flagged in place; consumer groups with their PELs. Keeps last-id, max-deleted-entry-id,
/// entries-added and the recorded first entry ID as 7.0 does.
/// </summary>
public sealed class StreamValue : StoredObject
{
    public StreamValue(byte[] key) : base(key)
    {
    }

    public override ValueKind Kind => ValueKind.Stream;

    public override ReadOnlySpan<byte> Encoding => "stream"u8;

    /// <summary>Nodes ordered by master ID.</summary>
    public readonly List<StreamNode> Nodes = [];

    public long Length;
    public StreamId LastId;
    public StreamId FirstId;
    public StreamId MaxDeletedId;
    public long EntriesAdded;

    /// <summary>
    /// Bumped where Redis calls signalKeyAsReady on a stream (XADD, XGROUP DESTROY): blocked readers only look
    /// again when it moved, so writes that Redis does not signal (XSETID, XGROUP SETID ...) leave them waiting.
    /// </summary>
    public long Signals;

    /// <summary>Consumer groups ordered by name; null until the first one.</summary>
    public List<StreamGroup>? Groups;

    public static int FindByName<T>(List<T> list, ReadOnlySpan<byte> name, Func<T, byte[]> nameOf)
    {
        int lo = 0, hi = list.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = nameOf(list[mid]).AsSpan().SequenceCompareTo(name);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    public StreamGroup? Group(ReadOnlySpan<byte> name)
    {
        if (Groups == null) return null;
        int i = FindByName(Groups, name, static g => g.Name);
        return i >= 0 ? Groups[i] : null;
    }

    /// <summary>
    /// Appends an entry with <paramref name="id"/> (already validated greater than <see cref="LastId"/>), splitting
    /// nodes where Redis would.
    /// </summary>
    public void Append(StreamId id, byte[][] fv, long nodeMaxBytes, long nodeMaxEntries)
    {
        int nf = fv.Length / 2;
        StreamNode? node = Nodes.Count > 0 ? Nodes[^1] : null;
        if (node != null)
        {
            long maxBytes = nodeMaxBytes == 0 || nodeMaxBytes > (1L << 30) ? 1L << 30 : nodeMaxBytes;
            long total = 0;
            foreach (var x in fv) total += x.Length;
            if (node.LpBytes + total >= maxBytes) node = null;
            else if (nodeMaxEntries != 0 && node.Live + node.DeletedCount >= nodeMaxEntries) node = null;
        }
        bool same;
        if (node == null)
        {
            var fields = new byte[nf][];
            for (int i = 0; i < nf; i++) fields[i] = fv[i * 2];
            node = new StreamNode(id, fields);
            Nodes.Add(node);
            same = true;
        }
        else
        {
            same = nf == node.MasterFields.Length;
            for (int i = 0; same && i < nf; i++)
                if (!fv[i * 2].AsSpan().SequenceEqual(node.MasterFields[i])) same = false;
        }
        long bytes = Listpack.IntSize(same ? 2 : 0)
                     + Listpack.IntSize((long)(id.Ms - node.Master.Ms))
                     + Listpack.IntSize((long)(id.Seq - node.Master.Seq));
        if (same)
        {
            for (int i = 0; i < nf; i++) bytes += Listpack.StrSize(fv[i * 2 + 1]);
            bytes += Listpack.IntSize(nf + 3);
        }
        else
        {
            bytes += Listpack.IntSize(nf);
            foreach (var x in fv) bytes += Listpack.StrSize(x);
            bytes += Listpack.IntSize(nf * 2 + 4);
        }
        node.BodyBytes += bytes;
        node.Entries.Add(new StreamEntry(id, StreamEntry.Pack(fv, same), fv.Length, same ? node.MasterFields : null));
        node.Live++;
        Length++;
        LastId = id;
        EntriesAdded++;
        if (Length == 1) FirstId = id;
    }

    /// <summary>Index of the node that could hold <paramref name="id"/> (last node whose master is &lt;= id), or -1.</summary>
    public int NodeFor(StreamId id)
    {
        int lo = 0, hi = Nodes.Count - 1, ans = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Nodes[mid].Master <= id)
            {
                ans = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return ans;
    }

    /// <summary>The live entry with <paramref name="id"/>, or null.</summary>
    public StreamEntry? Get(StreamId id)
    {
        int n = NodeFor(id);
        if (n < 0) return null;
        int i = Nodes[n].Find(id);
        if (i < 0) return null;
        var e = Nodes[n].Entries[i];
        return e.Deleted ? null : e;
    }

    /// <summary>Deletes the live entry <paramref name="id"/> as XDEL does; false when absent.</summary>
    public bool Delete(StreamId id)
    {
        int n = NodeFor(id);
        if (n < 0) return false;
        var node = Nodes[n];
        int i = node.Find(id);
        if (i < 0 || node.Entries[i].Deleted) return false;
        node.Entries[i].Deleted = true;
        node.Live--;
        node.DeletedCount++;
        if (node.Live == 0) Nodes.RemoveAt(n);
        Length--;
        return true;
    }

    /// <summary>First (or last) live entry ID; Min/Max-like defaults when empty as streamGetEdgeID.</summary>
    public StreamId EdgeId(bool first)
    {
        if (first)
        {
            foreach (var node in Nodes)
                foreach (var e in node.Entries)
                    if (!e.Deleted) return e.Id;
            return StreamId.Max;
        }
        for (int n = Nodes.Count - 1; n >= 0; n--)
        {
            var es = Nodes[n].Entries;
            for (int i = es.Count - 1; i >= 0; i--)
                if (!es[i].Deleted) return es[i].Id;
        }
        return StreamId.Min;
    }

    /// <summary>Live entries from <paramref name="start"/> to <paramref name="end"/> inclusive, forwards or backwards.</summary>
    public IEnumerable<StreamEntry> Range(StreamId start, StreamId end, bool rev)
    {
        if (start > end) yield break;
        if (!rev)
        {
            int n = NodeFor(start);
            if (n < 0) n = 0;
            for (; n < Nodes.Count; n++)
            {
                var node = Nodes[n];
                if (node.Master > end) yield break;
                int i = node.Find(start);
                if (i < 0) i = ~i;
                for (; i < node.Entries.Count; i++)
                {
                    var e = node.Entries[i];
                    if (e.Id > end) yield break;
                    if (!e.Deleted) yield return e;
                }
            }
        }
        else
        {
            int n = NodeFor(end);
            for (; n >= 0; n--)
            {
                var node = Nodes[n];
                int i = node.Find(end);
                if (i < 0) i = ~i - 1;
                for (; i >= 0; i--)
                {
                    var e = node.Entries[i];
                    if (e.Id < start) yield break;
                    if (!e.Deleted) yield return e;
                }
            }
        }
    }

    /// <summary>streamTrim: MAXLEN (when <paramref name="byMaxLen"/>) or MINID; returns entries removed.</summary>
    public long Trim(bool byMaxLen, long maxLen, StreamId minId, bool approx, long limit)
    {
        long deleted = 0;
        while (Nodes.Count > 0)
        {
            if (byMaxLen && Length <= maxLen) break;
            var node = Nodes[0];
            long entries = node.Live;
            if (limit != 0 && deleted + entries > limit) break;
            bool removeNode;
            if (byMaxLen) removeNode = Length - entries >= maxLen;
            else removeNode = node.Entries[^1].Id < minId;
            if (removeNode)
            {
                Nodes.RemoveAt(0);
                Length -= entries;
                deleted += entries;
                continue;
            }
            if (approx) break;
            long fromNode = 0;
            foreach (var e in node.Entries)
            {
                bool stop = byMaxLen ? Length <= maxLen : e.Id >= minId;
                if (stop) break;
                if (!e.Deleted)
                {
                    e.Deleted = true;
                    fromNode++;
                    Length--;
                }
            }
            node.Live -= (int)fromNode;
            node.DeletedCount += (int)fromNode;
            deleted += fromNode;
            break;
        }
        if (Length == 0) FirstId = StreamId.Min;
        else if (deleted != 0) FirstId = EdgeId(true);
        return deleted;
    }

    /// <summary>streamRangeHasTombstones.</summary>
    public bool RangeHasTombstones(StreamId start, StreamId end)
    {
        if (Length == 0 || MaxDeletedId.IsZero) return false;
        if (FirstId > MaxDeletedId) return false;
        return start <= MaxDeletedId && MaxDeletedId <= end;
    }

    /// <summary>streamEstimateDistanceFromFirstEverEntry; -1 when it cannot be known.</summary>
    public long EstimateDistance(StreamId id)
    {
        if (EntriesAdded == 0) return 0;
        if (Length == 0 && id <= LastId) return EntriesAdded;
        int cmpLast = id.CompareTo(LastId);
        if (cmpLast == 0) return EntriesAdded;
        if (cmpLast > 0) return StreamGroup.InvalidEntriesRead;
        int cmpFirst = id.CompareTo(FirstId);
        if (MaxDeletedId.IsZero || MaxDeletedId < FirstId)
        {
            if (cmpFirst < 0) return EntriesAdded - Length;
            if (cmpFirst == 0) return EntriesAdded - Length + 1;
        }
        return StreamGroup.InvalidEntriesRead;
    }

    /// <summary>The group's lag as XINFO shows it, or null when unknown (streamReplyWithCGLag).</summary>
    public long? Lag(StreamGroup g)
    {
        if (EntriesAdded == 0) return 0;
        if (g.EntriesRead != StreamGroup.InvalidEntriesRead && !RangeHasTombstones(g.LastId, StreamId.Max))
            return EntriesAdded - g.EntriesRead;
        long er = EstimateDistance(g.LastId);
        if (er != StreamGroup.InvalidEntriesRead) return EntriesAdded - er;
        return null;
    }

    public override StoredObject CloneWithKey(byte[] key)
    {
        var c = new StreamValue(key)
        {
            ExpireAt = ExpireAt,
            Lru = Lru,
            Length = Length,
            LastId = LastId,
            FirstId = FirstId,
            MaxDeletedId = MaxDeletedId,
            EntriesAdded = EntriesAdded,
        };
        foreach (var n in Nodes)
        {
            var nn = new StreamNode(n.Master, n.MasterFields) { Live = n.Live, DeletedCount = n.DeletedCount, BodyBytes = n.BodyBytes };
            foreach (var e in n.Entries) nn.Entries.Add(new StreamEntry(e.Id, e.Data, e.Items, e.SameFields ? nn.MasterFields : null) { Deleted = e.Deleted });
            c.Nodes.Add(nn);
        }
        if (Groups != null)
        {
            c.Groups = [];
            foreach (var g in Groups)
            {
                var ng = new StreamGroup(g.Name, g.LastId, g.EntriesRead);
                foreach (var cons in g.Consumers) ng.Consumers.Add(new StreamConsumer(cons.Name, cons.SeenTime));
                foreach (var nack in g.Pel.Items)
                {
                    StreamConsumer? owner = nack.Consumer == null ? null : ng.Consumer(nack.Consumer.Name);
                    var nn = new StreamNack(nack.Id, owner, nack.DeliveryTime) { DeliveryCount = nack.DeliveryCount };
                    ng.Pel.Items.Add(nn);
                    owner?.Pel.Items.Add(nn);
                }
                c.Groups.Add(ng);
            }
        }
        return c;
    }

    public override long MemoryUsage
    {
        get
        {
            long m = 80;
            foreach (var n in Nodes) m += 64 + n.LpBytes;
            if (Groups != null)
                foreach (var g in Groups) m += 96 + g.Pel.Count * 48L + g.Consumers.Count * 64L;
            return m;
        }
    }
}
