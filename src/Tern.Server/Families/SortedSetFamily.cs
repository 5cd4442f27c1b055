using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Sorted set commands (t_zset.c): ZADD and friends, ranges by rank, score and lex, set operations, pops
/// (blocking too), ZRANDMEMBER and ZSCAN. Values are <see cref="ZSetValue"/>s, compact ("listpack") or full
/// ("skiplist") by Redis's thresholds.
/// </summary>
public static partial class SortedSetFamily
{
    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => Ascii.EqualsIgnoreCase(a, word);

    private static long MaxEntries(CommandContext ctx) => ctx.Server.Config.ZSetMaxListpackEntries;

    private static long MaxValue(CommandContext ctx) => ctx.Server.Config.ZSetMaxListpackValue;

    /// <summary>A new empty set for a key, with a fresh access clock.</summary>
    internal static ZSetValue NewSet(CommandContext ctx, ReadOnlySpan<byte> key, bool full)
    {
        var z = full ? ZSetValue.CreateFull(key.ToArray()) : ZSetValue.CreateCompact(key.ToArray());
        z.Lru = ctx.Keyspace.NewAccessClock(ctx.Now);
        return z;
    }

    /// <summary>
    /// Looks a key up for reading; false (with WRONGTYPE written) when it holds another type. A missing key
    /// gives true with a null set.
    /// </summary>
    private static bool TryRead(CommandContext ctx, ReadOnlySpan<byte> key, out ZSetValue? z)
    {
        var o = ctx.LookupRead(key);
        z = o as ZSetValue;
        if (o != null && z == null)
        {
            ctx.Error(Errors.WrongType);
            return false;
        }
        return true;
    }

    private static bool TryWrite(CommandContext ctx, ReadOnlySpan<byte> key, out ZSetValue? z)
    {
        var o = ctx.LookupWrite(key);
        z = o as ZSetValue;
        if (o != null && z == null)
        {
            ctx.Error(Errors.WrongType);
            return false;
        }
        return true;
    }

    /// <summary>Deletes a key its command emptied, with Redis's "del" event.</summary>
    private static void DeleteEmptied(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
        ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
    }

    /// <summary>
    /// Stores a freshly built, non-empty result under <paramref name="key"/> as setKey does (the key's old value
    /// and TTL go), with its event and <paramref name="dirty"/> changes.
    /// </summary>
    private static void StoreResult(CommandContext ctx, ReadOnlySpan<byte> key, ZSetValue result, ReadOnlySpan<byte> evt, long dirty)
    {
        ctx.LookupWrite(key);
        ctx.Keyspace.Set(ctx.Db, result);
        ctx.Notify(ServerConfig.Notify.ZSet, evt, key);
        ctx.Dirty += dirty;
    }

    /// <summary>The empty-result side of a STORE command: the destination is deleted if it exists.</summary>
    private static void DeleteDestination(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        if (ctx.LookupWrite(key) == null) return;
        ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
        ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
        ctx.Dirty++;
    }

    // ---- argument parsing ----

    /// <summary>getLongFromObjectOrReply without a message.</summary>
    private static bool GetLong(CommandContext ctx, ReadOnlySpan<byte> arg, out long v)
    {
        if (RespNumber.TryParseInt64(arg, out v)) return true;
        ctx.Error(Errors.NotInteger);
        return false;
    }

    /// <summary>One end of a score range as zslParseRange reads it: "(" for open, then strtod over a C string.</summary>
    private static bool ParseScoreBound(ReadOnlySpan<byte> a, out double v, out bool ex)
    {
        ex = false;
        if (a.Length > 0 && a[0] == '(')
        {
            ex = true;
            a = a[1..];
        }
        v = CNum.Strtod(a, out int used, out _);
        int end = a.IndexOf((byte)0);
        if (end < 0) end = a.Length;
        return used == end && !double.IsNaN(v);
    }

    internal static bool ParseScoreRange(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out ScoreRange r)
    {
        r = default;
        if (!ParseScoreBound(min, out r.Min, out r.MinEx)) return false;
        return ParseScoreBound(max, out r.Max, out r.MaxEx);
    }

