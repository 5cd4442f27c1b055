using System.Runtime.CompilerServices;

namespace Tern.Server.Storage;

/// <summary>
/// A list (Redis's quicklist). Elements are byte strings packed into segments: one byte[] per segment holding
/// entries back to back, each entry = its length as a little-endian base-128 varint, the bytes, and the same
/// varint reversed, so a segment can be walked from either end (the listpack idea, without integer encoding).
/// A segment keeps free room at both ends, so pushes and pops at either end are amortized O(1) with no copy.
/// <para>
/// A small list is one segment held inline in this object (the key costs this object, the key bytes and one
/// byte[]). A list that outgrows list-max-listpack-size (Redis's quicklist fill: negative = bytes per node
/// 4/8/16/32/64 KB, positive = entries per node with an 8 KB safety cap) becomes a ring of segments, each
/// within that limit, so pushes and pops at both ends stay O(1) and a middle edit touches one segment.
/// Redis 7.0 reports every list as "quicklist" whatever its size, so the layout is invisible to clients.
/// </para>
/// Callers hold the key's shard lock. Spans returned by readers point into the segments: copy them before
/// changing this list.
/// </summary>
public sealed class ListValue : StoredObject, ISortable
{
    /// <summary>Redis's optimization_level: byte limits of fill -1 .. -5.</summary>
    private static readonly int[] SizeLevels = [4096, 8192, 16384, 32768, 65536];

    /// <summary>Redis's SIZE_SAFETY_LIMIT: byte cap of a node when fill counts entries.</summary>
    private const int SafetyLimit = 8192;

    /// <summary>A run of packed entries in Buf[Head..Tail).</summary>
    private struct Segment
    {
        public byte[] Buf;
        public int Head;
        public int Tail;
        public int Count;

        public readonly int Bytes => Tail - Head;
    }

    /// <summary>The only segment while <see cref="_ring"/> is null.</summary>
    private Segment _one;

    /// <summary>Segments of a big list: a ring buffer of power-of-two capacity, <see cref="_segs"/> used.</summary>
    private Segment[]? _ring;
    private int _ringStart;
    private int _segs;
    private long _count;

    /// <summary>An empty list; <paramref name="capacity"/> bytes are reserved for the first entries.</summary>
    public ListValue(byte[] key, int capacity = 0) : base(key)
    {
        _one.Buf = capacity > 0 ? new byte[capacity] : [];
    }

    public override ValueKind Kind => ValueKind.List;

    /// <summary>Redis 7.0 has one list encoding (t_list.c creates every list with createQuicklistObject).</summary>
    public override ReadOnlySpan<byte> Encoding => "quicklist"u8;

    public long Count => _count;

    /// <summary>Segments in use (1 while the list is small). For tests and memory reports.</summary>
    public int SegmentCount => SegCount;

    /// <summary>True once the list is split into several segments.</summary>
    public bool IsChunked => _ring != null;

    public override long MemoryUsage
    {
        get
        {
            long m = 72 + 24 + Key.Length;
            if (_ring == null) return m + 24 + _one.Buf.Length;
            m += 32 + (long)_ring.Length * Unsafe.SizeOf<Segment>();
            for (int i = 0; i < _segs; i++) m += 24 + Seg(i).Buf.Length;
            return m;
        }
    }

    public override StoredObject CloneWithKey(byte[] key)
    {
        var c = new ListValue(key) { Lru = Lru, ExpireAt = ExpireAt };
        int n = SegCount;
        if (_ring != null)
        {
            c._ring = new Segment[_ring.Length];
            c._segs = n;
        }
        for (int i = 0; i < n; i++)
        {
            ref Segment s = ref Seg(i);
            ref Segment d = ref c.Seg(i);
            d.Buf = s.Buf.AsSpan(s.Head, s.Bytes).ToArray();
            d.Head = 0;
            d.Tail = d.Buf.Length;
            d.Count = s.Count;
        }
        c._count = _count;
        return c;
    }

    // ---- entry encoding ----

    /// <summary>Bytes of the varint that encodes <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VarLen(int n) => n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;

    /// <summary>Bytes an element of <paramref name="len"/> bytes takes in a segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EntrySize(int len) => len + 2 * VarLen(len);

