using System.Buffers;
using Tern.Protocol;
using Tern.Server.Blocking;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// List commands (t_list.c of Redis 7.0): pushes and pops at both ends, ranges, edits in the middle, moves between
/// lists, and the blocking pops. Argument checks run in Redis's order so the first error reported is Redis's.
/// </summary>
public static class ListFamily
{
    /// <summary>How a move reaches replicas (Redis rewrites the blocking forms).</summary>
    private enum MoveForm
    {
        /// <summary>LMOVE, RPOPLPUSH: as received.</summary>
        AsReceived,
        /// <summary>BLMOVE answered at once: LMOVE with the arguments as given.</summary>
        LMoveArgs,
        /// <summary>BLMOVE served after blocking: LMOVE with lower-case "left"/"right" (Redis's shared objects).</summary>
        LMoveServed,
        /// <summary>BRPOPLPUSH: RPOPLPUSH source destination.</summary>
        RPopLPush,
    }

    private static long Fill(CommandContext ctx) => ctx.Server.Config.ListMaxListpackSize;

    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => System.Text.Ascii.EqualsIgnoreCase(a, word);

    /// <summary>
    /// Resolves a looked-up value: true with a list or null (absent); false after replying WRONGTYPE.
    /// </summary>
    private static bool AsList(CommandContext ctx, object? o, out ListValue? list)
    {
        if (o is ListValue l)
        {
            list = l;
            return true;
        }
        list = null;
        if (o == null) return true;
        ctx.Error(Errors.WrongType);
        return false;
    }

    /// <summary>Creates an empty list under <paramref name="key"/> (absent), sized for <paramref name="capacity"/> bytes.</summary>
    private static ListValue CreateList(CommandContext ctx, ReadOnlySpan<byte> key, int capacity)
    {
        var l = new ListValue(key.ToArray(), capacity) { Lru = LruClock.Now };
        ctx.Keyspace.Add(ctx.Db, l);
        return l;
    }

    /// <summary>Deletes the key of a list that became empty, as Redis does, with its "del" event.</summary>
    private static void DeleteIfEmpty(CommandContext ctx, ListValue l, ReadOnlySpan<byte> key)
    {
        if (l.Count != 0) return;
        ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
        ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
    }

    /// <summary>Redis's listElementsRemoved: pop event, delete when empty, dirty.</summary>
    private static void ElementsRemoved(CommandContext ctx, ReadOnlySpan<byte> key, bool head, ListValue l, long count)
    {
        ctx.Notify(ServerConfig.Notify.List, head ? "lpop"u8 : "rpop"u8, key);
        DeleteIfEmpty(ctx, l, key);
        ctx.Dirty += count;
    }

    /// <summary>getPositiveLongFromObjectOrReply: a non-negative integer, else <paramref name="error"/>.</summary>
    private static bool NonNegative(CommandContext ctx, ReadOnlySpan<byte> arg, ReadOnlySpan<byte> error, out long value)
    {
        if (!RespNumber.TryParseInt64(arg, out value) || value < 0)
        {
            ctx.Error(error);
            return false;
        }
        return true;
    }

    /// <summary>getLongFromObjectOrReply with Redis's default message.</summary>
    private static bool Long(CommandContext ctx, ReadOnlySpan<byte> arg, out long value)
    {
        if (RespNumber.TryParseInt64(arg, out value)) return true;
        ctx.Error(Errors.NotInteger);
        return false;
    }

    /// <summary>LEFT or RIGHT (getListPositionFromObjectOrReply); true = head.</summary>
    private static bool Position(CommandContext ctx, ReadOnlySpan<byte> arg, out bool head)
    {
        head = Is(arg, "left"u8);
        if (head || Is(arg, "right"u8)) return true;
        ctx.SyntaxError();
        return false;
    }

