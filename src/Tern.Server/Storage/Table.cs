using System.Runtime.CompilerServices;

namespace Tern.Server.Storage;

/// <summary>
/// One database's keys within one shard: a chained hash table over a slot array (like .NET's Dictionary, with
/// the key inside the stored object so a slot is 16 bytes). Slot indices never move, so a scan by slot index
/// returns every key present for the whole scan. Not thread-safe: the shard lock guards it.
/// </summary>
public sealed class Table
{
    private struct Slot
    {
        public uint Hash;
        /// <summary>Next slot in the chain (-1 ends), or for a free slot the encoded next free slot.</summary>
        public int Next;
        public object? Obj;
    }

    private int[] _buckets = [];   // 1-based slot index, 0 = empty
    private Slot[] _slots = [];
    private int _used;             // slots ever used (high-water mark)
    private int _freeList = -1;
    private int _freeCount;

    /// <summary>Live keys.</summary>
    public int Count => _used - _freeCount;

    /// <summary>Keys with an expiry (INFO keyspace "expires").</summary>
    public int ExpiresCount { get; internal set; }

    /// <summary>Slot capacity (upper bound for scans).</summary>
    public int SlotCount => _used;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<byte> key, uint hash)
    {
        var buckets = _buckets;
        if (buckets.Length == 0) return -1;
        var slots = _slots;
        int i = buckets[hash & (uint)(buckets.Length - 1)] - 1;
        while ((uint)i < (uint)slots.Length)
        {
            ref Slot s = ref slots[i];
            if (s.Hash == hash && Entry.Key(s.Obj!).SequenceEqual(key)) return i;
            i = s.Next;
        }
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public object Get(int slot) => _slots[slot].Obj!;

    /// <summary>The object at a slot, or null for a free slot (scans).</summary>
    public object? At(int slot) => (uint)slot < (uint)_used ? _slots[slot].Obj : null;

    /// <summary>Replaces the object at a slot (same key).</summary>
    public void Replace(int slot, object obj)
    {
        ref Slot s = ref _slots[slot];
        bool hadTtl = Entry.ExpireAt(s.Obj!) != 0, hasTtl = Entry.ExpireAt(obj) != 0;
        if (hadTtl != hasTtl) ExpiresCount += hasTtl ? 1 : -1;
        s.Obj = obj;
    }

    /// <summary>Adds a key known to be absent; returns its slot.</summary>
    public int Insert(uint hash, object obj)
    {
        if (_buckets.Length == 0) Resize(4);
        int index;
        if (_freeCount > 0)
        {
            index = _freeList;
            _freeList = -3 - _slots[index].Next;
            _freeCount--;
        }
        else
        {
            if (_used == _slots.Length) Resize(_slots.Length * 2);
            index = _used++;
        }
        ref int bucket = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        ref Slot s = ref _slots[index];
        s.Hash = hash;
        s.Obj = obj;
        s.Next = bucket - 1;
        bucket = index + 1;
        if (Entry.ExpireAt(obj) != 0) ExpiresCount++;
        return index;
    }

    /// <summary>Removes the key at <paramref name="slot"/>.</summary>
    public void RemoveAt(int slot)
    {
        ref Slot s = ref _slots[slot];
        ref int bucket = ref _buckets[s.Hash & (uint)(_buckets.Length - 1)];
        int i = bucket - 1, prev = -1;
        while (i != slot)
        {
            prev = i;
            i = _slots[i].Next;
        }
        if (prev < 0) bucket = s.Next + 1;
        else _slots[prev].Next = s.Next;
        if (Entry.ExpireAt(s.Obj!) != 0) ExpiresCount--;
        s.Obj = null;
        s.Hash = 0;
        // Free slots chain through Next encoded as -3 - next so that -1 stays "end of chain".
        s.Next = -3 - _freeList;
        _freeList = slot;
        _freeCount++;
        if (Count == 0) Clear();
    }

    public void Clear()
    {
        _buckets = [];
        _slots = [];
        _used = 0;
        _freeList = -1;
        _freeCount = 0;
        ExpiresCount = 0;
    }

    private void Resize(int size)
    {
        var slots = new Slot[size];
        Array.Copy(_slots, slots, _used);
        var buckets = new int[size];
        for (int i = 0; i < _used; i++)
        {
            ref Slot s = ref slots[i];
            if (s.Obj == null) continue;
            ref int b = ref buckets[s.Hash & (uint)(size - 1)];
            s.Next = b - 1;
            b = i + 1;
        }
        // Free slots keep their encoded free-list links (copied above, untouched by the rehash).
        _slots = slots;
        _buckets = buckets;
    }

    /// <summary>Approximate bytes of the table's own arrays.</summary>
    public long OverheadBytes => (long)_slots.Length * 16 + (long)_buckets.Length * 4;
}