    private static void WriteEntry(byte[] buf, int pos, ReadOnlySpan<byte> v)
    {
        int len = v.Length;
        int k = VarLen(len);
        uint n = (uint)len;
        int tail = pos + k + len + k - 1;
        for (int i = 0; i < k; i++)
        {
            byte b = (byte)((n & 0x7F) | (i < k - 1 ? 0x80u : 0u));
            buf[pos + i] = b;
            buf[tail - i] = b;
            n >>= 7;
        }
        v.CopyTo(buf.AsSpan(pos + k));
    }

    /// <summary>Reads the entry starting at <paramref name="pos"/>; returns its total size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadForward(byte[] buf, int pos, out int dataStart, out int len)
    {
        byte b = buf[pos];
        if (b < 0x80)
        {
            dataStart = pos + 1;
            len = b;
            return b + 2;
        }
        int h = 0, shift = 0;
        len = 0;
        do
        {
            b = buf[pos + h++];
            len |= (b & 0x7F) << shift;
            shift += 7;
        }
        while (b >= 0x80);
        dataStart = pos + h;
        return len + 2 * h;
    }

    /// <summary>Reads the entry ending at <paramref name="end"/> (exclusive); returns its total size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadBackward(byte[] buf, int end, out int dataStart, out int len)
    {
        byte b = buf[end - 1];
        if (b < 0x80)
        {
            len = b;
            dataStart = end - 1 - b;
            return b + 2;
        }
        int h = 0, shift = 0;
        len = 0;
        do
        {
            b = buf[end - 1 - h++];
            len |= (b & 0x7F) << shift;
            shift += 7;
        }
        while (b >= 0x80);
        dataStart = end - h - len;
        return len + 2 * h;
    }

    private static int SizeAt(byte[] buf, int pos) => ReadForward(buf, pos, out _, out _);

    // ---- segments ----

    private int SegCount => _ring == null ? 1 : _segs;

    private ref Segment Seg(int i)
    {
        if (_ring == null) return ref _one;
        return ref _ring[(_ringStart + i) & (_ring.Length - 1)];
    }

    /// <summary>Whether a segment may take one more entry of <paramref name="size"/> bytes (_quicklistNodeAllowInsert).</summary>
    private static bool AllowInsert(in Segment s, int size, long fill)
    {
        if (s.Count == 0) return true;
        long newSize = (long)s.Bytes + size;
        if (fill < 0) return newSize <= SizeLevels[(int)Math.Min(-fill, SizeLevels.Length) - 1];
        return newSize <= SafetyLimit && s.Count < fill;
    }

    /// <summary>Whether a segment is within the node limit (a single entry always is).</summary>
    private static bool WithinLimit(int bytes, int count, long fill)
    {
        if (count <= 1) return true;
        if (fill < 0) return bytes <= SizeLevels[(int)Math.Min(-fill, SizeLevels.Length) - 1];
        return bytes <= SafetyLimit && count <= fill;
    }

    /// <summary>
    /// Makes <paramref name="need"/> free bytes at one end: shifts the live bytes inside the buffer when it has
    /// room to spare, otherwise moves them into a buffer half again as large. The spare room goes to the end being
    /// written, and half of it to the other end when that end is in use too (a deque pattern).
    /// </summary>
    private static void MakeRoom(ref Segment s, int need, bool atHead)
    {
        int live = s.Bytes;
        int free = s.Buf.Length - live;
        bool otherSideUsed = live > 0 && (atHead ? s.Tail < s.Buf.Length : s.Head > 0);
        byte[] dst;
        int spare;
        if (free >= need && (live == 0 || free - need >= (live >> 1) + 8))
        {
            dst = s.Buf;
            spare = free - need;
        }
        else
        {
            long cap = (long)live + need + Math.Max(16, live >> 1);
            if (cap > Array.MaxLength) cap = (long)live + need;
            dst = new byte[cap];
            spare = (int)cap - live - need;
        }
        int otherRoom = otherSideUsed ? spare / 2 : 0;
        int head = atHead ? need + (spare - otherRoom) : otherRoom;
        s.Buf.AsSpan(s.Head, live).CopyTo(dst.AsSpan(head));
        s.Buf = dst;
        s.Head = head;
        s.Tail = head + live;
    }