    /// <summary>zslParseLexRangeItem: "+", "-", "(x" or "[x" (a C string: "+" may be followed by a NUL).</summary>
    private static bool ParseLexBound(ReadOnlySpan<byte> a, out LexKind kind, out ReadOnlySpan<byte> v, out bool ex)
    {
        kind = LexKind.Value;
        v = default;
        ex = false;
        byte c0 = a.Length > 0 ? a[0] : (byte)0;
        bool alone = a.Length == 1 || (a.Length > 1 && a[1] == 0);
        switch (c0)
        {
            case (byte)'+':
                if (!alone) return false;
                kind = LexKind.MaxString;
                ex = true;
                return true;
            case (byte)'-':
                if (!alone) return false;
                kind = LexKind.MinString;
                ex = true;
                return true;
            case (byte)'(':
                ex = true;
                v = a[1..];
                return true;
            case (byte)'[':
                v = a[1..];
                return true;
            default:
                return false;
        }
    }

    internal static bool ParseLexRange(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out LexRange r)
    {
        r = default;
        if (!ParseLexBound(min, out r.MinKind, out r.Min, out r.MinEx)) return false;
        return ParseLexBound(max, out r.MaxKind, out r.Max, out r.MaxEx);
    }

    // ---- ZADD / ZINCRBY ----

    // ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
    private static void ZAdd(CommandContext ctx) => AddGeneric(ctx, ZAddFlags.None);

    // ZINCRBY key increment member
    private static void ZIncrBy(CommandContext ctx) => AddGeneric(ctx, ZAddFlags.Incr);

    private static void AddGeneric(CommandContext ctx, ZAddFlags flags)
    {
        int argc = ctx.ArgCount;
        int scoreIdx = 2;
        bool ch = false;
        // Options come before the first score; ZINCRBY goes through the same loop, as in Redis.
        while (scoreIdx < argc)
        {
            var opt = ctx.Arg(scoreIdx);
            if (Is(opt, "nx"u8)) flags |= ZAddFlags.Nx;
            else if (Is(opt, "xx"u8)) flags |= ZAddFlags.Xx;
            else if (Is(opt, "ch"u8)) ch = true;
            else if (Is(opt, "incr"u8)) flags |= ZAddFlags.Incr;
            else if (Is(opt, "gt"u8)) flags |= ZAddFlags.Gt;
            else if (Is(opt, "lt"u8)) flags |= ZAddFlags.Lt;
            else break;
            scoreIdx++;
        }
        int elements = argc - scoreIdx;
        if (elements % 2 != 0 || elements == 0)
        {
            ctx.SyntaxError();
            return;
        }
        elements /= 2;
        bool incr = (flags & ZAddFlags.Incr) != 0, nx = (flags & ZAddFlags.Nx) != 0, xx = (flags & ZAddFlags.Xx) != 0;
        bool gt = (flags & ZAddFlags.Gt) != 0, lt = (flags & ZAddFlags.Lt) != 0;
        if (nx && xx)
        {
            ctx.Error(Errors.ZAddXxNx);
            return;
        }
        if ((gt && nx) || (lt && nx) || (gt && lt))
        {
            ctx.Error(Errors.ZAddGtLtNx);
            return;
        }
        if (incr && elements > 1)
        {
            ctx.Error(Errors.ZAddIncrPair);
            return;
        }
        // Every score is parsed before anything changes: the command runs fully or not at all.
        double[]? rented = null;
        Span<double> scores = elements <= 64 ? stackalloc double[elements] : (rented = new double[elements]);
        for (int j = 0; j < elements; j++)
        {
            if (!CNum.TryParseDouble(ctx.Arg(scoreIdx + j * 2), out scores[j]))
            {
                ctx.Error(Errors.NotFloat);
                return;
            }
        }
        ApplyAdd(ctx, ctx.Arg(1), flags, ch, scores, scoreIdx + 1, 2);
    }

