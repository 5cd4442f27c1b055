using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Tern.Server.Storage;

/// <summary>One element of a full sorted set: a skiplist node that is also its member's hash table entry.</summary>
public sealed class ZNode
{
    internal ZNode(int level, byte[] member, double score)
    {
        Levels = new ZLevel[level];
        Member = member;
        Score = score;
    }

    public byte[] Member { get; }
    public double Score { get; internal set; }
    internal ZNode? Backward;
    internal ZLevel[] Levels;

    // Member hash table chain.
    internal ZNode? HashNext;
    internal ulong Hash;

    /// <summary>The next node in score order (level 0).</summary>
    public ZNode? Next => Levels[0].Forward;

    /// <summary>The previous node in score order.</summary>
    public ZNode? Prev => Backward;
}

internal struct ZLevel
{
    public ZNode? Forward;
    public long Span;
}

/// <summary>
/// The "skiplist" encoding of a sorted set, as Redis's zset: a skiplist with spans ordered by (score, member)
/// so that rank lookups are O(log n), plus a hash table from member to node. The hash table is Tern's own
/// (power-of-two buckets chained through the nodes) so that ZSCAN can walk it with Redis's reverse-binary
/// cursor, which returns every element present for the whole scan even when the table resizes in between.
/// </summary>
public sealed class ZSkipList
{
    public const int MaxLevel = 32;
    private static readonly long Seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    private readonly ZNode _header = new(MaxLevel, [], 0);
    private ZNode? _tail;
    private int _level = 1;
    private long _length;
    private ZNode?[] _buckets = new ZNode?[4];
    private long _memberBytes;

    public long Length => _length;

    [ThreadStatic]
    private static ZNode[]? t_update;

    /// <summary>The per-thread "update" vector of skiplist operations (no allocation per operation).</summary>
    private static ZNode[] UpdateVector => t_update ??= new ZNode[MaxLevel];

    /// <summary>Sum of member lengths (memory estimates).</summary>
    public long MemberBytes => _memberBytes;

    public ZNode? First => _header.Levels[0].Forward;
    public ZNode? Last => _tail;

    /// <summary>Buckets of the member hash table (the ZSCAN cursor space).</summary>
    public int BucketCount => _buckets.Length;