    /// <summary>Gives back memory when a segment's buffer is mostly empty.</summary>
    private static void MaybeShrink(ref Segment s)
    {
        int live = s.Bytes;
        if (s.Buf.Length <= 64 || live * 4 >= s.Buf.Length) return;
        var dst = new byte[live + Math.Max(16, live >> 1)];
        int head = (dst.Length - live) / 2;
        s.Buf.AsSpan(s.Head, live).CopyTo(dst.AsSpan(head));
        s.Buf = dst;
        s.Head = head;
        s.Tail = head + live;
    }

    /// <summary>Trims a segment that will no longer grow at its ends to its exact size.</summary>
    private static void Seal(ref Segment s)
    {
        int live = s.Bytes;
        if (s.Buf.Length - live <= 16) return;
        s.Buf = s.Buf.AsSpan(s.Head, live).ToArray();
        s.Head = 0;
        s.Tail = live;
    }

    private static void AppendTail(ref Segment s, ReadOnlySpan<byte> v)
    {
        int size = EntrySize(v.Length);
        if (s.Buf.Length - s.Tail < size) MakeRoom(ref s, size, atHead: false);
        WriteEntry(s.Buf, s.Tail, v);
        s.Tail += size;
        s.Count++;
    }

    private static void AppendHead(ref Segment s, ReadOnlySpan<byte> v)
    {
        int size = EntrySize(v.Length);
        if (s.Head < size) MakeRoom(ref s, size, atHead: true);
        s.Head -= size;
        WriteEntry(s.Buf, s.Head, v);
        s.Count++;
    }

    /// <summary>Leaves the inline layout: the one segment becomes the first of a ring.</summary>
    private void ToRing()
    {
        _ring = new Segment[4];
        _ring[0] = _one;
        _ringStart = 0;
        _segs = 1;
        _one = default;
    }

    /// <summary>Back to the inline layout once a single segment is left (costs nothing, saves the ring).</summary>
    private void MaybeFromRing()
    {
        if (_ring == null || _segs > 1) return;
        _one = _segs == 1 ? Seg(0) : new Segment { Buf = [] };
        _ring = null;
        _segs = 0;
        _ringStart = 0;
    }

    /// <summary>Inserts a segment at position <paramref name="at"/> (ring layout).</summary>
    private void InsertSegment(int at, Segment seg)
    {
        if (_ring == null) ToRing();
        var ring = _ring!;
        if (_segs == ring.Length)
        {
            var bigger = new Segment[ring.Length * 2];
            for (int i = 0; i < _segs; i++) bigger[i] = ring[(_ringStart + i) & (ring.Length - 1)];
            _ring = ring = bigger;
            _ringStart = 0;
        }
        int mask = ring.Length - 1;
        if (at == 0)
        {
            _ringStart = (_ringStart - 1) & mask;
        }
        else if (at < _segs)
        {
            // Shift the segments after the insertion point one place towards the end.
            for (int i = _segs; i > at; i--) ring[(_ringStart + i) & mask] = ring[(_ringStart + i - 1) & mask];
        }
        ring[(_ringStart + at) & mask] = seg;
        _segs++;
    }

    /// <summary>Removes the segment at position <paramref name="at"/> (ring layout).</summary>
    private void RemoveSegment(int at)
    {
        var ring = _ring!;
        int mask = ring.Length - 1;
        if (at == 0)
        {
            ring[_ringStart] = default;
            _ringStart = (_ringStart + 1) & mask;
        }
        else
        {
            for (int i = at; i < _segs - 1; i++) ring[(_ringStart + i) & mask] = ring[(_ringStart + i + 1) & mask];
            ring[(_ringStart + _segs - 1) & mask] = default;
        }
        _segs--;
    }

    // ---- pushes and pops ----

    public void PushTail(ReadOnlySpan<byte> v, long fill)
    {
        _count++;
        if (_ring == null)
        {
            if (AllowInsert(_one, EntrySize(v.Length), fill))
            {
                AppendTail(ref _one, v);
                return;
            }
            ToRing();
        }
        if (_segs > 0)
        {
            ref Segment last = ref Seg(_segs - 1);
            if (AllowInsert(last, EntrySize(v.Length), fill))
            {
                AppendTail(ref last, v);
                return;
            }
            Seal(ref last);
        }
        var seg = new Segment { Buf = [] };
        AppendTail(ref seg, v);
        InsertSegment(_segs, seg);
    }

