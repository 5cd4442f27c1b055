using System.Globalization;
using System.Text;
using Tern.Protocol;
using Tern.Server.Blocking;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// SORT and SORT_RO (sort.c of Redis 7.0) over sets, lists and sorted sets, read through <see cref="ISortable"/>.
/// <para>
/// Locking: the source and the STORE destination are the command's keys (see <see cref="SortKeys"/>). BY and
/// GET patterns read other keys that nobody named, so when a pattern could look a key up the key extractor asks
/// the dispatcher to hold every shard for the command instead.
/// </para>
/// <para>
/// Order: Redis sorts with glibc's qsort (a stable merge sort at these sizes) or, for BY with LIMIT, its own
/// partial quicksort (pqsort.c). Both are reproduced so that ties (ALPHA BY with equal or missing weights) come
/// out in Redis's order, given the same input order.
/// </para>
/// </summary>
public static class SortFamily
{
    private struct Item
    {
        public byte[] Obj;
        public double Score;
        public byte[]? Cmp;
    }

    private struct Options
    {
        public bool Desc, Alpha, DontSort;
        public long LimitStart, LimitCount;
        public int StoreArg, ByArg, GetCount;
        public bool PatternLookups;
    }

    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => Ascii.EqualsIgnoreCase(a, word);

    /// <summary>A C string's view of an argument: up to its first NUL byte.</summary>
    private static ReadOnlySpan<byte> CStr(ReadOnlySpan<byte> s)
    {
        int nul = s.IndexOf((byte)0);
        return nul >= 0 ? s[..nul] : s;
    }

    /// <summary>
    /// Parses the options as sortCommandGeneric does, left to right, stopping at the first error. The GET
    /// patterns' argument indexes go to <paramref name="gets"/> when given.
    /// </summary>
    private static bool Parse(CommandArgs args, bool readOnly, out Options o, List<int>? gets, out ReadOnlySpan<byte> error)
    {
        o = default;
        o.LimitCount = -1;
        error = default;
        for (int j = 2; j < args.Count; j++)
        {
            var a = args[j];
            int left = args.Count - j - 1;
            if (Is(a, "ASC"u8)) o.Desc = false;
            else if (Is(a, "DESC"u8)) o.Desc = true;
            else if (Is(a, "ALPHA"u8)) o.Alpha = true;
            else if (Is(a, "LIMIT"u8) && left >= 2)
            {
                if (!RespNumber.TryParseInt64(args[j + 1], out o.LimitStart) || !RespNumber.TryParseInt64(args[j + 2], out o.LimitCount))
                {
                    error = Errors.NotInteger;
                    return false;
                }
                j += 2;
            }
            else if (!readOnly && Is(a, "STORE"u8) && left >= 1)
            {
                o.StoreArg = j + 1;
                j++;
            }
            else if (Is(a, "BY"u8) && left >= 1)
            {
                o.ByArg = j + 1;
                // A BY pattern without '*' is constant: nothing to sort (and it stays so for any later BY).
                if (CStr(args[j + 1]).IndexOf((byte)'*') < 0) o.DontSort = true;
                else o.PatternLookups = true;
                j++;
            }
            else if (Is(a, "GET"u8) && left >= 1)
            {
                gets?.Add(j + 1);
                o.GetCount++;
                if (CStr(args[j + 1]).IndexOf((byte)'*') >= 0) o.PatternLookups = true;
                j++;
            }
            else
            {
                error = Errors.Syntax;
                return false;
            }
        }
        return true;
    }

    private static int Keys(CommandArgs args, Span<int> positions, bool readOnly)
    {
        positions[0] = 1;
        if (!Parse(args, readOnly, out var o, null, out _)) return 1;
        // Patterns look up keys in any shard: hold them all (a count past the span's length says so).
        if (o.PatternLookups) return positions.Length + 1;
        if (o.StoreArg == 0) return 1;
        positions[1] = o.StoreArg;
        return 2;
    }

