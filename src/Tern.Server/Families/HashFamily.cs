using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Hash commands (t_hash.c of Redis 7.0): fields and values, counters, whole-hash reads, HRANDFIELD, HSCAN. The
/// encoding follows Redis's thresholds (see <see cref="HashValue"/>). Field expiry (Redis 7.4) is in
/// HashFamily.FieldExpiry.cs; every access first drops the fields whose time has come.
/// </summary>
public static partial class HashFamily
{
    // ---------------------------------------------------------------- lookups

    /// <summary>
    /// The hash under <paramref name="key"/> for reading (hit/miss statistics, LRU): null when absent. False
    /// after writing WRONGTYPE.
    /// </summary>
    private static bool Read(CommandContext ctx, ReadOnlySpan<byte> key, out HashValue? h) =>
        Check(ctx, key, ctx.LookupRead(key), out h);

    /// <summary>The hash under <paramref name="key"/> for writing: null when absent. False after WRONGTYPE.</summary>
    private static bool Write(CommandContext ctx, ReadOnlySpan<byte> key, out HashValue? h) =>
        Check(ctx, key, ctx.LookupWrite(key), out h);

    private static bool Check(CommandContext ctx, ReadOnlySpan<byte> key, object? o, out HashValue? h)
    {
        if (o == null)
        {
            h = null;
            return true;
        }
        if (o is not HashValue hv)
        {
            h = null;
            ctx.Error(Errors.WrongType);
            return false;
        }
        h = hv.MinFieldExpire <= ctx.Now && ExpireFields(ctx, key, hv) ? null : hv;
        return true;
    }

    /// <summary>A new empty hash stored under <paramref name="key"/> (hashTypeLookupWriteOrCreate).</summary>
    private static HashValue Create(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        var h = new HashValue(key.ToArray());
        // Set, not Add: on a writable replica a logically expired key may still occupy the slot.
        ctx.Keyspace.Set(ctx.Db, h);
        return h;
    }

    /// <summary>
    /// hashTypeTryConversion: before a write, a listpack becomes a table when one of the arguments
    /// <paramref name="first"/>..<paramref name="last"/> is longer than hash-max-listpack-value, or when they
    /// would take the listpack past its 1 GB safety size.
    /// </summary>
    private static void TryConversion(CommandContext ctx, HashValue h, int first, int last)
    {
        if (!h.IsListpack) return;
        long max = ctx.Server.Config.HashMaxListpackValue;
        long sum = 0;
        for (int i = first; i <= last; i++)
        {
            int len = ctx.Arg(i).Length;
            if (len > max)
            {
                h.ConvertToTable();
                return;
            }
            sum += len;
        }
        if (h.ListpackBytes + sum > HashValue.ListpackSafetyLimit) h.ConvertToTable();
    }

    private static bool SetField(CommandContext ctx, HashValue h, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, bool keepTtl)
    {
        var cfg = ctx.Server.Config;
        return h.Set(field, value, keepTtl, cfg.HashMaxListpackEntries, cfg.HashMaxListpackValue);
    }

    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => Ascii.EqualsIgnoreCase(a, word);

    // ---------------------------------------------------------------- commands

    // HSET key field value [field value ...]
    private static void HSet(CommandContext ctx) => HSetGeneric(ctx, hmset: false);

    // HMSET key field value [field value ...]
    private static void HMSet(CommandContext ctx) => HSetGeneric(ctx, hmset: true);

    private static void HSetGeneric(CommandContext ctx, bool hmset)
    {
        if (ctx.ArgCount % 2 == 1)
        {
            ctx.WrongArgs();
            return;
        }
        var key = ctx.Arg(1);
        if (!Write(ctx, key, out var h)) return;
        h ??= Create(ctx, key);
        TryConversion(ctx, h, 2, ctx.ArgCount - 1);
        long created = 0;
        for (int i = 2; i < ctx.ArgCount; i += 2)
            if (!SetField(ctx, h, ctx.Arg(i), ctx.Arg(i + 1), keepTtl: false)) created++;
        if (hmset) ctx.Reply.Ok();
        else ctx.Reply.Integer(created);
        ctx.Notify(ServerConfig.Notify.Hash, "hset"u8, key);
        ctx.Dirty += (ctx.ArgCount - 2) / 2;
    }