    private static int RandomLevel()
    {
        // ZSKIPLIST_P = 0.25 as Redis draws it: (random() & 0xFFFF) < 0.25 * 0xFFFF.
        int level = 1;
        while (level < MaxLevel && Random.Shared.Next(0x10000) < 16384) level++;
        return level;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Compare(double s1, ReadOnlySpan<byte> m1, double s2, ReadOnlySpan<byte> m2)
    {
        if (s1 < s2) return -1;
        if (s1 > s2) return 1;
        return m1.SequenceCompareTo(m2);
    }

    // ---- hash table ----

    private static ulong HashOf(ReadOnlySpan<byte> member) => XxHash3.HashToUInt64(member, Seed);

    /// <summary>The node of <paramref name="member"/>, or null.</summary>
    public ZNode? Find(ReadOnlySpan<byte> member)
    {
        ulong h = HashOf(member);
        var n = _buckets[(int)(h & (ulong)(_buckets.Length - 1))];
        while (n != null)
        {
            if (n.Hash == h && n.Member.AsSpan().SequenceEqual(member)) return n;
            n = n.HashNext;
        }
        return null;
    }

    private void HashAdd(ZNode node)
    {
        if (_length >= _buckets.Length) Rehash(_buckets.Length * 2);
        node.Hash = HashOf(node.Member);
        ref var b = ref _buckets[(int)(node.Hash & (ulong)(_buckets.Length - 1))];
        node.HashNext = b;
        b = node;
    }

    private void HashRemove(ZNode node)
    {
        ref var b = ref _buckets[(int)(node.Hash & (ulong)(_buckets.Length - 1))];
        if (b == node)
        {
            b = node.HashNext;
        }
        else
        {
            var p = b;
            while (p!.HashNext != node) p = p.HashNext;
            p.HashNext = node.HashNext;
        }
        node.HashNext = null;
    }

    private void Rehash(int size)
    {
        var nb = new ZNode?[size];
        foreach (var head in _buckets)
        {
            var n = head;
            while (n != null)
            {
                var next = n.HashNext;
                ref var b = ref nb[(int)(n.Hash & (ulong)(size - 1))];
                n.HashNext = b;
                b = n;
                n = next;
            }
        }
        _buckets = nb;
    }

    /// <summary>Shrinks the table when under 10% full, as Redis's htNeedsResize/dictResize.</summary>
    public void ShrinkIfNeeded()
    {
        int size = _buckets.Length;
        if (size > 4 && _length * 100 / size < 10)
        {
            int n = 4;
            while (n < _length) n *= 2;
            if (n < size) Rehash(n);
        }
    }

    /// <summary>
    /// One step of Redis's dictScan over the member table: adds the nodes of the cursor's bucket to
    /// <paramref name="found"/> and returns the next cursor (0 when done).
    /// </summary>
    public ulong ScanStep(ulong cursor, List<ZNode> found)
    {
        ulong m0 = (ulong)_buckets.Length - 1;
        for (var n = _buckets[(int)(cursor & m0)]; n != null; n = n.HashNext) found.Add(n);
        cursor |= ~m0;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    }

    // ---- skiplist ----

    /// <summary>Adds a member known to be absent (zslInsert + dictAdd).</summary>
    public ZNode Insert(double score, byte[] member)
    {
        var node = new ZNode(RandomLevel(), member, score);
        InsertNode(node);
        HashAdd(node);
        _memberBytes += member.Length;
        return node;
    }

    private void InsertNode(ZNode node)
    {
        Span<long> rank = stackalloc long[MaxLevel];
        var update = UpdateVector;
        double score = node.Score;
        var member = node.Member.AsSpan();
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            rank[i] = i == _level - 1 ? 0 : rank[i + 1];
            while (x.Levels[i].Forward is { } f && Compare(f.Score, f.Member, score, member) < 0)
            {
                rank[i] += x.Levels[i].Span;
                x = f;
            }
            update[i] = x;
        }
        int level = node.Levels.Length;
        if (level > _level)
        {
            for (int i = _level; i < level; i++)
            {
                rank[i] = 0;
                update[i] = _header;
                _header.Levels[i].Span = _length;
            }
            _level = level;
        }
        for (int i = 0; i < level; i++)
        {
            node.Levels[i].Forward = update[i].Levels[i].Forward;
            update[i].Levels[i].Forward = node;
            node.Levels[i].Span = update[i].Levels[i].Span - (rank[0] - rank[i]);
            update[i].Levels[i].Span = rank[0] - rank[i] + 1;
        }
        for (int i = level; i < _level; i++) update[i].Levels[i].Span++;
        node.Backward = update[0] == _header ? null : update[0];
        if (node.Levels[0].Forward is { } next) next.Backward = node;
        else _tail = node;
        _length++;
    }

    private void DeleteNode(ZNode x, ZNode[] update)
    {
        for (int i = 0; i < _level; i++)
        {
            if (update[i].Levels[i].Forward == x)
            {
                update[i].Levels[i].Span += x.Levels[i].Span - 1;
                update[i].Levels[i].Forward = x.Levels[i].Forward;
            }
            else
            {
                update[i].Levels[i].Span -= 1;
            }
        }
        if (x.Levels[0].Forward is { } next) next.Backward = x.Backward;
        else _tail = x.Backward;
        while (_level > 1 && _header.Levels[_level - 1].Forward == null) _level--;
        _length--;
    }