    public void PushHead(ReadOnlySpan<byte> v, long fill)
    {
        _count++;
        if (_ring == null)
        {
            if (AllowInsert(_one, EntrySize(v.Length), fill))
            {
                AppendHead(ref _one, v);
                return;
            }
            ToRing();
        }
        if (_segs > 0)
        {
            ref Segment first = ref Seg(0);
            if (AllowInsert(first, EntrySize(v.Length), fill))
            {
                AppendHead(ref first, v);
                return;
            }
            Seal(ref first);
        }
        var seg = new Segment { Buf = [] };
        AppendHead(ref seg, v);
        InsertSegment(0, seg);
    }

    /// <summary>The first element (list not empty).</summary>
    public ReadOnlySpan<byte> First()
    {
        ref Segment s = ref Seg(0);
        ReadForward(s.Buf, s.Head, out int start, out int len);
        return s.Buf.AsSpan(start, len);
    }

    /// <summary>The last element (list not empty).</summary>
    public ReadOnlySpan<byte> Last()
    {
        ref Segment s = ref Seg(SegCount - 1);
        ReadBackward(s.Buf, s.Tail, out int start, out int len);
        return s.Buf.AsSpan(start, len);
    }

    /// <summary>Removes everything.</summary>
    public void Clear()
    {
        _ring = null;
        _segs = 0;
        _ringStart = 0;
        _one = new Segment { Buf = [] };
        _count = 0;
    }

    /// <summary>Removes the first <paramref name="n"/> elements.</summary>
    public void RemoveHead(long n)
    {
        if (n <= 0) return;
        if (n >= _count)
        {
            Clear();
            return;
        }
        _count -= n;
        while (n > 0)
        {
            ref Segment s = ref Seg(0);
            if (n >= s.Count)
            {
                n -= s.Count;
                RemoveSegment(0);
                continue;
            }
            int p = s.Head;
            for (long i = 0; i < n; i++) p += SizeAt(s.Buf, p);
            s.Head = p;
            s.Count -= (int)n;
            n = 0;
            MaybeShrink(ref s);
        }
        MaybeFromRing();
    }

    /// <summary>Removes the last <paramref name="n"/> elements.</summary>
    public void RemoveTail(long n)
    {
        if (n <= 0) return;
        if (n >= _count)
        {
            Clear();
            return;
        }
        _count -= n;
        while (n > 0)
        {
            ref Segment s = ref Seg(SegCount - 1);
            if (n >= s.Count)
            {
                n -= s.Count;
                RemoveSegment(_segs - 1);
                continue;
            }
            int p = s.Tail;
            for (long i = 0; i < n; i++) p -= ReadBackward(s.Buf, p, out _, out _);
            s.Tail = p;
            s.Count -= (int)n;
            n = 0;
            MaybeShrink(ref s);
        }
        MaybeFromRing();
    }

    // ---- positions ----

    /// <summary>A position between elements, for walking the list in either direction.</summary>
    public struct Cursor
    {
        internal int Seg;
        internal int Pos;
    }

    /// <summary>Finds the segment and start offset of element <paramref name="index"/> (0 &lt;= index &lt; Count).</summary>
    private void Locate(long index, out int seg, out int pos)
    {
        if (index <= _count - 1 - index)
        {
            int i = 0;
            while (index >= Seg(i).Count)
            {
                index -= Seg(i).Count;
                i++;
            }
            seg = i;
        }
        else
        {
            long back = _count - 1 - index;
            int i = SegCount - 1;
            while (back >= Seg(i).Count)
            {
                back -= Seg(i).Count;
                i--;
            }
            seg = i;
            index = Seg(i).Count - 1 - back;
        }
        ref Segment s = ref Seg(seg);
        if (index <= s.Count / 2)
        {
            int p = s.Head;
            for (long k = 0; k < index; k++) p += SizeAt(s.Buf, p);
            pos = p;
        }
        else
        {
            int p = s.Tail;
            for (long k = s.Count; k > index; k--) p -= ReadBackward(s.Buf, p, out _, out _);
            pos = p;
        }
    }