    /// <summary>SORT's keys: the source and the STORE destination the handler will use (the last STORE).</summary>
    private static int SortKeys(CommandArgs args, Span<int> positions) => Keys(args, positions, false);

    private static int SortRoKeys(CommandArgs args, Span<int> positions) => Keys(args, positions, true);

    // SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]
    private static void Sort(CommandContext ctx) => SortGeneric(ctx, false);

    // SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
    private static void SortRo(CommandContext ctx) => SortGeneric(ctx, true);

    private static void SortGeneric(CommandContext ctx, bool readOnly)
    {
        var args = ctx.Args;
        var gets = new List<int>();
        if (!Parse(args, readOnly, out var opt, gets, out var error))
        {
            ctx.Error(error);
            return;
        }

        var o = ctx.LookupRead(args[1]);
        ValueKind kind = ValueKind.List;   // a missing key sorts as an empty list
        ISortable? source = null;
        if (o != null)
        {
            kind = Entry.Kind(o);
            if (kind is not (ValueKind.Set or ValueKind.List or ValueKind.ZSet))
            {
                ctx.Error(Errors.WrongType);
                return;
            }
            // ListValue, SetValue and ZSetValue all implement ISortable.
            source = (ISortable)o;
        }

        bool desc = opt.Desc, alpha = opt.Alpha, dontSort = opt.DontSort;
        int byArg = opt.ByArg;
        // A set has no order of its own: when the result is stored (and so replicated), sort it anyway so that
        // replicas agree. (Redis does the same for scripts; Tern has none yet.)
        if (dontSort && kind == ValueKind.Set && opt.StoreArg > 0)
        {
            dontSort = false;
            alpha = true;
            byArg = 0;
        }

        long vectorLen = source?.SortLength ?? 0;
        long start = Math.Min(Math.Max(opt.LimitStart, 0), vectorLen);
        long limitCount = Math.Min(Math.Max(opt.LimitCount, -1), vectorLen);
        long end = limitCount < 0 ? vectorLen - 1 : start + limitCount - 1;
        if (start >= vectorLen)
        {
            start = vectorLen - 1;
            end = vectorLen - 2;
        }
        if (end >= vectorLen) end = vectorLen - 1;

        bool ordered = kind is ValueKind.List or ValueKind.ZSet;
        // Lists and sorted sets that need no sorting load just the LIMIT range, walking backwards for DESC.
        if (ordered && dontSort && (start != 0 || end != vectorLen - 1)) vectorLen = end - start + 1;
        var elements = new List<byte[]>((int)Math.Min(vectorLen, 1 << 20));
        if (source != null)
        {
            if (ordered && dontSort)
            {
                if (kind == ValueKind.ZSet || end >= start)
                {
                    if (vectorLen > 0) source.AppendElements(start, vectorLen, desc, elements);
                    end -= start;
                    start = 0;
                }
            }
            else source.AppendElements(0, vectorLen, false, elements);
        }

        var vector = new Item[elements.Count];
        for (int i = 0; i < vector.Length; i++) vector[i].Obj = elements[i];

        bool conversionError = false;
        if (!dontSort)
        {
            var byPattern = byArg > 0 ? args[byArg] : default;
            for (int j = 0; j < vector.Length; j++)
            {
                byte[]? byVal;
                if (byArg > 0)
                {
                    byVal = LookupByPattern(ctx, byPattern, vector[j].Obj);
                    if (byVal == null) continue;
                }
                else byVal = vector[j].Obj;
                if (alpha)
                {
                    if (byArg > 0) vector[j].Cmp = byVal;
                }
                else
                {
                    if (!ParseScore(byVal, out vector[j].Score)) conversionError = true;
                }
            }
            var cmp = new Comparer(desc, alpha, byArg > 0, opt.StoreArg > 0);
            if (byArg > 0 && (start != 0 || end != vector.Length - 1))
                PartialQuickSort(vector, 0, vector.Length, cmp, start, end);
            else
                MergeSort(vector, cmp);
        }

        long rows = end - start + 1;
        long outputLen = gets.Count > 0 ? gets.Count * rows : rows;
        if (conversionError)
        {
            ctx.Error(Errors.SortScoreNotDouble);
            return;
        }
        if (opt.StoreArg == 0)
        {
            var r = ctx.Reply;
            r.ArrayHeader((int)outputLen);
            for (long j = start; j <= end; j++)
            {
                var elem = vector[j].Obj;
                if (gets.Count == 0) r.Bulk(elem);
                foreach (int g in gets)
                {
                    var val = LookupByPattern(ctx, args[g], elem);
                    if (val == null) r.Null();
                    else r.Bulk(val);
                }
            }
            return;
        }

        var storeKey = args[opt.StoreArg];
        if (outputLen > 0)
        {
            var items = new List<byte[]>((int)outputLen);
            for (long j = start; j <= end; j++)
            {
                var elem = vector[j].Obj;
                if (gets.Count == 0) items.Add(elem);
                foreach (int g in gets) items.Add(LookupByPattern(ctx, args[g], elem) ?? []);
            }
            var list = CreateList(ctx, storeKey.ToArray(), items);
            ctx.LookupWrite(storeKey);
            ctx.Keyspace.Set(ctx.Db, list);
            ctx.Notify(ServerConfig.Notify.List, "sortstore"u8, storeKey);
            ctx.Dirty += outputLen;
        }
        else if (ctx.Keyspace.Delete(ctx.Db, storeKey, ctx.Now))
        {
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, storeKey);
            ctx.Dirty++;
        }
        if (ctx.Dirty > 0 && opt.PatternLookups) SignalStored(ctx, storeKey);
        ctx.Reply.Integer(outputLen);
    }

    /// <summary>
    /// With every shard held (patterns), the dispatcher does not run its per-key after-write step: invalidate
    /// WATCHes on the destination and wake clients blocked on it here.
    /// </summary>
    private static void SignalStored(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        ctx.Keyspace.Touch(ctx.Db, key);
        var shard = ctx.Keyspace.ShardOf(key);
        if (shard.Blocked != null && BlockingCoordinator.HasWaiters(shard, ctx.Db, key))
            ctx.ReadyKeys.Add((ctx.Db, key.ToArray()));
    }

    /// <summary>The list SORT ... STORE writes (pushed at the tail in order, as Redis builds it).</summary>
    private static ListValue CreateList(CommandContext ctx, byte[] key, List<byte[]> items)
    {
        var list = new ListValue(key) { Lru = LruClock.Now };
        foreach (var e in items) list.PushTail(e, ctx.Server.Config.ListMaxListpackSize);
        return list;
    }

    /// <summary>
    /// lookupKeyByPattern: "#" is the element itself; otherwise the first '*' of the pattern is replaced by the
    /// element and the key read, as a string, or with "key->field" as a hash field. Null when the pattern has
    /// no '*', the key is missing or of another type, or the field is absent. The pattern is read as a C string
    /// for '#', '*' and "->" (up to a NUL byte), but prefix, suffix and field keep all their bytes, as Redis's
    /// lengths do.
    /// </summary>
    private static byte[]? LookupByPattern(CommandContext ctx, ReadOnlySpan<byte> pattern, byte[] subst)
    {
        var c = CStr(pattern);
        if (c.Length == 1 && c[0] == '#') return subst;
        int star = c.IndexOf((byte)'*');
        if (star < 0) return null;
        int arrow = c[(star + 1)..].IndexOf("->"u8);
        int fieldStart = arrow < 0 ? -1 : star + 1 + arrow + 2;
        bool hasField = arrow >= 0 && fieldStart < c.Length;
        var prefix = pattern[..star];
        var postfix = hasField ? pattern[(star + 1)..(fieldStart - 2)] : pattern[(star + 1)..];
        int len = prefix.Length + subst.Length + postfix.Length;
        byte[]? rented = null;
        Span<byte> key = len <= 256 ? stackalloc byte[len] : (rented = new byte[len]);
        prefix.CopyTo(key);
        subst.CopyTo(key[prefix.Length..]);
        postfix.CopyTo(key[(prefix.Length + subst.Length)..]);
        var o = ctx.LookupRead(key);
        if (o == null) return null;
        if (hasField)
        {
            if (Entry.Kind(o) != ValueKind.Hash) return null;
            var h = (IHashFieldReader)o; // HashValue implements it
            return h.TryGet(pattern[fieldStart..], out var v) ? v.ToArray() : null;
        }
        return o is byte[] a ? PackedString.Value(a).ToArray() : null;
    }

    /// <summary>
    /// A weight as SORT reads it with strtod: leading white space, decimal or hexadecimal, inf/infinity; the
    /// whole C string must be consumed (an empty one is 0). NaN and out-of-range values (overflow, or underflow
    /// to a subnormal or zero) are errors, as Redis checks errno == ERANGE.
    /// </summary>
    internal static bool ParseScore(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        var s = CStr(text);
        int len = s.Length, i = 0;
        while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        int numStart = i;
        bool neg = false;
        if (i < len && (s[i] == '+' || s[i] == '-'))
        {
            neg = s[i] == '-';
            i++;
        }
        if (MatchWord(s, i, "inf"u8))
        {
            i += 3;
            if (MatchWord(s, i, "inity"u8)) i += 5;
            value = neg ? double.NegativeInfinity : double.PositiveInfinity;
            return i == len;
        }
        if (MatchWord(s, i, "nan"u8))
        {
            value = double.NaN;
            return false;
        }
        if (i + 2 < len && s[i] == '0' && (s[i + 1] | 0x20) == 'x' &&
            (HexDigit(s[i + 2]) >= 0 || (s[i + 2] == '.' && i + 3 < len && HexDigit(s[i + 3]) >= 0)))
            return ParseHex(s, i + 2, neg, out value);

        int digits = 0, nonZero = 0;
        while (i < len && (uint)(s[i] - '0') <= 9) { digits++; if (s[i] != '0') nonZero++; i++; }
        if (i < len && s[i] == '.')
        {
            i++;
            while (i < len && (uint)(s[i] - '0') <= 9) { digits++; if (s[i] != '0') nonZero++; i++; }
        }
        // No number at all: strtod converts nothing and points at the start, so only "" is acceptable.
        if (digits == 0) return len == 0;
        if (i < len && (s[i] | 0x20) == 'e')
        {
            int k = i + 1;
            if (k < len && (s[k] == '+' || s[k] == '-')) k++;
            if (k < len && (uint)(s[k] - '0') <= 9)
            {
                while (k < len && (uint)(s[k] - '0') <= 9) k++;
                i = k;
            }
        }
        if (!double.TryParse(s[numStart..i], NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        if (double.IsInfinity(value)) return false;
        if (nonZero > 0 && Math.Abs(value) < MinNormal) return false;
        return i == len;
    }

    /// <summary>DBL_MIN: below it strtod reports underflow.</summary>
    private const double MinNormal = 2.2250738585072014E-308;

    private static bool MatchWord(ReadOnlySpan<byte> s, int at, ReadOnlySpan<byte> lower)
    {
        if (at + lower.Length > s.Length) return false;
        for (int k = 0; k < lower.Length; k++)
            if ((s[at + k] | 0x20) != lower[k]) return false;
        return true;
    }

    private static int HexDigit(byte b) =>
        (uint)(b - '0') <= 9 ? b - '0' : (uint)((b | 0x20) - 'a') <= 5 ? (b | 0x20) - 'a' + 10 : -1;

    /// <summary>strtod's hexadecimal form: hex digits with an optional point, then an optional binary exponent.</summary>
    private static bool ParseHex(ReadOnlySpan<byte> s, int i, bool neg, out double value)
    {
        int len = s.Length;
        ulong mant = 0;
        long exp = 0;
        bool sticky = false, point = false;
        for (; i < len; i++)
        {
            if (s[i] == '.' && !point)
            {
                point = true;
                continue;
            }
            int d = HexDigit(s[i]);
            if (d < 0) break;
            if (mant < 1UL << 56)
            {
                mant = mant * 16 + (ulong)d;
                if (point) exp -= 4;
            }
            else
            {
                if (d != 0) sticky = true;
                if (!point) exp += 4;
            }
        }
        if (i < len && (s[i] | 0x20) == 'p')
        {
            int k = i + 1;
            bool eneg = false;
            if (k < len && (s[k] == '+' || s[k] == '-'))
            {
                eneg = s[k] == '-';
                k++;
            }
            if (k < len && (uint)(s[k] - '0') <= 9)
            {
                long e = 0;
                while (k < len && (uint)(s[k] - '0') <= 9)
                {
                    if (e < 100000) e = e * 10 + (s[k] - '0');
                    k++;
                }
                exp += eneg ? -e : e;
                i = k;
            }
        }
        int scale = (int)Math.Clamp(exp, -100000, 100000);
        double v = Math.ScaleB((double)mant, scale);
        value = neg ? -v : v;
        if (double.IsInfinity(v)) return false;
        if (mant != 0 && Math.Abs(v) < MinNormal)
        {
            // Underflow is only an error when bits were lost.
            bool exact = !sticky && mant < 1UL << 53 && Math.ScaleB(v, -scale) == mant;
            if (!exact) return false;
        }
        return i == len;
    }

    /// <summary>sortCompare, with the flags Redis keeps in globals.</summary>
    private sealed class Comparer(bool desc, bool alpha, bool byPattern, bool store)
    {
        public int Compare(in Item a, in Item b)
        {
            int cmp;
            if (!alpha)
            {
                if (a.Score > b.Score) cmp = 1;
                else if (a.Score < b.Score) cmp = -1;
                // Equal weights: the elements themselves decide, byte by byte, so the result is deterministic.
                else cmp = a.Obj.AsSpan().SequenceCompareTo(b.Obj);
            }
            else if (byPattern)
            {
                if (a.Cmp == null || b.Cmp == null)
                    cmp = a.Cmp == b.Cmp ? 0 : a.Cmp == null ? -1 : 1;
                else cmp = store ? a.Cmp.AsSpan().SequenceCompareTo(b.Cmp) : Collate(a.Cmp, b.Cmp);
            }
            else cmp = store ? a.Obj.AsSpan().SequenceCompareTo(b.Obj) : Collate(a.Obj, b.Obj);
            return desc ? -Math.Sign(cmp) : Math.Sign(cmp);
        }

        /// <summary>strcoll: Redis collates with the server's locale; under C and C.UTF-8 that is strcmp, which stops at a NUL.</summary>
        private static int Collate(byte[] a, byte[] b) => CStr(a).SequenceCompareTo(CStr(b));
    }

    /// <summary>glibc's qsort for these sizes: a top-down merge sort, left half n/2, stable.</summary>
    private static void MergeSort(Item[] v, Comparer cmp)
    {
        if (v.Length < 2) return;
        var tmp = new Item[v.Length];
        MergeSort(v, 0, v.Length, tmp, cmp);
    }

    private static void MergeSort(Item[] b, int lo, int n, Item[] tmp, Comparer cmp)
    {
        if (n <= 1) return;
        int n1 = n / 2, n2 = n - n1;
        MergeSort(b, lo, n1, tmp, cmp);
        MergeSort(b, lo + n1, n2, tmp, cmp);
        int i = lo, j = lo + n1, k = 0;
        while (n1 > 0 && n2 > 0)
        {
            if (cmp.Compare(b[i], b[j]) <= 0)
            {
                tmp[k++] = b[i++];
                n1--;
            }
            else
            {
                tmp[k++] = b[j++];
                n2--;
            }
        }
        if (n1 > 0) Array.Copy(b, i, tmp, k, n1);
        Array.Copy(tmp, 0, b, lo, n - n2);
    }

    private static void Swap(Item[] a, int i, int j) => (a[i], a[j]) = (a[j], a[i]);

    private static void VecSwap(Item[] a, int i, int j, int n)
    {
        for (int k = 0; k < n; k++) Swap(a, i + k, j + k);
    }

    private static int Med3(Item[] a, int x, int y, int z, Comparer cmp) =>
        cmp.Compare(a[x], a[y]) < 0
            ? (cmp.Compare(a[y], a[z]) < 0 ? y : cmp.Compare(a[x], a[z]) < 0 ? z : x)
            : (cmp.Compare(a[y], a[z]) > 0 ? y : cmp.Compare(a[x], a[z]) < 0 ? x : z);

    /// <summary>
    /// Redis's pqsort: Bentley and McIlroy's quicksort that only descends into partitions overlapping the
    /// wanted range [<paramref name="lrange"/>, <paramref name="rrange"/>], used for BY with LIMIT. It is not
    /// stable, so it is followed step by step to put tied elements where Redis puts them.
    /// </summary>
    private static void PartialQuickSort(Item[] a, int lo, int n, Comparer cmp, long lrange, long rrange)
    {
        while (true)
        {
            if (n < 7)
            {
                for (int pm = lo + 1; pm < lo + n; pm++)
                    for (int pl = pm; pl > lo && cmp.Compare(a[pl - 1], a[pl]) > 0; pl--)
                        Swap(a, pl, pl - 1);
                return;
            }
            int mid = lo + n / 2;
            if (n > 7)
            {
                int pl = lo, pn = lo + n - 1;
                if (n > 40)
                {
                    int d = n / 8;
                    pl = Med3(a, pl, pl + d, pl + 2 * d, cmp);
                    mid = Med3(a, mid - d, mid, mid + d, cmp);
                    pn = Med3(a, pn - 2 * d, pn - d, pn, cmp);
                }
                mid = Med3(a, pl, mid, pn, cmp);
            }
            Swap(a, lo, mid);
            int pa = lo + 1, pb = pa;
            int pc = lo + n - 1, pd = pc;
            while (true)
            {
                int r;
                while (pb <= pc && (r = cmp.Compare(a[pb], a[lo])) <= 0)
                {
                    if (r == 0)
                    {
                        Swap(a, pa, pb);
                        pa++;
                    }
                    pb++;
                }
                while (pb <= pc && (r = cmp.Compare(a[pc], a[lo])) >= 0)
                {
                    if (r == 0)
                    {
                        Swap(a, pc, pd);
                        pd--;
                    }
                    pc--;
                }
                if (pb > pc) break;
                Swap(a, pb, pc);
                pb++;
                pc--;
            }
            int end = lo + n;
            int s = Math.Min(pa - lo, pb - pa);
            VecSwap(a, lo, pb - s, s);
            s = Math.Min(pd - pc, end - pd - 1);
            VecSwap(a, pb, end - s, s);
            if ((s = pb - pa) > 1 && Overlaps(lo, s, lrange, rrange))
                PartialQuickSort(a, lo, s, cmp, lrange, rrange);
            if ((s = pd - pc) > 1)
            {
                lo = end - s;
                n = s;
                if (Overlaps(lo, n, lrange, rrange)) continue;
            }
            return;
        }
    }

    private static bool Overlaps(int lo, int n, long lrange, long rrange) => !(rrange < lo || lrange > lo + n - 1);

    public static void Register(CommandTable t)
    {
        t.Add("sort", Sort, keys: SortKeys);
        t.Add("sort_ro", SortRo, keys: SortRoKeys);
    }
}
