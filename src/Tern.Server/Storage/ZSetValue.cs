using Tern.Protocol;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Tern.Server.Storage;

/// <summary>A place in a sorted set: an entry offset in the compact form, or a node in the full form.</summary>
public struct ZPos
{
    internal int Off;
    internal ZNode? Node;

    public static ZPos None => new() { Off = -1 };

    public readonly bool Valid => Off >= 0 || Node != null;
}

/// <summary>What <see cref="ZSetValue.Add"/> did (Redis's ZADD_OUT_* flags).</summary>
[Flags]
public enum ZAddResult
{
    None = 0,
    Nan = 1,
    Added = 2,
    Updated = 4,
    Nop = 8,
}

/// <summary>ZADD's input flags (ZADD_IN_*).</summary>
[Flags]
public enum ZAddFlags
{
    None = 0,
    Incr = 1,
    Nx = 2,
    Xx = 4,
    Gt = 8,
    Lt = 16,
}

/// <summary>
/// A sorted set. Small sets use a compact form that OBJECT ENCODING calls "listpack", as Redis does, while
/// they have at most zset-max-listpack-entries members of at most zset-max-listpack-value bytes: one byte
/// array of entries in (score, member) order, each <c>[length varint][member][score: 8 bytes][length varint,
/// reversed]</c> so it can be walked both ways. Past either threshold it becomes a <see cref="ZSkipList"/>
/// ("skiplist") for good; only a freshly built result (ZUNIONSTORE ...) may start compact again.
/// Scores in the compact form are stored as Redis's listpack stores them, so -0 reads back as 0 there.
/// </summary>
public sealed class ZSetValue : StoredObject, ISortable
{
    private byte[] _lp = [];
    private int _lpUsed;
    private int _lpCount;
    private ZSkipList? _sl;

    private ZSetValue(byte[] key) : base(key) { }

    /// <summary>An empty set in the compact form.</summary>
    public static ZSetValue CreateCompact(byte[] key) => new(key);

    /// <summary>An empty set in the full form.</summary>
    public static ZSetValue CreateFull(byte[] key) => new(key) { _sl = new ZSkipList() };

    public override ValueKind Kind => ValueKind.ZSet;

    public override ReadOnlySpan<byte> Encoding => _sl == null ? "listpack"u8 : "skiplist"u8;

    public bool IsCompact => _sl == null;

    /// <summary>The full form (null while compact).</summary>
    public ZSkipList? SkipList => _sl;

    public long Count => _sl?.Length ?? _lpCount;

    public override long MemoryUsage => 48 + (_sl?.MemoryEstimate ?? 24 + _lp.Length);

    public override StoredObject CloneWithKey(byte[] key)
    {
        var z = new ZSetValue(key) { ExpireAt = ExpireAt, Lru = Lru };
        if (_sl == null)
        {
            z._lp = _lp.AsSpan(0, _lpUsed).ToArray();
            z._lpUsed = _lpUsed;
            z._lpCount = _lpCount;
        }
        else
        {
            z._sl = new ZSkipList();
            for (var n = _sl.Last; n != null; n = n.Prev) z._sl.Insert(n.Score, n.Member.AsSpan().ToArray());
        }
        return z;
    }

    // ---- compact form: entry layout ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VarLen(int n) => n < 1 << 7 ? 1 : n < 1 << 14 ? 2 : n < 1 << 21 ? 3 : n < 1 << 28 ? 4 : 5;

    private static int EntrySize(int memberLen) => 2 * VarLen(memberLen) + memberLen + 8;

