using Tern.Protocol;

namespace Tern.Server.Storage;

/// <summary>
/// A set, with Redis 7.0's two encodings (t_set.c):
/// <list type="bullet">
/// <item>"intset" while every member is an integer (string2ll-strict: "1" yes, "01", "+1", "-0", " 1" no) and
/// there are at most set-max-intset-entries of them: a sorted long array, binary-searched, 8 bytes a member.
/// Replies walk it in ascending order, as Redis's do.</item>
/// <item>"hashtable" otherwise: a <see cref="MemberTable"/> of byte strings.</item>
/// </list>
/// Conversion is one way (intset to hashtable), as in Redis: removing the string member again does not bring
/// the intset back. Members are addressed by index 0..Count-1 for iteration and random picks; for an intset
/// that is ascending order.
/// </summary>
public sealed class SetValue : StoredObject, ISortable, ISetMembers
{
    /// <summary>Redis caps the intset at 2^30 entries whatever the configuration says.</summary>
    private const long IntsetHardLimit = 1L << 30;

    private long[] _ints = [];
    private int _intCount;
    /// <summary>
    /// Bytes per element Redis's intset would use (2, 4 or 8): it grows with the widest value ever added and
    /// never shrinks, which DEBUG OBJECT's serializedlength (the intset blob) shows.
    /// </summary>
    private byte _intWidth = 2;
    private MemberTable? _table;

    public SetValue(byte[] key) : base(key)
    {
    }

    public override ValueKind Kind => ValueKind.Set;

    public override ReadOnlySpan<byte> Encoding => _table == null ? "intset"u8 : "hashtable"u8;

    public bool IsIntset => _table == null;

    public int Count => _table?.Count ?? _intCount;

    /// <summary>The hashtable encoding's members (only when not <see cref="IsIntset"/>).</summary>
    public MemberTable Table => _table!;

    /// <summary>The intset's element at <paramref name="index"/> (ascending order).</summary>
    public long IntAt(int index) => _ints[index];

    /// <summary>Size of Redis's intset blob: 8 bytes of header and the elements at their width.</summary>
    public long IntsetBlobLength => 8 + (long)_intWidth * _intCount;

