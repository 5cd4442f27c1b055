using Tern.Protocol;
using Tern.Server.Blocking;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

public static partial class SortedSetFamily
{
    // ZPOPMIN key [count]
    private static void ZPopMin(CommandContext ctx) => PopMinMax(ctx, max: false);

    // ZPOPMAX key [count]
    private static void ZPopMax(CommandContext ctx) => PopMinMax(ctx, max: true);

    private static void PopMinMax(CommandContext ctx, bool max)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        long count = -1;
        if (ctx.ArgCount == 3)
        {
            // getPositiveLongFromObjectOrReply: one message for a bad number and a negative one.
            if (!RespNumber.TryParseInt64(ctx.Arg(2), out count) || count < 0)
            {
                ctx.Error(Errors.ValueOutOfRange);
                return;
            }
        }
        bool nested = ctx.Reply.Protocol > 2 && count != -1;
        Span<int> keys = [1];
        GenericPop(ctx, keys, max, emitKey: false, count, nested, nilWhenEmpty: false, out _, out _);
    }

    /// <summary>
    /// genericZpopCommand: pops from the first existing key of <paramref name="keyArgs"/> and writes the reply in
    /// the shape the caller asks for. Returns false when nothing was popped (no key, or an error was written).
    /// <paramref name="popped"/> is the number of elements taken, <paramref name="keyArg"/> the key's argument.
    /// </summary>
    private static bool GenericPop(CommandContext ctx, ReadOnlySpan<int> keyArgs, bool max, bool emitKey, long count,
        bool nested, bool nilWhenEmpty, out long popped, out int keyArg)
    {
        popped = 0;
        keyArg = -1;
        ZSetValue? z = null;
        foreach (int k in keyArgs)
        {
            if (!TryWrite(ctx, ctx.Arg(k), out z)) return false;
            if (z != null)
            {
                keyArg = k;
                break;
            }
        }
        var r = ctx.Reply;
        if (z == null)
        {
            if (nilWhenEmpty) r.NullArray();
            else r.EmptyArray();
            return false;
        }
        if (count == 0)
        {
            r.EmptyArray();
            return false;
        }
        var key = ctx.Arg(keyArg);
        if (count == -1) count = 1;
        long llen = z.Count;
        long rangelen = count > llen ? llen : count;
        if (!nested && !emitKey) r.ArrayHeader((int)(rangelen * 2));
        else if (nested && !emitKey) r.ArrayHeader((int)rangelen);
        else if (!nested && emitKey)
        {
            r.ArrayHeader((int)(rangelen * 2 + 1));
            r.Bulk(key);
        }
        else
        {
            r.ArrayHeader(2);
            r.Bulk(key);
            r.ArrayHeader((int)rangelen);
        }
        for (long i = 0; i < rangelen; i++)
        {
            var p = max ? z.Last() : z.First();
            if (nested) r.ArrayHeader(2);
            r.Bulk(z.MemberAt(p));
            r.Double(z.ScoreAt(p));
            z.RemoveAt(p);
            ctx.Dirty++;
            if (i == 0) ctx.Notify(ServerConfig.Notify.ZSet, max ? "zpopmax"u8 : "zpopmin"u8, key);
        }
        popped = rangelen;
        if (z.Count == 0) DeleteEmptied(ctx, key);
        return true;
    }

    /// <summary>Propagates a pop as "ZPOPMIN|ZPOPMAX key [count]", as Redis rewrites ZMPOP and the blocking pops.</summary>
    private static void PropagatePop(CommandContext ctx, bool max, int keyArg, long count)
    {
        var p = ctx.Propagation;
        p.Begin(count < 0 ? 2 : 3);
        p.Arg(max ? "ZPOPMAX"u8 : "ZPOPMIN"u8);
        p.Arg(ctx.Arg(keyArg));
        if (count >= 0) p.Arg(count);
    }

    // ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
    private static void ZMPop(CommandContext ctx) => MPopGeneric(ctx, 1, block: false);

    // BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
    private static void BZMPop(CommandContext ctx) => MPopGeneric(ctx, 2, block: true);

    private static void MPopGeneric(CommandContext ctx, int numKeysIdx, bool block)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(numKeysIdx), out long numKeys) || numKeys < 1)
        {
            ctx.Error(Errors.NumKeysPositive);
            return;
        }
        if (numKeys >= ctx.ArgCount - numKeysIdx - 1)
        {
            ctx.SyntaxError();
            return;
        }
        int whereIdx = numKeysIdx + (int)numKeys + 1;
        bool max;
        var where = ctx.Arg(whereIdx);
        if (Is(where, "min"u8)) max = false;
        else if (Is(where, "max"u8)) max = true;
        else
        {
            ctx.SyntaxError();
            return;
        }
        long count = -1;
        for (int j = whereIdx + 1; j < ctx.ArgCount; j++)
        {
            bool more = ctx.ArgCount - 1 - j > 0;
            if (count == -1 && Is(ctx.Arg(j), "count"u8) && more)
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
        Span<int> keys = stackalloc int[(int)numKeys];
        for (int i = 0; i < keys.Length; i++) keys[i] = numKeysIdx + 1 + i;
        if (block)
        {
            BlockingPop(ctx, keys, max, 1, count, nested: true, nilWhenEmpty: true);
            return;
        }
        if (GenericPop(ctx, keys, max, emitKey: true, count, nested: true, nilWhenEmpty: true, out long popped, out int keyArg))
            PropagatePop(ctx, max, keyArg, popped);
    }

    // BZPOPMIN key [key ...] timeout
    private static void BZPopMin(CommandContext ctx) => BZPop(ctx, max: false);

    // BZPOPMAX key [key ...] timeout
    private static void BZPopMax(CommandContext ctx) => BZPop(ctx, max: true);

    private static void BZPop(CommandContext ctx, bool max)
    {
        Span<int> keys = stackalloc int[ctx.ArgCount - 2];
        for (int i = 0; i < keys.Length; i++) keys[i] = 1 + i;
        BlockingPop(ctx, keys, max, ctx.ArgCount - 1, -1, nested: false, nilWhenEmpty: false);
    }

    /// <summary>
    /// blockingGenericZpopCommand: pops from the first non-empty key, or blocks on all of them. When a blocked
    /// client is retried it looks only at the key that woke it, passes it over when it meanwhile holds another
    /// type (Redis serves a waiter only from a sorted set), and keeps waiting when nothing is there.
    /// </summary>
    private static void BlockingPop(CommandContext ctx, ReadOnlySpan<int> keys, bool max, int timeoutIdx, long count, bool nested, bool nilWhenEmpty)
    {
        if (!Blocking.BlockingTimeout.TryParse(ctx, ctx.Arg(timeoutIdx), out long deadline)) return;
        foreach (int k in keys)
        {
            // A waiter is served from the key that became ready, as serveClientsBlockedOnSortedSetKey does.
            if (ctx.RetryingBlocked && ctx.ServingKey != null && !ctx.Arg(k).SequenceEqual(ctx.ServingKey)) continue;
            var o = ctx.LookupWrite(ctx.Arg(k));
            if (o == null) continue;
            if (o is not ZSetValue z)
            {
                if (ctx.RetryingBlocked) continue;
                ctx.Error(Errors.WrongType);
                return;
            }
            long llen = z.Count;
            if (llen == 0) continue;
            Span<int> one = [k];
            GenericPop(ctx, one, max, emitKey: true, count, nested, nilWhenEmpty, out _, out _);
            PropagatePop(ctx, max, k, count == -1 ? -1 : Math.Min(count, llen));
            return;
        }
        if (ctx.DenyBlocking)
        {
            ctx.Reply.NullArray();
            return;
        }
        ctx.Block(keys, deadline, TimeoutReply.NullArray);
    }

}
