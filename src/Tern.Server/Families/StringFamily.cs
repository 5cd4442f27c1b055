using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>String commands (t_string.c): GET, SET and friends, counters, ranges.</summary>
public static partial class StringFamily
{
    [Flags]
    private enum SetFlags
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Get = 4,
        KeepTtl = 8,
        Persist = 16,
        Ex = 32,
        Px = 64,
        ExAt = 128,
        PxAt = 256,
        AnyExpire = Ex | Px | ExAt | PxAt,
    }

    private enum ParseFor { Set, GetEx }

    /// <summary>
    /// Parses SET/GETEX options as Redis's parseExtendedStringArgumentsOrReply does: conflicting options are a
    /// syntax error; the expire value is checked after all options were read.
    /// </summary>
    private static bool ParseOptions(CommandContext ctx, int start, ParseFor kind, out SetFlags flags, out long expireAt)
    {
        flags = SetFlags.None;
        expireAt = 0;
        int expireArg = -1;
        var args = ctx.Args;
        for (int j = start; j < args.Count; j++)
        {
            var opt = args[j];
            bool hasNext = j + 1 < args.Count;
            if (kind == ParseFor.Set && Is(opt, "NX"u8) && (flags & SetFlags.Xx) == 0) flags |= SetFlags.Nx;
            else if (kind == ParseFor.Set && Is(opt, "XX"u8) && (flags & SetFlags.Nx) == 0) flags |= SetFlags.Xx;
            else if (kind == ParseFor.Set && Is(opt, "GET"u8)) flags |= SetFlags.Get;
            else if (kind == ParseFor.Set && Is(opt, "KEEPTTL"u8) && (flags & (SetFlags.Persist | SetFlags.AnyExpire)) == 0) flags |= SetFlags.KeepTtl;
            else if (kind == ParseFor.GetEx && Is(opt, "PERSIST"u8) && (flags & (SetFlags.AnyExpire | SetFlags.KeepTtl)) == 0) flags |= SetFlags.Persist;
            else if (hasNext && (flags & (SetFlags.KeepTtl | SetFlags.Persist | SetFlags.AnyExpire)) == 0 && ExpireFlag(opt) is var f && f != SetFlags.None)
            {
                flags |= f;
                expireArg = ++j;
            }
            else
            {
                ctx.SyntaxError();
                return false;
            }
        }
        if (expireArg < 0) return true;
        return ExpireMillis(ctx, args[expireArg], flags, out expireAt);
    }

    private static SetFlags ExpireFlag(ReadOnlySpan<byte> opt) =>
        Is(opt, "EX"u8) ? SetFlags.Ex : Is(opt, "PX"u8) ? SetFlags.Px : Is(opt, "EXAT"u8) ? SetFlags.ExAt : Is(opt, "PXAT"u8) ? SetFlags.PxAt : SetFlags.None;

    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => System.Text.Ascii.EqualsIgnoreCase(a, word);

    /// <summary>Turns an EX/PX/EXAT/PXAT value into absolute unix ms (getExpireMillisecondsOrReply).</summary>
    private static bool ExpireMillis(CommandContext ctx, ReadOnlySpan<byte> arg, SetFlags flags, out long ms)
    {
        ms = 0;
        if (!RespNumber.TryParseInt64(arg, out long v))
        {
            ctx.Error(Errors.NotInteger);
            return false;
        }
        bool seconds = (flags & (SetFlags.Ex | SetFlags.ExAt)) != 0;
        if (v <= 0 || (seconds && v > long.MaxValue / 1000))
        {
            ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
            return false;
        }
        if (seconds) v *= 1000;
        if ((flags & (SetFlags.Ex | SetFlags.Px)) != 0)
        {
            if (v > long.MaxValue - ctx.Now)
            {
                ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
                return false;
            }
            v += ctx.Now;
        }
        ms = v;
        return true;
    }

    // GET key
    private static void Get(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null) ctx.Reply.Null();
        else if (o is byte[] a) ctx.Reply.Bulk(PackedString.Value(a));
        else ctx.Error(Errors.WrongType);
    }

    // SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
    private static void Set(CommandContext ctx)
    {
        if (ctx.ArgCount == 3)
        {
            // The common case: no options, no lookup needed before overwriting.
            ctx.Keyspace.SetString(ctx.Db, ctx.Arg(1), ctx.Arg(2), 0, false, ctx.Now);
            ctx.Dirty++;
            ctx.Notify(ServerConfig.Notify.String, "set"u8, ctx.Arg(1));
            ctx.Reply.Ok();
            return;
        }
        if (!ParseOptions(ctx, 3, ParseFor.Set, out var flags, out long expireAt)) return;
        SetGeneric(ctx, flags, ctx.Arg(1), ctx.Arg(2), expireAt);
    }

    private static void SetGeneric(CommandContext ctx, SetFlags flags, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAt)
    {
        bool get = (flags & SetFlags.Get) != 0;
        object? old = null;
        if (get || (flags & (SetFlags.Nx | SetFlags.Xx)) != 0)
        {
            old = ctx.LookupWrite(key);
            if (get && old != null && old is not byte[])
            {
                ctx.Error(Errors.WrongType);
                return;
            }
        }
        if (((flags & SetFlags.Nx) != 0 && old != null) || ((flags & SetFlags.Xx) != 0 && old == null))
        {
            if (get && old is byte[] oa) ctx.Reply.Bulk(PackedString.Value(oa));
            else ctx.Reply.Null();
            return;
        }
        if (get)
        {
            if (old is byte[] oa) ctx.Reply.Bulk(PackedString.Value(oa));
            else ctx.Reply.Null();
        }
        // Reply before storing: the stored array may reuse the old one.
        ctx.Keyspace.SetString(ctx.Db, key, value, expireAt, (flags & SetFlags.KeepTtl) != 0, ctx.Now);
        ctx.Dirty++;
        ctx.Notify(ServerConfig.Notify.String, "set"u8, key);
        if (expireAt != 0) ctx.Notify(ServerConfig.Notify.Generic, "expire"u8, key);
        if (!get) ctx.Reply.Ok();
        if (expireAt != 0)
        {
            // Propagate as SET key value PXAT ms so replicas expire the key at the same instant.
            var p = ctx.Propagation;
            p.Begin(5);
            p.Arg("SET"u8);
            p.Arg(key);
            p.Arg(value);
            p.Arg("PXAT"u8);
            p.Arg(expireAt);
        }
    }

    // SETNX key value
    private static void SetNx(CommandContext ctx)
    {
        if (ctx.LookupWrite(ctx.Arg(1)) != null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        ctx.Keyspace.SetString(ctx.Db, ctx.Arg(1), ctx.Arg(2), 0, false, ctx.Now);
        ctx.Dirty++;
        ctx.Notify(ServerConfig.Notify.String, "set"u8, ctx.Arg(1));
        ctx.Reply.Integer(1);
    }

    // SETEX key seconds value
    private static void SetEx(CommandContext ctx) => SetWithTtl(ctx, SetFlags.Ex);

    // PSETEX key milliseconds value
    private static void PSetEx(CommandContext ctx) => SetWithTtl(ctx, SetFlags.Px);

    private static void SetWithTtl(CommandContext ctx, SetFlags unit)
    {
        if (!ExpireMillis(ctx, ctx.Arg(2), unit, out long at)) return;
        SetGeneric(ctx, unit, ctx.Arg(1), ctx.Arg(3), at);
    }

    // GETSET key value
    private static void GetSet(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var old = ctx.LookupWrite(key);
        if (old != null && old is not byte[])
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        if (old is byte[] oa) ctx.Reply.Bulk(PackedString.Value(oa));
        else ctx.Reply.Null();
        ctx.Keyspace.SetString(ctx.Db, key, ctx.Arg(2), 0, false, ctx.Now);
        ctx.Notify(ServerConfig.Notify.String, "set"u8, key);
        ctx.Dirty++;
        var p = ctx.Propagation;
        p.Begin(3);
        p.Arg("SET"u8);
        p.Arg(key);
        p.Arg(ctx.Arg(2));
    }

    // GETDEL key
    private static void GetDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var o = ctx.LookupRead(key);
        if (o == null)
        {
            ctx.Reply.Null();
            return;
        }
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        ctx.Reply.Bulk(PackedString.Value(a));
        ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
        ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
        ctx.Dirty++;
        var p = ctx.Propagation;
        p.Begin(2);
        p.Arg("DEL"u8);
        p.Arg(key);
    }

    // GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
    private static void GetEx(CommandContext ctx)
    {
        if (!ParseOptions(ctx, 2, ParseFor.GetEx, out var flags, out long expireAt)) return;
        var key = ctx.Arg(1);
        var o = ctx.LookupRead(key);
        if (o == null)
        {
            ctx.Reply.Null();
            return;
        }
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        ctx.Reply.Bulk(PackedString.Value(a));
        var p = ctx.Propagation;
        if (expireAt != 0 && expireAt <= ctx.Now && !ctx.Keyspace.IsReplica)
        {
            // An expiry in the past deletes the key, propagated as DEL.
            ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
            ctx.Dirty++;
            p.Begin(2);
            p.Arg("DEL"u8);
            p.Arg(key);
        }
        else if (expireAt != 0)
        {
            ctx.Keyspace.SetExpire(ctx.Db, key, expireAt);
            ctx.Notify(ServerConfig.Notify.Generic, "expire"u8, key);
            ctx.Dirty++;
            p.Begin(3);
            p.Arg("PEXPIREAT"u8);
            p.Arg(key);
            p.Arg(expireAt);
        }
        else if ((flags & SetFlags.Persist) != 0 && PackedString.ExpireAt(a) != 0)
        {
            ctx.Keyspace.SetExpire(ctx.Db, key, 0);
            ctx.Notify(ServerConfig.Notify.Generic, "persist"u8, key);
            ctx.Dirty++;
            p.Begin(2);
            p.Arg("PERSIST"u8);
            p.Arg(key);
        }
    }

    // MGET key [key ...]
    private static void MGet(CommandContext ctx)
    {
        int n = ctx.ArgCount - 1;
        ctx.Reply.ArrayHeader(n);
        for (int i = 1; i <= n; i++)
        {
            if (ctx.LookupRead(ctx.Arg(i)) is byte[] a) ctx.Reply.Bulk(PackedString.Value(a));
            else ctx.Reply.Null();
        }
    }

    // MSET key value [key value ...]
    private static void MSet(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0)
        {
            ctx.WrongArgs();
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i += 2)
        {
            ctx.Keyspace.SetString(ctx.Db, ctx.Arg(i), ctx.Arg(i + 1), 0, false, ctx.Now);
            ctx.Notify(ServerConfig.Notify.String, "set"u8, ctx.Arg(i));
        }
        ctx.Dirty += (ctx.ArgCount - 1) / 2;
        ctx.Reply.Ok();
    }

    // MSETNX key value [key value ...]
    private static void MSetNx(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0)
        {
            ctx.WrongArgs();
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i += 2)
        {
            if (ctx.LookupWrite(ctx.Arg(i)) != null)
            {
                ctx.Reply.Integer(0);
                return;
            }
        }
        for (int i = 1; i < ctx.ArgCount; i += 2)
        {
            ctx.Keyspace.SetString(ctx.Db, ctx.Arg(i), ctx.Arg(i + 1), 0, false, ctx.Now);
            ctx.Notify(ServerConfig.Notify.String, "set"u8, ctx.Arg(i));
        }
        ctx.Dirty += (ctx.ArgCount - 1) / 2;
        ctx.Reply.Integer(1);
    }

    // STRLEN key
    private static void StrLen(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null) ctx.Reply.Integer(0);
        else if (o is byte[] a) ctx.Reply.Integer(PackedString.ValueLength(a));
        else ctx.Error(Errors.WrongType);
    }

    // APPEND key value
    private static void Append(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var add = ctx.Arg(2);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Keyspace.SetString(ctx.Db, key, add, 0, false, ctx.Now);
            ctx.Notify(ServerConfig.Notify.String, "append"u8, key);
            ctx.Dirty++;
            ctx.Reply.Integer(add.Length);
            return;
        }
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var cur = PackedString.Value(a);
        long total = (long)cur.Length + add.Length;
        if (total > ctx.Server.Config.ProtoMaxBulkLen)
        {
            ctx.Error(Errors.StringTooLong);
            return;
        }
        var combined = new byte[(int)total];
        cur.CopyTo(combined);
        add.CopyTo(combined.AsSpan(cur.Length));
        ctx.Keyspace.Replace(ctx.Db, PackedString.Create(key, combined, PackedString.ExpireAt(a), PackedString.Lru(a), raw: true));
        ctx.Notify(ServerConfig.Notify.String, "append"u8, key);
        ctx.Dirty++;
        ctx.Reply.Integer(total);
    }

    // INCR key
    private static void Incr(CommandContext ctx) => IncrBy(ctx, 1);

    // DECR key
    private static void Decr(CommandContext ctx) => IncrBy(ctx, -1);

    // INCRBY key increment
    private static void IncrBy(CommandContext ctx)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long by))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        IncrBy(ctx, by);
    }

    // DECRBY key decrement
    private static void DecrBy(CommandContext ctx)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long by))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (by == long.MinValue)
        {
            ctx.Error("ERR decrement would overflow");
            return;
        }
        IncrBy(ctx, -by);
    }

    private static void IncrBy(CommandContext ctx, long by)
    {
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        long cur = 0;
        if (o != null)
        {
            if (o is not byte[] a)
            {
                ctx.Error(Errors.WrongType);
                return;
            }
            if (!RespNumber.TryParseInt64(PackedString.Value(a), out cur))
            {
                ctx.Error(Errors.NotInteger);
                return;
            }
        }
        if ((by < 0 && cur < 0 && by < long.MinValue - cur) || (by > 0 && cur > 0 && by > long.MaxValue - cur))
        {
            ctx.Error(Errors.Overflow);
            return;
        }
        long result = cur + by;
        Span<byte> digits = stackalloc byte[24];
        int n = RespNumber.Format(result, digits);
        ctx.Keyspace.SetString(ctx.Db, key, digits[..n], 0, keepTtl: true, ctx.Now);
        ctx.Notify(ServerConfig.Notify.String, "incrby"u8, key);
        ctx.Dirty++;
        ctx.Reply.Integer(result);
    }

    // INCRBYFLOAT key increment
    private static void IncrByFloat(CommandContext ctx)
    {
        // Redis adds in C long double (x87 extended precision) and prints "%.17Lf" without trailing zeros;
        // LongDouble reproduces both exactly, so results such as 300010.59999999999999432 match digit for digit.
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        var cur = LongDouble.Zero;
        if (o != null)
        {
            if (o is not byte[] a)
            {
                ctx.Error(Errors.WrongType);
                return;
            }
            if (!LongDouble.TryParse(PackedString.Value(a), out cur))
            {
                ctx.Error(Errors.NotFloat);
                return;
            }
        }
        if (!LongDouble.TryParse(ctx.Arg(2), out var by))
        {
            ctx.Error(Errors.NotFloat);
            return;
        }
        var result = cur + by;
        if (result.IsNaN || result.IsInfinity)
        {
            ctx.Error(Errors.IncrFloatNaN);
            return;
        }
        Span<byte> text = result.FormatLengthBound <= 64 ? stackalloc byte[64] : new byte[LongDouble.MaxChars];
        int n = result.FormatHuman(text);
        ctx.Keyspace.SetString(ctx.Db, key, text[..n], 0, keepTtl: true, ctx.Now);
        ctx.Notify(ServerConfig.Notify.String, "incrbyfloat"u8, key);
        ctx.Dirty++;
        ctx.Reply.Bulk(text[..n]);
        // Replicas get the result, never the increment, so float formatting cannot make them drift.
        var p = ctx.Propagation;
        p.Begin(4);
        p.Arg("SET"u8);
        p.Arg(key);
        p.Arg(text[..n]);
        p.Arg("KEEPTTL"u8);
    }

    // SETRANGE key offset value
    private static void SetRange(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var value = ctx.Arg(3);
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long offset))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (offset < 0)
        {
            ctx.Error(Errors.OffsetOutOfRange);
            return;
        }
        var o = ctx.LookupWrite(key);
        if (o != null && o is not byte[])
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var cur = o is byte[] a ? PackedString.Value(a) : default;
        if (value.Length == 0)
        {
            ctx.Reply.Integer(cur.Length);
            return;
        }
        if (offset + value.Length > ctx.Server.Config.ProtoMaxBulkLen)
        {
            ctx.Error(Errors.StringTooLong);
            return;
        }
        int newLen = (int)Math.Max(cur.Length, offset + value.Length);
        var buf = new byte[newLen];
        cur.CopyTo(buf);
        value.CopyTo(buf.AsSpan((int)offset));
        long exp = o is byte[] b ? PackedString.ExpireAt(b) : 0;
        ctx.Keyspace.Set(ctx.Db, PackedString.Create(key, buf, exp, (uint)(ctx.Now / 1000) & LruClock.Max, raw: true));
        ctx.Notify(ServerConfig.Notify.String, "setrange"u8, key);
        ctx.Dirty++;
        ctx.Reply.Integer(newLen);
    }

    // GETRANGE key start end
    private static void GetRange(CommandContext ctx)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long start) || !RespNumber.TryParseInt64(ctx.Arg(3), out long end))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.Bulk([]);
            return;
        }
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var v = PackedString.Value(a);
        long len = v.Length;
        if (start < 0 && end < 0 && start > end)
        {
            ctx.Reply.Bulk([]);
            return;
        }
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (start > end || len == 0)
        {
            ctx.Reply.Bulk([]);
            return;
        }
        ctx.Reply.Bulk(v.Slice((int)start, (int)(end - start + 1)));
    }

    public static void Register(CommandTable t)
    {
        t.Add("get", Get);
        t.Add("set", Set);
        t.Add("setnx", SetNx);
        t.Add("setex", SetEx);
        t.Add("psetex", PSetEx);
        t.Add("getset", GetSet);
        t.Add("getdel", GetDel);
        t.Add("getex", GetEx);
        t.Add("mget", MGet);
        t.Add("mset", MSet);
        t.Add("msetnx", MSetNx);
        t.Add("strlen", StrLen);
        t.Add("append", Append);
        t.Add("incr", Incr);
        t.Add("decr", Decr);
        t.Add("incrby", IncrBy);
        t.Add("decrby", DecrBy);
        t.Add("incrbyfloat", IncrByFloat);
        t.Add("setrange", SetRange);
        t.Add("getrange", GetRange);
        t.Add("substr", GetRange);
        RegisterLcs(t);
    }
}
