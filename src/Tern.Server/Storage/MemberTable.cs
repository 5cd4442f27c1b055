using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Tern.Server.Storage;

/// <summary>
/// A hash set of byte strings: the "hashtable" encoding of a set. Chained buckets over a dense entry array
/// (16 bytes per member plus 4 per bucket plus the member's own byte[]), so that
/// <list type="bullet">
/// <item>a uniformly random member is one index (SPOP, SRANDMEMBER), as dictGetFairRandomKey aims for;</item>
/// <item>members are walked by index 0..Count-1 (removal moves the last entry into the hole);</item>
/// <item>SSCAN walks buckets with Redis's reverse-binary cursor, which returns every member present for the
/// whole scan even when the table grows or shrinks between calls.</item>
/// </list>
/// The bucket array is a power of two, grown at load factor 1 and shrunk below 10% fill as Redis's dict does.
/// Not thread-safe: the key's shard lock guards it.
/// </summary>
public sealed class MemberTable
{
    private struct Entry
    {
        public byte[] Member;
        public uint Hash;
        /// <summary>Next entry in the bucket's chain, -1 at the end.</summary>
        public int Next;
    }

    private const int MinBuckets = 4;
    private static readonly long Seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    private int[] _buckets;   // 1-based entry index, 0 = empty bucket
    private Entry[] _entries;
    private int _count;

    public MemberTable(int capacity = 0)
    {
        int n = BucketsFor(capacity);
        _buckets = new int[n];
        _entries = new Entry[Math.Max(capacity, MinBuckets)];
    }

    public int Count => _count;

    /// <summary>Bucket count (SSCAN's table size).</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>The member at <paramref name="index"/> (0..Count-1), stable until the next removal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte[] At(int index) => _entries[index].Member;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashOf(ReadOnlySpan<byte> m) => (uint)XxHash3.HashToUInt64(m, Seed);

    private static int BucketsFor(int count)
    {
        if (count <= MinBuckets) return MinBuckets;
        return (int)BitOperations.RoundUpToPowerOf2((uint)count);
    }

    /// <summary>Index of <paramref name="m"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> m)
    {
        uint h = HashOf(m);
        var entries = _entries;
        int i = _buckets[h & (uint)(_buckets.Length - 1)] - 1;
        while (i >= 0)
        {
            ref Entry e = ref entries[i];
            if (e.Hash == h && e.Member.AsSpan().SequenceEqual(m)) return i;
            i = e.Next;
        }
        return -1;
    }

    public bool Contains(ReadOnlySpan<byte> m) => IndexOf(m) >= 0;

    /// <summary>Adds a copy of <paramref name="m"/>; false when already present.</summary>
    public bool Add(ReadOnlySpan<byte> m)
    {
        if (IndexOf(m) >= 0) return false;
        Insert(m.ToArray(), HashOf(m));
        return true;
    }

    /// <summary>Adds <paramref name="m"/> itself (the caller gives up the array); false when already present.</summary>
    public bool AddOwned(byte[] m)
    {
        if (IndexOf(m) >= 0) return false;
        Insert(m, HashOf(m));
        return true;
    }

    private void Insert(byte[] m, uint h)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        if (_count >= _buckets.Length) Rebucket(_buckets.Length * 2);
        ref int b = ref _buckets[h & (uint)(_buckets.Length - 1)];
        ref Entry e = ref _entries[_count];
        e.Member = m;
        e.Hash = h;
        e.Next = b - 1;
        b = _count + 1;
        _count++;
    }

    /// <summary>Removes <paramref name="m"/>; false when absent.</summary>
    public bool Remove(ReadOnlySpan<byte> m)
    {
        int i = IndexOf(m);
        if (i < 0) return false;
        RemoveAt(i);
        return true;
    }

    /// <summary>Removes the member at <paramref name="index"/>; the last member takes its index.</summary>
    public void RemoveAt(int index)
    {
        Unlink(index);
        int last = _count - 1;
        if (index != last)
        {
            // The last entry moves into the hole: repoint whatever linked to it.
            ref Entry moved = ref _entries[last];
            ref int b = ref _buckets[moved.Hash & (uint)(_buckets.Length - 1)];
            if (b - 1 == last) b = index + 1;
            else
            {
                int j = b - 1;
                while (_entries[j].Next != last) j = _entries[j].Next;
                _entries[j].Next = index;
            }
            _entries[index] = moved;
        }
        _entries[last] = default;
        _count--;
        // Redis's htNeedsResize: shrink when under 10% full.
        if (_buckets.Length > MinBuckets && (long)_count * 10 < _buckets.Length)
        {
            Rebucket(BucketsFor(_count));
            if (_entries.Length > MinBuckets * 2 && _count < _entries.Length / 4)
                Array.Resize(ref _entries, Math.Max(MinBuckets, _count * 2));
        }
    }

    private void Unlink(int index)
    {
        ref Entry e = ref _entries[index];
        ref int b = ref _buckets[e.Hash & (uint)(_buckets.Length - 1)];
        if (b - 1 == index)
        {
            b = e.Next + 1;
            return;
        }
        int j = b - 1;
        while (_entries[j].Next != index) j = _entries[j].Next;
        _entries[j].Next = e.Next;
    }

    private void Rebucket(int size)
    {
        var buckets = new int[size];
        uint mask = (uint)(size - 1);
        for (int i = 0; i < _count; i++)
        {
            ref Entry e = ref _entries[i];
            ref int b = ref buckets[e.Hash & mask];
            e.Next = b - 1;
            b = i + 1;
        }
        _buckets = buckets;
    }

    /// <summary>
    /// One step of Redis's dictScan: appends the members of the bucket <paramref name="cursor"/> names and
    /// returns the next cursor (0 when the walk is complete). The cursor counts with its bits reversed, so a
    /// bucket and the buckets it splits into (or merges from) after a resize are never skipped.
    /// </summary>
    public ulong Scan(ulong cursor, List<byte[]> found)
    {
        if (_count == 0) return 0;
        ulong mask = (ulong)_buckets.Length - 1;
        int i = _buckets[cursor & mask] - 1;
        while (i >= 0)
        {
            found.Add(_entries[i].Member);
            i = _entries[i].Next;
        }
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>A deep copy (COPY must not share members).</summary>
    public MemberTable Clone()
    {
        var c = new MemberTable(_count);
        for (int i = 0; i < _count; i++) c.Insert((byte[])_entries[i].Member.Clone(), _entries[i].Hash);
        return c;
    }

    /// <summary>Approximate bytes: the arrays plus each member's byte[].</summary>
    public long MemoryUsage
    {
        get
        {
            long n = 32 + 24 + (long)_buckets.Length * 4 + 24 + (long)_entries.Length * 16;
            for (int i = 0; i < _count; i++) n += 24 + ((_entries[i].Member.Length + 7) & ~7);
            return n;
        }
    }
}
