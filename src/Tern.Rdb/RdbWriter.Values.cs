using System.Buffers;
using System.Buffers.Binary;

namespace Tern.Rdb;

/// <summary>
/// Value encodings, chosen as redis-server 7.0 chooses its in-memory encoding (which it then saves as is):
/// string 0; list QUICKLIST_2 (18) split into listpack nodes as RPUSH would; set INTSET (11) or SET (2); zset
/// ZSET_LISTPACK (17) or ZSET_2 (5); hash HASH_LISTPACK (16) or HASH (4); stream STREAM_LISTPACKS_2 (19).
/// A hash with field TTLs uses Redis 7.4's HASH_LISTPACK_EX (25) / HASH_METADATA (24): only Redis 7.4+ loads it.
/// </summary>
public sealed partial class RdbWriter
{
    /// <summary>Quicklist's packed_threshold in Redis 7.0: elements of 1 GB or more get a PLAIN node.</summary>
    private const long PackedThreshold = 1L << 30;

    /// <summary>Quicklist's SIZE_SAFETY_LIMIT and SIZE_ESTIMATE_OVERHEAD.</summary>
    private const int QuicklistSafetyLimit = 8192;
    private const int QuicklistEstimateOverhead = 8;

    private static readonly int[] QuicklistOptimizationLevel = [4096, 8192, 16384, 32768, 65536];

    /// <summary>STREAM_LISTPACK_MAX_SIZE.</summary>
    private const long StreamListpackMaxSize = 1L << 30;