    /// <summary>A cursor whose <see cref="Next"/> returns element <paramref name="index"/> first.</summary>
    public Cursor ForwardFrom(long index)
    {
        if (index >= _count) return new Cursor { Seg = SegCount, Pos = 0 };
        Locate(index, out int seg, out int pos);
        return new Cursor { Seg = seg, Pos = pos };
    }

    /// <summary>A cursor whose <see cref="Prev"/> returns element <paramref name="index"/> first.</summary>
    public Cursor BackwardFrom(long index)
    {
        if (index < 0 || _count == 0) return new Cursor { Seg = -1, Pos = 0 };
        Locate(index, out int seg, out int pos);
        return new Cursor { Seg = seg, Pos = pos + SizeAt(Seg(seg).Buf, pos) };
    }

    /// <summary>The element after the cursor, moving towards the tail; false at the end.</summary>
    public bool Next(ref Cursor c, out ReadOnlySpan<byte> value)
    {
        int n = SegCount;
        while (true)
        {
            if (c.Seg >= n)
            {
                value = default;
                return false;
            }
            ref Segment s = ref Seg(c.Seg);
            if (c.Pos < s.Tail)
            {
                c.Pos += ReadForward(s.Buf, c.Pos, out int start, out int len);
                value = s.Buf.AsSpan(start, len);
                return true;
            }
            c.Seg++;
            if (c.Seg < n) c.Pos = Seg(c.Seg).Head;
        }
    }

    /// <summary>The element before the cursor, moving towards the head; false at the start.</summary>
    public bool Prev(ref Cursor c, out ReadOnlySpan<byte> value)
    {
        while (true)
        {
            if (c.Seg < 0)
            {
                value = default;
                return false;
            }
            ref Segment s = ref Seg(c.Seg);
            if (c.Pos > s.Head)
            {
                c.Pos -= ReadBackward(s.Buf, c.Pos, out int start, out int len);
                value = s.Buf.AsSpan(start, len);
                return true;
            }
            c.Seg--;
            if (c.Seg >= 0) c.Pos = Seg(c.Seg).Tail;
        }
    }

    /// <summary>Element <paramref name="index"/> (0 &lt;= index &lt; Count).</summary>
    public ReadOnlySpan<byte> Get(long index)
    {
        Locate(index, out int seg, out int pos);
        var buf = Seg(seg).Buf;
        ReadForward(buf, pos, out int start, out int len);
        return buf.AsSpan(start, len);
    }

    // ---- edits in the middle ----

    /// <summary>
    /// Resizes the entry bytes [at, at+oldLen) of a segment to newLen bytes, moving the shorter side, and returns
    /// where the new bytes go.
    /// </summary>
    private static int Splice(ref Segment s, int at, int oldLen, int newLen)
    {
        int delta = newLen - oldLen;
        if (delta == 0) return at;
        int front = at - s.Head;
        int backStart = at + oldLen;
        int back = s.Tail - backStart;
        var buf = s.Buf;
        if (delta < 0)
        {
            int d = -delta;
            if (front <= back)
            {
                buf.AsSpan(s.Head, front).CopyTo(buf.AsSpan(s.Head + d));
                s.Head += d;
                return at + d;
            }
            buf.AsSpan(backStart, back).CopyTo(buf.AsSpan(at + newLen));
            s.Tail -= d;
            return at;
        }
        bool headRoom = s.Head >= delta;
        bool tailRoom = buf.Length - s.Tail >= delta;
        if (headRoom && (front <= back || !tailRoom))
        {
            buf.AsSpan(s.Head, front).CopyTo(buf.AsSpan(s.Head - delta));
            s.Head -= delta;
            return at - delta;
        }
        if (tailRoom)
        {
            buf.AsSpan(backStart, back).CopyTo(buf.AsSpan(at + newLen));
            s.Tail += delta;
            return at;
        }
        int live = s.Bytes + delta;
        var dst = new byte[live + Math.Max(16, live >> 1)];
        int head = (dst.Length - live) / 2;
        buf.AsSpan(s.Head, front).CopyTo(dst.AsSpan(head));
        buf.AsSpan(backStart, back).CopyTo(dst.AsSpan(head + front + newLen));
        s.Buf = dst;
        s.Head = head;
        s.Tail = head + live;
        return head + front;
    }

