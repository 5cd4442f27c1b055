using System.Text;
using Tern.Protocol;
using Tern.Rdb;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Persistence;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// DUMP, RESTORE, RESTORE-ASKING and MIGRATE (cluster.c). A payload is the value as the RDB format carries it
/// (type byte and value), the 2-byte RDB version and the CRC64 of all that. Tern writes version 10 payloads (what
/// Redis 7.0 reads) and reads payloads up to version 12, deciding the value's layout by its type byte. The values
/// go through the persistence converters (<see cref="RdbValues"/>) and Tern.Rdb's reader and writer, as SAVE and the
/// loader do. MIGRATE is in DumpFamily.Migrate.cs.
/// </summary>
public static partial class DumpFamily
{
    // DUMP key
    private static void Dump(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.Null();
            return;
        }
        ctx.Reply.Bulk(CreatePayload(ctx.Server.Config, o));
    }

    // RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
    // (RESTORE-ASKING, the cluster's internal form, is the same command outside cluster mode.)
    private static void Restore(CommandContext ctx)
    {
        bool replace = false, absTtl = false;
        long freq = -1, idle = -1;
        uint lruClock = 0;
        int argc = ctx.ArgCount;
        for (int j = 4; j < argc; j++)
        {
            var opt = ctx.Arg(j);
            bool more = j + 1 < argc;
            if (Ascii.EqualsIgnoreCase(opt, "REPLACE"u8)) replace = true;
            else if (Ascii.EqualsIgnoreCase(opt, "ABSTTL"u8)) absTtl = true;
            // IDLETIME and FREQ exclude each other: the second one is a syntax error, as in Redis.
            else if (Ascii.EqualsIgnoreCase(opt, "IDLETIME"u8) && more && freq == -1)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(j + 1), out idle))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (idle < 0)
                {
                    ctx.Error(Errors.InvalidIdleTime);
                    return;
                }
                lruClock = LruClock.Now;
                j++;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "FREQ"u8) && more && idle == -1)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(j + 1), out freq))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (freq < 0 || freq > 255)
                {
                    ctx.Error(Errors.InvalidFreq);
                    return;
                }
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }

        var key = ctx.Arg(1);
        if (!replace && ctx.LookupWrite(key) != null)
        {
            ctx.Error(Errors.BusyKey);
            return;
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long ttl))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (ttl < 0)
        {
            ctx.Error(Errors.InvalidTtl);
            return;
        }
        var read = RdbReader.ReadDumpPayload(ctx.Arg(3), out var value);
        if (!read.Ok || value == null)
        {
            bool footer = read.Error != null && read.Error.StartsWith("DUMP payload", StringComparison.Ordinal);
            ctx.Error(footer ? Errors.DumpPayloadWrong : Errors.BadDataFormat);
            return;
        }
        long now = ctx.Now;
        long expireAt = ttl == 0 ? 0 : absTtl ? ttl : ttl + now;
        var obj = RdbValues.FromRdb(key, value, expireAt, ctx.Keyspace.NewAccessClock(now), ctx.Server.Config, out _, out _);
        if (obj == null)
        {
            ctx.Error(Errors.BadDataFormat);
            return;
        }

        var ks = ctx.Keyspace;
        bool deleted = replace && ks.Delete(ctx.Db, key, now);
        // Redis's checkAlreadyExpired: a replica keeps the key and waits for the primary's DEL.
        if (expireAt != 0 && expireAt <= now && !ks.IsReplica && !ctx.Server.Loading)
        {
            if (deleted)
            {
                ctx.Propagation.Begin(2);
                ctx.Propagation.Arg("DEL"u8);
                ctx.Propagation.Arg(key);
                ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
                ctx.Dirty++;
            }
            ctx.Reply.Ok();
            return;
        }

        ks.Add(ctx.Db, obj);
        if (ttl != 0 && !absTtl)
        {
            // The relative TTL travels as an absolute one: argument 2 rewritten, ABSTTL appended.
            var p = ctx.Propagation;
            p.Begin(argc + 1);
            p.Arg(ctx.Arg(0));
            p.Arg(key);
            p.Arg(expireAt);
            for (int i = 3; i < argc; i++) p.Arg(ctx.Arg(i));
            p.Arg("ABSTTL"u8);
        }
        ks.SetLruOrLfu(obj, freq, idle, lruClock);
        ctx.Notify(ServerConfig.Notify.Generic, "restore"u8, key);
        ctx.Dirty++;
        ctx.Reply.Ok();
    }

    /// <summary>The DUMP payload of a stored value, in the encodings Redis 7.0 would use under this configuration.</summary>
    internal static byte[] CreatePayload(ServerConfig config, object o)
    {
        var options = RdbOptions.Writer(config, config.RdbCompression);
        return o is byte[] a
            ? RdbWriter.CreateDumpPayload(PackedString.Value(a), options)
            : RdbWriter.CreateDumpPayload(RdbValues.ToRdb(o), options);
    }

    public static void Register(CommandTable t)
    {
        t.Add("dump", Dump);
        t.Add("restore", Restore);
        t.Add("restore-asking", Restore);
        t.Add("migrate", Migrate, MigrateKeys).LocksOwnKeys = true;
    }
}