    /// <summary>Reads the entry at <paramref name="off"/>; returns the offset of the next one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ReadEntry(int off, out int memberStart, out int memberLen)
    {
        var lp = _lp;
        int len = 0, shift = 0, p = off;
        byte b;
        do
        {
            b = lp[p++];
            len |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        memberStart = p;
        memberLen = len;
        return p + len + 8 + (p - off);
    }

    private double ScoreOf(int memberStart, int memberLen) =>
        BinaryPrimitives.ReadDoubleLittleEndian(_lp.AsSpan(memberStart + memberLen, 8));

    /// <summary>The offset of the entry before <paramref name="off"/>, or -1.</summary>
    private int PrevEntry(int off)
    {
        if (off <= 0) return -1;
        var lp = _lp;
        int p = off - 1, len = 0, shift = 0, vl = 0;
        byte b;
        do
        {
            b = lp[p--];
            len |= (b & 0x7F) << shift;
            shift += 7;
            vl++;
        } while ((b & 0x80) != 0);
        return off - (2 * vl + len + 8);
    }

    private void WriteEntry(int off, ReadOnlySpan<byte> member, double score)
    {
        var lp = _lp;
        int len = member.Length, vl = VarLen(len), p = off;
        for (int i = 0; i < vl; i++)
        {
            int bits = (len >> (7 * i)) & 0x7F;
            lp[p++] = (byte)(i < vl - 1 ? bits | 0x80 : bits);
        }
        member.CopyTo(lp.AsSpan(p));
        p += len;
        // As listpack, which stores integral scores as integers: -0 comes back as 0.
        if (score == 0) score = 0.0;
        BinaryPrimitives.WriteDoubleLittleEndian(lp.AsSpan(p, 8), score);
        p += 8;
        // The same varint reversed: read backwards, the low bits come first.
        for (int i = 0; i < vl; i++)
        {
            int bits = (len >> (7 * i)) & 0x7F;
            lp[p + vl - 1 - i] = (byte)(i < vl - 1 ? bits | 0x80 : bits);
        }
    }

    private void CompactInsertAt(int off, ReadOnlySpan<byte> member, double score)
    {
        int size = EntrySize(member.Length);
        int need = _lpUsed + size;
        if (need > _lp.Length)
        {
            var nb = new byte[Math.Max(16, need + need / 4)];
            _lp.AsSpan(0, off).CopyTo(nb);
            _lp.AsSpan(off, _lpUsed - off).CopyTo(nb.AsSpan(off + size));
            _lp = nb;
        }
        else
        {
            _lp.AsSpan(off, _lpUsed - off).CopyTo(_lp.AsSpan(off + size));
        }
        WriteEntry(off, member, score);
        _lpUsed = need;
        _lpCount++;
    }

    /// <summary>Deletes <paramref name="count"/> entries starting at <paramref name="off"/>.</summary>
    private void CompactDeleteAt(int off, int count)
    {
        int end = off;
        for (int i = 0; i < count && end < _lpUsed; i++) end = ReadEntry(end, out _, out _);
        _lp.AsSpan(end, _lpUsed - end).CopyTo(_lp.AsSpan(off));
        _lpUsed -= end - off;
        _lpCount -= count;
        if (_lp.Length > 64 && _lpUsed < _lp.Length / 4) _lp = _lp.AsSpan(0, _lpUsed + _lpUsed / 4).ToArray();
    }

    /// <summary>zzlFind: the offset of <paramref name="member"/>'s entry, or -1.</summary>
    private int CompactFind(ReadOnlySpan<byte> member, out double score)
    {
        int off = 0;
        while (off < _lpUsed)
        {
            int next = ReadEntry(off, out int ms, out int ml);
            if (ml == member.Length && _lp.AsSpan(ms, ml).SequenceEqual(member))
            {
                score = ScoreOf(ms, ml);
                return off;
            }
            off = next;
        }
        score = 0;
        return -1;
    }

    /// <summary>zzlInsert: before the first entry with a greater score, or an equal score and greater member.</summary>
    private void CompactInsert(ReadOnlySpan<byte> member, double score)
    {
        int off = 0;
        while (off < _lpUsed)
        {
            int next = ReadEntry(off, out int ms, out int ml);
            double s = ScoreOf(ms, ml);
            if (s > score) break;
            if (s == score && _lp.AsSpan(ms, ml).SequenceCompareTo(member) > 0) break;
            off = next;
        }
        CompactInsertAt(off, member, score);
    }

    // ---- conversions ----

    /// <summary>zsetConvert to skiplist (one way).</summary>
    public void ConvertToFull()
    {
        if (_sl != null) return;
        var sl = new ZSkipList();
        int off = 0;
        while (off < _lpUsed)
        {
            int next = ReadEntry(off, out int ms, out int ml);
            sl.Insert(ScoreOf(ms, ml), _lp.AsSpan(ms, ml).ToArray());
            off = next;
        }
        _sl = sl;
        _lp = [];
        _lpUsed = 0;
        _lpCount = 0;
    }

    /// <summary>
    /// zsetConvertToListpackIfNeeded for a freshly built result: compact again when it fits the thresholds
    /// (<paramref name="maxMemberLen"/> is the longest member the builder saw).
    /// </summary>
    public void CompactIfFits(long maxEntries, long maxValue, long maxMemberLen)
    {
        if (_sl == null || _sl.Length > maxEntries || maxMemberLen > maxValue) return;
        var sl = _sl;
        _sl = null;
        _lp = [];
        _lpUsed = 0;
        _lpCount = 0;
        int size = 0;
        for (var n = sl.First; n != null; n = n.Next) size += EntrySize(n.Member.Length);
        _lp = new byte[size];
        for (var n = sl.First; n != null; n = n.Next)
        {
            WriteEntry(_lpUsed, n.Member, n.Score);
            _lpUsed += EntrySize(n.Member.Length);
            _lpCount++;
        }
    }

    // ---- element operations ----

    /// <summary>zsetScore.</summary>
    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        if (_sl == null) return CompactFind(member, out score) >= 0;
        var n = _sl.Find(member);
        score = n?.Score ?? 0;
        return n != null;
    }