    /// <summary>Splits segment <paramref name="seg"/> in two when an edit took it past the node limit.</summary>
    private void SplitIfOver(int seg, long fill)
    {
        ref Segment s = ref Seg(seg);
        if (WithinLimit(s.Bytes, s.Count, fill)) return;
        int keep = s.Count / 2;
        int p = s.Head;
        for (int k = 0; k < keep; k++) p += SizeAt(s.Buf, p);
        var right = new Segment { Buf = s.Buf.AsSpan(p, s.Tail - p).ToArray(), Head = 0, Count = s.Count - keep };
        right.Tail = right.Buf.Length;
        s.Tail = p;
        s.Count = keep;
        Seal(ref s);
        InsertSegment(seg + 1, right);
        // A big element can leave a half still over the limit: split again until each half fits.
        SplitIfOver(seg + 1, fill);
        SplitIfOver(seg, fill);
    }

    /// <summary>Replaces element <paramref name="index"/> (0 &lt;= index &lt; Count). <paramref name="v"/> must not point into this list.</summary>
    public void Set(long index, ReadOnlySpan<byte> v, long fill)
    {
        Locate(index, out int seg, out int pos);
        ref Segment s = ref Seg(seg);
        int oldSize = SizeAt(s.Buf, pos);
        int at = Splice(ref s, pos, oldSize, EntrySize(v.Length));
        WriteEntry(s.Buf, at, v);
        SplitIfOver(seg, fill);
    }

    /// <summary>
    /// Inserts <paramref name="v"/> before or after the first element equal to <paramref name="pivot"/>, searching
    /// from the head; false when there is no such element.
    /// </summary>
    public bool InsertAtPivot(ReadOnlySpan<byte> pivot, ReadOnlySpan<byte> v, bool after, long fill)
    {
        int n = SegCount;
        for (int i = 0; i < n; i++)
        {
            ref Segment s = ref Seg(i);
            int p = s.Head;
            while (p < s.Tail)
            {
                int size = ReadForward(s.Buf, p, out int start, out int len);
                if (len == pivot.Length && s.Buf.AsSpan(start, len).SequenceEqual(pivot))
                {
                    int at = after ? p + size : p;
                    int w = Splice(ref s, at, 0, EntrySize(v.Length));
                    WriteEntry(s.Buf, w, v);
                    s.Count++;
                    _count++;
                    SplitIfOver(i, fill);
                    return true;
                }
                p += size;
            }
        }
        return false;
    }

    /// <summary>
    /// Removes elements equal to <paramref name="v"/>: the first <paramref name="limit"/> from the head, or from the
    /// tail when <paramref name="fromTail"/>; all of them when the limit is 0. Returns how many were removed.
    /// </summary>
    public long RemoveMatches(ReadOnlySpan<byte> v, long limit, bool fromTail, long fill)
    {
        long removed = 0;
        int n = SegCount;
        if (!fromTail)
        {
            for (int i = 0; i < n && (limit == 0 || removed < limit); i++)
                removed += Compact(ref Seg(i), Seg(i).Head, v, limit == 0 ? long.MaxValue : limit - removed);
        }
        else
        {
            for (int i = n - 1; i >= 0 && (limit == 0 || removed < limit); i--)
            {
                ref Segment s = ref Seg(i);
                long want = limit == 0 ? long.MaxValue : limit - removed;
                // Find where the last `want` matches of this segment begin, then drop every match from there on.
                int p = s.Tail, boundary = -1;
                long found = 0;
                while (p > s.Head && found < want)
                {
                    int size = ReadBackward(s.Buf, p, out int start, out int len);
                    p -= size;
                    if (len == v.Length && s.Buf.AsSpan(start, len).SequenceEqual(v))
                    {
                        found++;
                        boundary = p;
                    }
                }
                if (found > 0) removed += Compact(ref s, boundary, v, found);
            }
        }
        if (removed == 0) return 0;
        _count -= removed;
        if (_ring != null)
        {
            for (int i = _segs - 1; i >= 0; i--)
                if (Seg(i).Count == 0) RemoveSegment(i);
            MergeSmallSegments(fill);
            MaybeFromRing();
        }
        if (_ring == null) MaybeShrink(ref _one);
        return removed;
    }

