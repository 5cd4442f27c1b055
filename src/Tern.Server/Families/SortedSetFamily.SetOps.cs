using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

public static partial class SortedSetFamily
{
    private enum SetOp
    {
        Union,
        Inter,
        Diff,
    }

    private enum Aggregate
    {
        Sum,
        Min,
        Max,
    }

    // ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
    private static void ZUnion(CommandContext ctx) => SetOpGeneric(ctx, -1, 1, SetOp.Union, false);

    // ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
    private static void ZInter(CommandContext ctx) => SetOpGeneric(ctx, -1, 1, SetOp.Inter, false);

    // ZDIFF numkeys key [key ...] [WITHSCORES]
    private static void ZDiff(CommandContext ctx) => SetOpGeneric(ctx, -1, 1, SetOp.Diff, false);

    // ZINTERCARD numkeys key [key ...] [LIMIT limit]
    private static void ZInterCard(CommandContext ctx) => SetOpGeneric(ctx, -1, 1, SetOp.Inter, true);

    // ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
    private static void ZUnionStore(CommandContext ctx)
    {
        ctx.Modified(1); // only the destination is written; the sources stay WATCHed
        SetOpGeneric(ctx, 1, 2, SetOp.Union, false);
    }

    // ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
    private static void ZInterStore(CommandContext ctx)
    {
        ctx.Modified(1); // only the destination is written; the sources stay WATCHed
        SetOpGeneric(ctx, 1, 2, SetOp.Inter, false);
    }

    // ZDIFFSTORE destination numkeys key [key ...]
    private static void ZDiffStore(CommandContext ctx)
    {
        ctx.Modified(1); // only the destination is written; the sources stay WATCHed
        SetOpGeneric(ctx, 1, 2, SetOp.Diff, false);
    }

    /// <summary>One input of a set operation: a sorted set, a plain set (every score 1), or a missing key.</summary>
    private struct Source
    {
        public object? Subject;
        public double Weight;

        public readonly long Length => Subject switch
        {
            ZSetValue z => z.Count,
            ISetMembers s => s.Count,
            _ => 0,
        };