    /// <summary>The update vector for (score, member): the last node before it on every level.</summary>
    private ZNode[] PathTo(double score, ReadOnlySpan<byte> member)
    {
        var update = UpdateVector;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && Compare(f.Score, f.Member, score, member) < 0) x = f;
            update[i] = x;
        }
        return update;
    }

    /// <summary>Removes a node (skiplist and hash table).</summary>
    public void Remove(ZNode node)
    {
        var update = PathTo(node.Score, node.Member);
        DeleteNode(node, update);
        HashRemove(node);
        _memberBytes -= node.Member.Length;
    }

    /// <summary>Changes a node's score, moving it only when its place changes (zslUpdateScore).</summary>
    public void UpdateScore(ZNode node, double newScore)
    {
        var update = PathTo(node.Score, node.Member);
        if ((node.Backward == null || node.Backward.Score < newScore) &&
            (node.Levels[0].Forward == null || node.Levels[0].Forward!.Score > newScore))
        {
            node.Score = newScore;
            return;
        }
        DeleteNode(node, update);
        node.Score = newScore;
        for (int i = 0; i < node.Levels.Length; i++) node.Levels[i] = default;
        node.Backward = null;
        InsertNode(node);
    }

    /// <summary>1-based rank of a node (zslGetRank).</summary>
    public long RankOf(ZNode node)
    {
        long rank = 0;
        var x = _header;
        double score = node.Score;
        var member = node.Member.AsSpan();
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && Compare(f.Score, f.Member, score, member) <= 0)
            {
                rank += x.Levels[i].Span;
                x = f;
            }
            if (x == node) return rank;
        }
        return 0;
    }

    /// <summary>The node at a 1-based rank (zslGetElementByRank), or null.</summary>
    public ZNode? ByRank(long rank)
    {
        long traversed = 0;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && traversed + x.Levels[i].Span <= rank)
            {
                traversed += x.Levels[i].Span;
                x = f;
            }
            if (traversed == rank) return x == _header ? null : x;
        }
        return null;
    }

    public ZNode? FirstInRange(in ScoreRange r)
    {
        if (r.IsEmpty || _tail == null || !r.GteMin(_tail.Score) || !r.LteMax(First!.Score)) return null;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Levels[i].Forward is { } f && !r.GteMin(f.Score)) x = f;
        x = x.Levels[0].Forward!;
        return r.LteMax(x.Score) ? x : null;
    }

    public ZNode? LastInRange(in ScoreRange r)
    {
        if (r.IsEmpty || _tail == null || !r.GteMin(_tail.Score) || !r.LteMax(First!.Score)) return null;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Levels[i].Forward is { } f && r.LteMax(f.Score)) x = f;
        return r.GteMin(x.Score) ? x : null;
    }

    public ZNode? FirstInLexRange(in LexRange r)
    {
        if (r.IsEmpty || _tail == null || !r.GteMin(_tail.Member) || !r.LteMax(First!.Member)) return null;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Levels[i].Forward is { } f && !r.GteMin(f.Member)) x = f;
        x = x.Levels[0].Forward!;
        return r.LteMax(x.Member) ? x : null;
    }

    public ZNode? LastInLexRange(in LexRange r)
    {
        if (r.IsEmpty || _tail == null || !r.GteMin(_tail.Member) || !r.LteMax(First!.Member)) return null;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
            while (x.Levels[i].Forward is { } f && r.LteMax(f.Member)) x = f;
        return r.GteMin(x.Member) ? x : null;
    }

    /// <summary>zslDeleteRangeByScore.</summary>
    public long DeleteRangeByScore(in ScoreRange r)
    {
        var update = UpdateVector;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && !r.GteMin(f.Score)) x = f;
            update[i] = x;
        }
        long removed = 0;
        var n = x.Levels[0].Forward;
        while (n != null && r.LteMax(n.Score))
        {
            var next = n.Levels[0].Forward;
            DeleteNode(n, update);
            HashRemove(n);
            _memberBytes -= n.Member.Length;
            removed++;
            n = next;
        }
        return removed;
    }

    /// <summary>zslDeleteRangeByLex.</summary>
    public long DeleteRangeByLex(in LexRange r)
    {
        var update = UpdateVector;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && !r.GteMin(f.Member)) x = f;
            update[i] = x;
        }
        long removed = 0;
        var n = x.Levels[0].Forward;
        while (n != null && r.LteMax(n.Member))
        {
            var next = n.Levels[0].Forward;
            DeleteNode(n, update);
            HashRemove(n);
            _memberBytes -= n.Member.Length;
            removed++;
            n = next;
        }
        return removed;
    }

    /// <summary>zslDeleteRangeByRank: 1-based inclusive ranks.</summary>
    public long DeleteRangeByRank(long start, long end)
    {
        var update = UpdateVector;
        long traversed = 0;
        var x = _header;
        for (int i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && traversed + x.Levels[i].Span < start)
            {
                traversed += x.Levels[i].Span;
                x = f;
            }
            update[i] = x;
        }
        traversed++;
        long removed = 0;
        var n = x.Levels[0].Forward;
        while (n != null && traversed <= end)
        {
            var next = n.Levels[0].Forward;
            DeleteNode(n, update);
            HashRemove(n);
            _memberBytes -= n.Member.Length;
            removed++;
            traversed++;
            n = next;
        }
        return removed;
    }

    /// <summary>Approximate bytes: nodes, level arrays, member arrays and buckets.</summary>
    public long MemoryEstimate => 64 + (long)_buckets.Length * 8 + _length * (56 + 24 + 22 + 24) + _memberBytes;
}
