using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Generic key commands (db.c, expire.c, object.c): DEL EXISTS TYPE, expiry, RENAME MOVE COPY, SCAN KEYS
/// RANDOMKEY, DBSIZE FLUSHDB SWAPDB, OBJECT. Commands with keys run under their shards' locks (the dispatcher
/// takes them; a key's shard does not depend on the database, so MOVE and COPY DB are covered too); keyless
/// commands that walk the keyspace (SCAN, RANDOMKEY, KEYS) lock one shard at a time themselves.
/// </summary>
public static class KeyFamily
{
    // DEL key [key ...]
    private static void Del(CommandContext ctx)
    {
        long n = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (!ctx.Keyspace.Delete(ctx.Db, ctx.Arg(i), ctx.Now)) continue;
            n++;
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, ctx.Arg(i));
        }
        ctx.Dirty += n;
        ctx.Reply.Integer(n);
    }

    // EXISTS key [key ...]
    private static void Exists(CommandContext ctx)
    {
        long n = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
            if (ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(i), ctx.Now, touch: false) != null) n++;
        ctx.Reply.Integer(n);
    }

    // TYPE key
    private static void Type(CommandContext ctx)
    {
        // Redis looks up with LOOKUP_NOTOUCH: hits and misses count, the access clock stays.
        var o = ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(1), ctx.Now, touch: false);
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
        // Rounded to the nearest second without overflow: Redis's (ttl+500)/1000 prints 9223372036854776 for
        // the largest expiry, so compute it as the exact quotient.
        ctx.Reply.Integer(ms ? ttl : ttl / 1000 + (ttl % 1000 + 500) / 1000);
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
                ctx.Error(Errors.UnsupportedOption(opt));
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
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
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
        // After the reply, as Redis (a RESP3 client subscribed to its own events sees :1 first).
        ctx.Notify(ServerConfig.Notify.Generic, "expire"u8, key);
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
        ctx.Notify(ServerConfig.Notify.Generic, "persist"u8, ctx.Arg(1));
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
        long removed = ctx.Keyspace.DbSize(ctx.Db);
        ctx.Keyspace.FlushDb(ctx.Db);
        // Redis adds the keys removed to dirty and forces propagation even of an empty flush.
        ctx.Dirty += removed;
        ctx.ForcePropagate = true;
        ctx.Reply.Ok();
    }

    // FLUSHALL [ASYNC | SYNC]
    private static void FlushAll(CommandContext ctx)
    {
        if (!FlushMode(ctx)) return;
        long removed = 0;
        for (int db = 0; db < ctx.Keyspace.Databases; db++)
        {
            removed += ctx.Keyspace.DbSize(db);
            ctx.Keyspace.FlushDb(db);
        }
        ctx.Dirty += removed;
        ctx.ForcePropagate = true;
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
            // Reads; a lazily expired key goes through Keyspace.ExpireSlot, which tells a pending snapshot.
            shard.EnterRead();
            try
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
            finally
            {
                shard.Exit();
            }
        }
        ctx.Reply.ArrayHeader(found.Count);
        foreach (var k in found) ctx.Reply.Bulk(k);
    }

    /// <summary>
    /// Redis's getIntFromObjectOrReply: a strict integer within the int range. <paramref name="msg"/> replaces
    /// both errors when given (SWAPDB's "invalid first DB index").
    /// </summary>
    internal static bool ParseInt(CommandContext ctx, ReadOnlySpan<byte> arg, out int value, ReadOnlySpan<byte> msg = default)
    {
        value = 0;
        if (!RespNumber.TryParseInt64(arg, out long v))
        {
            ctx.Error(msg.IsEmpty ? Errors.NotInteger : msg);
            return false;
        }
        if (v < int.MinValue || v > int.MaxValue)
        {
            ctx.Error(msg.IsEmpty ? Errors.NotInt32 : msg);
            return false;
        }
        value = (int)v;
        return true;
    }

    /// <summary>Parses a database index as SELECT, MOVE and COPY do; false after replying.</summary>
    private static bool ParseDbIndex(CommandContext ctx, ReadOnlySpan<byte> arg, out int db)
    {
        if (!ParseInt(ctx, arg, out db)) return false;
        if (db < 0 || db >= ctx.Keyspace.Databases)
        {
            ctx.Error(Errors.DbIndexOutOfRange);
            return false;
        }
        return true;
    }

    // RENAME key newkey
    private static void Rename(CommandContext ctx) => RenameGeneric(ctx, nx: false);

    // RENAMENX key newkey
    private static void RenameNx(CommandContext ctx) => RenameGeneric(ctx, nx: true);

    private static void RenameGeneric(CommandContext ctx, bool nx)
    {
        var src = ctx.Arg(1);
        var dst = ctx.Arg(2);
        var o = ctx.LookupWrite(src);
        if (o == null)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        // Same name: nothing to do, but a missing key was still an error above.
        if (src.SequenceEqual(dst))
        {
            if (nx) ctx.Reply.Integer(0);
            else ctx.Reply.Ok();
            return;
        }
        long expire = Entry.ExpireAt(o);
        var ks = ctx.Keyspace;
        if (ctx.LookupWrite(dst) != null)
        {
            if (nx)
            {
                ctx.Reply.Integer(0);
                return;
            }
            ks.Delete(ctx.Db, dst, ctx.Now);
        }
        ks.Delete(ctx.Db, src, ctx.Now);
        // The value moves with its access clock, encoding and expiry; a collection keeps its object.
        if (o is StoredObject so)
        {
            so.Key = dst.ToArray();
            ks.Add(ctx.Db, so);
        }
        else ks.Add(ctx.Db, Entry.Rekey(o, dst, expire));
        ctx.Notify(ServerConfig.Notify.Generic, "rename_from"u8, src);
        ctx.Notify(ServerConfig.Notify.Generic, "rename_to"u8, dst);
        ctx.Dirty++;
        if (nx) ctx.Reply.Integer(1);
        else ctx.Reply.Ok();
    }

    // MOVE key db
    private static void Move(CommandContext ctx)
    {
        if (!ParseDbIndex(ctx, ctx.Arg(2), out int dst)) return;
        if (dst == ctx.Db)
        {
            ctx.Error(Errors.SameObject);
            return;
        }
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var ks = ctx.Keyspace;
        if (ks.LookupWrite(dst, key, ctx.Now, ctx.Client.IsPrimaryLink, touch: !ctx.Client.NoTouch) != null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        // The same object changes tables; both live in this key's shard, whose lock the dispatcher holds.
        ks.Delete(ctx.Db, key, ctx.Now);
        ks.Add(dst, o);
        ctx.Notify(ServerConfig.Notify.Generic, "move_from"u8, key);
        ctx.Server.KeyspaceNotifier?.Publish(dst, ServerConfig.Notify.Generic, "move_to"u8, key);
        ctx.Dirty++;
        ctx.Reply.Integer(1);
    }

    // COPY source destination [DB destination-db] [REPLACE]
    private static void Copy(CommandContext ctx)
    {
        // Only the destination is written (signalModifiedKey in Redis); the sources are read.
        ctx.Modified(2);
        int dstDb = ctx.Db;
        bool replace = false;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            var opt = ctx.Arg(j);
            if (Ascii.EqualsIgnoreCase(opt, "REPLACE"u8)) replace = true;
            else if (Ascii.EqualsIgnoreCase(opt, "DB"u8) && j + 1 < ctx.ArgCount)
            {
                if (!ParseDbIndex(ctx, ctx.Arg(j + 1), out dstDb)) return;
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var key = ctx.Arg(1);
        var newKey = ctx.Arg(2);
        if (dstDb == ctx.Db && key.SequenceEqual(newKey))
        {
            ctx.Error(Errors.SameObject);
            return;
        }
        var o = ctx.LookupRead(key);
        if (o == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long expire = Entry.ExpireAt(o);
        var ks = ctx.Keyspace;
        bool delete = false;
        if (ks.LookupWrite(dstDb, newKey, ctx.Now, ctx.Client.IsPrimaryLink, touch: !ctx.Client.NoTouch) != null)
        {
            if (!replace)
            {
                ctx.Reply.Integer(0);
                return;
            }
            delete = true;
        }
        // A new object (Redis's dupStringObject and friends): same encoding, fresh access clock; a small integer
        // copy is not the shared one, so OBJECT REFCOUNT says 1.
        object copy;
        if (o is byte[] a)
        {
            var n = PackedString.Create(newKey, PackedString.Value(a), expire, ks.NewAccessClock(ctx.Now), PackedString.IsRaw(a));
            PackedString.MarkUnshared(n);
            copy = n;
        }
        else
        {
            var so = ((StoredObject)o).CloneWithKey(newKey.ToArray());
            so.ExpireAt = expire;
            so.Lru = ks.NewAccessClock(ctx.Now);
            copy = so;
        }
        if (delete) ks.Delete(dstDb, newKey, ctx.Now);
        ks.Add(dstDb, copy);
        ctx.Server.KeyspaceNotifier?.Publish(dstDb, ServerConfig.Notify.Generic, "copy_to"u8, newKey);
        ctx.Dirty++;
        ctx.Reply.Integer(1);
    }

    // TOUCH key [key ...]
    private static void Touch(CommandContext ctx)
    {
        long n = 0;
        // TOUCH updates the access clock even for a CLIENT NO-TOUCH client: that is its purpose.
        for (int i = 1; i < ctx.ArgCount; i++)
            if (ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(i), ctx.Now, touch: true) != null) n++;
        ctx.Reply.Integer(n);
    }

    // SWAPDB index1 index2
    private static void SwapDb(CommandContext ctx)
    {
        if (!ParseInt(ctx, ctx.Arg(1), out int a, Errors.InvalidFirstDbIndex)) return;
        if (!ParseInt(ctx, ctx.Arg(2), out int b, Errors.InvalidSecondDbIndex)) return;
        int n = ctx.Keyspace.Databases;
        if (a < 0 || a >= n || b < 0 || b >= n)
        {
            ctx.Error(Errors.DbIndexOutOfRange);
            return;
        }
        if (a != b) ctx.Keyspace.SwapDb(a, b);
        ctx.Dirty++;
        ctx.Reply.Ok();
    }

    /// <summary>
    /// SCAN's cursor: the low <see cref="Keyspace.ShardBits"/> bits are the shard, the rest the slot index in
    /// that shard's table of the current database. Slots never move while a key lives, so a key present for
    /// the whole iteration is returned; cursor 0 starts and ends.
    /// </summary>
    private static ulong EncodeCursor(int shard, long slot) =>
        shard >= Keyspace.ShardCount ? 0 : ((ulong)slot << Keyspace.ShardBits) | (uint)shard;

    // SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
    private static void Scan(CommandContext ctx)
    {
        if (!ScanArgs.TryParseCursor(ctx.Arg(1), out ulong cursor))
        {
            ctx.Error(Errors.InvalidCursor);
            return;
        }
        if (!ScanArgs.TryParseOptions(ctx, 2, allowType: true, out var scan)) return;
        long count = scan.Count;
        ReadOnlySpan<byte> pattern = scan.Pattern, type = scan.Type;
        bool usePattern = scan.UsePattern, useType = scan.UseType;

        var ks = ctx.Keyspace;
        var shards = ks.Shards;
        int db = ctx.Db;
        long now = ctx.Now;
        int shardIndex = (int)(cursor & (Keyspace.ShardCount - 1));
        ulong slotU = cursor >> Keyspace.ShardBits;
        long slot = slotU > int.MaxValue ? int.MaxValue : (long)slotU;
        // Like Redis, COUNT bounds the entries looked at before filtering, and the slots visited are bounded too
        // so that a sparse table cannot make one call long. Once COUNT entries are taken the walk goes on to the
        // next occupied slot, so that a finished iteration says cursor 0 rather than one more empty page.
        long maxVisits = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
        long examined = 0, visits = 0;
        var found = new List<byte[]>();
        ulong next = 0;
        bool stopped = false;
        for (; shardIndex < Keyspace.ShardCount && !stopped; shardIndex++, slot = 0)
        {
            var shard = shards[shardIndex];
            if (shard.DbIfExists(db) == null) continue;
            // Reads; a lazily expired key goes through Keyspace.ExpireSlot, which tells a pending snapshot.
            shard.EnterRead();
            try
            {
                var table = shard.DbIfExists(db);
                for (; table != null && slot < table.SlotCount; slot++, visits++)
                {
                    var o = table.At((int)slot);
                    if (visits >= maxVisits || (o != null && examined >= count))
                    {
                        next = EncodeCursor(shardIndex, slot);
                        stopped = true;
                        break;
                    }
                    if (o == null) continue;
                    examined++;
                    var key = Entry.Key(o);
                    if (usePattern && !Glob.Match(pattern, key)) continue;
                    if (useType)
                    {
                        // Redis looks the key up to read its type (counting a hit or miss, expiring it).
                        var live = ks.LookupRead(db, key, now, touch: false);
                        var name = live == null ? "none"u8 : Entry.TypeName(Entry.Kind(live));
                        if (!Ascii.EqualsIgnoreCase(name, type)) continue;
                    }
                    // expireIfNeeded: a key past its TTL is dropped (and deleted, unless this is a replica); one
                    // already deleted by the type lookup above is not "expired" any more and stays.
                    if (ReferenceEquals(table.At((int)slot), o))
                    {
                        long exp = Entry.ExpireAt(o);
                        if (exp != 0 && exp <= now)
                        {
                            ks.Lookup(db, key, now);
                            continue;
                        }
                    }
                    found.Add(key.ToArray());
                }
            }
            finally
            {
                shard.Exit();
            }
        }
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.BulkInteger((long)next);
        ctx.Reply.ArrayHeader(found.Count);
        foreach (var k in found) ctx.Reply.Bulk(k);
    }

    // RANDOMKEY
    private static void RandomKey(CommandContext ctx)
    {
        var ks = ctx.Keyspace;
        var shards = ks.Shards;
        int db = ctx.Db;
        long now = ctx.Now;
        int maxTries = 100;
        while (true)
        {
            // Choose a shard in proportion to its keys (counts read without locks, then checked under the
            // lock), then a random occupied slot in it.
            long total = ks.DbSize(db);
            if (total == 0)
            {
                ctx.Reply.Null();
                return;
            }
            bool allVolatile = total == ks.ExpiresCount(db);
            long r = Random.Shared.NextInt64(total);
            Shard? chosen = null;
            foreach (var s in shards)
            {
                long c = s.DbIfExists(db)?.Count ?? 0;
                if (r < c)
                {
                    chosen = s;
                    break;
                }
                r -= c;
            }
            if (chosen == null) continue;
            // Reads; a lazily expired key goes through Keyspace.ExpireSlot, which tells a pending snapshot.
            chosen.EnterRead();
            try
            {
                var table = chosen.DbIfExists(db);
                if (table == null || table.Count == 0) continue;
                int slot = RandomOccupiedSlot(table);
                if (slot < 0) continue;
                var o = table.At(slot)!;
                var key = Entry.Key(o);
                long exp = Entry.ExpireAt(o);
                if (exp != 0 && exp <= now)
                {
                    if (!ks.IsReplica)
                    {
                        // Expired: delete it (propagating DEL) and look for another.
                        ks.Lookup(db, key, now);
                        continue;
                    }
                    // A replica waits for the primary's DEL; when every key has a TTL they may all be expired
                    // here, so Redis gives up after 100 tries and returns an expired name.
                    if (!(allVolatile && --maxTries == 0)) continue;
                }
                ctx.Reply.Bulk(key);
                return;
            }
            finally
            {
                chosen.Exit();
            }
        }
    }

    private static int RandomOccupiedSlot(Table table)
    {
        int n = table.SlotCount;
        if (n == 0) return -1;
        for (int t = 0; t < 32; t++)
        {
            int i = Random.Shared.Next(n);
            if (table.At(i) != null) return i;
        }
        // A sparse table (many deletions): walk from a random place to the next occupied slot.
        int start = Random.Shared.Next(n);
        for (int k = 0; k < n; k++)
        {
            int i = start + k < n ? start + k : start + k - n;
            if (table.At(i) != null) return i;
        }
        return -1;
    }

    /// <summary>
    /// OBJECT REFCOUNT: Redis keeps the integers 0..9999 as shared objects whose refcount reads INT_MAX; any
    /// other value has its own object, refcount 1.
    /// </summary>
    internal static long RefCount(CommandContext ctx, object o) => ctx.Keyspace.SharedInteger(o) >= 0 ? int.MaxValue : 1;

    // OBJECT ENCODING key
    private static void ObjectEncoding(CommandContext ctx)
    {
        var o = ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(2), ctx.Now, touch: false);
        if (o == null) ctx.Reply.Null();
        else ctx.Reply.Bulk(Entry.Encoding(o));
    }

    // OBJECT REFCOUNT key
    private static void ObjectRefCount(CommandContext ctx)
    {
        var o = ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(2), ctx.Now, touch: false);
        if (o == null) ctx.Reply.Null();
        else ctx.Reply.Integer(RefCount(ctx, o));
    }

    // OBJECT IDLETIME key
    private static void ObjectIdleTime(CommandContext ctx)
    {
        var o = ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(2), ctx.Now, touch: false);
        if (o == null) ctx.Reply.Null();
        else if (ctx.Keyspace.Lfu) ctx.Error(Errors.LfuSelected);
        else ctx.Reply.Integer(LruClock.IdleSeconds(ctx.Keyspace.AccessClock(o)));
    }

    // OBJECT FREQ key
    private static void ObjectFreq(CommandContext ctx)
    {
        var o = ctx.Keyspace.LookupRead(ctx.Db, ctx.Arg(2), ctx.Now, touch: false);
        if (o == null) ctx.Reply.Null();
        else if (!ctx.Keyspace.Lfu) ctx.Error(Errors.LfuNotSelected);
        else ctx.Reply.Integer(ctx.Keyspace.LfuCounter(ctx.Keyspace.AccessClock(o)));
    }

    private static readonly string[] ObjectHelpLines =
    [
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
    ];

    // OBJECT HELP
    private static void ObjectHelp(CommandContext ctx) => Help(ctx, ObjectHelpLines);

    /// <summary>
    /// Redis's addReplyHelp: "CMD &lt;subcommand&gt; ..." (the command name as typed, upper-cased), the lines,
    /// then HELP, as status replies in one array.
    /// </summary>
    internal static void Help(CommandContext ctx, string[] lines)
    {
        var name = Errors.CString(ctx.Arg(0), int.MaxValue).ToArray();
        for (int i = 0; i < name.Length; i++)
            if ((uint)(name[i] - 'a') <= 25) name[i] = (byte)(name[i] & ~0x20);
        ctx.Reply.ArrayHeader(lines.Length + 3);
        ctx.Reply.Simple(Errors.Concat(name, " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"u8, default));
        foreach (var l in lines) ctx.Reply.Simple(Encoding.ASCII.GetBytes(l));
        ctx.Reply.Simple("HELP"u8);
        ctx.Reply.Simple("    Prints this help."u8);
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
        t.Add("rename", Rename);
        t.Add("renamenx", RenameNx);
        t.Add("move", Move);
        t.Add("copy", Copy);
        t.Add("touch", Touch);
        t.Add("scan", Scan);
        t.Add("randomkey", RandomKey);
        t.Add("swapdb", SwapDb, locksAll: true);
        t.Add("object|encoding", ObjectEncoding);
        t.Add("object|refcount", ObjectRefCount);
        t.Add("object|idletime", ObjectIdleTime);
        t.Add("object|freq", ObjectFreq);
        t.Add("object|help", ObjectHelp);
    }
}
