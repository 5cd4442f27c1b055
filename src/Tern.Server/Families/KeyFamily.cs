using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>Generic key commands (db.c, expire.c): DEL EXISTS TYPE, expiry, KEYS, DBSIZE, FLUSHDB ...</summary>
public static class KeyFamily
{
    // DEL key [key ...]
    private static void Del(CommandContext ctx)
    {
        long n = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
            if (ctx.Keyspace.Delete(ctx.Db, ctx.Arg(i), ctx.Now)) n++;
        ctx.Dirty += n;
        ctx.Reply.Integer(n);
    }

    // EXISTS key [key ...]
    private static void Exists(CommandContext ctx)
    {
        long n = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
            if (ctx.LookupRead(ctx.Arg(i)) != null) n++;
        ctx.Reply.Integer(n);
    }

    // TYPE key
    private static void Type(CommandContext ctx)
    {
        var o = ctx.Keyspace.Lookup(ctx.Db, ctx.Arg(1), ctx.Now);
        ctx.Reply.Simple(o == null ? "none"u8 : Entry.TypeName(Entry.Kind(o)));
    }

    // TTL key
    private static void Ttl(CommandContext ctx) => TtlGeneric(ctx, ms: false, abs: false);

    // PTTL key
    private static void PTtl(CommandContext ctx) => TtlGeneric(ctx, ms: true, abs: false);

    // EXPIRETIME key
    private static void ExpireTime(CommandContext ctx) => TtlGeneric(ctx, ms: false, abs: true);

    // PEXPIRETIME key
    private static void PExpireTime(CommandContext ctx) => TtlGeneric(ctx, ms: true, abs: true);

