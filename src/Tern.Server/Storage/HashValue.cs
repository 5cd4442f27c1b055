using System.Runtime.CompilerServices;

namespace Tern.Server.Storage;

/// <summary>
/// A hash key. Small hashes are one packed byte array (Redis's "listpack" encoding): entries laid end to end as
/// <c>varint flen, field, varint vlen, value</c>, in insertion order, found by a linear scan as Redis does. Past
/// hash-max-listpack-entries fields, or with a field or value longer than hash-max-listpack-value, the hash
/// becomes a real hash table ("hashtable"), one way, as in Redis.
/// <para>
/// Per-field expiry (Redis 7.4 HEXPIRE and friends): the first expiry command on a listpack hash turns it into
/// "listpackex", where each entry also carries <c>varint expireAt</c> (0 = none) and entries are kept ordered by
/// expiry, fields without one last, exactly as Redis 7.4 orders its listpackex. A table keeps expiries in an
/// array beside its slots, allocated on the first field given one. Expired fields are removed lazily by the
/// command family before it reads (see <see cref="MinFieldExpire"/> and <see cref="PurgeExpired"/>).
/// </para>
/// Not thread-safe: the key's shard lock guards it.
/// </summary>
public sealed class HashValue : StoredObject, IHashFieldReader
{
    /// <summary>Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows past 1 GB.</summary>
    public const long ListpackSafetyLimit = 1L << 30;

    private byte[] _lp;
    private int _lpLen;
    private int _count;
    private bool _ex;
    private FieldTable? _table;
    private long _minExpire = long.MaxValue;

    public HashValue(byte[] key) : base(key)
    {
        _lp = [];
        Lru = LruClock.Now;
    }

    public override ValueKind Kind => ValueKind.Hash;

    public override ReadOnlySpan<byte> Encoding =>
        _table != null ? "hashtable"u8 : _ex ? "listpackex"u8 : "listpack"u8;

    /// <summary>Number of fields (expired fields not yet purged included).</summary>
    public int Count => _table?.Count ?? _count;

    /// <summary>True while the hash is one packed array (listpack or listpackex).</summary>
    public bool IsListpack => _table == null;

    /// <summary>Bytes of the packed array (for the listpack safety limit).</summary>
    public long ListpackBytes => _lpLen;

    /// <summary>
    /// A lower bound of the fields' expiry times (<see cref="long.MaxValue"/> when no field has one). When it is
    /// not in the future, <see cref="PurgeExpired"/> has work to do.
    /// </summary>
    public long MinFieldExpire => _minExpire;

    public override long MemoryUsage =>
        72 + 16 + _lp.Length + (_table?.MemoryUsage ?? 0);

    public override StoredObject CloneWithKey(byte[] key)
    {
        var c = new HashValue(key)
        {
            _lp = _lp.AsSpan(0, _lpLen).ToArray(),
            _lpLen = _lpLen,
            _count = _count,
            _ex = _ex,
            _table = _table?.Clone(),
            _minExpire = _minExpire,
            Lru = Lru,
        };
        return c;
    }

    // ---------------------------------------------------------------- reading