    // HSETNX key field value
    private static void HSetNx(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!Write(ctx, key, out var h)) return;
        if (h != null && h.Contains(ctx.Arg(2)))
        {
            ctx.Reply.Integer(0);
            return;
        }
        h ??= Create(ctx, key);
        TryConversion(ctx, h, 2, 3);
        SetField(ctx, h, ctx.Arg(2), ctx.Arg(3), keepTtl: false);
        ctx.Reply.Integer(1);
        ctx.Notify(ServerConfig.Notify.Hash, "hset"u8, key);
        ctx.Dirty++;
    }

    // HGET key field
    private static void HGet(CommandContext ctx)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        if (h != null && h.TryGet(ctx.Arg(2), out var v)) ctx.Reply.Bulk(v);
        else ctx.Reply.Null();
    }

    // HMGET key field [field ...]
    private static void HMGet(CommandContext ctx)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (h != null && h.TryGet(ctx.Arg(i), out var v)) ctx.Reply.Bulk(v);
            else ctx.Reply.Null();
        }
    }

    // HDEL key field [field ...]
    private static void HDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!Write(ctx, key, out var h)) return;
        if (h == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long deleted = 0;
        bool keyRemoved = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (!h.Delete(ctx.Arg(i))) continue;
            deleted++;
            if (h.Count == 0)
            {
                // The last field is gone: so is the key, and the remaining arguments are not looked at.
                ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
                keyRemoved = true;
                break;
            }
        }
        if (deleted > 0)
        {
            ctx.Notify(ServerConfig.Notify.Hash, "hdel"u8, key);
            if (keyRemoved) ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
            ctx.Dirty += deleted;
        }
        ctx.Reply.Integer(deleted);
    }

    // HLEN key
    private static void HLen(CommandContext ctx)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        ctx.Reply.Integer(h?.Count ?? 0);
    }

    // HSTRLEN key field
    private static void HStrLen(CommandContext ctx)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        ctx.Reply.Integer(h != null && h.TryGet(ctx.Arg(2), out var v) ? v.Length : 0);
    }

    // HEXISTS key field
    private static void HExists(CommandContext ctx)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        ctx.Reply.Integer(h != null && h.Contains(ctx.Arg(2)) ? 1 : 0);
    }

    // HKEYS key
    private static void HKeys(CommandContext ctx) => GetAllGeneric(ctx, keys: true, values: false);

    // HVALS key
    private static void HVals(CommandContext ctx) => GetAllGeneric(ctx, keys: false, values: true);

    // HGETALL key
    private static void HGetAll(CommandContext ctx) => GetAllGeneric(ctx, keys: true, values: true);

    private static void GetAllGeneric(CommandContext ctx, bool keys, bool values)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        int n = h?.Count ?? 0;
        // Fields with values form a map (RESP3 %), fields or values alone a flat array.
        if (keys && values) ctx.Reply.MapHeader(n);
        else ctx.Reply.ArrayHeader(n);
        if (h == null) return;
        var reply = ctx.Reply;
        foreach (var e in h)
        {
            if (keys) reply.Bulk(e.Field);
            if (values) reply.Bulk(e.Value);
        }
    }

    // HINCRBY key field increment
    private static void HIncrBy(CommandContext ctx)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(3), out long incr))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        var key = ctx.Arg(1);
        var field = ctx.Arg(2);
        if (!Write(ctx, key, out var h)) return;
        long value = 0;
        if (h != null && h.TryGet(field, out var cur) && !RespNumber.TryParseInt64(cur, out value))
        {
            ctx.Error(Errors.HashValueNotInteger);
            return;
        }
        if ((incr < 0 && value < 0 && incr < long.MinValue - value) || (incr > 0 && value > 0 && incr > long.MaxValue - value))
        {
            ctx.Error(Errors.Overflow);
            return;
        }
        value += incr;
        h ??= Create(ctx, key);
        Span<byte> digits = stackalloc byte[24];
        int n = RespNumber.Format(value, digits);
        // Redis 7.4 keeps a field's expiry across HINCRBY (HASH_SET_KEEP_TTL).
        SetField(ctx, h, field, digits[..n], keepTtl: true);
        ctx.Reply.Integer(value);
        ctx.Notify(ServerConfig.Notify.Hash, "hincrby"u8, key);
        ctx.Dirty++;
    }

    // HINCRBYFLOAT key field increment
    private static void HIncrByFloat(CommandContext ctx)
    {
        // Redis adds in C long double and prints the sum with ld2string's human format: LongDouble models both exactly.
        if (!LongDouble.TryParse(ctx.Arg(3), out var incr))
        {
            ctx.Error(Errors.NotFloat);
            return;
        }
        if (incr.IsNaN || incr.IsInfinity)
        {
            ctx.Error(Errors.HashIncrNaNOrInfinity);
            return;
        }
        var key = ctx.Arg(1);
        var field = ctx.Arg(2);
        if (!Write(ctx, key, out var h)) return;
        var value = LongDouble.Zero;
        if (h != null && h.TryGet(field, out var cur) && !LongDouble.TryParse(cur, out value))
        {
            ctx.Error(Errors.HashValueNotFloat);
            return;
        }
        value += incr;
        if (value.IsNaN || value.IsInfinity)
        {
            ctx.Error(Errors.IncrFloatNaN);
            return;
        }
        Span<byte> text = stackalloc byte[LongDouble.MaxChars];
        int n = value.FormatHuman(text);
        h ??= Create(ctx, key);
        SetField(ctx, h, field, text[..n], keepTtl: true);
        ctx.Reply.Bulk(text[..n]);
        ctx.Notify(ServerConfig.Notify.Hash, "hincrbyfloat"u8, key);
        ctx.Dirty++;
        // Replicas get the result as HSET, so float precision or formatting can never make them drift.
        var p = ctx.Propagation;
        p.Begin(4);
        p.Arg("HSET"u8);
        p.Arg(key);
        p.Arg(field);
        p.Arg(text[..n]);
    }

    // HRANDFIELD key [count [WITHVALUES]]
    private static void HRandField(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!RespNumber.TryParseInt64(ctx.Arg(2), out long l))
            {
                ctx.Error(Errors.NotInteger);
                return;
            }
            if (l < -long.MaxValue)
            {
                ctx.Error(Errors.RandomCountRange);
                return;
            }
            bool withValues = false;
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !Is(ctx.Arg(3), "WITHVALUES"u8)))
            {
                ctx.SyntaxError();
                return;
            }
            if (ctx.ArgCount == 4)
            {
                withValues = true;
                if (l < -long.MaxValue / 2 || l > long.MaxValue / 2)
                {
                    ctx.Error(Errors.OutOfRangePlain);
                    return;
                }
            }
            HRandFieldWithCount(ctx, l, withValues);
            return;
        }
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        if (h == null)
        {
            ctx.Reply.Null();
            return;
        }
        h.ReadAt(h.RandomPosition(Random.Shared), out var f, out _);
        ctx.Reply.Bulk(f);
    }

    /// <summary>
    /// Redis streams any HRANDFIELD count into an output buffer that grows until memory runs out; Tern builds a
    /// reply in one buffer, so a negative count whose reply would pass this many bytes is refused with Redis's
    /// range error instead.
    /// </summary>
    private const long MaxRandomReplyBytes = 1L << 30;

    private static void HRandFieldWithCount(CommandContext ctx, long l, bool withValues)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        var reply = ctx.Reply;
        if (h == null)
        {
            reply.EmptyArray();
            return;
        }
        long size = h.Count;
        bool uniq = l >= 0;
        long count = uniq ? l : -l;
        if (count == 0)
        {
            reply.EmptyArray();
            return;
        }
        bool pairs = withValues && reply.Protocol == 3;
        bool flat = withValues && reply.Protocol != 3;
        var rng = Random.Shared;

        // Case 1: a negative count (fields may repeat) or a single field: independent draws.
        if (!uniq || count == 1)
        {
            long perElement = h.MemoryUsage / size + 16;
            if (count > MaxRandomReplyBytes / perElement)
            {
                ctx.Error(Errors.OutOfRangePlain);
                return;
            }
            reply.ArrayHeader((int)(flat ? count * 2 : count));
            int[]? positions = h.IsListpack ? h.Positions() : null;
            for (long i = 0; i < count; i++)
            {
                int pos = positions != null ? positions[rng.Next(positions.Length)] : h.RandomPosition(rng);
                WritePair(reply, h, pos, withValues, pairs);
            }
            return;
        }

        long replySize = Math.Min(count, size);
        reply.ArrayHeader((int)(flat ? replySize * 2 : replySize));

        // Case 2: at least as many as the hash has: all of it, in storage order.
        if (count >= size)
        {
            foreach (var e in h)
            {
                if (pairs) reply.ArrayHeader(2);
                reply.Bulk(e.Field);
                if (withValues) reply.Bulk(e.Value);
            }
            return;
        }

        int n = (int)count;
        // Case 3: most of the hash: drop random fields until count remain.
        if (count * 3 > size)
        {
            var positions = h.Positions();
            int left = positions.Length;
            while (left > n)
            {
                int r = rng.Next(left);
                positions[r] = positions[--left];
            }
            for (int i = 0; i < n; i++) WritePair(reply, h, positions[i], withValues, pairs);
            return;
        }

        // Case 4: few fields of a big hash.
        if (h.IsListpack)
        {
            // As lpRandomPairsUnique: a selection sample, replied in listpack order.
            var positions = h.Positions();
            int needed = n;
            for (int i = 0; i < positions.Length && needed > 0; i++)
            {
                if (rng.Next(positions.Length - i) < needed)
                {
                    WritePair(reply, h, positions[i], withValues, pairs);
                    needed--;
                }
            }
            return;
        }
        var picked = new HashSet<int>();
        while (picked.Count < n)
        {
            int pos = h.RandomPosition(rng);
            if (picked.Add(pos)) WritePair(reply, h, pos, withValues, pairs);
        }
    }

    private static void WritePair(ReplyWriter reply, HashValue h, int pos, bool withValues, bool pairs)
    {
        h.ReadAt(pos, out var f, out var v);
        if (pairs) reply.ArrayHeader(2);
        reply.Bulk(f);
        if (withValues) reply.Bulk(v);
    }

    // HSCAN key cursor [MATCH pattern] [COUNT count]
    private static void HScan(CommandContext ctx)
    {
        if (!ScanArgs.TryParseCursor(ctx.Arg(2), out ulong cursor))
        {
            ctx.Error(Errors.InvalidCursor);
            return;
        }
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        if (h == null)
        {
            ctx.Reply.Raw("*2\r\n$1\r\n0\r\n*0\r\n"u8);
            return;
        }
        // Options are read only once the key is known to be a hash, as scanGenericCommand does.
        if (!ScanArgs.TryParseOptions(ctx, 3, allowType: false, out var scan)) return;
        long count = scan.Count;
        ReadOnlySpan<byte> pattern = scan.Pattern;
        bool usePattern = scan.UsePattern;
        var reply = ctx.Reply;
        if (h.IsListpack)
        {
            // A listpack is small: all of it in one reply, with cursor 0 (the given cursor is not looked at).
            int matched = 0;
            foreach (var e in h)
                if (!usePattern || Glob.Match(pattern, e.Field)) matched++;
            reply.ArrayHeader(2);
            reply.Bulk("0"u8);
            reply.ArrayHeader(matched * 2);
            foreach (var e in h)
            {
                if (usePattern && !Glob.Match(pattern, e.Field)) continue;
                reply.Bulk(e.Field);
                reply.Bulk(e.Value);
            }
            return;
        }
        var positions = new List<int>();
        ulong next = h.Scan(cursor, Math.Min(count, int.MaxValue / 16), positions);
        // The pattern filters what the step collected (so a step may return nothing and a non-zero cursor).
        int kept = 0;
        for (int i = 0; i < positions.Count; i++)
        {
            h.ReadAt(positions[i], out var f, out _);
            if (!usePattern || Glob.Match(pattern, f)) positions[kept++] = positions[i];
        }
        reply.ArrayHeader(2);
        reply.BulkInteger((long)next);
        reply.ArrayHeader(kept * 2);
        for (int i = 0; i < kept; i++)
        {
            h.ReadAt(positions[i], out var f, out var v);
            reply.Bulk(f);
            reply.Bulk(v);
        }
    }

    // ---------------------------------------------------------------- HINCRBYFLOAT arithmetic (interim)

    public static void Register(CommandTable t)
    {
        t.Add("hset", HSet);
        t.Add("hmset", HMSet);
        t.Add("hsetnx", HSetNx);
        t.Add("hget", HGet);
        t.Add("hmget", HMGet);
        t.Add("hdel", HDel);
        t.Add("hlen", HLen);
        t.Add("hstrlen", HStrLen);
        t.Add("hexists", HExists);
        t.Add("hkeys", HKeys);
        t.Add("hvals", HVals);
        t.Add("hgetall", HGetAll);
        t.Add("hincrby", HIncrBy);
        t.Add("hincrbyfloat", HIncrByFloat);
        t.Add("hrandfield", HRandField);
        t.Add("hscan", HScan);
        RegisterFieldExpiry(t);
    }
}