    /// <summary>
    /// The body of zaddGenericCommand once the arguments are checked: members are the arguments at
    /// <paramref name="firstMember"/> + j * <paramref name="stride"/> (GEOADD shares this with its own layout).
    /// </summary>
    internal static void ApplyAdd(CommandContext ctx, ReadOnlySpan<byte> key, ZAddFlags flags, bool ch, ReadOnlySpan<double> scores, int firstMember, int stride)
    {
        bool incr = (flags & ZAddFlags.Incr) != 0;
        if (!TryWrite(ctx, key, out var z)) return;
        long added = 0, updated = 0, processed = 0;
        double score = 0;
        if (z == null)
        {
            if ((flags & ZAddFlags.Xx) == 0)
            {
                long maxE = MaxEntries(ctx), maxV = MaxValue(ctx);
                z = NewSet(ctx, key, maxE == 0 || maxV < ctx.Arg(firstMember).Length);
                ctx.Keyspace.Add(ctx.Db, z);
            }
        }
        if (z != null)
        {
            long maxE = MaxEntries(ctx), maxV = MaxValue(ctx);
            for (int j = 0; j < scores.Length; j++)
            {
                var r = z.Add(scores[j], ctx.Arg(firstMember + j * stride), flags, maxE, maxV, out double newScore);
                if ((r & ZAddResult.Nan) != 0)
                {
                    ctx.Error(Errors.ZScoreNaN);
                    NotifyAdd(ctx, key, incr, added + updated);
                    return;
                }
                if ((r & ZAddResult.Added) != 0) added++;
                if ((r & ZAddResult.Updated) != 0) updated++;
                if ((r & ZAddResult.Nop) == 0) processed++;
                score = newScore;
            }
            ctx.Dirty += added + updated;
        }
        if (incr)
        {
            if (processed > 0) ctx.Reply.Double(score);
            else ctx.Reply.Null();
        }
        else ctx.Reply.Integer(ch ? added + updated : added);
        NotifyAdd(ctx, key, incr, added + updated);
    }

    private static void NotifyAdd(CommandContext ctx, ReadOnlySpan<byte> key, bool incr, long changed)
    {
        if (changed > 0) ctx.Notify(ServerConfig.Notify.ZSet, incr ? "zincr"u8 : "zadd"u8, key);
    }

