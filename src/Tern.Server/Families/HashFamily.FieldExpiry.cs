using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Per-field expiry as Redis 7.4 has it (t_hash.c of 7.4: HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT HTTL HPTTL
/// HEXPIRETIME HPEXPIRETIME HPERSIST, each with FIELDS numfields field ...). Redis 7.0, whose command metadata
/// Tern serves, has none of them: their COMMAND INFO/DOCS come from Commands/Metadata/overrides.json, transcribed
/// from Redis 7.4's command files. Expired fields go lazily: every hash command drops them
/// before it looks at the hash (<see cref="ExpireFields"/>); there is no active expiry of fields yet.
/// </summary>
public static partial class HashFamily
{
    /// <summary>HFE_MAX_ABS_TIME_MSEC of Redis 7.4: (2^48 - 1) >> 2 ms.</summary>
    private const long MaxFieldExpireMs = 0x0000FFFFFFFFFFFFL >> 2;

    /// <summary>
    /// Drops the expired fields of <paramref name="h"/> (lazy expiry, as hashTypeGetValue of 7.4 does field by
    /// field): each is propagated as HDEL key field and notified as "hexpired"; a hash left empty is deleted
    /// ("del"). Returns true when the key went. A replica keeps them until its primary's HDEL arrives, and so do
    /// the primary's link and loading.
    /// </summary>
    private static bool ExpireFields(CommandContext ctx, ReadOnlySpan<byte> key, HashValue h)
    {
        if (ctx.Keyspace.IsReplica || ctx.Client.IsPrimaryLink || ctx.Server.Loading) return false;
        var removed = new List<byte[]>();
        if (h.PurgeExpired(ctx.Now, removed) == 0) return false;
        var sink = ctx.Server.PropagationSink;
        if (sink != null)
        {
            // Straight to the log, as a key's lazy expiry is: read commands that expire fields are not propagated.
            var p = new PropagationBuffer();
            foreach (var f in removed)
            {
                p.Begin(3);
                p.Arg("HDEL"u8);
                p.Arg(key);
                p.Arg(f);
            }
            sink.Append(ctx.Db, p.Bytes, p.Commands);
        }
        for (int i = 0; i < removed.Count; i++) ctx.Notify(ServerConfig.Notify.Hash, "hexpired"u8, key);
        ctx.Keyspace.Touch(ctx.Db, key);
        if (h.Count > 0) return false;
        ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
        ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
        return true;
    }

    // HEXPIRE key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
    private static void HExpire(CommandContext ctx) => HExpireGeneric(ctx, ctx.Now, seconds: true);

    // HPEXPIRE key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
    private static void HPExpire(CommandContext ctx) => HExpireGeneric(ctx, ctx.Now, seconds: false);

    // HEXPIREAT key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
    private static void HExpireAt(CommandContext ctx) => HExpireGeneric(ctx, 0, seconds: true);

    // HPEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
    private static void HPExpireAt(CommandContext ctx) => HExpireGeneric(ctx, 0, seconds: false);

    private static void HExpireGeneric(CommandContext ctx, long basetime, bool seconds)
    {
        var key = ctx.Arg(1);
        // 7.4 checks the key's type before anything else.
        if (!Write(ctx, key, out var h)) return;
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long expire))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (expire < 0)
        {
            ctx.Error(Errors.HashExpireNegative);
            return;
        }
        if (seconds)
        {
            if (expire > MaxFieldExpireMs / 1000)
            {
                ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
                return;
            }
            expire *= 1000;
        }
        if (expire > MaxFieldExpireMs - basetime)
        {
            ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
            return;
        }
        expire += basetime;

        var cond = HashValue.ExpireCondition.None;
        var opt = ctx.Arg(3);
        if (Is(opt, "NX"u8)) cond = HashValue.ExpireCondition.Nx;
        else if (Is(opt, "XX"u8)) cond = HashValue.ExpireCondition.Xx;
        else if (Is(opt, "GT"u8)) cond = HashValue.ExpireCondition.Gt;
        else if (Is(opt, "LT"u8)) cond = HashValue.ExpireCondition.Lt;
        int numFieldsAt = cond == HashValue.ExpireCondition.None ? 4 : 5;
        if (!ReadNumFields(ctx, numFieldsAt, Errors.HashExpireNumFields, out int numFields)) return;
        var reply = ctx.Reply;
        if (h == null)
        {
            // A missing key is an empty hash: none of the fields exists.
            reply.ArrayHeader(numFields);
            for (int i = 0; i < numFields; i++) reply.Integer(-2);
            return;
        }

        h.EnableFieldExpiry();
        // checkAlreadyExpired: a time not in the future deletes the field, except on a replica or while loading,
        // where the primary's HDEL will come.
        bool alreadyExpired = expire <= ctx.Now && !ctx.Server.Loading && !ctx.Keyspace.IsReplica;
        int firstField = numFieldsAt + 1;
        int updated = 0, deleted = 0;
        Span<bool> setSmall = numFields <= 256 ? stackalloc bool[numFields] : new bool[numFields];
        var p = ctx.Propagation;
        reply.ArrayHeader(numFields);
        for (int i = 0; i < numFields; i++)
        {
            var field = ctx.Arg(firstField + i);
            int res = h.SetFieldExpire(field, expire, cond, alreadyExpired);
            reply.Integer(res);
            if (res == 1)
            {
                updated++;
                setSmall[i] = true;
            }
            else if (res == 2)
            {
                deleted++;
                p.Begin(3);
                p.Arg("HDEL"u8);
                p.Arg(key);
                p.Arg(field);
            }
        }
        if (updated + deleted == 0) return;
        ctx.Dirty += updated + deleted;
        if (deleted > 0 && h.Count == 0)
        {
            ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
            ctx.Notify(ServerConfig.Notify.Hash, "hdel"u8, key);
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
        }
        else
        {
            ctx.Notify(ServerConfig.Notify.Hash, deleted > 0 ? "hdel"u8 : "hexpire"u8, key);
        }
        if (updated == 0) return;
        // Propagated as HPEXPIREAT with the absolute time in ms and only the fields that were set, as 7.4 rewrites it.
        p.Begin(firstField + updated);
        p.Arg(seconds || basetime != 0 ? "HPEXPIREAT"u8 : ctx.Arg(0));
        p.Arg(key);
        if (seconds || basetime != 0) p.Arg(expire);
        else p.Arg(ctx.Arg(2));
        for (int i = 3; i < numFieldsAt; i++) p.Arg(ctx.Arg(i));
        if (updated != numFields) p.Arg(updated);
        else p.Arg(ctx.Arg(numFieldsAt));
        for (int i = 0; i < numFields; i++)
            if (setSmall[i]) p.Arg(ctx.Arg(firstField + i));
    }

    /// <summary>
    /// Checks "FIELDS numfields field..." starting with FIELDS at <paramref name="numFieldsAt"/> - 1: the
    /// keyword, a count from 1 (<paramref name="rangeError"/> otherwise, whatever is wrong with it), and exactly
    /// that many fields to the end.
    /// </summary>
    private static bool ReadNumFields(CommandContext ctx, int numFieldsAt, ReadOnlySpan<byte> rangeError, out int numFields)
    {
        numFields = 0;
        if (numFieldsAt >= ctx.ArgCount || !Is(ctx.Arg(numFieldsAt - 1), "FIELDS"u8))
        {
            ctx.Error(Errors.HashFieldsArgMissing);
            return false;
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(numFieldsAt), out long n) || n < 1)
        {
            ctx.Error(rangeError);
            return false;
        }
        if (n != ctx.ArgCount - numFieldsAt - 1)
        {
            ctx.Error(Errors.HashNumFieldsMismatch);
            return false;
        }
        numFields = (int)n;
        return true;
    }

    // HTTL key FIELDS numfields field [field ...]
    private static void HTtl(CommandContext ctx) => HTtlGeneric(ctx, ctx.Now, seconds: true);

    // HPTTL key FIELDS numfields field [field ...]
    private static void HPTtl(CommandContext ctx) => HTtlGeneric(ctx, ctx.Now, seconds: false);

    // HEXPIRETIME key FIELDS numfields field [field ...]
    private static void HExpireTime(CommandContext ctx) => HTtlGeneric(ctx, 0, seconds: true);

    // HPEXPIRETIME key FIELDS numfields field [field ...]
    private static void HPExpireTime(CommandContext ctx) => HTtlGeneric(ctx, 0, seconds: false);

    /// <summary>Per field: -2 no such field, -1 no expiry, else the time left (or the time) in s or ms.</summary>
    private static void HTtlGeneric(CommandContext ctx, long basetime, bool seconds)
    {
        if (!Read(ctx, ctx.Arg(1), out var h)) return;
        if (!ReadNumFields(ctx, 3, Errors.HashNumFieldsPositive, out int numFields)) return;
        var reply = ctx.Reply;
        reply.ArrayHeader(numFields);
        for (int i = 0; i < numFields; i++)
        {
            long exp = h == null ? -1 : h.GetFieldExpire(ctx.Arg(4 + i));
            if (exp < 0 || (exp > 0 && exp <= ctx.Now)) reply.Integer(-2);
            else if (exp == 0) reply.Integer(-1);
            // Seconds round up, as 7.4's (expire + 999 - basetime) / 1000.
            else reply.Integer(seconds ? (exp + 999 - basetime) / 1000 : exp - basetime);
        }
    }

    // HPERSIST key FIELDS numfields field [field ...]
    private static void HPersist(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!Write(ctx, key, out var h)) return;
        if (!ReadNumFields(ctx, 3, Errors.HashNumFieldsPositive, out int numFields)) return;
        var reply = ctx.Reply;
        reply.ArrayHeader(numFields);
        bool changed = false;
        for (int i = 0; i < numFields; i++)
        {
            int res = h == null ? -2 : h.PersistField(ctx.Arg(4 + i));
            reply.Integer(res);
            changed |= res == 1;
        }
        if (!changed) return;
        ctx.Notify(ServerConfig.Notify.Hash, "hpersist"u8, key);
        // One change for the command, however many fields lost their expiry; propagated as received.
        ctx.Dirty++;
    }

    /// <summary>The field-expiry commands and their handlers, one line per command.</summary>
    internal static readonly (string Name, CommandHandler Handler)[] FieldExpiryCommands =
    [
        ("hexpire", HExpire),
        ("hpexpire", HPExpire),
        ("hexpireat", HExpireAt),
        ("hpexpireat", HPExpireAt),
        ("httl", HTtl),
        ("hpttl", HPTtl),
        ("hexpiretime", HExpireTime),
        ("hpexpiretime", HPExpireTime),
        ("hpersist", HPersist),
    ];

    /// <summary>Binds the field-expiry commands (metadata from Commands/Metadata/overrides.json, Redis 7.4.0's files).</summary>
    internal static void RegisterFieldExpiry(CommandTable t)
    {
        foreach (var (name, handler) in FieldExpiryCommands) t.Add(name, handler);
    }
}