    private static void TtlGeneric(CommandContext ctx, bool ms, bool abs)
    {
        var o = ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(1), ctx.Now, touch: false);
        if (o == null)
        {
            ctx.Reply.Integer(-2);
            return;
        }
        long exp = Entry.ExpireAt(o);
        if (exp == 0)
        {
            ctx.Reply.Integer(-1);
            return;
        }
        long ttl = abs ? exp : exp - Clock.UnixMs();
        if (ttl < 0) ttl = 0;
        ctx.Reply.Integer(ms ? ttl : (ttl + 500) / 1000);
    }

    [Flags]
    private enum ExpireFlags { None = 0, Nx = 1, Xx = 2, Gt = 4, Lt = 8 }

    // EXPIRE key seconds [NX | XX | GT | LT]
    private static void Expire(CommandContext ctx) => ExpireGeneric(ctx, ctx.Now, seconds: true);

    // PEXPIRE key milliseconds [NX | XX | GT | LT]
    private static void PExpire(CommandContext ctx) => ExpireGeneric(ctx, ctx.Now, seconds: false);

    // EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
    private static void ExpireAt(CommandContext ctx) => ExpireGeneric(ctx, 0, seconds: true);

    // PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
    private static void PExpireAt(CommandContext ctx) => ExpireGeneric(ctx, 0, seconds: false);

    private static void ExpireGeneric(CommandContext ctx, long basetime, bool seconds)
    {
        var flags = ExpireFlags.None;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            var opt = ctx.Arg(j);
            if (Ascii.EqualsIgnoreCase(opt, "NX"u8)) flags |= ExpireFlags.Nx;
            else if (Ascii.EqualsIgnoreCase(opt, "XX"u8)) flags |= ExpireFlags.Xx;
            else if (Ascii.EqualsIgnoreCase(opt, "GT"u8)) flags |= ExpireFlags.Gt;
            else if (Ascii.EqualsIgnoreCase(opt, "LT"u8)) flags |= ExpireFlags.Lt;
            else
            {
                ctx.Error($"ERR Unsupported option {Errors.Printable(opt, 1024)}");
                return;
            }
        }
        if ((flags & ExpireFlags.Nx) != 0 && (flags & (ExpireFlags.Xx | ExpireFlags.Gt | ExpireFlags.Lt)) != 0)
        {
            ctx.Error(Errors.NxXxGtLt);
            return;
        }
        if ((flags & ExpireFlags.Gt) != 0 && (flags & ExpireFlags.Lt) != 0)
        {
            ctx.Error(Errors.GtLtNx);
            return;
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long when))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000)
            {
                ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
                return;
            }
            when *= 1000;
        }
        if (when > long.MaxValue - basetime)
        {
            ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
            return;
        }
        when += basetime;
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (flags != ExpireFlags.None)
        {
            long cur = Entry.ExpireAt(o);
            bool persistent = cur == 0;
            if ((flags & ExpireFlags.Nx) != 0 && !persistent ||
                (flags & ExpireFlags.Xx) != 0 && persistent ||
                (flags & ExpireFlags.Gt) != 0 && (persistent || when <= cur) ||
                (flags & ExpireFlags.Lt) != 0 && !persistent && when >= cur)
            {
                ctx.Reply.Integer(0);
                return;
            }
        }
        var p = ctx.Propagation;
        if (when <= ctx.Now && !ctx.Keyspace.IsReplica && !ctx.Server.Loading)
        {
            // Already in the past: the key goes now, and replicas are told with a DEL.
            ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
            ctx.Dirty++;
            p.Begin(2);
            p.Arg("DEL"u8);
            p.Arg(key);
            ctx.Reply.Integer(1);
            return;
        }
        // 0 means "no expiry" inside Tern; an absolute time of 0 ms is in the past and handled above, except on a
        // replica, where the smallest representable instant stands in for it.
        ctx.Keyspace.SetExpire(ctx.Db, key, when == 0 ? 1 : when);
        ctx.Dirty++;
        // Propagate as PEXPIREAT with the absolute time, keeping the NX/XX/GT/LT options.
        p.Begin(ctx.ArgCount);
        p.Arg("PEXPIREAT"u8);
        p.Arg(key);
        p.Arg(when);
        for (int j = 3; j < ctx.ArgCount; j++) p.Arg(ctx.Arg(j));
        ctx.Reply.Integer(1);
    }

    // PERSIST key
    private static void Persist(CommandContext ctx)
    {
        var o = ctx.LookupWrite(ctx.Arg(1));
        if (o == null || Entry.ExpireAt(o) == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        ctx.Keyspace.SetExpire(ctx.Db, ctx.Arg(1), 0);
        ctx.Dirty++;
        ctx.Reply.Integer(1);
    }

    // DBSIZE
    private static void DbSize(CommandContext ctx) => ctx.Reply.Integer(ctx.Keyspace.DbSize(ctx.Db));

    /// <summary>FLUSHDB/FLUSHALL take [ASYNC|SYNC]; both free memory at once in Tern.</summary>
    private static bool FlushMode(CommandContext ctx)
    {
        if (ctx.ArgCount > 2)
        {
            ctx.SyntaxError();
            return false;
        }
        if (ctx.ArgCount == 2 && !Ascii.EqualsIgnoreCase(ctx.Arg(1), "ASYNC"u8) && !Ascii.EqualsIgnoreCase(ctx.Arg(1), "SYNC"u8))
        {
            ctx.SyntaxError();
            return false;
        }
        return true;
    }

    // FLUSHDB [ASYNC | SYNC]
    private static void FlushDb(CommandContext ctx)
    {
        if (!FlushMode(ctx)) return;
        ctx.Keyspace.FlushDb(ctx.Db);
        ctx.Dirty++;
        ctx.Reply.Ok();
    }

    // FLUSHALL [ASYNC | SYNC]
    private static void FlushAll(CommandContext ctx)
    {
        if (!FlushMode(ctx)) return;
        for (int db = 0; db < ctx.Keyspace.Databases; db++) ctx.Keyspace.FlushDb(db);
        ctx.Dirty++;
        ctx.Reply.Ok();
    }

    // KEYS pattern
    private static void Keys(CommandContext ctx)
    {
        var pattern = ctx.Arg(1);
        bool all = pattern.Length == 1 && pattern[0] == '*';
        var found = new List<byte[]>();
        long now = ctx.Now;
        foreach (var shard in ctx.Keyspace.Shards)
        {
            lock (shard.Lock)
            {
                var table = shard.DbIfExists(ctx.Db);
                if (table == null) continue;
                for (int i = 0; i < table.SlotCount; i++)
                {
                    var o = table.At(i);
                    if (o == null) continue;
                    long exp = Entry.ExpireAt(o);
                    if (exp != 0 && exp <= now) continue;
                    var k = Entry.Key(o);
                    if (all || Glob.Match(pattern, k)) found.Add(k.ToArray());
                }
            }
        }
        ctx.Reply.ArrayHeader(found.Count);
        foreach (var k in found) ctx.Reply.Bulk(k);
    }

    public static void Register(CommandTable t)
    {
        t.Add("del", Del);
        t.Add("unlink", Del);
        t.Add("exists", Exists);
        t.Add("type", Type);
        t.Add("ttl", Ttl);
        t.Add("pttl", PTtl);
        t.Add("expiretime", ExpireTime);
        t.Add("pexpiretime", PExpireTime);
        t.Add("expire", Expire);
        t.Add("pexpire", PExpire);
        t.Add("expireat", ExpireAt);
        t.Add("pexpireat", PExpireAt);
        t.Add("persist", Persist);
        t.Add("dbsize", DbSize);
        t.Add("flushdb", FlushDb, locksAll: true);
        t.Add("flushall", FlushAll, locksAll: true);
        t.Add("keys", Keys);
    }
}
