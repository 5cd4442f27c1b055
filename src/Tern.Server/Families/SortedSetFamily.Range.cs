using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

public static partial class SortedSetFamily
{
    private enum Direction
    {
        Auto,
        Forward,
        Reverse,
    }

    // ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
    private static void ZRange(CommandContext ctx) => RangeGeneric(ctx, 1, false, RangeType.Auto, Direction.Auto);

    // ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
    private static void ZRangeStore(CommandContext ctx)
    {
        ctx.Modified(1); // only the destination is written; the sources stay WATCHed
        RangeGeneric(ctx, 2, true, RangeType.Auto, Direction.Auto);
    }

    // ZREVRANGE key start stop [WITHSCORES]
    private static void ZRevRange(CommandContext ctx) => RangeGeneric(ctx, 1, false, RangeType.Rank, Direction.Reverse);

    // ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
    private static void ZRangeByScore(CommandContext ctx) => RangeGeneric(ctx, 1, false, RangeType.Score, Direction.Forward);

    // ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
    private static void ZRevRangeByScore(CommandContext ctx) => RangeGeneric(ctx, 1, false, RangeType.Score, Direction.Reverse);

    // ZRANGEBYLEX key min max [LIMIT offset count]
    private static void ZRangeByLex(CommandContext ctx) => RangeGeneric(ctx, 1, false, RangeType.Lex, Direction.Forward);

    // ZREVRANGEBYLEX key max min [LIMIT offset count]
    private static void ZRevRangeByLex(CommandContext ctx) => RangeGeneric(ctx, 1, false, RangeType.Lex, Direction.Reverse);

    /// <summary>Receives the elements of a range: a reply, a counter, or a destination set.</summary>
    private interface IRangeSink
    {
        void Emit(ReadOnlySpan<byte> member, double score);
    }

    private struct CountSink : IRangeSink
    {
        public long Count;

        public void Emit(ReadOnlySpan<byte> member, double score) => Count++;
    }

    private readonly struct ReplySink(CommandContext ctx, bool withScores) : IRangeSink
    {
        public void Emit(ReadOnlySpan<byte> member, double score) => ReplyElement(ctx, member, score, withScores);
    }

    private readonly struct StoreSink(ZSetValue dst, long maxEntries, long maxValue) : IRangeSink
    {
        public void Emit(ReadOnlySpan<byte> member, double score) => dst.Add(score, member, ZAddFlags.None, maxEntries, maxValue, out _);
    }