    /// <summary>Drops up to <paramref name="max"/> entries equal to <paramref name="v"/> from offset <paramref name="from"/> on, in one pass.</summary>
    private static long Compact(ref Segment s, int from, ReadOnlySpan<byte> v, long max)
    {
        var buf = s.Buf;
        int r = from, w = from;
        long removed = 0;
        while (r < s.Tail)
        {
            if (removed == max)
            {
                // Nothing more to drop: move the rest in one block.
                int rest = s.Tail - r;
                if (w != r) buf.AsSpan(r, rest).CopyTo(buf.AsSpan(w));
                w += rest;
                r = s.Tail;
                break;
            }
            int size = ReadForward(buf, r, out int start, out int len);
            if (len == v.Length && buf.AsSpan(start, len).SequenceEqual(v))
            {
                removed++;
            }
            else
            {
                if (w != r) buf.AsSpan(r, size).CopyTo(buf.AsSpan(w));
                w += size;
            }
            r += size;
        }
        s.Tail = w;
        s.Count -= (int)removed;
        return removed;
    }

    /// <summary>Joins neighbouring segments that fit in one node together (after removals in the middle).</summary>
    private void MergeSmallSegments(long fill)
    {
        int i = 0;
        while (i < _segs - 1)
        {
            ref Segment a = ref Seg(i);
            ref Segment b = ref Seg(i + 1);
            if (WithinLimit(a.Bytes + b.Bytes, a.Count + b.Count, fill) && a.Count + b.Count > 1)
            {
                if (a.Buf.Length - a.Tail < b.Bytes) MakeRoom(ref a, b.Bytes, atHead: false);
                b.Buf.AsSpan(b.Head, b.Bytes).CopyTo(a.Buf.AsSpan(a.Tail));
                a.Tail += b.Bytes;
                a.Count += b.Count;
                RemoveSegment(i + 1);
            }
            else
            {
                i++;
            }
        }
    }

    long ISortable.SortLength => _count;

    /// <summary>SORT reads elements from a position, from the head, or from the tail backwards when reversed.</summary>
    void ISortable.AppendElements(long start, long count, bool reverse, List<byte[]> dest)
    {
        if (count <= 0 || start >= _count) return;
        if (!reverse)
        {
            var c = ForwardFrom(start);
            while (count-- > 0 && Next(ref c, out var v)) dest.Add(v.ToArray());
        }
        else
        {
            var c = BackwardFrom(_count - 1 - start);
            while (count-- > 0 && Prev(ref c, out var v)) dest.Add(v.ToArray());
        }
    }

    /// <summary>Checks the internal invariants (tests).</summary>
    public bool Validate(long fill, out string problem)
    {
        long total = 0;
        int n = SegCount;
        for (int i = 0; i < n; i++)
        {
            ref Segment s = ref Seg(i);
            if (_ring != null && s.Count == 0)
            {
                problem = $"empty segment {i}";
                return false;
            }
            int p = s.Head, c = 0;
            while (p < s.Tail)
            {
                int size = ReadForward(s.Buf, p, out _, out int len);
                int back = ReadBackward(s.Buf, p + size, out _, out int len2);
                if (back != size || len != len2)
                {
                    problem = $"segment {i}: entry at {p} reads {size}/{len} forward and {back}/{len2} backward";
                    return false;
                }
                p += size;
                c++;
            }
            if (p != s.Tail || c != s.Count)
            {
                problem = $"segment {i}: {c} entries ending at {p}, expected {s.Count} ending at {s.Tail}";
                return false;
            }
            if (!WithinLimit(s.Bytes, s.Count, fill))
            {
                problem = $"segment {i}: {s.Bytes} bytes, {s.Count} entries over the limit";
                return false;
            }
            total += c;
        }
        if (total != _count)
        {
            problem = $"count {_count}, entries {total}";
            return false;
        }
        problem = "";
        return true;
    }
}