    /// <summary>The value of <paramref name="field"/>; false when absent.</summary>
    public bool TryGet(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_table != null)
        {
            int slot = _table.Find(field, HashOf(field));
            if (slot < 0)
            {
                value = default;
                return false;
            }
            value = _table.ValueAt(slot);
            return true;
        }
        int pos = LpFind(field);
        if (pos < 0)
        {
            value = default;
            return false;
        }
        var e = LpRead(pos);
        value = _lp.AsSpan(e.ValueOff, e.ValueLen);
        return true;
    }

    public bool Contains(ReadOnlySpan<byte> field) =>
        _table != null ? _table.Find(field, HashOf(field)) >= 0 : LpFind(field) >= 0;

    /// <summary>Iterates fields in storage order (insertion order while a listpack).</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>A field and its value at each step; spans are valid until the hash changes.</summary>
    public ref struct Enumerator
    {
        private readonly HashValue _h;
        private int _pos;
        private int _next;

        internal Enumerator(HashValue h)
        {
            _h = h;
            _pos = -1;
            _next = 0;
            Field = default;
            Value = default;
            Expire = 0;
        }

        public ReadOnlySpan<byte> Field { get; private set; }
        public ReadOnlySpan<byte> Value { get; private set; }

        /// <summary>The field's expiry in unix ms, 0 when it has none.</summary>
        public long Expire { get; private set; }

        public readonly HashField Current => new(Field, Value, Expire);

        /// <summary>Where the current entry is (for <see cref="HashValue.ReadAt"/>).</summary>
        public readonly int Position => _pos;

        public bool MoveNext()
        {
            var t = _h._table;
            if (t != null)
            {
                int slot = t.NextLive(_next);
                if (slot < 0) return false;
                _pos = slot;
                _next = slot + 1;
                Field = t.FieldAt(slot);
                Value = t.ValueAt(slot);
                Expire = t.ExpireAt(slot);
                return true;
            }
            if (_next >= _h._lpLen) return false;
            var e = _h.LpRead(_next);
            _pos = _next;
            _next = e.End;
            Field = _h._lp.AsSpan(e.FieldOff, e.FieldLen);
            Value = _h._lp.AsSpan(e.ValueOff, e.ValueLen);
            Expire = e.Expire;
            return true;
        }
    }

    /// <summary>One field of a hash while iterating.</summary>
    public readonly ref struct HashField(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, long expire)
    {
        public ReadOnlySpan<byte> Field { get; } = field;
        public ReadOnlySpan<byte> Value { get; } = value;

        /// <summary>Unix ms, 0 when the field has no expiry.</summary>
        public long Expire { get; } = expire;
    }

    /// <summary>
    /// The position of every field in storage order: entry offsets of a listpack, slot numbers of a table.
    /// For random sampling (HRANDFIELD); read each with <see cref="ReadAt"/>.
    /// </summary>
    public int[] Positions()
    {
        var result = new int[Count];
        int i = 0;
        var en = GetEnumerator();
        while (en.MoveNext()) result[i++] = en.Position;
        return result;
    }

    /// <summary>The field and value at a position from <see cref="Positions"/>, <see cref="RandomPosition"/> or <see cref="Scan"/>.</summary>
    public void ReadAt(int position, out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_table != null)
        {
            field = _table.FieldAt(position);
            value = _table.ValueAt(position);
            return;
        }
        var e = LpRead(position);
        field = _lp.AsSpan(e.FieldOff, e.FieldLen);
        value = _lp.AsSpan(e.ValueOff, e.ValueLen);
    }

    /// <summary>The position of a uniformly chosen field (the hash must not be empty).</summary>
    public int RandomPosition(Random rng)
    {
        if (_table != null) return _table.RandomSlot(rng);
        int k = rng.Next(_count);
        int pos = 0;
        while (k-- > 0) pos = LpRead(pos).End;
        return pos;
    }

    /// <summary>
    /// One HSCAN step over a table: visits slots from <paramref name="cursor"/> until <paramref name="count"/>
    /// fields were found or ten times as many slots were visited (Redis's maxiterations), adding the positions
    /// found. Returns the next cursor, 0 at the end. Slot numbers never move while the table lives (it grows by
    /// copying slots to the same index), so a field present for the whole scan is returned at least once. A
    /// listpack has no cursor: HSCAN returns it whole.
    /// </summary>
    public ulong Scan(ulong cursor, long count, List<int> positions)
    {
        var t = _table;
        if (t == null || cursor >= (ulong)t.SlotCount) return 0;
        int slot = (int)cursor;
        long budget = count * 10;
        int found = 0;
        while (slot < t.SlotCount && found < count && budget-- > 0)
        {
            if (t.IsLive(slot))
            {
                positions.Add(slot);
                found++;
            }
            slot++;
        }
        return slot >= t.SlotCount ? 0 : (ulong)slot;
    }

    // ---------------------------------------------------------------- writing

    /// <summary>
    /// Sets <paramref name="field"/> to <paramref name="value"/>; true when the field existed (an update). As
    /// Redis's hashTypeSet: a field or value longer than <paramref name="maxValue"/> turns a listpack into a
    /// table first, more than <paramref name="maxEntries"/> fields after. An existing field's expiry is dropped
    /// unless <paramref name="keepTtl"/> (HINCRBY keeps it, HSET does not).
    /// </summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, bool keepTtl, long maxEntries, long maxValue)
    {
        if (_table == null && (field.Length > maxValue || value.Length > maxValue)) ConvertToTable();
        if (_table != null) return _table.Set(field, HashOf(field), value, keepTtl);
        int pos = LpFind(field);
        bool update = pos >= 0;
        if (update)
        {
            var e = LpRead(pos);
            if (_ex && e.Expire != 0 && !keepTtl)
            {
                // Redis 7.4 re-inserts a field that loses its expiry among the fields without one: at the end.
                LpRemove(pos, e.End - pos);
                _count--;
                LpInsertEntry(_lpLen, field, value, 0);
            }
            else
            {
                ReplaceValue(e, value);
            }
        }
        else
        {
            LpInsertEntry(_lpLen, field, value, 0);
        }
        if (_count > maxEntries) ConvertToTable();
        return update;
    }

    /// <summary>Removes <paramref name="field"/>; false when absent.</summary>
    public bool Delete(ReadOnlySpan<byte> field)
    {
        if (_table != null) return _table.Delete(field, HashOf(field));
        int pos = LpFind(field);
        if (pos < 0) return false;
        LpRemove(pos, LpRead(pos).End - pos);
        _count--;
        LpMaybeShrink();
        return true;
    }

    /// <summary>Turns a listpack into a table (one way, as hashTypeConvert).</summary>
    public void ConvertToTable()
    {
        if (_table != null) return;
        var t = new FieldTable(_count);
        int pos = 0;
        while (pos < _lpLen)
        {
            var e = LpRead(pos);
            var f = _lp.AsSpan(e.FieldOff, e.FieldLen);
            int slot = t.Add(f, HashOf(f), _lp.AsSpan(e.ValueOff, e.ValueLen));
            if (e.Expire != 0) t.SetExpire(slot, e.Expire);
            pos = e.End;
        }
        _table = t;
        _lp = [];
        _lpLen = 0;
        _count = 0;
        _ex = false;
    }

    // ---------------------------------------------------------------- field expiry (Redis 7.4)

    /// <summary>HEXPIRE's condition: NX, XX, GT or LT (none = 0).</summary>
    public enum ExpireCondition : byte { None, Nx, Xx, Gt, Lt }

    /// <summary>
    /// Makes the hash able to hold field expiries: a listpack becomes a listpackex (Redis 7.4 does this on the
    /// first HEXPIRE-family write to an existing listpack hash, whatever its outcome).
    /// </summary>
    public void EnableFieldExpiry()
    {
        if (_table != null || _ex) return;
        // Every entry gains a one-byte "no expiry" marker; order is unchanged.
        var nb = new byte[_lpLen + _count];
        int src = 0, dst = 0;
        while (src < _lpLen)
        {
            var e = LpRead(src);
            int len = e.End - src;
            _lp.AsSpan(src, len).CopyTo(nb.AsSpan(dst));
            dst += len;
            nb[dst++] = 0;
            src = e.End;
        }
        _lp = nb;
        _lpLen = dst;
        _ex = true;
    }

    /// <summary>
    /// The expiry of <paramref name="field"/>: unix ms, 0 when it has none, -1 when there is no such field.
    /// </summary>
    public long GetFieldExpire(ReadOnlySpan<byte> field)
    {
        if (_table != null)
        {
            int slot = _table.Find(field, HashOf(field));
            return slot < 0 ? -1 : _table.ExpireAt(slot);
        }
        int pos = LpFind(field);
        return pos < 0 ? -1 : LpRead(pos).Expire;
    }

    /// <summary>
    /// HEXPIRE for one field (hashTypeSetEx of Redis 7.4): -2 no such field, 0 condition not met, 1 expiry set,
    /// 2 field deleted because <paramref name="alreadyExpired"/> (the time is not in the future). A field
    /// without expiry meets LT and NX and fails XX and GT. Call <see cref="EnableFieldExpiry"/> first.
    /// </summary>
    public int SetFieldExpire(ReadOnlySpan<byte> field, long when, ExpireCondition cond, bool alreadyExpired)
    {
        long prev = GetFieldExpire(field);
        if (prev < 0) return -2;
        if (prev == 0)
        {
            if (cond is ExpireCondition.Xx or ExpireCondition.Gt) return 0;
        }
        else if ((cond == ExpireCondition.Gt && prev >= when) || (cond == ExpireCondition.Lt && prev <= when) ||
                 cond == ExpireCondition.Nx)
        {
            return 0;
        }
        if (alreadyExpired)
        {
            Delete(field);
            return 2;
        }
        if (_table != null)
        {
            _table.SetExpire(_table.Find(field, HashOf(field)), when);
        }
        else
        {
            LpSetExpire(field, when);
        }
        if (when < _minExpire) _minExpire = when;
        return 1;
    }

    /// <summary>HPERSIST for one field: -2 no such field, -1 no expiry, 1 expiry removed.</summary>
    public int PersistField(ReadOnlySpan<byte> field)
    {
        long prev = GetFieldExpire(field);
        if (prev < 0) return -2;
        if (prev == 0) return -1;
        if (_table != null) _table.SetExpire(_table.Find(field, HashOf(field)), 0);
        else LpSetExpire(field, 0);
        return 1;
    }

    /// <summary>
    /// Removes every field whose expiry is at or before <paramref name="now"/>, adding their names to
    /// <paramref name="removed"/>; returns how many went. Recomputes <see cref="MinFieldExpire"/> exactly.
    /// </summary>
    public int PurgeExpired(long now, List<byte[]> removed)
    {
        int n = 0;
        long min = long.MaxValue;
        if (_table != null)
        {
            n = _table.PurgeExpired(now, removed, out min);
        }
        else if (_ex)
        {
            int pos = 0;
            while (pos < _lpLen)
            {
                var e = LpRead(pos);
                if (e.Expire != 0 && e.Expire <= now)
                {
                    removed.Add(_lp.AsSpan(e.FieldOff, e.FieldLen).ToArray());
                    LpRemove(pos, e.End - pos);
                    _count--;
                    n++;
                    continue;
                }
                if (e.Expire != 0 && e.Expire < min) min = e.Expire;
                pos = e.End;
            }
            if (n > 0) LpMaybeShrink();
        }
        _minExpire = min;
        return n;
    }

    // ---------------------------------------------------------------- listpack internals

    private struct LpEntry
    {
        public int FieldOff, FieldLen, ValueHdr, ValueOff, ValueLen, End;
        public long Expire;
    }

    private LpEntry LpRead(int pos)
    {
        var lp = _lp;
        LpEntry e;
        e.FieldLen = (int)ReadVarint(lp, ref pos);
        e.FieldOff = pos;
        pos += e.FieldLen;
        e.ValueHdr = pos;
        e.ValueLen = (int)ReadVarint(lp, ref pos);
        e.ValueOff = pos;
        pos += e.ValueLen;
        e.Expire = _ex ? (long)ReadVarint(lp, ref pos) : 0;
        e.End = pos;
        return e;
    }

    private int LpFind(ReadOnlySpan<byte> field)
    {
        var lp = _lp;
        int pos = 0, end = _lpLen;
        while (pos < end)
        {
            int start = pos;
            int flen = (int)ReadVarint(lp, ref pos);
            if (flen == field.Length && lp.AsSpan(pos, flen).SequenceEqual(field)) return start;
            pos += flen;
            int vlen = (int)ReadVarint(lp, ref pos);
            pos += vlen;
            if (_ex) ReadVarint(lp, ref pos);
        }
        return -1;
    }

    private void ReplaceValue(in LpEntry e, ReadOnlySpan<byte> value)
    {
        if (value.Length == e.ValueLen)
        {
            value.CopyTo(_lp.AsSpan(e.ValueOff));
            return;
        }
        int oldLen = e.ValueOff + e.ValueLen - e.ValueHdr;
        int newLen = VarintSize((ulong)value.Length) + value.Length;
        var gap = LpGap(e.ValueHdr, oldLen, newLen);
        int w = WriteVarint(gap, (ulong)value.Length);
        value.CopyTo(gap[w..]);
        if (newLen < oldLen) LpMaybeShrink();
    }

    /// <summary>Inserts an entry at <paramref name="pos"/> (an entry boundary).</summary>
    private void LpInsertEntry(int pos, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, long expire)
    {
        int size = VarintSize((ulong)field.Length) + field.Length + VarintSize((ulong)value.Length) + value.Length +
                   (_ex ? VarintSize((ulong)expire) : 0);
        var gap = LpGap(pos, 0, size);
        int w = WriteVarint(gap, (ulong)field.Length);
        field.CopyTo(gap[w..]);
        w += field.Length;
        w += WriteVarint(gap[w..], (ulong)value.Length);
        value.CopyTo(gap[w..]);
        w += value.Length;
        if (_ex) WriteVarint(gap[w..], (ulong)expire);
        _count++;
    }

    /// <summary>
    /// Moves a listpackex entry to the place its new expiry gives it (listpackExUpdateExpiry of Redis 7.4):
    /// before the first entry that has no expiry or one not earlier than <paramref name="expire"/>; at the end
    /// when it has none.
    /// </summary>
    private void LpSetExpire(ReadOnlySpan<byte> field, long expire)
    {
        int pos = LpFind(field);
        var e = LpRead(pos);
        // Copy field and value out before the entry is removed (they live in the array that is about to move).
        int len = e.End - pos;
        Span<byte> tmp = len <= 512 ? stackalloc byte[len] : new byte[len];
        _lp.AsSpan(pos, len).CopyTo(tmp);
        var f = tmp.Slice(e.FieldOff - pos, e.FieldLen);
        var v = tmp.Slice(e.ValueOff - pos, e.ValueLen);
        LpRemove(pos, len);
        _count--;
        int at = _lpLen;
        if (expire != 0)
        {
            int p = 0;
            while (p < _lpLen)
            {
                var x = LpRead(p);
                if (x.Expire == 0 || x.Expire >= expire)
                {
                    at = p;
                    break;
                }
                p = x.End;
            }
        }
        LpInsertEntry(at, f, v, expire);
    }

    /// <summary>Replaces <paramref name="removeLen"/> bytes at <paramref name="pos"/> by a gap of <paramref name="insertLen"/> bytes, returned for writing.</summary>
    private Span<byte> LpGap(int pos, int removeLen, int insertLen)
    {
        int newLen = _lpLen - removeLen + insertLen;
        int tail = _lpLen - pos - removeLen;
        if (newLen > _lp.Length)
        {
            // Grow by a quarter at least, so appending one field at a time stays linear overall.
            int cap = Math.Max(newLen, Math.Min(_lpLen + (_lpLen >> 2) + 16, Array.MaxLength));
            cap = (cap + 7) & ~7;
            var nb = new byte[cap];
            _lp.AsSpan(0, pos).CopyTo(nb);
            _lp.AsSpan(pos + removeLen, tail).CopyTo(nb.AsSpan(pos + insertLen));
            _lp = nb;
        }
        else if (tail > 0 && removeLen != insertLen)
        {
            Buffer.BlockCopy(_lp, pos + removeLen, _lp, pos + insertLen, tail);
        }
        _lpLen = newLen;
        return _lp.AsSpan(pos, insertLen);
    }

    private void LpRemove(int pos, int len) => LpGap(pos, len, 0);

    private void LpMaybeShrink()
    {
        if (_lp.Length > 64 && _lpLen < _lp.Length / 2)
        {
            var nb = new byte[(_lpLen + (_lpLen >> 3) + 15) & ~7];
            _lp.AsSpan(0, _lpLen).CopyTo(nb);
            _lp = nb;
        }
    }

    // ---------------------------------------------------------------- helpers

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashOf(ReadOnlySpan<byte> field) => (uint)Keyspace.Hash(field);

    private static ulong ReadVarint(byte[] b, ref int pos)
    {
        ulong v = 0;
        int shift = 0;
        while (true)
        {
            byte c = b[pos++];
            v |= (ulong)(c & 0x7F) << shift;
            if (c < 0x80) return v;
            shift += 7;
        }
    }

    private static int WriteVarint(Span<byte> dest, ulong v)
    {
        int i = 0;
        while (v >= 0x80)
        {
            dest[i++] = (byte)(v | 0x80);
            v >>= 7;
        }
        dest[i++] = (byte)v;
        return i;
    }

    private static int VarintSize(ulong v)
    {
        int n = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            n++;
        }
        return n;
    }

    /// <summary>
    /// The "hashtable" encoding: a chained hash table over a slot array (as the keyspace's <see cref="Table"/>),
    /// one byte array per field holding <c>varint flen, field, value</c>. A slot is 16 bytes; expiries, when any
    /// field has one, live in a parallel array.
    /// </summary>
    private sealed class FieldTable
    {
        private struct Slot
        {
            public uint Hash;
            /// <summary>Next slot in the chain (-1 ends), or for a free slot the encoded next free slot.</summary>
            public int Next;
            public byte[]? Data;
        }

        private int[] _buckets;     // 1-based slot index, 0 = empty
        private Slot[] _slots;
        private long[]? _expires;   // parallel to _slots; 0 = no expiry
        private int _used;
        private int _freeList = -1;
        private int _freeCount;
        private long _dataBytes;

        public FieldTable(int capacity)
        {
            int size = 4;
            while (size < capacity) size <<= 1;
            _buckets = new int[size];
            _slots = new Slot[size];
        }

        private FieldTable(FieldTable o)
        {
            _buckets = (int[])o._buckets.Clone();
            _slots = (Slot[])o._slots.Clone();
            _expires = (long[]?)o._expires?.Clone();
            _used = o._used;
            _freeList = o._freeList;
            _freeCount = o._freeCount;
            _dataBytes = o._dataBytes;
            for (int i = 0; i < _used; i++)
                if (_slots[i].Data is { } d) _slots[i].Data = (byte[])d.Clone();
        }

        public FieldTable Clone() => new(this);

        public int Count => _used - _freeCount;

        public int SlotCount => _used;

        public long MemoryUsage => 48 + (long)_slots.Length * 16 + (long)_buckets.Length * 4 +
                                   (_expires?.LongLength ?? 0) * 8 + _dataBytes;

        public bool IsLive(int slot) => _slots[slot].Data != null;

        public int NextLive(int from)
        {
            for (int i = from; i < _used; i++)
                if (_slots[i].Data != null) return i;
            return -1;
        }

        public int Find(ReadOnlySpan<byte> field, uint hash)
        {
            var slots = _slots;
            int i = _buckets[hash & (uint)(_buckets.Length - 1)] - 1;
            while ((uint)i < (uint)slots.Length)
            {
                ref Slot s = ref slots[i];
                if (s.Hash == hash && FieldOf(s.Data!).SequenceEqual(field)) return i;
                i = s.Next;
            }
            return -1;
        }

        private static ReadOnlySpan<byte> FieldOf(byte[] d)
        {
            int pos = 0;
            int flen = (int)ReadVarint(d, ref pos);
            return d.AsSpan(pos, flen);
        }

        public ReadOnlySpan<byte> FieldAt(int slot) => FieldOf(_slots[slot].Data!);

        public ReadOnlySpan<byte> ValueAt(int slot)
        {
            var d = _slots[slot].Data!;
            int pos = 0;
            int flen = (int)ReadVarint(d, ref pos);
            return d.AsSpan(pos + flen);
        }

        public long ExpireAt(int slot) => _expires == null ? 0 : _expires[slot];

        public void SetExpire(int slot, long when)
        {
            if (_expires == null)
            {
                if (when == 0) return;
                _expires = new long[_slots.Length];
            }
            _expires[slot] = when;
        }

        private static byte[] Pack(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
        {
            int h = VarintSize((ulong)field.Length);
            var d = new byte[h + field.Length + value.Length];
            WriteVarint(d, (ulong)field.Length);
            field.CopyTo(d.AsSpan(h));
            value.CopyTo(d.AsSpan(h + field.Length));
            return d;
        }

        private static long Footprint(byte[] d) => 24 + ((d.Length + 7) & ~7);

        /// <summary>Sets a field; true when it existed.</summary>
        public bool Set(ReadOnlySpan<byte> field, uint hash, ReadOnlySpan<byte> value, bool keepTtl)
        {
            int slot = Find(field, hash);
            if (slot < 0)
            {
                Add(field, hash, value);
                return false;
            }
            ref Slot s = ref _slots[slot];
            var d = s.Data!;
            int valueOff = d.Length - ValueAt(slot).Length;
            if (d.Length - valueOff == value.Length)
            {
                value.CopyTo(d.AsSpan(valueOff));
            }
            else
            {
                _dataBytes -= Footprint(d);
                s.Data = Pack(field, value);
                _dataBytes += Footprint(s.Data);
            }
            if (!keepTtl && _expires != null) _expires[slot] = 0;
            return true;
        }

        /// <summary>Adds a field known to be absent; returns its slot.</summary>
        public int Add(ReadOnlySpan<byte> field, uint hash, ReadOnlySpan<byte> value)
        {
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
            s.Data = Pack(field, value);
            s.Next = bucket - 1;
            bucket = index + 1;
            _dataBytes += Footprint(s.Data);
            if (_expires != null) _expires[index] = 0;
            return index;
        }

        public bool Delete(ReadOnlySpan<byte> field, uint hash)
        {
            int slot = Find(field, hash);
            if (slot < 0) return false;
            RemoveAt(slot);
            MaybeShrink();
            return true;
        }

        /// <summary>
        /// Gives memory back when three quarters of the slots are free, by cutting the free slots past the last
        /// live one: live slots keep their numbers, so a scan in progress still sees every field that stays.
        /// </summary>
        private void MaybeShrink()
        {
            if (_slots.Length <= 16 || Count >= _slots.Length / 4) return;
            int last = _used - 1;
            while (last >= 0 && _slots[last].Data == null) last--;
            int size = 4;
            while (size < last + 1 || size < Count * 2) size <<= 1;
            if (size > _slots.Length / 2) return;
            _used = last + 1;
            _freeList = -1;
            _freeCount = 0;
            for (int i = _used - 1; i >= 0; i--)
            {
                if (_slots[i].Data != null) continue;
                _slots[i].Next = -3 - _freeList;
                _freeList = i;
                _freeCount++;
            }
            Resize(size);
        }

        private void RemoveAt(int slot)
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
            _dataBytes -= Footprint(s.Data!);
            s.Data = null;
            s.Hash = 0;
            // Free slots chain through Next encoded as -3 - next so that -1 stays "end of chain".
            s.Next = -3 - _freeList;
            _freeList = slot;
            _freeCount++;
            if (_expires != null) _expires[slot] = 0;
        }

        /// <summary>Reallocates to <paramref name="size"/> slots (a power of two, at least the slots in use).</summary>
        private void Resize(int size)
        {
            var slots = new Slot[size];
            Array.Copy(_slots, slots, _used);
            var buckets = new int[size];
            for (int i = 0; i < _used; i++)
            {
                ref Slot s = ref slots[i];
                if (s.Data == null) continue;
                ref int b = ref buckets[s.Hash & (uint)(size - 1)];
                s.Next = b - 1;
                b = i + 1;
            }
            _slots = slots;
            _buckets = buckets;
            if (_expires != null)
            {
                var ex = new long[size];
                Array.Copy(_expires, ex, _used);
                _expires = ex;
            }
        }

        /// <summary>A uniformly chosen live slot: random probes, then a walk when the table is sparse.</summary>
        public int RandomSlot(Random rng)
        {
            for (int tries = 0; tries < 64; tries++)
            {
                int i = rng.Next(_used);
                if (_slots[i].Data != null) return i;
            }
            int k = rng.Next(Count);
            for (int i = 0; i < _used; i++)
                if (_slots[i].Data != null && k-- == 0) return i;
            return NextLive(0);
        }

        public int PurgeExpired(long now, List<byte[]> removed, out long min)
        {
            min = long.MaxValue;
            var ex = _expires;
            if (ex == null) return 0;
            int n = 0;
            for (int i = 0; i < _used; i++)
            {
                long e = ex[i];
                if (e == 0 || _slots[i].Data == null) continue;
                if (e <= now)
                {
                    removed.Add(FieldAt(i).ToArray());
                    RemoveAt(i);
                    n++;
                }
                else if (e < min)
                {
                    min = e;
                }
            }
            if (n > 0) MaybeShrink();
            return n;
        }
    }
}