    /// <summary>
    /// Redis's addListRangeReply: elements start..end (negative counts from the tail), clamped; reversed walks from
    /// end to start.
    /// </summary>
    private static void ReplyRange(CommandContext ctx, ListValue l, long start, long end, bool reverse)
    {
        long llen = l.Count;
        if (start < 0) start = llen + start;
        if (end < 0) end = llen + end;
        if (start < 0) start = 0;
        if (start > end || start >= llen)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (end >= llen) end = llen - 1;
        long n = end - start + 1;
        ctx.Reply.ArrayHeader((int)n);
        if (!reverse)
        {
            var c = l.ForwardFrom(start);
            while (n-- > 0 && l.Next(ref c, out var v)) ctx.Reply.Bulk(v);
        }
        else
        {
            var c = l.BackwardFrom(end);
            while (n-- > 0 && l.Prev(ref c, out var v)) ctx.Reply.Bulk(v);
        }
    }

    /// <summary>Replies with up to <paramref name="count"/> elements from one end and removes them; returns how many.</summary>
    private static long PopRange(CommandContext ctx, ListValue l, bool head, long count)
    {
        long n = Math.Min(count, l.Count);
        if (head)
        {
            ReplyRange(ctx, l, 0, n - 1, false);
            l.RemoveHead(n);
        }
        else
        {
            ReplyRange(ctx, l, -n, -1, true);
            l.RemoveTail(n);
        }
        return n;
    }

    // LPUSH key element [element ...]
    private static void LPush(CommandContext ctx) => Push(ctx, head: true, onlyIfExists: false);

    // RPUSH key element [element ...]
    private static void RPush(CommandContext ctx) => Push(ctx, head: false, onlyIfExists: false);

    // LPUSHX key element [element ...]
    private static void LPushX(CommandContext ctx) => Push(ctx, head: true, onlyIfExists: true);

    // RPUSHX key element [element ...]
    private static void RPushX(CommandContext ctx) => Push(ctx, head: false, onlyIfExists: true);

    private static void Push(CommandContext ctx, bool head, bool onlyIfExists)
    {
        var key = ctx.Arg(1);
        if (!AsList(ctx, ctx.LookupWrite(key), out var l)) return;
        if (l == null)
        {
            if (onlyIfExists)
            {
                ctx.Reply.Integer(0);
                return;
            }
            // Size the first buffer for all the elements of this push: a new small list is allocated once.
            long bytes = 0;
            for (int i = 2; i < ctx.ArgCount && bytes <= 65536; i++) bytes += ListValue.EntrySize(ctx.Arg(i).Length);
            l = CreateList(ctx, key, bytes <= 65536 ? (int)bytes : 0);
        }
        long fill = Fill(ctx);
        int n = ctx.ArgCount;
        if (head)
        {
            for (int i = 2; i < n; i++) l.PushHead(ctx.Arg(i), fill);
        }
        else
        {
            for (int i = 2; i < n; i++) l.PushTail(ctx.Arg(i), fill);
        }
        ctx.Dirty += n - 2;
        ctx.Reply.Integer(l.Count);
        ctx.Notify(ServerConfig.Notify.List, head ? "lpush"u8 : "rpush"u8, key);
    }

    // LINSERT key <BEFORE | AFTER> pivot element
    private static void LInsert(CommandContext ctx)
    {
        bool after;
        if (Is(ctx.Arg(2), "after"u8)) after = true;
        else if (Is(ctx.Arg(2), "before"u8)) after = false;
        else
        {
            ctx.SyntaxError();
            return;
        }
        var key = ctx.Arg(1);
        if (!AsList(ctx, ctx.LookupWrite(key), out var l)) return;
        if (l == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (!l.InsertAtPivot(ctx.Arg(3), ctx.Arg(4), after, Fill(ctx)))
        {
            ctx.Reply.Integer(-1);
            return;
        }
        ctx.Notify(ServerConfig.Notify.List, "linsert"u8, key);
        ctx.Dirty++;
        ctx.Reply.Integer(l.Count);
    }

    // LLEN key
    private static void LLen(CommandContext ctx)
    {
        if (!AsList(ctx, ctx.LookupRead(ctx.Arg(1)), out var l)) return;
        ctx.Reply.Integer(l?.Count ?? 0);
    }

    // LINDEX key index
    private static void LIndex(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.Null();
            return;
        }
        if (!AsList(ctx, o, out var l)) return;
        if (!Long(ctx, ctx.Arg(2), out long index)) return;
        long llen = l!.Count;
        if (index < 0) index += llen;
        if (index < 0 || index >= llen) ctx.Reply.Null();
        else ctx.Reply.Bulk(l.Get(index));
    }