    /// <summary>Redis's intset blob (little-endian header: encoding, length; then the elements), for RDB sizes.</summary>
    public byte[] IntsetBlob()
    {
        var b = new byte[IntsetBlobLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b, _intWidth);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)_intCount);
        for (int i = 0; i < _intCount; i++)
        {
            var dst = b.AsSpan(8 + i * _intWidth);
            long v = _ints[i];
            if (_intWidth == 2) System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(dst, (short)v);
            else if (_intWidth == 4) System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(dst, (int)v);
            else System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(dst, v);
        }
        return b;
    }

    /// <summary>
    /// The member at <paramref name="index"/>: an intset's is written as decimal into <paramref name="scratch"/>
    /// (at least 20 bytes), a hashtable's is returned as stored.
    /// </summary>
    public ReadOnlySpan<byte> MemberAt(int index, Span<byte> scratch)
    {
        if (_table != null) return _table.At(index);
        int n = RespNumber.Format(_ints[index], scratch);
        return scratch[..n];
    }

    /// <summary>The member at <paramref name="index"/> as a new array.</summary>
    public byte[] MemberArray(int index)
    {
        if (_table != null) return _table.At(index);
        Span<byte> tmp = stackalloc byte[24];
        return MemberAt(index, tmp).ToArray();
    }

    private static byte WidthOf(long v) =>
        v < int.MinValue || v > int.MaxValue ? (byte)8 : v < short.MinValue || v > short.MaxValue ? (byte)4 : (byte)2;

    private int IntIndex(long v) => Array.BinarySearch(_ints, 0, _intCount, v);

    /// <summary>
    /// setTypeAdd: adds <paramref name="member"/>; false when already present. A non-integer, or the intset
    /// growing past <paramref name="maxIntset"/> entries, converts to a hashtable.
    /// </summary>
    public bool Add(ReadOnlySpan<byte> member, long maxIntset)
    {
        if (_table == null)
        {
            if (RespNumber.TryParseInt64(member, out long v)) return AddIntsetValue(v, maxIntset);
            ConvertToTable();
        }
        return _table!.Add(member);
    }

    /// <summary>Adds an integer member (its decimal text in a hashtable).</summary>
    public bool AddInteger(long v, long maxIntset)
    {
        if (_table == null) return AddIntsetValue(v, maxIntset);
        Span<byte> tmp = stackalloc byte[24];
        int n = RespNumber.Format(v, tmp);
        return _table.Add(tmp[..n]);
    }

    /// <summary>Adds a member the caller hands over (no copy when it lands in a hashtable).</summary>
    public bool AddOwned(byte[] member, long maxIntset)
    {
        if (_table == null)
        {
            if (RespNumber.TryParseInt64(member, out long v)) return AddIntsetValue(v, maxIntset);
            ConvertToTable();
        }
        return _table!.AddOwned(member);
    }

    private bool AddIntsetValue(long v, long maxIntset)
    {
        int i = IntIndex(v);
        if (i >= 0) return false;
        i = ~i;
        if (_intCount == _ints.Length) Array.Resize(ref _ints, _ints.Length == 0 ? 4 : _ints.Length * 2);
        if (i < _intCount) Array.Copy(_ints, i, _ints, i + 1, _intCount - i);
        _ints[i] = v;
        _intCount++;
        byte w = WidthOf(v);
        if (w > _intWidth) _intWidth = w;
        long max = Math.Min(maxIntset, IntsetHardLimit);
        if (_intCount > max) ConvertToTable();
        return true;
    }

    /// <summary>setTypeRemove: false when <paramref name="member"/> is absent.</summary>
    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_table != null) return _table.Remove(member);
        if (!RespNumber.TryParseInt64(member, out long v)) return false;
        int i = IntIndex(v);
        if (i < 0) return false;
        RemoveAt(i);
        return true;
    }

    /// <summary>Removes the member at <paramref name="index"/> (an intset keeps its order; a hashtable moves its last member there).</summary>
    public void RemoveAt(int index)
    {
        if (_table != null)
        {
            _table.RemoveAt(index);
            return;
        }
        _intCount--;
        if (index < _intCount) Array.Copy(_ints, index + 1, _ints, index, _intCount - index);
        if (_ints.Length > 16 && _intCount < _ints.Length / 4) Array.Resize(ref _ints, _ints.Length / 2);
    }

    public bool Contains(ReadOnlySpan<byte> member)
    {
        if (_table != null) return _table.Contains(member);
        return RespNumber.TryParseInt64(member, out long v) && IntIndex(v) >= 0;
    }

    public bool ContainsInteger(long v)
    {
        if (_table == null) return IntIndex(v) >= 0;
        Span<byte> tmp = stackalloc byte[24];
        int n = RespNumber.Format(v, tmp);
        return _table.Contains(tmp[..n]);
    }

    /// <summary>setTypeConvert to hashtable, presized, members added in ascending order.</summary>
    public void ConvertToTable()
    {
        if (_table != null) return;
        var t = new MemberTable(_intCount);
        Span<byte> tmp = stackalloc byte[24];
        for (int i = 0; i < _intCount; i++)
        {
            int n = RespNumber.Format(_ints[i], tmp);
            t.AddOwned(tmp[..n].ToArray());
        }
        _table = t;
        _ints = [];
        _intCount = 0;
        _intWidth = 2;
    }

    /// <summary>Takes over the members (and encoding) of <paramref name="other"/>: SPOP's "new set" strategy.</summary>
    public void TakeContents(SetValue other)
    {
        _ints = other._ints;
        _intCount = other._intCount;
        _intWidth = other._intWidth;
        _table = other._table;
    }

    public override StoredObject CloneWithKey(byte[] key)
    {
        var c = new SetValue(key)
        {
            ExpireAt = ExpireAt,
            Lru = Lru,
            _ints = _intCount == 0 ? [] : _ints[.._intCount],
            _intCount = _intCount,
            _intWidth = _intWidth,
            _table = _table?.Clone(),
        };
        return c;
    }

    public override long MemoryUsage => 48 + (_table?.MemoryUsage ?? 24 + (long)_ints.Length * 8);

    long ISortable.SortLength => Count;

    void ISortable.AppendElements(long start, long count, bool reverse, List<byte[]> dest)
    {
        // SORT reads a set whole, in iteration order.
        for (int i = 0; i < Count; i++) dest.Add(MemberArray(i));
    }
}