    /// <summary>
    /// zsetAdd: adds or updates <paramref name="member"/> under the ZADD flags, converting to the full form when
    /// the set would outgrow the compact thresholds. <paramref name="newScore"/> is the element's score after
    /// the call unless the result is <see cref="ZAddResult.Nop"/> or <see cref="ZAddResult.Nan"/> (Redis's
    /// *newscore, which ZADD INCR replies with).
    /// </summary>
    public ZAddResult Add(double score, ReadOnlySpan<byte> member, ZAddFlags flags, long maxEntries, long maxValue, out double newScore)
    {
        bool incr = (flags & ZAddFlags.Incr) != 0, nx = (flags & ZAddFlags.Nx) != 0, xx = (flags & ZAddFlags.Xx) != 0;
        bool gt = (flags & ZAddFlags.Gt) != 0, lt = (flags & ZAddFlags.Lt) != 0;
        newScore = 0;
        if (double.IsNaN(score)) return ZAddResult.Nan;
        if (_sl == null)
        {
            int off = CompactFind(member, out double cur);
            if (off >= 0)
            {
                if (nx) return ZAddResult.Nop;
                if (incr)
                {
                    score += cur;
                    if (double.IsNaN(score)) return ZAddResult.Nan;
                }
                if ((lt && score >= cur) || (gt && score <= cur)) return ZAddResult.Nop;
                newScore = score;
                if (score != cur)
                {
                    CompactDeleteAt(off, 1);
                    CompactInsert(member, score);
                    return ZAddResult.Updated;
                }
                return ZAddResult.None;
            }
            if (xx) return ZAddResult.Nop;
            if (_lpCount + 1 > maxEntries || member.Length > maxValue)
            {
                ConvertToFull();
            }
            else
            {
                CompactInsert(member, score);
                newScore = score;
                return ZAddResult.Added;
            }
        }
        var sl = _sl!;
        var node = sl.Find(member);
        if (node != null)
        {
            if (nx) return ZAddResult.Nop;
            double cur = node.Score;
            if (incr)
            {
                score += cur;
                if (double.IsNaN(score)) return ZAddResult.Nan;
            }
            if ((lt && score >= cur) || (gt && score <= cur)) return ZAddResult.Nop;
            newScore = score;
            if (score != cur)
            {
                sl.UpdateScore(node, score);
                return ZAddResult.Updated;
            }
            return ZAddResult.None;
        }
        if (xx) return ZAddResult.Nop;
        sl.Insert(score, member.ToArray());
        newScore = score;
        return ZAddResult.Added;
    }