    /// <summary>
    /// A key of any type: [expire][idle][freq] type, key, value. An empty list, set, sorted set or hash is not
    /// written at all (Redis never holds one and its loader drops them as "empty keys").
    /// </summary>
    public void WriteKey(ReadOnlySpan<byte> key, RdbValue value, long expireAtMs = -1, long idleSeconds = -1,
        int freq = -1)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (IsEmptyAggregate(value)) return;
        WriteKeyPrefix(expireAtMs, idleSeconds, freq);
        byte type = ChooseType(value);
        WriteByte(type);
        WriteString(key);
        WriteValue(type, value);
    }

    /// <summary>Type byte + value (the start of a DUMP payload); false (nothing written) for an empty aggregate.</summary>
    private bool WriteTypedValue(RdbValue value)
    {
        if (IsEmptyAggregate(value)) return false;
        byte type = ChooseType(value);
        WriteByte(type);
        WriteValue(type, value);
        return true;
    }

    private static bool IsEmptyAggregate(RdbValue value) => value switch
    {
        RdbList l => l.Items.Count == 0,
        RdbSet s => s.Members.Count == 0,
        RdbZSet z => z.Members.Count == 0,
        RdbHash h => h.Fields.Count == 0,
        _ => false,
    };

    private byte ChooseType(RdbValue value)
    {
        switch (value)
        {
            case RdbString:
                return RdbFormat.TypeString;
            case RdbList:
                return RdbFormat.TypeListQuicklist2;
            case RdbSet s:
                return IsIntset(s) ? RdbFormat.TypeSetIntset : RdbFormat.TypeSet;
            case RdbZSet z:
                return ZSetFitsListpack(z) ? RdbFormat.TypeZSetListpack : RdbFormat.TypeZSet2;
            case RdbHash h:
                bool lp = HashFitsListpack(h);
                if (h.HasFieldTtls) return lp ? RdbFormat.TypeHashListpackEx : RdbFormat.TypeHashMetadata;
                return lp ? RdbFormat.TypeHashListpack : RdbFormat.TypeHash;
            case RdbStream:
                return RdbFormat.TypeStreamListpacks2;
            case RdbSkippedModule m:
                throw new NotSupportedException($"A module value ({m.ModuleName}) cannot be written: its data was skipped.");
            default:
                throw new NotSupportedException($"Unknown RDB value {value.GetType().Name}.");
        }
    }

    private void WriteValue(byte type, RdbValue value)
    {
        switch (type)
        {
            case RdbFormat.TypeString: WriteString(((RdbString)value).Value); break;
            case RdbFormat.TypeListQuicklist2: WriteQuicklist((RdbList)value); break;
            case RdbFormat.TypeSetIntset: WriteIntset((RdbSet)value); break;
            case RdbFormat.TypeSet: WriteSetTable((RdbSet)value); break;
            case RdbFormat.TypeZSetListpack: WriteZSetListpack((RdbZSet)value); break;
            case RdbFormat.TypeZSet2: WriteZSetSkiplist((RdbZSet)value); break;
            case RdbFormat.TypeHashListpack: WriteHashListpack((RdbHash)value); break;
            case RdbFormat.TypeHash: WriteHashTable((RdbHash)value); break;
            case RdbFormat.TypeHashListpackEx: WriteHashListpackEx((RdbHash)value); break;
            case RdbFormat.TypeHashMetadata: WriteHashMetadata((RdbHash)value); break;
            case RdbFormat.TypeStreamListpacks2: WriteStream((RdbStream)value); break;
            default: throw new InvalidOperationException("unreachable");
        }
    }

    // ---- lists ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Whether quicklist would append an element of <paramref name="sz"/> bytes to a tail node holding
    /// <paramref name="count"/> elements in <paramref name="nodeBytes"/> bytes (_quicklistNodeAllowInsert).
    /// </summary>
    private static bool QuicklistAllowInsert(int nodeBytes, int count, long sz, int fill)
    {
        long newSz = nodeBytes + sz + QuicklistEstimateOverhead;
        if (fill < 0)
        {
            int offset = -fill - 1;
            if (offset < QuicklistOptimizationLevel.Length) return newSz <= QuicklistOptimizationLevel[offset];
        }
        if (newSz > QuicklistSafetyLimit) return false;
        return count < fill;
    }

    /// <summary>The number of nodes RPUSH of every element would give (WriteQuicklist makes the same cuts).</summary>
    private int CountQuicklistNodes(List<byte[]> items)
    {
        int fill = _opt.ListMaxListpackSize;
        int nodes = 0;
        bool open = false; // a packed tail node exists
        int nodeBytes = 0, count = 0;
        foreach (var e in items)
        {
            if (e.LongLength >= PackedThreshold)
            {
                nodes++;
                open = false;
                continue;
            }
            if (!open || !QuicklistAllowInsert(nodeBytes, count, e.Length, fill))
            {
                nodes++;
                open = true;
                nodeBytes = ListpackBuilder.HeaderSize + 1;
                count = 0;
            }
            nodeBytes += ListpackBuilder.EntrySize(e);
            count++;
        }
        return nodes;
    }

    private void WriteQuicklist(RdbList list)
    {
        var items = list.Items;
        int fill = _opt.ListMaxListpackSize;
        WriteLength((ulong)CountQuicklistNodes(items));
        var lp = Listpack();
        bool open = false;
        foreach (var e in items)
        {
            if (e.LongLength >= PackedThreshold)
            {
                if (open) WritePackedNode(lp);
                open = false;
                WriteLength(RdbFormat.QuicklistNodePlain);
                WriteString(e);
                continue;
            }
            if (open && !QuicklistAllowInsert(lp.Bytes, lp.Count, e.Length, fill))
            {
                WritePackedNode(lp);
                open = false;
            }
            if (!open)
            {
                lp.Reset();
                open = true;
            }
            lp.Append(e);
        }
        if (open) WritePackedNode(lp);
    }

    private void WritePackedNode(ListpackBuilder lp)
    {
        WriteLength(RdbFormat.QuicklistNodePacked);
        WriteString(lp.Finish());
    }

    // ---- sets -------------------------------------------------------------------------------------------------

    private bool IsIntset(RdbSet s)
    {
        if (s.Members.Count > _opt.SetMaxIntsetEntries) return false;
        foreach (var m in s.Members)
            if (!RdbNumbers.TryParseCanonicalInt64(m, out _)) return false;
        return true;
    }

    /// <summary>intset blob: u32 encoding (2, 4 or 8 bytes per value, the smallest that holds all), u32 count,
    /// the values ascending; all little-endian.</summary>
    private void WriteIntset(RdbSet s)
    {
        int n = s.Members.Count;
        var values = ArrayPool<long>.Shared.Rent(n);
        try
        {
            int width = 2;
            for (int i = 0; i < n; i++)
            {
                RdbNumbers.TryParseCanonicalInt64(s.Members[i], out long v);
                values[i] = v;
                if (v < int.MinValue || v > int.MaxValue) width = 8;
                else if ((v < short.MinValue || v > short.MaxValue) && width < 4) width = 4;
            }
            Array.Sort(values, 0, n);
            int total = 8 + n * width;
            var blob = ArrayPool<byte>.Shared.Rent(total);
            try
            {
                var b = blob.AsSpan(0, total);
                BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)width);
                BinaryPrimitives.WriteUInt32LittleEndian(b.Slice(4), (uint)n);
                for (int i = 0; i < n; i++)
                {
                    var d = b.Slice(8 + i * width);
                    if (width == 2) BinaryPrimitives.WriteInt16LittleEndian(d, (short)values[i]);
                    else if (width == 4) BinaryPrimitives.WriteInt32LittleEndian(d, (int)values[i]);
                    else BinaryPrimitives.WriteInt64LittleEndian(d, values[i]);
                }
                WriteString(b);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(blob);
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(values);
        }
    }

    private void WriteSetTable(RdbSet s)
    {
        WriteLength((ulong)s.Members.Count);
        foreach (var m in s.Members) WriteString(m);
    }

    // ---- sorted sets ------------------------------------------------------------------------------------------

    private bool ZSetFitsListpack(RdbZSet z)
    {
        if (z.Members.Count > _opt.ZSetMaxListpackEntries) return false;
        foreach (var m in z.Members)
            if (m.Member.Length > _opt.ZSetMaxListpackValue) return false;
        return true;
    }

    /// <summary>Score ascending, then member bytes (memcmp, shorter first): the skiplist and listpack order.</summary>
    private static int CompareZ(RdbZMember a, RdbZMember b)
    {
        if (a.Score < b.Score) return -1;
        if (a.Score > b.Score) return 1;
        return a.Member.AsSpan().SequenceCompareTo(b.Member);
    }

    private static RdbZMember[] SortedZ(RdbZSet z)
    {
        var arr = z.Members.ToArray();
        Array.Sort(arr, CompareZ);
        return arr;
    }

    /// <summary>Member, score pairs ascending; a score that is an integral double within ±2^62 is an integer
    /// entry, any other is its d2string text (zzlInsertAt).</summary>
    private void WriteZSetListpack(RdbZSet z)
    {
        var lp = Listpack();
        Span<byte> num = stackalloc byte[32];
        foreach (var m in SortedZ(z))
        {
            lp.Append(m.Member);
            if (RdbNumbers.TryDoubleToInt64(m.Score, out long l)) lp.AppendInteger(l);
            else lp.Append(num.Slice(0, RdbNumbers.FormatDouble(m.Score, num)));
        }
        WriteString(lp.Finish());
    }

    /// <summary>ZSET_2: count, then member + binary double from the highest score down (rdb.c walks the skiplist
    /// from its tail).</summary>
    private void WriteZSetSkiplist(RdbZSet z)
    {
        var arr = SortedZ(z);
        WriteLength((ulong)arr.Length);
        for (int i = arr.Length - 1; i >= 0; i--)
        {
            WriteString(arr[i].Member);
            WriteDouble(arr[i].Score);
        }
    }

    // ---- hashes -----------------------------------------------------------------------------------------------

    private bool HashFitsListpack(RdbHash h)
    {
        if (h.Fields.Count > _opt.HashMaxListpackEntries) return false;
        int max = _opt.HashMaxListpackValue;
        foreach (var f in h.Fields)
            if (f.Field.Length > max || f.Value.Length > max) return false;
        return true;
    }

    private void WriteHashListpack(RdbHash h)
    {
        var lp = Listpack();
        foreach (var f in h.Fields)
        {
            lp.Append(f.Field);
            lp.Append(f.Value);
        }
        WriteString(lp.Finish());
    }

    private void WriteHashTable(RdbHash h)
    {
        WriteLength((ulong)h.Fields.Count);
        foreach (var f in h.Fields)
        {
            WriteString(f.Field);
            WriteString(f.Value);
        }
    }

    private static long MinFieldExpire(RdbHash h)
    {
        long min = long.MaxValue;
        foreach (var f in h.Fields)
            if (f.ExpireAtMs != 0 && f.ExpireAtMs < min) min = f.ExpireAtMs;
        return min == long.MaxValue ? 0 : min;
    }

    /// <summary>7.4's HASH_LISTPACK_EX: int64 LE min expire, then a listpack of (field, value, expire-at-ms or 0)
    /// triples ordered by expiry, fields without a TTL last.</summary>
    private void WriteHashListpackEx(RdbHash h)
    {
        WriteInt64(MinFieldExpire(h));
        var order = new int[h.Fields.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var fields = h.Fields;
        Array.Sort(order, (a, b) =>
        {
            ulong ta = (ulong)(fields[a].ExpireAtMs == 0 ? long.MaxValue : fields[a].ExpireAtMs);
            ulong tb = (ulong)(fields[b].ExpireAtMs == 0 ? long.MaxValue : fields[b].ExpireAtMs);
            return ta != tb ? ta.CompareTo(tb) : a.CompareTo(b);
        });
        var lp = Listpack();
        foreach (int i in order)
        {
            lp.Append(fields[i].Field);
            lp.Append(fields[i].Value);
            lp.AppendInteger(fields[i].ExpireAtMs);
        }
        WriteString(lp.Finish());
    }

    /// <summary>7.4's HASH_METADATA: int64 LE min expire, count, then per field len(0 or expire - min + 1),
    /// field, value.</summary>
    private void WriteHashMetadata(RdbHash h)
    {
        long min = MinFieldExpire(h);
        WriteInt64(min);
        WriteLength((ulong)h.Fields.Count);
        foreach (var f in h.Fields)
        {
            WriteLength(f.ExpireAtMs == 0 ? 0 : (ulong)(f.ExpireAtMs - min) + 1);
            WriteString(f.Field);
            WriteString(f.Value);
        }
    }

    // ---- streams ----------------------------------------------------------------------------------------------

    private const int StreamFlagSameFields = 2;

    /// <summary>
    /// STREAM_LISTPACKS_2: the entries laid out in nodes as XADD builds them (t_stream.c streamAppendItem): a node
    /// starts with its master entry (count, deleted, nfields, fields..., 0) taken from its first entry; each entry is
    /// flags, ms-diff, seq-diff, [nfields, fields...] values..., lp-count, with SAMEFIELDS when its field names equal
    /// the master's. A new node starts when the tail's bytes plus the new entry's field and value bytes reach
    /// stream-node-max-bytes or when it holds stream-node-max-entries entries. Only live entries exist in the model,
    /// so nodes hold no deleted entries; the length written is the number of entries (<see cref="RdbStream.Length"/>
    /// is not used), a missing first ID / entries_added / a last ID behind the last entry are derived from them.
    /// Groups and consumers are written in name order, PELs in ID order, as Redis's radix trees give them.
    /// </summary>
    private void WriteStream(RdbStream s)
    {
        var nodes = BuildStreamNodes(s);
        WriteLength((ulong)nodes.Count);
        Span<byte> key = stackalloc byte[16];
        foreach (var (master, blob) in nodes)
        {
            BinaryPrimitives.WriteUInt64BigEndian(key, master.Ms);
            BinaryPrimitives.WriteUInt64BigEndian(key.Slice(8), master.Seq);
            WriteString(key);
            WriteString(blob);
        }

        var entries = s.Entries;
        var last = s.LastId;
        var first = s.FirstId;
        ulong added = s.EntriesAdded;
        if (entries.Count > 0)
        {
            if (last.CompareTo(entries[^1].Id) < 0) last = entries[^1].Id;
            if (first == default) first = entries[0].Id;
            if (added < (ulong)entries.Count) added = (ulong)entries.Count;
        }
        WriteLength((ulong)entries.Count);
        WriteLength(last.Ms);
        WriteLength(last.Seq);
        WriteLength(first.Ms);
        WriteLength(first.Seq);
        WriteLength(s.MaxDeletedId.Ms);
        WriteLength(s.MaxDeletedId.Seq);
        WriteLength(added);

        // Groups and consumers in radix-tree order (name bytes); PELs in ID order.
        var groups = s.Groups.ToArray();
        Array.Sort(groups, (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        WriteLength((ulong)groups.Length);
        foreach (var g in groups)
        {
            WriteString(g.Name);
            WriteLength(g.LastId.Ms);
            WriteLength(g.LastId.Seq);
            WriteLength((ulong)g.EntriesRead); // -1 (unknown) is saved as 2^64-1, as Redis does
            var pel = g.Pending.ToArray();
            Array.Sort(pel, (a, b) => a.Id.CompareTo(b.Id));
            WriteLength((ulong)pel.Length);
            foreach (var p in pel)
            {
                WriteStreamId(p.Id);
                WriteInt64(p.DeliveryTimeMs);
                WriteLength(p.DeliveryCount);
            }
            var consumers = g.Consumers.ToArray();
            Array.Sort(consumers, (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
            WriteLength((ulong)consumers.Length);
            foreach (var c in consumers)
            {
                WriteString(c.Name);
                WriteInt64(c.SeenTimeMs);
                var ids = c.Pending.ToArray();
                Array.Sort(ids);
                WriteLength((ulong)ids.Length);
                foreach (var id in ids) WriteStreamId(id);
            }
        }
    }

    private void WriteStreamId(RdbStreamId id)
    {
        var b = Reserve(16);
        BinaryPrimitives.WriteUInt64BigEndian(b, id.Ms);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(8), id.Seq);
        _pos += 16;
    }

    private List<(RdbStreamId Master, byte[] Blob)> BuildStreamNodes(RdbStream s)
    {
        var result = new List<(RdbStreamId, byte[])>();
        long maxBytes = _opt.StreamNodeMaxBytes;
        if (maxBytes <= 0 || maxBytes > StreamListpackMaxSize) maxBytes = StreamListpackMaxSize;
        long maxEntries = _opt.StreamNodeMaxEntries;

        // The node's listpack without its first element (the live count, rewritten at every append).
        var lp = Listpack();
        bool open = false;
        long count = 0;
        RdbStreamId master = default;
        byte[][]? masterFv = null;
        Span<byte> tmp = stackalloc byte[9];
        foreach (var e in s.Entries)
        {
            var fv = e.FieldsAndValues;
            int numFields = fv.Length / 2;
            long totLen = 0;
            for (int i = 0; i < numFields * 2; i++) totLen += fv[i].Length;
            if (open)
            {
                long bytes = lp.Bytes + ListpackBuilder.EncodeInteger(tmp, count) + 1;
                if (bytes + totLen >= maxBytes || (maxEntries != 0 && count >= maxEntries))
                {
                    result.Add((master, FinishStreamNode(lp, count)));
                    open = false;
                }
            }
            int flags = 0;
            if (!open)
            {
                open = true;
                lp.Reset();
                count = 0;
                master = e.Id;
                masterFv = fv;
                lp.AppendInteger(0); // deleted
                lp.AppendInteger(numFields);
                for (int i = 0; i < numFields; i++) lp.Append(fv[i * 2]);
                lp.AppendInteger(0); // master entry terminator
                flags = StreamFlagSameFields;
            }
            else if (numFields == masterFv!.Length / 2)
            {
                bool same = true;
                for (int i = 0; i < numFields && same; i++) same = fv[i * 2].AsSpan().SequenceEqual(masterFv[i * 2]);
                if (same) flags = StreamFlagSameFields;
            }
            count++;
            lp.AppendInteger(flags);
            lp.AppendInteger((long)(e.Id.Ms - master.Ms));
            lp.AppendInteger((long)(e.Id.Seq - master.Seq));
            bool sameFields = flags == StreamFlagSameFields;
            if (!sameFields) lp.AppendInteger(numFields);
            for (int i = 0; i < numFields; i++)
            {
                if (!sameFields) lp.Append(fv[i * 2]);
                lp.Append(fv[i * 2 + 1]);
            }
            long lpCount = numFields + 3;
            if (!sameFields) lpCount += numFields + 1;
            lp.AppendInteger(lpCount);
        }
        if (open) result.Add((master, FinishStreamNode(lp, count)));
        return result;
    }

    private static byte[] FinishStreamNode(ListpackBuilder lp, long count)
    {
        var body = lp.Finish(); // header + entries + end; the count entry goes first
        Span<byte> enc = stackalloc byte[9];
        int n = ListpackBuilder.EncodeInteger(enc, count);
        int total = body.Length + n + 1;
        var blob = new byte[total];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, (uint)total);
        int elements = lp.Count + 1;
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(4), (ushort)(elements < 65535 ? elements : 65535));
        enc.Slice(0, n).CopyTo(blob.AsSpan(ListpackBuilder.HeaderSize));
        blob[ListpackBuilder.HeaderSize + n] = (byte)n;
        body.Slice(ListpackBuilder.HeaderSize).CopyTo(blob.AsSpan(ListpackBuilder.HeaderSize + n + 1));
        return blob;
    }
}