        public readonly bool TryFind(ReadOnlySpan<byte> member, out double score)
        {
            score = 0;
            switch (Subject)
            {
                case ZSetValue z:
                    return z.TryGetScore(member, out score);
                case ISetMembers s:
                    score = 1.0;
                    return s.Contains(member);
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="visit"/> for every element of a source, sorted sets from the highest element down
    /// as Redis's zuiNext walks them.
    /// </summary>
    private static void ForEachElement(in Source src, Func<byte[]?, ReadOnlySpan<byte>, double, bool> visit)
    {
        switch (src.Subject)
        {
            case ZSetValue z:
                // A full set's member arrays are immutable and can be shared with the result.
                for (var p = z.Last(); p.Valid; z.Prev(ref p))
                    if (!visit(p.Node?.Member, z.MemberAt(p), z.ScoreAt(p))) return;
                break;
            case ISetMembers s:
            {
                Span<byte> scratch = stackalloc byte[24];
                for (int i = 0; i < s.Count; i++)
                    if (!visit(null, s.MemberAt(i, scratch), 1.0)) return;
                break;
            }
        }
    }

    /// <summary>
    /// The key arguments of a command whose numkeys is at <paramref name="numKeysIdx"/>: the keys after it
    /// (and a destination at 1 when <paramref name="store"/>); -1 when numkeys is not usable (the handler
    /// reports it).
    /// </summary>
    private static int NumKeys(CommandArgs args, Span<int> positions, int numKeysIdx, bool store)
    {
        if (!RespNumber.TryParseInt64(args[numKeysIdx], out long n) || n < 1 || n > args.Count - (numKeysIdx + 1)) return -1;
        int total = (int)n + (store ? 1 : 0);
        if (total > positions.Length) return total;
        int k = 0;
        if (store) positions[k++] = 1;
        for (int i = 0; i < n; i++) positions[k++] = numKeysIdx + 1 + i;
        return total;
    }

    private static int NumKeysAt1(CommandArgs args, Span<int> positions) => NumKeys(args, positions, 1, false);

    private static int NumKeysAt2(CommandArgs args, Span<int> positions) => NumKeys(args, positions, 2, false);

    private static int StoreNumKeys(CommandArgs args, Span<int> positions) => NumKeys(args, positions, 2, true);

    private static void AggregateInto(ref double target, double val, Aggregate agg)
    {
        switch (agg)
        {
            case Aggregate.Sum:
                target += val;
                // inf + -inf: Redis keeps 0 rather than NaN.
                if (double.IsNaN(target)) target = 0.0;
                break;
            case Aggregate.Min:
                target = val < target ? val : target;
                break;
            default:
                target = val > target ? val : target;
                break;
        }
    }

    /// <summary>zunionInterDiffGenericCommand.</summary>
    private static void SetOpGeneric(CommandContext ctx, int dstIdx, int numKeysIdx, SetOp op, bool cardinalityOnly)
    {
        if (!GetLong(ctx, ctx.Arg(numKeysIdx), out long setnum)) return;
        if (setnum < 1)
        {
            ctx.Error(Errors.ZAtLeastOneKey(ctx.Command.FullName));
            return;
        }
        if (setnum > ctx.ArgCount - (numKeysIdx + 1))
        {
            ctx.SyntaxError();
            return;
        }
        int n = (int)setnum;
        var src = new Source[n];
        int j = numKeysIdx + 1;
        for (int i = 0; i < n; i++, j++)
        {
            var o = ctx.LookupRead(ctx.Arg(j));
            if (o != null && o is not ZSetValue && o is not ISetMembers)
            {
                ctx.Error(Errors.WrongType);
                return;
            }
            src[i].Subject = o;
            src[i].Weight = 1.0;
        }
        var agg = Aggregate.Sum;
        bool withScores = false;
        long limit = 0;
        int remaining = ctx.ArgCount - j;
        while (remaining > 0)
        {
            var a = ctx.Arg(j);
            if (op != SetOp.Diff && !cardinalityOnly && remaining >= n + 1 && Is(a, "weights"u8))
            {
                j++;
                remaining--;
                for (int i = 0; i < n; i++, j++, remaining--)
                {
                    if (!CNum.TryParseDouble(ctx.Arg(j), out src[i].Weight))
                    {
                        ctx.Error(Errors.ZWeightNotFloat);
                        return;
                    }
                }
            }
            else if (op != SetOp.Diff && !cardinalityOnly && remaining >= 2 && Is(a, "aggregate"u8))
            {
                var v = ctx.Arg(j + 1);
                if (Is(v, "sum"u8)) agg = Aggregate.Sum;
                else if (Is(v, "min"u8)) agg = Aggregate.Min;
                else if (Is(v, "max"u8)) agg = Aggregate.Max;
                else
                {
                    ctx.SyntaxError();
                    return;
                }
                j += 2;
                remaining -= 2;
            }
            else if (remaining >= 1 && dstIdx < 0 && !cardinalityOnly && Is(a, "withscores"u8))
            {
                j++;
                remaining--;
                withScores = true;
            }
            else if (cardinalityOnly && remaining >= 2 && Is(a, "limit"u8))
            {
                // getPositiveLongFromObjectOrReply with its own message for both a bad number and a negative one.
                if (!RespNumber.TryParseInt64(ctx.Arg(j + 1), out limit) || limit < 0)
                {
                    ctx.Error(Errors.LimitNegative);
                    return;
                }
                j += 2;
                remaining -= 2;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        // Smallest first (a stable sort, as glibc's merge-based qsort), except for DIFF whose first set leads.
        if (op != SetOp.Diff)
        {
            for (int a = 1; a < n; a++)
            {
                var cur = src[a];
                long len = cur.Length;
                int b = a - 1;
                while (b >= 0 && src[b].Length > len)
                {
                    src[b + 1] = src[b];
                    b--;
                }
                src[b + 1] = cur;
            }
        }

        var dst = ZSetValue.CreateFull(dstIdx > 0 ? ctx.Arg(dstIdx).ToArray() : []);
        long maxLen = 0, cardinality = 0;
        if (op == SetOp.Inter)
        {
            if (src[0].Length > 0)
            {
                ForEachElement(src[0], (owned, member, s0) =>
                {
                    double score = src[0].Weight * s0;
                    if (double.IsNaN(score)) score = 0;
                    int k;
                    for (k = 1; k < n; k++)
                    {
                        double value;
                        if (ReferenceEquals(src[k].Subject, src[0].Subject))
                        {
                            value = s0 * src[k].Weight;
                            AggregateInto(ref score, value, agg);
                        }
                        else if (src[k].TryFind(member, out value))
                        {
                            value *= src[k].Weight;
                            AggregateInto(ref score, value, agg);
                        }
                        else break;
                    }
                    if (k != n) return true;
                    if (cardinalityOnly)
                    {
                        cardinality++;
                        return limit == 0 || cardinality < limit;
                    }
                    dst.InsertNew(score, owned ?? member.ToArray());
                    maxLen = Math.Max(maxLen, member.Length);
                    return true;
                });
            }
        }
        else if (op == SetOp.Union)
        {
            var acc = new Dictionary<byte[], double>(ByteArrayComparer.Instance);
            var lookup = acc.GetAlternateLookup<ReadOnlySpan<byte>>();
            for (int i = 0; i < n; i++)
            {
                if (src[i].Length == 0) continue;
                double w = src[i].Weight;
                ForEachElement(src[i], (owned, member, s) =>
                {
                    double score = w * s;
                    if (double.IsNaN(score)) score = 0;
                    if (lookup.TryGetValue(member, out double existing))
                    {
                        AggregateInto(ref existing, score, agg);
                        lookup[member] = existing;
                    }
                    else
                    {
                        acc[owned ?? member.ToArray()] = score;
                        maxLen = Math.Max(maxLen, member.Length);
                    }
                    return true;
                });
            }
            foreach (var kv in acc) dst.InsertNew(kv.Value, kv.Key);
        }
        else
        {
            bool sameAsFirst = false;
            for (int i = 1; i < n; i++) sameAsFirst |= src[i].Subject != null && ReferenceEquals(src[i].Subject, src[0].Subject);
            if (src[0].Length > 0 && !sameAsFirst)
            {
                ForEachElement(src[0], (owned, member, s0) =>
                {
                    for (int k = 1; k < n; k++)
                        if (src[k].TryFind(member, out _)) return true;
                    dst.InsertNew(s0, owned ?? member.ToArray());
                    maxLen = Math.Max(maxLen, member.Length);
                    return true;
                });
            }
        }

        if (dstIdx > 0)
        {
            var dstKey = ctx.Arg(dstIdx);
            long len = dst.Count;
            if (len > 0)
            {
                dst.CompactIfFits(MaxEntries(ctx), MaxValue(ctx), maxLen);
                dst.Lru = ctx.Keyspace.NewAccessClock(ctx.Now);
                StoreResult(ctx, dstKey, dst, op == SetOp.Union ? "zunionstore"u8 : op == SetOp.Inter ? "zinterstore"u8 : "zdiffstore"u8, 1);
                ctx.Reply.Integer(len);
            }
            else
            {
                ctx.Reply.Integer(0);
                DeleteDestination(ctx, dstKey);
            }
            return;
        }
        if (cardinalityOnly)
        {
            ctx.Reply.Integer(cardinality);
            return;
        }
        long count = dst.Count;
        ctx.Reply.ArrayHeader((int)(withScores && ctx.Reply.Protocol == 2 ? count * 2 : count));
        for (var p = dst.First(); p.Valid; dst.Next(ref p)) ReplyElement(ctx, dst.MemberAt(p), dst.ScoreAt(p), withScores);
    }
}

/// <summary>Equality over byte arrays, with span lookups (for dictionaries keyed by member bytes).</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)System.IO.Hashing.XxHash3.HashToUInt64(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