    /// <summary>Adds a member known to be absent to a full-form set (building results).</summary>
    public void InsertNew(double score, byte[] member) => _sl!.Insert(score, member);

    /// <summary>zsetDel.</summary>
    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_sl == null)
        {
            int off = CompactFind(member, out _);
            if (off < 0) return false;
            CompactDeleteAt(off, 1);
            return true;
        }
        var n = _sl.Find(member);
        if (n == null) return false;
        _sl.Remove(n);
        _sl.ShrinkIfNeeded();
        return true;
    }

    /// <summary>zsetRank: 0-based rank from the low end (or the high end), -1 when absent.</summary>
    public long Rank(ReadOnlySpan<byte> member, bool reverse)
    {
        long len = Count;
        if (_sl == null)
        {
            long rank = 0;
            int off = 0;
            while (off < _lpUsed)
            {
                int next = ReadEntry(off, out int ms, out int ml);
                if (ml == member.Length && _lp.AsSpan(ms, ml).SequenceEqual(member))
                    return reverse ? len - 1 - rank : rank;
                rank++;
                off = next;
            }
            return -1;
        }
        var n = _sl.Find(member);
        if (n == null) return -1;
        long r = _sl.RankOf(n);
        return reverse ? len - r : r - 1;
    }

    // ---- positions ----

    public ZPos First()
    {
        if (_sl == null) return new ZPos { Off = _lpUsed > 0 ? 0 : -1 };
        return new ZPos { Off = -1, Node = _sl.First };
    }

    public ZPos Last()
    {
        if (_sl == null) return new ZPos { Off = PrevEntry(_lpUsed) };
        return new ZPos { Off = -1, Node = _sl.Last };
    }

    public void Next(ref ZPos p)
    {
        if (_sl == null)
        {
            int next = ReadEntry(p.Off, out _, out _);
            p.Off = next < _lpUsed ? next : -1;
        }
        else p.Node = p.Node!.Next;
    }

    public void Prev(ref ZPos p)
    {
        if (_sl == null) p.Off = PrevEntry(p.Off);
        else p.Node = p.Node!.Prev;
    }

    public ReadOnlySpan<byte> MemberAt(in ZPos p)
    {
        if (p.Node != null) return p.Node.Member;
        ReadEntry(p.Off, out int ms, out int ml);
        return _lp.AsSpan(ms, ml);
    }

    public double ScoreAt(in ZPos p)
    {
        if (p.Node != null) return p.Node.Score;
        ReadEntry(p.Off, out int ms, out int ml);
        return ScoreOf(ms, ml);
    }

    /// <summary>The element at 0-based <paramref name="rank"/> from the low end (lpSeek / zslGetElementByRank).</summary>
    public ZPos AtRank(long rank)
    {
        if (_sl != null) return new ZPos { Off = -1, Node = _sl.ByRank(rank + 1) };
        if (rank < 0 || rank >= _lpCount) return ZPos.None;
        int off = 0;
        for (long i = 0; i < rank; i++) off = ReadEntry(off, out _, out _);
        return new ZPos { Off = off };
    }

    /// <summary>The element at 0-based <paramref name="rank"/> from the high end.</summary>
    public ZPos AtRevRank(long rank)
    {
        if (_sl != null) return new ZPos { Off = -1, Node = _sl.ByRank(_sl.Length - rank) };
        if (rank < 0 || rank >= _lpCount) return ZPos.None;
        var p = Last();
        for (long i = 0; i < rank; i++) Prev(ref p);
        return p;
    }

    /// <summary>1-based rank of a position (zslGetRank; the compact form counts).</summary>
    public long RankOf(in ZPos p)
    {
        if (p.Node != null) return _sl!.RankOf(p.Node);
        long r = 1;
        for (int off = 0; off < p.Off; off = ReadEntry(off, out _, out _)) r++;
        return r;
    }

    // ---- ranges (zzl* / zsl* first/last in range) ----

    public ZPos FirstInRange(in ScoreRange r)
    {
        if (_sl != null) return new ZPos { Off = -1, Node = _sl.FirstInRange(r) };
        if (!CompactIsInRange(r)) return ZPos.None;
        int off = 0;
        while (off < _lpUsed)
        {
            int next = ReadEntry(off, out int ms, out int ml);
            double s = ScoreOf(ms, ml);
            if (r.GteMin(s)) return r.LteMax(s) ? new ZPos { Off = off } : ZPos.None;
            off = next;
        }
        return ZPos.None;
    }

    public ZPos LastInRange(in ScoreRange r)
    {
        if (_sl != null) return new ZPos { Off = -1, Node = _sl.LastInRange(r) };
        if (!CompactIsInRange(r)) return ZPos.None;
        int off = PrevEntry(_lpUsed);
        while (off >= 0)
        {
            ReadEntry(off, out int ms, out int ml);
            double s = ScoreOf(ms, ml);
            if (r.LteMax(s)) return r.GteMin(s) ? new ZPos { Off = off } : ZPos.None;
            off = PrevEntry(off);
        }
        return ZPos.None;
    }

    private bool CompactIsInRange(in ScoreRange r)
    {
        if (r.IsEmpty || _lpUsed == 0) return false;
        if (!r.GteMin(ScoreAt(Last()))) return false;
        return r.LteMax(ScoreAt(First()));
    }

    public ZPos FirstInLexRange(in LexRange r)
    {
        if (_sl != null) return new ZPos { Off = -1, Node = _sl.FirstInLexRange(r) };
        if (!CompactIsInLexRange(r)) return ZPos.None;
        int off = 0;
        while (off < _lpUsed)
        {
            int next = ReadEntry(off, out int ms, out int ml);
            var m = _lp.AsSpan(ms, ml);
            if (r.GteMin(m)) return r.LteMax(m) ? new ZPos { Off = off } : ZPos.None;
            off = next;
        }
        return ZPos.None;
    }

    public ZPos LastInLexRange(in LexRange r)
    {
        if (_sl != null) return new ZPos { Off = -1, Node = _sl.LastInLexRange(r) };
        if (!CompactIsInLexRange(r)) return ZPos.None;
        int off = PrevEntry(_lpUsed);
        while (off >= 0)
        {
            ReadEntry(off, out int ms, out int ml);
            var m = _lp.AsSpan(ms, ml);
            if (r.LteMax(m)) return r.GteMin(m) ? new ZPos { Off = off } : ZPos.None;
            off = PrevEntry(off);
        }
        return ZPos.None;
    }

    private bool CompactIsInLexRange(in LexRange r)
    {
        if (r.IsEmpty || _lpUsed == 0) return false;
        if (!r.GteMin(MemberAt(Last()))) return false;
        return r.LteMax(MemberAt(First()));
    }

    // ---- range deletions ----

    /// <summary>ZREMRANGEBYSCORE's deletion; returns the count removed.</summary>
    public long DeleteRangeByScore(in ScoreRange r)
    {
        if (_sl != null)
        {
            long n = _sl.DeleteRangeByScore(r);
            _sl.ShrinkIfNeeded();
            return n;
        }
        var p = FirstInRange(r);
        if (!p.Valid) return 0;
        int count = 0, off = p.Off;
        while (off < _lpUsed)
        {
            int next = ReadEntry(off, out int ms, out int ml);
            if (!r.LteMax(ScoreOf(ms, ml))) break;
            count++;
            off = next;
        }
        CompactDeleteAt(p.Off, count);
        return count;
    }

    /// <summary>ZREMRANGEBYLEX's deletion; returns the count removed.</summary>
    public long DeleteRangeByLex(in LexRange r)
    {
        if (_sl != null)
        {
            long n = _sl.DeleteRangeByLex(r);
            _sl.ShrinkIfNeeded();
            return n;
        }
        var p = FirstInLexRange(r);
        if (!p.Valid) return 0;
        int count = 0, off = p.Off;
        while (off < _lpUsed)
        {
            int next = ReadEntry(off, out int ms, out int ml);
            if (!r.LteMax(_lp.AsSpan(ms, ml))) break;
            count++;
            off = next;
        }
        CompactDeleteAt(p.Off, count);
        return count;
    }

    /// <summary>ZREMRANGEBYRANK's deletion of 0-based inclusive ranks (already clamped).</summary>
    public long DeleteRangeByRank(long start, long end)
    {
        if (_sl != null)
        {
            long n = _sl.DeleteRangeByRank(start + 1, end + 1);
            _sl.ShrinkIfNeeded();
            return n;
        }
        var p = AtRank(start);
        int count = (int)(end - start + 1);
        CompactDeleteAt(p.Off, count);
        return count;
    }

    /// <summary>Removes the element at a position (pops).</summary>
    public void RemoveAt(in ZPos p)
    {
        if (p.Node != null)
        {
            _sl!.Remove(p.Node);
            _sl.ShrinkIfNeeded();
        }
        else CompactDeleteAt(p.Off, 1);
    }

    /// <summary>A uniformly random element (dictGetFairRandomKey / lpRandomPair).</summary>
    public ZPos Random(Random rng)
    {
        long n = Count;
        return AtRank(rng.NextInt64(n));
    }

    // ---- SORT's view (the sets branch's ISortable) ----

    /// <summary>
    /// Number of elements, for SORT. Redis's SORT first converts a sorted set to a skiplist for good
    /// (sort.c "Destructively convert encoded sorted sets"), so asking for the length does that too.
    /// </summary>
    public long SortLength
    {
        get
        {
            ConvertToFull();
            return Count;
        }
    }

    /// <summary>
    /// Appends <paramref name="count"/> members from 0-based position <paramref name="start"/> in score order, or
    /// counted from the highest and walking down when <paramref name="reverse"/> (SORT ... BY nosort [DESC] [LIMIT]).
    /// </summary>
    public void AppendElements(long start, long count, bool reverse, List<byte[]> dest)
    {
        var p = reverse ? AtRevRank(start) : AtRank(start);
        for (long i = 0; i < count && p.Valid; i++)
        {
            dest.Add(p.Node != null ? p.Node.Member : MemberAt(p).ToArray());
            if (reverse) Prev(ref p);
            else Next(ref p);
        }
    }

    // ---- persistence views ----

    /// <summary>
    /// Redis's listpack bytes for the compact form (what RDB saves): header, then member and score entries as
    /// lpAppend encodes them (integers when the text is one, scores as integers when double2ll allows, else
    /// d2string), then the end byte.
    /// </summary>
    public byte[] ListpackBytes()
    {
        var buf = new List<byte>(_lpUsed + 16);
        for (int i = 0; i < 6; i++) buf.Add(0);
        Span<byte> tmp = stackalloc byte[32];
        int entries = 0;
        for (var p = First(); p.Valid; Next(ref p))
        {
            AppendListpackString(buf, MemberAt(p));
            double s = ScoreAt(p);
            if (CNum.Double2LL(s, out long l)) AppendListpackInteger(buf, l);
            else
            {
                int n = CNum.D2String(s, tmp);
                AppendListpackString(buf, tmp[..n]);
            }
            entries += 2;
        }
        buf.Add(0xFF);
        var arr = buf.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(arr, (uint)arr.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(arr.AsSpan(4), (ushort)Math.Min(entries, 65535));
        return arr;
    }

    private static void AppendListpackString(List<byte> buf, ReadOnlySpan<byte> s)
    {
        if (Tern.Protocol.RespNumber.TryParseInt64(s, out long v) && s.Length < 21)
        {
            AppendListpackInteger(buf, v);
            return;
        }
        int len = s.Length;
        int hdr;
        if (len < 64)
        {
            buf.Add((byte)(0x80 | len));
            hdr = 1;
        }
        else if (len < 4096)
        {
            buf.Add((byte)(0xE0 | (len >> 8)));
            buf.Add((byte)(len & 0xFF));
            hdr = 2;
        }
        else
        {
            buf.Add(0xF0);
            buf.Add((byte)len);
            buf.Add((byte)(len >> 8));
            buf.Add((byte)(len >> 16));
            buf.Add((byte)(len >> 24));
            hdr = 5;
        }
        foreach (byte b in s) buf.Add(b);
        AppendBacklen(buf, hdr + len);
    }

    private static void AppendListpackInteger(List<byte> buf, long v)
    {
        int size;
        if (v >= 0 && v <= 127)
        {
            buf.Add((byte)v);
            size = 1;
        }
        else if (v >= -4096 && v <= 4095)
        {
            long u = v < 0 ? (1L << 13) + v : v;
            buf.Add((byte)((u >> 8) | 0xC0));
            buf.Add((byte)(u & 0xFF));
            size = 2;
        }
        else
        {
            int bytes;
            byte tag;
            if (v >= short.MinValue && v <= short.MaxValue) { bytes = 2; tag = 0xF1; }
            else if (v >= -8388608 && v <= 8388607) { bytes = 3; tag = 0xF2; }
            else if (v >= int.MinValue && v <= int.MaxValue) { bytes = 4; tag = 0xF3; }
            else { bytes = 8; tag = 0xF4; }
            buf.Add(tag);
            ulong u = (ulong)v;
            for (int i = 0; i < bytes; i++) buf.Add((byte)(u >> (8 * i)));
            size = 1 + bytes;
        }
        AppendBacklen(buf, size);
    }

    /// <summary>lpEncodeBacklen.</summary>
    private static void AppendBacklen(List<byte> buf, int l)
    {
        if (l <= 127) buf.Add((byte)l);
        else if (l < 16383)
        {
            buf.Add((byte)(l >> 7));
            buf.Add((byte)((l & 127) | 128));
        }
        else if (l < 2097151)
        {
            buf.Add((byte)(l >> 14));
            buf.Add((byte)(((l >> 7) & 127) | 128));
            buf.Add((byte)((l & 127) | 128));
        }
        else if (l < 268435455)
        {
            buf.Add((byte)(l >> 21));
            buf.Add((byte)(((l >> 14) & 127) | 128));
            buf.Add((byte)(((l >> 7) & 127) | 128));
            buf.Add((byte)((l & 127) | 128));
        }
        else
        {
            buf.Add((byte)(l >> 28));
            buf.Add((byte)(((l >> 21) & 127) | 128));
            buf.Add((byte)(((l >> 14) & 127) | 128));
            buf.Add((byte)(((l >> 7) & 127) | 128));
            buf.Add((byte)((l & 127) | 128));
        }
    }

    /// <summary>
    /// Mixes the elements into a DEBUG DIGEST as debug.c's xorObjectDigest does for a zset: for each element
    /// the digest of (member, "%.17g" of the score), whose SHA1 is xored in (xorDigest).
    /// </summary>
    public void DigestElements(Span<byte> digest)
    {
        Span<byte> ele = stackalloc byte[Digest.Size];
        Span<byte> num = stackalloc byte[32];
        for (var p = First(); p.Valid; Next(ref p))
        {
            ele.Clear();
            Digest.Mix(ele, MemberAt(p));
            int n = Tern.Protocol.RespNumber.FormatDouble(ScoreAt(p), num);
            Digest.Mix(ele, num[..n]);
            Digest.Xor(digest, ele);
        }
    }

    /// <summary>rdbSaveObject's size for this value (DEBUG OBJECT serializedlength).</summary>
    public long RdbSize(bool compression)
    {
        if (_sl == null) return RdbLength.RawString(ListpackBytes(), compression);
        long size = RdbLength.LenSize(_sl.Length);
        for (var n = _sl.Last; n != null; n = n.Prev) size += RdbLength.RawString(n.Member, compression) + 8;
        return size;
    }
}