    /// <summary>zrangeGenericCommand: parses options and the range, then hands the walk to a sink.</summary>
    private static void RangeGeneric(CommandContext ctx, int argStart, bool store, RangeType type, Direction dir)
    {
        int minIdx = argStart + 1, maxIdx = argStart + 2;
        bool withScores = false;
        long offset = 0, limit = -1;
        for (int j = argStart + 3; j < ctx.ArgCount; j++)
        {
            int left = ctx.ArgCount - j - 1;
            var a = ctx.Arg(j);
            if (!store && Is(a, "withscores"u8)) withScores = true;
            else if (Is(a, "limit"u8) && left >= 2)
            {
                if (!GetLong(ctx, ctx.Arg(j + 1), out offset) || !GetLong(ctx, ctx.Arg(j + 2), out limit)) return;
                j += 2;
            }
            else if (dir == Direction.Auto && Is(a, "rev"u8)) dir = Direction.Reverse;
            else if (type == RangeType.Auto && Is(a, "bylex"u8)) type = RangeType.Lex;
            else if (type == RangeType.Auto && Is(a, "byscore"u8)) type = RangeType.Score;
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (dir == Direction.Auto) dir = Direction.Forward;
        if (type == RangeType.Auto) type = RangeType.Rank;
        if (limit != -1 && type == RangeType.Rank)
        {
            ctx.Error(Errors.ZLimitNeedsBy);
            return;
        }
        if (withScores && type == RangeType.Lex)
        {
            ctx.Error(Errors.ZWithScoresByLex);
            return;
        }
        bool reverse = dir == Direction.Reverse;
        if (reverse && type != RangeType.Rank) (minIdx, maxIdx) = (maxIdx, minIdx);

        long start = 0, end = 0;
        ScoreRange range = default;
        LexRange lex = default;
        switch (type)
        {
            case RangeType.Rank:
                if (!GetLong(ctx, ctx.Arg(minIdx), out start) || !GetLong(ctx, ctx.Arg(maxIdx), out end)) return;
                break;
            case RangeType.Score:
                if (!ParseScoreRange(ctx.Arg(minIdx), ctx.Arg(maxIdx), out range))
                {
                    ctx.Error(Errors.ZMinMaxNotFloat);
                    return;
                }
                break;
            default:
                if (!ParseLexRange(ctx.Arg(minIdx), ctx.Arg(maxIdx), out lex))
                {
                    ctx.Error(Errors.ZMinMaxNotLex);
                    return;
                }
                break;
        }
        var key = ctx.Arg(argStart);
        var o = ctx.LookupRead(key);
        if (o != null && o is not ZSetValue)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var z = (ZSetValue?)o;
        if (!store)
        {
            if (z == null)
            {
                ctx.Reply.EmptyArray();
                return;
            }
            // Count first, then reply: the array length leads the reply.
            var counter = new CountSink();
            Walk(z, type, start, end, in range, in lex, offset, limit, reverse, ref counter);
            ctx.Reply.ArrayHeader((int)(withScores && ctx.Reply.Protocol == 2 ? counter.Count * 2 : counter.Count));
            var sink = new ReplySink(ctx, withScores);
            Walk(z, type, start, end, in range, in lex, offset, limit, reverse, ref sink);
            return;
        }
        var dstKey = ctx.Arg(1);
        long maxE = MaxEntries(ctx), maxV = MaxValue(ctx);
        long stored = 0;
        ZSetValue? dst = null;
        if (z != null)
        {
            // zrangeResultBeginStore: a rank range knows its length and starts as a skiplist when it is long.
            long hint = -1;
            if (type == RangeType.Rank)
            {
                var c = new CountSink();
                Walk(z, type, start, end, in range, in lex, offset, limit, reverse, ref c);
                hint = c.Count;
            }
            dst = NewSet(ctx, dstKey, hint > maxE);
            var storeSink = new StoreSink(dst, maxE, maxV);
            Walk(z, type, start, end, in range, in lex, offset, limit, reverse, ref storeSink);
            stored = dst.Count;
        }
        if (stored > 0)
        {
            StoreResult(ctx, dstKey, dst!, "zrangestore"u8, 1);
            ctx.Reply.Integer(stored);
        }
        else
        {
            ctx.Reply.Integer(0);
            DeleteDestination(ctx, dstKey);
        }
    }

    /// <summary>
    /// genericZrangebyrank/score/lex: walks the selected elements in order into <paramref name="sink"/>.
    /// A negative LIMIT count means no limit; a negative offset walks off the end (nothing), as in Redis.
    /// </summary>
    private static void Walk<TSink>(ZSetValue z, RangeType type, long start, long end, in ScoreRange range, in LexRange lex,
        long offset, long limit, bool reverse, ref TSink sink) where TSink : struct, IRangeSink
    {
        if (type == RangeType.Rank)
        {
            long llen = z.Count;
            if (start < 0) start = llen + start;
            if (end < 0) end = llen + end;
            if (start < 0) start = 0;
            if (start > end || start >= llen) return;
            if (end >= llen) end = llen - 1;
            long n = end - start + 1;
            var p = reverse ? z.AtRevRank(start) : z.AtRank(start);
            while (n-- > 0 && p.Valid)
            {
                sink.Emit(z.MemberAt(p), z.ScoreAt(p));
                if (reverse) z.Prev(ref p);
                else z.Next(ref p);
            }
            return;
        }
        if (type == RangeType.Score)
        {
            if (offset > 0 && offset >= z.Count) return;
            var p = reverse ? z.LastInRange(range) : z.FirstInRange(range);
            while (p.Valid && offset-- != 0)
            {
                if (reverse) z.Prev(ref p);
                else z.Next(ref p);
            }
            while (p.Valid && limit-- != 0)
            {
                double s = z.ScoreAt(p);
                if (reverse ? !range.GteMin(s) : !range.LteMax(s)) break;
                sink.Emit(z.MemberAt(p), s);
                if (reverse) z.Prev(ref p);
                else z.Next(ref p);
            }
            return;
        }
        {
            // BYLEX has no offset shortcut in Redis: a large offset just walks off the end.
            var p = reverse ? z.LastInLexRange(lex) : z.FirstInLexRange(lex);
            while (p.Valid && offset-- != 0)
            {
                if (reverse) z.Prev(ref p);
                else z.Next(ref p);
            }
            while (p.Valid && limit-- != 0)
            {
                var m = z.MemberAt(p);
                if (reverse ? !lex.GteMin(m) : !lex.LteMax(m)) break;
                sink.Emit(m, z.ScoreAt(p));
                if (reverse) z.Prev(ref p);
                else z.Next(ref p);
            }
        }
    }
}