    // LSET key index element
    private static void LSet(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        if (!AsList(ctx, o, out var l)) return;
        if (!Long(ctx, ctx.Arg(2), out long index)) return;
        long llen = l!.Count;
        if (index < 0) index += llen;
        if (index < 0 || index >= llen)
        {
            ctx.Error(Errors.OutOfRange);
            return;
        }
        l.Set(index, ctx.Arg(3), Fill(ctx));
        ctx.Reply.Ok();
        ctx.Notify(ServerConfig.Notify.List, "lset"u8, key);
        ctx.Dirty++;
    }

    // LPOP key [count]
    private static void LPop(CommandContext ctx) => Pop(ctx, head: true);

    // RPOP key [count]
    private static void RPop(CommandContext ctx) => Pop(ctx, head: false);

    private static void Pop(CommandContext ctx, bool head)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.WrongArgs();
            return;
        }
        bool hasCount = ctx.ArgCount == 3;
        long count = 0;
        if (hasCount && !NonNegative(ctx, ctx.Arg(2), Errors.ValueOutOfRange, out count)) return;
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            if (hasCount) ctx.Reply.NullArray();
            else ctx.Reply.Null();
            return;
        }
        if (!AsList(ctx, o, out var l)) return;
        if (hasCount && count == 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (!hasCount)
        {
            ctx.Reply.Bulk(head ? l!.First() : l!.Last());
            if (head) l.RemoveHead(1);
            else l.RemoveTail(1);
            ElementsRemoved(ctx, key, head, l, 1);
            return;
        }
        long n = PopRange(ctx, l!, head, count);
        ElementsRemoved(ctx, key, head, l!, n);
    }

    // LRANGE key start stop
    private static void LRange(CommandContext ctx)
    {
        if (!Long(ctx, ctx.Arg(2), out long start) || !Long(ctx, ctx.Arg(3), out long end)) return;
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (!AsList(ctx, o, out var l)) return;
        ReplyRange(ctx, l!, start, end, false);
    }

    // LTRIM key start stop
    private static void LTrim(CommandContext ctx)
    {
        if (!Long(ctx, ctx.Arg(2), out long start) || !Long(ctx, ctx.Arg(3), out long end)) return;
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Reply.Ok();
            return;
        }
        if (!AsList(ctx, o, out var l)) return;
        long llen = l!.Count;
        if (start < 0) start = llen + start;
        if (end < 0) end = llen + end;
        if (start < 0) start = 0;
        long ltrim, rtrim;
        if (start > end || start >= llen)
        {
            ltrim = llen;
            rtrim = 0;
        }
        else
        {
            if (end >= llen) end = llen - 1;
            ltrim = start;
            rtrim = llen - end - 1;
        }
        l.RemoveHead(ltrim);
        l.RemoveTail(rtrim);
        ctx.Notify(ServerConfig.Notify.List, "ltrim"u8, key);
        DeleteIfEmpty(ctx, l, key);
        // Redis signals the key as modified even when nothing was trimmed (a WATCH fails), but then nothing is
        // propagated because dirty stays 0.
        if (ltrim + rtrim == 0) ctx.Keyspace.Touch(ctx.Db, key);
        ctx.Dirty += ltrim + rtrim;
        ctx.Reply.Ok();
    }

    // LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
    private static void LPos(CommandContext ctx)
    {
        var ele = ctx.Arg(2);
        long rank = 1, count = -1, maxlen = 0;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            var opt = ctx.Arg(j);
            bool moreArgs = ctx.ArgCount - 1 - j > 0;
            if (Is(opt, "RANK"u8) && moreArgs)
            {
                j++;
                if (!Long(ctx, ctx.Arg(j), out rank)) return;
                if (rank == 0)
                {
                    ctx.Error(Errors.ListRankZero);
                    return;
                }
            }
            else if (Is(opt, "COUNT"u8) && moreArgs)
            {
                j++;
                if (!NonNegative(ctx, ctx.Arg(j), Errors.ListCountNegative, out count)) return;
            }
            else if (Is(opt, "MAXLEN"u8) && moreArgs)
            {
                j++;
                if (!NonNegative(ctx, ctx.Arg(j), Errors.ListMaxLenNegative, out maxlen)) return;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        bool fromTail = false;
        if (rank < 0)
        {
            // As in C, negating LONG_MIN leaves it negative: every match then counts as "reached the rank".
            rank = unchecked(-rank);
            fromTail = true;
        }
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            if (count != -1) ctx.Reply.EmptyArray();
            else ctx.Reply.Null();
            return;
        }
        if (!AsList(ctx, o, out var l)) return;

        long[]? found = null;
        int arrayLen = 0;
        long llen = l!.Count;
        long index = 0, matches = 0, matchIndex = -1;
        var c = fromTail ? l.BackwardFrom(llen - 1) : l.ForwardFrom(0);
        try
        {
            while (Step(l, ref c, fromTail, out var v) && (maxlen == 0 || index < maxlen))
            {
                if (v.SequenceEqual(ele))
                {
                    matches++;
                    matchIndex = fromTail ? llen - index - 1 : index;
                    if (matches >= rank)
                    {
                        if (count == -1) break;
                        found ??= ArrayPool<long>.Shared.Rent(16);
                        if (arrayLen == found.Length)
                        {
                            var bigger = ArrayPool<long>.Shared.Rent(found.Length * 2);
                            found.AsSpan().CopyTo(bigger);
                            ArrayPool<long>.Shared.Return(found);
                            found = bigger;
                        }
                        found[arrayLen++] = matchIndex;
                        if (count != 0 && unchecked(matches - rank + 1) >= count) break;
                    }
                }
                index++;
                matchIndex = -1;
            }
            if (count != -1)
            {
                ctx.Reply.ArrayHeader(arrayLen);
                for (int i = 0; i < arrayLen; i++) ctx.Reply.Integer(found![i]);
            }
            else if (matchIndex != -1)
            {
                ctx.Reply.Integer(matchIndex);
            }
            else
            {
                ctx.Reply.Null();
            }
        }
        finally
        {
            if (found != null) ArrayPool<long>.Shared.Return(found);
        }
    }

    private static bool Step(ListValue l, ref ListValue.Cursor c, bool backward, out ReadOnlySpan<byte> v) =>
        backward ? l.Prev(ref c, out v) : l.Next(ref c, out v);

    // LREM key count element
    private static void LRem(CommandContext ctx)
    {
        if (!Long(ctx, ctx.Arg(2), out long toRemove)) return;
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (!AsList(ctx, o, out var l)) return;
        bool fromTail = toRemove < 0;
        // -LONG_MIN stays negative in C, so Redis never reaches the limit: it removes every match.
        long limit = fromTail ? unchecked(-toRemove) : toRemove;
        if (limit < 0) limit = 0;
        long removed = l!.RemoveMatches(ctx.Arg(3), limit, fromTail, Fill(ctx));
        ctx.Dirty += removed;
        if (removed > 0) ctx.Notify(ServerConfig.Notify.List, "lrem"u8, key);
        DeleteIfEmpty(ctx, l, key);
        ctx.Reply.Integer(removed);
    }

    // LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
    private static void LMove(CommandContext ctx)
    {
        if (!Position(ctx, ctx.Arg(3), out bool fromHead) || !Position(ctx, ctx.Arg(4), out bool toHead)) return;
        MoveGeneric(ctx, fromHead, toHead, MoveForm.AsReceived);
    }

    // RPOPLPUSH source destination
    private static void RPopLPush(CommandContext ctx) => MoveGeneric(ctx, false, true, MoveForm.AsReceived);

    /// <summary>Redis's lmoveGenericCommand: pop from the source, push to the destination, reply the element.</summary>
    private static void MoveGeneric(CommandContext ctx, bool fromHead, bool toHead, MoveForm form)
    {
        var srcKey = ctx.Arg(1);
        var dstKey = ctx.Arg(2);
        var so = ctx.LookupWrite(srcKey);
        if (so == null)
        {
            ctx.Reply.Null();
            return;
        }
        if (!AsList(ctx, so, out var src)) return;
        if (!AsList(ctx, ctx.LookupWrite(dstKey), out var dst)) return;

        // Copy the element out: pushing may move the bytes it points to (source and destination can be one list).
        var v = fromHead ? src!.First() : src!.Last();
        byte[]? rented = null;
        Span<byte> copy = v.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(v.Length));
        copy = copy[..v.Length];
        v.CopyTo(copy);
        try
        {
            if (fromHead) src.RemoveHead(1);
            else src.RemoveTail(1);
            dst ??= CreateList(ctx, dstKey, ListValue.EntrySize(copy.Length));
            if (toHead) dst.PushHead(copy, Fill(ctx));
            else dst.PushTail(copy, Fill(ctx));
            ctx.Notify(ServerConfig.Notify.List, toHead ? "lpush"u8 : "rpush"u8, dstKey);
            ctx.Reply.Bulk(copy);
        }
        finally
        {
            if (rented != null) ArrayPool<byte>.Shared.Return(rented);
        }
        ctx.Notify(ServerConfig.Notify.List, fromHead ? "lpop"u8 : "rpop"u8, srcKey);
        DeleteIfEmpty(ctx, src, srcKey);
        ctx.Dirty++;

        var p = ctx.Propagation;
        switch (form)
        {
            case MoveForm.LMoveArgs:
                p.Begin(5);
                p.Arg("LMOVE"u8);
                p.Arg(srcKey);
                p.Arg(dstKey);
                p.Arg(ctx.Arg(3));
                p.Arg(ctx.Arg(4));
                break;
            case MoveForm.LMoveServed:
                p.Begin(5);
                p.Arg("LMOVE"u8);
                p.Arg(srcKey);
                p.Arg(dstKey);
                p.Arg(fromHead ? "left"u8 : "right"u8);
                p.Arg(toHead ? "left"u8 : "right"u8);
                break;
            case MoveForm.RPopLPush:
                p.Begin(3);
                p.Arg("RPOPLPUSH"u8);
                p.Arg(srcKey);
                p.Arg(dstKey);
                break;
        }
    }

    // LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
    private static void LMPop(CommandContext ctx) => MPop(ctx, numKeysIndex: 1, block: false);

    // BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
    private static void BLMPop(CommandContext ctx) => MPop(ctx, numKeysIndex: 2, block: true);

    /// <summary>Redis's lmpopGenericCommand: numkeys, the keys, LEFT/RIGHT, an optional COUNT, in that order.</summary>
    private static void MPop(CommandContext ctx, int numKeysIndex, bool block)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(numKeysIndex), out long numKeys) || numKeys < 1)
        {
            ctx.Error(Errors.NumKeysPositive);
            return;
        }
        if (numKeys > ctx.ArgCount - numKeysIndex - 2)
        {
            ctx.SyntaxError();
            return;
        }
        int whereIndex = numKeysIndex + (int)numKeys + 1;
        if (!Position(ctx, ctx.Arg(whereIndex), out bool head)) return;
        long count = -1;
        for (int j = whereIndex + 1; j < ctx.ArgCount; j++)
        {
            bool moreArgs = ctx.ArgCount - 1 - j > 0;
            if (count == -1 && Is(ctx.Arg(j), "COUNT"u8) && moreArgs)
            {
                j++;
                if (!RespNumber.TryParseInt64(ctx.Arg(j), out count) || count < 1)
                {
                    ctx.Error(Errors.CountPositive);
                    return;
                }
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (count == -1) count = 1;
        if (block)
        {
            if (!BlockingTimeout.TryParse(ctx, ctx.Arg(1), out long deadline)) return;
            BlockingPop(ctx, numKeysIndex + 1, (int)numKeys, head, count, deadline);
            return;
        }
        for (int j = 0; j < numKeys; j++)
        {
            var key = ctx.Arg(numKeysIndex + 1 + j);
            var o = ctx.LookupWrite(key);
            if (o == null) continue;
            if (!AsList(ctx, o, out var l)) return;
            ServePop(ctx, key, l!, head, count);
            return;
        }
        ctx.Reply.NullArray();
    }

    // BLPOP key [key ...] timeout
    private static void BLPop(CommandContext ctx) => BPop(ctx, head: true);

    // BRPOP key [key ...] timeout
    private static void BRPop(CommandContext ctx) => BPop(ctx, head: false);

    private static void BPop(CommandContext ctx, bool head)
    {
        int last = ctx.ArgCount - 1;
        if (!BlockingTimeout.TryParse(ctx, ctx.Arg(last), out long deadline)) return;
        BlockingPop(ctx, 1, last - 1, head, -1, deadline);
    }

    /// <summary>
    /// Redis's blockingPopGenericCommand: pops from the first of the keys that holds a list, or blocks.
    /// <paramref name="count"/> -1 is BLPOP/BRPOP (reply [key, element]); otherwise BLMPOP (reply [key, [elements]]).
    /// When run again for a waiter, it serves from the written key only, or keeps waiting.
    /// </summary>
    private static void BlockingPop(CommandContext ctx, int firstKey, int numKeys, bool head, long count, long deadline)
    {
        if (ctx.RetryingBlocked)
        {
            var ready = ctx.ServingKey;
            for (int j = 0; j < numKeys; j++)
            {
                var key = ctx.Arg(firstKey + j);
                if (ready != null && !key.SequenceEqual(ready)) continue;
                if (ctx.LookupWrite(key) is ListValue l && l.Count > 0)
                {
                    ServePop(ctx, key, l, head, count);
                    return;
                }
                if (ready != null) break;
            }
            ctx.Block(default, 0, TimeoutReply.NullArray);
            return;
        }
        for (int j = 0; j < numKeys; j++)
        {
            var key = ctx.Arg(firstKey + j);
            var o = ctx.LookupWrite(key);
            if (o == null) continue;
            if (!AsList(ctx, o, out var l)) return;
            ServePop(ctx, key, l!, head, count);
            return;
        }
        if (ctx.DenyBlocking)
        {
            ctx.Reply.NullArray();
            return;
        }
        BlockOnKeys(ctx, firstKey, numKeys, deadline, TimeoutReply.NullArray);
    }

    /// <summary>Blocks on the distinct keys among arguments firstKey .. firstKey+numKeys-1.</summary>
    private static void BlockOnKeys(CommandContext ctx, int firstKey, int numKeys, long deadline, TimeoutReply reply)
    {
        int[]? big = numKeys > 64 ? new int[numKeys] : null;
        Span<int> idx = big ?? stackalloc int[64];
        int n = 0;
        for (int j = 0; j < numKeys; j++)
        {
            int a = firstKey + j;
            bool dup = false;
            if (big == null)
            {
                var k = ctx.Arg(a);
                for (int m = 0; m < n && !dup; m++) dup = ctx.Arg(idx[m]).SequenceEqual(k);
            }
            if (!dup) idx[n++] = a;
        }
        ctx.Block(idx[..n], deadline, reply);
    }

    /// <summary>Pops for a blocking or multi-key pop from a non-empty list and records the [LR]POP it propagates as.</summary>
    private static void ServePop(CommandContext ctx, ReadOnlySpan<byte> key, ListValue l, bool head, long count)
    {
        var p = ctx.Propagation;
        if (count == -1)
        {
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk(key);
            ctx.Reply.Bulk(head ? l.First() : l.Last());
            if (head) l.RemoveHead(1);
            else l.RemoveTail(1);
            ElementsRemoved(ctx, key, head, l, 1);
            p.Begin(2);
            p.Arg(head ? "LPOP"u8 : "RPOP"u8);
            p.Arg(key);
            return;
        }
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.Bulk(key);
        long n = PopRange(ctx, l, head, count);
        ElementsRemoved(ctx, key, head, l, n);
        p.Begin(3);
        p.Arg(head ? "LPOP"u8 : "RPOP"u8);
        p.Arg(key);
        p.Arg(n);
    }

    // BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
    private static void BLMove(CommandContext ctx)
    {
        if (!Position(ctx, ctx.Arg(3), out bool fromHead) || !Position(ctx, ctx.Arg(4), out bool toHead)) return;
        if (!BlockingTimeout.TryParse(ctx, ctx.Arg(5), out long deadline)) return;
        BlockingMove(ctx, fromHead, toHead, deadline, brpoplpush: false);
    }

    // BRPOPLPUSH source destination timeout
    private static void BRPopLPush(CommandContext ctx)
    {
        if (!BlockingTimeout.TryParse(ctx, ctx.Arg(3), out long deadline)) return;
        BlockingMove(ctx, false, true, deadline, brpoplpush: true);
    }

    /// <summary>
    /// Redis's blmoveGenericCommand: moves at once when the source has elements, otherwise blocks on the source.
    /// A waiter whose source turned into another type keeps waiting; a destination of another type answers it
    /// with WRONGTYPE (as serveClientBlockedOnList does).
    /// </summary>
    private static void BlockingMove(CommandContext ctx, bool fromHead, bool toHead, long deadline, bool brpoplpush)
    {
        var o = ctx.LookupWrite(ctx.Arg(1));
        bool empty = o is not ListValue l || l.Count == 0;
        if (ctx.RetryingBlocked && empty)
        {
            ctx.Block(default, 0, TimeoutReply.NullArray);
            return;
        }
        if (o == null)
        {
            if (ctx.DenyBlocking) ctx.Reply.Null();
            // Redis answers a timed-out BLMOVE with a null array (replyToBlockedClientTimedOut), unlike the null
            // bulk it gives inside MULTI.
            else ctx.Block([1], deadline, TimeoutReply.NullArray);
            return;
        }
        if (o is not ListValue)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var form = brpoplpush ? MoveForm.RPopLPush : ctx.RetryingBlocked ? MoveForm.LMoveServed : MoveForm.LMoveArgs;
        MoveGeneric(ctx, fromHead, toHead, form);
    }

    /// <summary>Key arguments of LMPOP (numkeys at 1) for the dispatcher's locks; -1 when malformed.</summary>
    private static int LMPopKeys(CommandArgs args, Span<int> positions) => NumKeysPositions(args, 1, positions);

    /// <summary>Key arguments of BLMPOP (numkeys at 2).</summary>
    private static int BLMPopKeys(CommandArgs args, Span<int> positions) => NumKeysPositions(args, 2, positions);

    private static int NumKeysPositions(CommandArgs args, int numKeysIndex, Span<int> positions)
    {
        // Exactly the cases the handler accepts: 1 <= numkeys and a LEFT/RIGHT argument after the keys.
        if (!RespNumber.TryParseInt64(args[numKeysIndex], out long n) || n < 1 || n > args.Count - numKeysIndex - 2) return -1;
        if (n > positions.Length) return (int)n;
        for (int i = 0; i < n; i++) positions[i] = numKeysIndex + 1 + i;
        return (int)n;
    }

    public static void Register(CommandTable t)
    {
        t.Add("lpush", LPush);
        t.Add("rpush", RPush);
        t.Add("lpushx", LPushX);
        t.Add("rpushx", RPushX);
        t.Add("linsert", LInsert);
        t.Add("llen", LLen);
        t.Add("lindex", LIndex);
        t.Add("lset", LSet);
        t.Add("lpop", LPop);
        t.Add("rpop", RPop);
        t.Add("lrange", LRange);
        t.Add("ltrim", LTrim);
        t.Add("lpos", LPos);
        t.Add("lrem", LRem);
        t.Add("lmove", LMove);
        t.Add("rpoplpush", RPopLPush);
        t.Add("lmpop", LMPop, keys: LMPopKeys);
        t.Add("blpop", BLPop);
        t.Add("brpop", BRPop);
        t.Add("blmove", BLMove);
        t.Add("brpoplpush", BRPopLPush);
        t.Add("blmpop", BLMPop, keys: BLMPopKeys);
    }
}