    // ZREM key member [member ...]
    private static void ZRem(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!TryWrite(ctx, key, out var z)) return;
        if (z == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long deleted = 0;
        bool removed = false;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (z.Remove(ctx.Arg(j))) deleted++;
            if (z.Count == 0)
            {
                ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
                removed = true;
                break;
            }
        }
        if (deleted > 0)
        {
            ctx.Notify(ServerConfig.Notify.ZSet, "zrem"u8, key);
            if (removed) ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
            ctx.Dirty += deleted;
        }
        ctx.Reply.Integer(deleted);
    }

    private enum RangeType
    {
        Auto,
        Rank,
        Score,
        Lex,
    }

    // ZREMRANGEBYRANK key start stop
    private static void ZRemRangeByRank(CommandContext ctx) => RemRangeGeneric(ctx, RangeType.Rank);

    // ZREMRANGEBYSCORE key min max
    private static void ZRemRangeByScore(CommandContext ctx) => RemRangeGeneric(ctx, RangeType.Score);

    // ZREMRANGEBYLEX key min max
    private static void ZRemRangeByLex(CommandContext ctx) => RemRangeGeneric(ctx, RangeType.Lex);

    private static void RemRangeGeneric(CommandContext ctx, RangeType type)
    {
        var key = ctx.Arg(1);
        long start = 0, end = 0;
        ScoreRange range = default;
        LexRange lex = default;
        ReadOnlySpan<byte> evt;
        if (type == RangeType.Rank)
        {
            evt = "zremrangebyrank"u8;
            if (!GetLong(ctx, ctx.Arg(2), out start) || !GetLong(ctx, ctx.Arg(3), out end)) return;
        }
        else if (type == RangeType.Score)
        {
            evt = "zremrangebyscore"u8;
            if (!ParseScoreRange(ctx.Arg(2), ctx.Arg(3), out range))
            {
                ctx.Error(Errors.ZMinMaxNotFloat);
                return;
            }
        }
        else
        {
            evt = "zremrangebylex"u8;
            if (!ParseLexRange(ctx.Arg(2), ctx.Arg(3), out lex))
            {
                ctx.Error(Errors.ZMinMaxNotLex);
                return;
            }
        }
        if (!TryWrite(ctx, key, out var z)) return;
        if (z == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long deleted;
        if (type == RangeType.Rank)
        {
            long llen = z.Count;
            if (start < 0) start = llen + start;
            if (end < 0) end = llen + end;
            if (start < 0) start = 0;
            if (start > end || start >= llen)
            {
                ctx.Reply.Integer(0);
                return;
            }
            if (end >= llen) end = llen - 1;
            deleted = z.DeleteRangeByRank(start, end);
        }
        else if (type == RangeType.Score) deleted = z.DeleteRangeByScore(range);
        else deleted = z.DeleteRangeByLex(lex);
        bool removed = false;
        if (z.Count == 0)
        {
            ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
            removed = true;
        }
        if (deleted > 0)
        {
            ctx.Notify(ServerConfig.Notify.ZSet, evt, key);
            if (removed) ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
        }
        ctx.Dirty += deleted;
        ctx.Reply.Integer(deleted);
    }

    // ---- single-key reads ----

    // ZCARD key
    private static void ZCard(CommandContext ctx)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        ctx.Reply.Integer(z?.Count ?? 0);
    }

    // ZSCORE key member
    private static void ZScore(CommandContext ctx)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        if (z != null && z.TryGetScore(ctx.Arg(2), out double s)) ctx.Reply.Double(s);
        else ctx.Reply.Null();
    }

    // ZMSCORE key member [member ...]
    private static void ZMScore(CommandContext ctx)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (z != null && z.TryGetScore(ctx.Arg(j), out double s)) ctx.Reply.Double(s);
            else ctx.Reply.Null();
        }
    }

    // ZRANK key member
    private static void ZRank(CommandContext ctx) => RankGeneric(ctx, false);

    // ZREVRANK key member
    private static void ZRevRank(CommandContext ctx) => RankGeneric(ctx, true);

    private static void RankGeneric(CommandContext ctx, bool reverse)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        long rank = z?.Rank(ctx.Arg(2), reverse) ?? -1;
        if (rank >= 0) ctx.Reply.Integer(rank);
        else ctx.Reply.Null();
    }

    // ZCOUNT key min max
    private static void ZCount(CommandContext ctx)
    {
        if (!ParseScoreRange(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Error(Errors.ZMinMaxNotFloat);
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        long count = 0;
        if (z != null)
        {
            var first = z.FirstInRange(range);
            if (first.Valid)
            {
                if (z.IsCompact)
                {
                    for (var p = first; p.Valid && range.LteMax(z.ScoreAt(p)); z.Next(ref p)) count++;
                }
                else
                {
                    // As Redis: from the ranks of the first and last elements in range.
                    long len = z.Count;
                    count = len - (z.RankOf(first) - 1);
                    var last = z.LastInRange(range);
                    if (last.Valid) count -= len - z.RankOf(last);
                }
            }
        }
        ctx.Reply.Integer(count);
    }

    // ZLEXCOUNT key min max
    private static void ZLexCount(CommandContext ctx)
    {
        if (!ParseLexRange(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Error(Errors.ZMinMaxNotLex);
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        long count = 0;
        if (z != null)
        {
            var first = z.FirstInLexRange(range);
            if (first.Valid)
            {
                if (z.IsCompact)
                {
                    for (var p = first; p.Valid && range.LteMax(z.MemberAt(p)); z.Next(ref p)) count++;
                }
                else
                {
                    long len = z.Count;
                    count = len - (z.RankOf(first) - 1);
                    var last = z.LastInLexRange(range);
                    if (last.Valid) count -= len - z.RankOf(last);
                }
            }
        }
        ctx.Reply.Integer(count);
    }

    // ---- ZRANDMEMBER ----

    // ZRANDMEMBER key [count [WITHSCORES]]
    private static void ZRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!GetLong(ctx, ctx.Arg(2), out long l)) return;
            if (l == long.MinValue)
            {
                ctx.Error(Errors.RandomCountRange);
                return;
            }
            bool withScores = false;
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !Is(ctx.Arg(3), "withscores"u8)))
            {
                ctx.SyntaxError();
                return;
            }
            if (ctx.ArgCount == 4)
            {
                withScores = true;
                if (l < -long.MaxValue / 2 || l > long.MaxValue / 2)
                {
                    ctx.Error(Errors.OutOfRangePlain);
                    return;
                }
            }
            RandMemberWithCount(ctx, l, withScores);
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        if (z == null)
        {
            ctx.Reply.Null();
            return;
        }
        ctx.Reply.Bulk(z.MemberAt(z.Random(Random.Shared)));
    }

    private static void ReplyElement(CommandContext ctx, ReadOnlySpan<byte> member, double score, bool withScores)
    {
        if (withScores && ctx.Reply.Protocol > 2) ctx.Reply.ArrayHeader(2);
        ctx.Reply.Bulk(member);
        if (withScores) ctx.Reply.Double(score);
    }

    private static void RandMemberWithCount(CommandContext ctx, long l, bool withScores)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (o is not ZSetValue z)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        long size = z.Count;
        bool uniq = l >= 0;
        ulong count = uniq ? (ulong)l : (ulong)(-l);
        if (count == 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        var rng = Random.Shared;
        var r = ctx.Reply;
        // Case 1: repetitions allowed (or a single element): independent random picks.
        if (!uniq || count == 1)
        {
            // Redis would try to stream this many elements until the client is dropped; Tern cannot frame more
            // than int.MaxValue array elements and says so instead.
            ulong items = withScores && r.Protocol == 2 ? count * 2 : count;
            if (items > int.MaxValue)
            {
                ctx.Error(Errors.OutOfRangePlain);
                return;
            }
            r.ArrayHeader((int)items);
            for (ulong i = 0; i < count; i++)
            {
                var p = z.Random(rng);
                ReplyElement(ctx, z.MemberAt(p), z.ScoreAt(p), withScores);
            }
            return;
        }
        long replySize = (long)Math.Min(count, (ulong)size);
        r.ArrayHeader((int)(withScores && r.Protocol == 2 ? replySize * 2 : replySize));
        // Case 2: the whole set, in the order Redis's zset iterator walks it (highest first).
        if (count >= (ulong)size)
        {
            for (var p = z.Last(); p.Valid; z.Prev(ref p)) ReplyElement(ctx, z.MemberAt(p), z.ScoreAt(p), withScores);
            return;
        }
        // Cases 3 and 4: a random subset of distinct ranks. A compact set answers in set order, as
        // lpRandomPairsUnique does; a full one in random order.
        int k = (int)count;
        var ranks = new HashSet<long>();
        if ((long)count * 3 > size)
        {
            var all = new List<long>((int)size);
            for (long i = 0; i < size; i++) all.Add(i);
            for (long left = size; left > k; left--)
            {
                int victim = rng.Next((int)left);
                all[victim] = all[(int)left - 1];
                all.RemoveAt((int)left - 1);
            }
            foreach (long x in all) ranks.Add(x);
        }
        else
        {
            while (ranks.Count < k) ranks.Add(rng.NextInt64(size));
        }
        if (z.IsCompact)
        {
            long rank = 0;
            for (var p = z.First(); p.Valid; z.Next(ref p), rank++)
                if (ranks.Contains(rank)) ReplyElement(ctx, z.MemberAt(p), z.ScoreAt(p), withScores);
        }
        else
        {
            foreach (long rank in ranks)
            {
                var p = z.AtRank(rank);
                ReplyElement(ctx, z.MemberAt(p), z.ScoreAt(p), withScores);
            }
        }
    }

    // ---- ZSCAN ----

    // ZSCAN key cursor [MATCH pattern] [COUNT count]
    private static void ZScan(CommandContext ctx)
    {
        if (!ScanArgs.TryBeginKeyScan<ZSetValue>(ctx, out var z, out ulong cursor, out var scan)) return;
        long count = scan.Count;
        ReadOnlySpan<byte> pattern = scan.Pattern;
        bool usePattern = scan.UsePattern;
        var r = ctx.Reply;
        Span<byte> num = stackalloc byte[64];
        if (z.IsCompact)
        {
            // A compact set is returned whole, scores as the listpack holds them (integers, else %.17g).
            int n = 0;
            for (var p = z.First(); p.Valid; z.Next(ref p))
                if (!usePattern || Glob.Match(pattern, z.MemberAt(p))) n++;
            r.ArrayHeader(2);
            r.Bulk("0"u8);
            r.ArrayHeader(n * 2);
            for (var p = z.First(); p.Valid; z.Next(ref p))
            {
                var m = z.MemberAt(p);
                if (usePattern && !Glob.Match(pattern, m)) continue;
                r.Bulk(m);
                r.Bulk(num[..CNum.D2String(z.ScoreAt(p), num)]);
            }
            return;
        }
        // The member table, walked with Redis's reverse-binary cursor; COUNT counts members and scores.
        var sl = z.SkipList!;
        var found = new List<ZNode>();
        long want = count > long.MaxValue / 2 ? long.MaxValue : count * 2;
        long maxIterations = want > long.MaxValue / 10 ? long.MaxValue : want * 10;
        do
        {
            cursor = sl.ScanStep(cursor, found);
        } while (cursor != 0 && maxIterations-- > 0 && found.Count * 2 < want);
        int kept = 0;
        foreach (var node in found)
            if (!usePattern || Glob.Match(pattern, node.Member)) kept++;
        r.ArrayHeader(2);
        r.BulkInteger((long)cursor);
        r.ArrayHeader(kept * 2);
        foreach (var node in found)
        {
            if (usePattern && !Glob.Match(pattern, node.Member)) continue;
            r.Bulk(node.Member);
            r.Bulk(num[..RespNumber.FormatDouble(node.Score, num)]);
        }
    }

    public static void Register(CommandTable t)
    {
        t.Add("zadd", ZAdd);
        t.Add("zincrby", ZIncrBy);
        t.Add("zrem", ZRem);
        t.Add("zremrangebyrank", ZRemRangeByRank);
        t.Add("zremrangebyscore", ZRemRangeByScore);
        t.Add("zremrangebylex", ZRemRangeByLex);
        t.Add("zcard", ZCard);
        t.Add("zscore", ZScore);
        t.Add("zmscore", ZMScore);
        t.Add("zrank", ZRank);
        t.Add("zrevrank", ZRevRank);
        t.Add("zcount", ZCount);
        t.Add("zlexcount", ZLexCount);
        t.Add("zrange", ZRange);
        t.Add("zrangestore", ZRangeStore);
        t.Add("zrevrange", ZRevRange);
        t.Add("zrangebyscore", ZRangeByScore);
        t.Add("zrevrangebyscore", ZRevRangeByScore);
        t.Add("zrangebylex", ZRangeByLex);
        t.Add("zrevrangebylex", ZRevRangeByLex);
        t.Add("zunion", ZUnion, keys: NumKeysAt1);
        t.Add("zinter", ZInter, keys: NumKeysAt1);
        t.Add("zdiff", ZDiff, keys: NumKeysAt1);
        t.Add("zintercard", ZInterCard, keys: NumKeysAt1);
        t.Add("zunionstore", ZUnionStore, keys: StoreNumKeys);
        t.Add("zinterstore", ZInterStore, keys: StoreNumKeys);
        t.Add("zdiffstore", ZDiffStore, keys: StoreNumKeys);
        t.Add("zpopmin", ZPopMin);
        t.Add("zpopmax", ZPopMax);
        t.Add("zmpop", ZMPop, keys: NumKeysAt1);
        t.Add("bzpopmin", BZPopMin);
        t.Add("bzpopmax", BZPopMax);
        t.Add("bzmpop", BZMPop, keys: NumKeysAt2);
        t.Add("zrandmember", ZRandMember);
        t.Add("zscan", ZScan);
    }
}
