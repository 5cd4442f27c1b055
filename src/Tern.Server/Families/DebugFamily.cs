using System.Runtime.CompilerServices;
using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// DEBUG (debug.c): one command in Redis's table (arity -2) whose handler parses the subcommand, so an unknown
/// subcommand or a wrong argument count answers with addReplySubcommandSyntaxError's text. DEBUG runs with
/// every shard locked: DIGEST sees one consistent dataset, POPULATE writes across shards, and SLEEP stops the
/// keyspace as Redis's single thread stops. Tern implements the subcommands listed in <see cref="HelpLines"/>.
/// </summary>
public static class DebugFamily
{
    // DEBUG subcommand [argument ...]
    private static void Debug(CommandContext ctx)
    {
        var sub = ctx.Arg(1);
        int argc = ctx.ArgCount;
        if (argc == 2 && Is(sub, "HELP"u8)) KeyFamily.Help(ctx, HelpLines);
        else if (Is(sub, "LOG"u8) && argc == 3) Log(ctx);
        else if (Is(sub, "OBJECT"u8) && argc == 3) Object(ctx);
        else if (Is(sub, "POPULATE"u8) && argc >= 3 && argc <= 5) Populate(ctx);
        else if (Is(sub, "DIGEST"u8) && argc == 2) DigestAll(ctx);
        else if (Is(sub, "DIGEST-VALUE"u8) && argc >= 2) DigestValue(ctx);
        else if (Is(sub, "PROTOCOL"u8) && argc == 3) Protocol(ctx);
        else if (Is(sub, "SLEEP"u8) && argc == 3) Sleep(ctx);
        else if (Is(sub, "SET-ACTIVE-EXPIRE"u8) && argc == 3)
        {
            ctx.Keyspace.ActiveExpireEnabled = Atoi(ctx.Arg(2)) != 0;
            ctx.Reply.Ok();
        }
        else if (Is(sub, "ERROR"u8) && argc == 3) Error(ctx);
        else if (Is(sub, "RELOAD"u8)) Reload(ctx);
        else ctx.Error(Errors.SubcommandSyntaxBytes(sub, ctx.Arg(0)));
    }

    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => Ascii.EqualsIgnoreCase(a, word);

    /// <summary>Redis's help lines for the subcommands Tern has, in Redis's order and words.</summary>
    private static readonly string[] HelpLines =
    [
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
    ];

    // DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]
    // Differs from Redis in one way, on purpose: the file is read into a staging dataset first, so a file that
    // cannot be loaded leaves the current data in place (Redis has flushed it by then), and a NOFLUSH duplicate
    // without MERGE is refused instead of killing the server.
    private static void Reload(CommandContext ctx)
    {
        bool flush = true, save = true, merge = false;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            var opt = ctx.Arg(j);
            if (Is(opt, "MERGE"u8)) merge = true;
            else if (Is(opt, "NOFLUSH"u8)) flush = false;
            else if (Is(opt, "NOSAVE"u8)) save = false;
            else
            {
                ctx.Error(Errors.ReloadOptions);
                return;
            }
        }
        var server = ctx.Server;
        if (save)
        {
            // A background save in progress finishes first (DEBUG holds every shard lock, which it no longer needs).
            server.Saves.WaitForBackground(cancel: false);
            if (server.Saves.Save() != null)
            {
                ctx.Error(Errors.Generic);
                return;
            }
        }
        Persistence.RdbLoadOutcome outcome;
        try
        {
            using var fs = new FileStream(server.Saves.RdbPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            outcome = flush
                ? Persistence.RdbLoading.LoadReplacing(server, fs, asReplica: false, fs.Length)
                : Persistence.RdbLoading.LoadMerging(server, fs, replaceExisting: merge, fs.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            server.Log.Warning($"Failed loading RDB: {e.Message}");
            ctx.Error(Errors.ReloadFailed);
            return;
        }
        if (!outcome.Result.Ok)
        {
            ctx.Error(Errors.ReloadFailed);
            return;
        }
        server.Saves.MarkClean();
        server.Log.Warning("DB reloaded by DEBUG RELOAD");
        ctx.Reply.Ok();
    }

    // DEBUG LOG message
    private static void Log(CommandContext ctx)
    {
        ctx.Server.Log.Warning("DEBUG LOG: " + Encoding.UTF8.GetString(Errors.CString(ctx.Arg(2), int.MaxValue)));
        ctx.Reply.Ok();
    }

    // DEBUG ERROR string
    private static void Error(CommandContext ctx)
    {
        // Redis writes "-" + string itself (newlines become spaces): not through addReplyError, so it is not
        // counted in errorstats or failed_calls.
        ctx.Reply.Error(ctx.Arg(2));
    }

    // DEBUG OBJECT key
    private static void Object(CommandContext ctx)
    {
        // Redis reads the dictionary directly: a key past its TTL but not yet deleted still shows.
        var o = ctx.Keyspace.Peek(ctx.Db, ctx.Arg(2));
        if (o == null)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        uint lru = ctx.Keyspace.AccessClock(o);
        var sb = new StringBuilder(128);
        sb.Append("Value at:0x").Append(((ulong)RuntimeHelpers.GetHashCode(o) << 4 | 0x7f0000000000UL).ToString("x"));
        sb.Append(" refcount:").Append(KeyFamily.RefCount(ctx, o));
        sb.Append(" encoding:").Append(Encoding.ASCII.GetString(Entry.Encoding(o)));
        sb.Append(" serializedlength:").Append(RdbLength.Of(o, compression: true));
        sb.Append(" lru:").Append(lru);
        sb.Append(" lru_seconds_idle:").Append(LruClock.IdleSeconds(lru));
        ctx.Reply.Simple(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    // DEBUG POPULATE count [prefix] [size]
    private static void Populate(CommandContext ctx)
    {
        if (!PositiveLong(ctx, ctx.Arg(2), out long count)) return;
        long size = 0;
        if (ctx.ArgCount == 5 && !PositiveLong(ctx, ctx.Arg(4), out size)) return;
        var prefix = ctx.ArgCount >= 4 ? Errors.CString(ctx.Arg(3), int.MaxValue) : "key"u8;
        var ks = ctx.Keyspace;
        int db = ctx.Db;
        Span<byte> keyBuf = stackalloc byte[127];
        Span<byte> valBuf = stackalloc byte[32];
        Span<byte> num = stackalloc byte[24];
        byte[]? padded = size > 0 ? new byte[size] : null;
        for (long j = 0; j < count; j++)
        {
            int digits = RespNumber.Format(j, num);
            // snprintf into a 128-byte buffer: "prefix:N" is cut at 127 bytes.
            int kl = 0;
            kl += Append(keyBuf, kl, prefix);
            kl += Append(keyBuf, kl, ":"u8);
            kl += Append(keyBuf, kl, num[..digits]);
            var key = keyBuf[..kl];
            if (ks.LookupWrite(db, key, ctx.Now) != null) continue;
            int vl = Append(valBuf, 0, "value:"u8);
            vl += Append(valBuf, vl, num[..digits]);
            ReadOnlySpan<byte> value = valBuf[..vl];
            if (padded != null)
            {
                // A value of exactly <size> bytes: "value:N" cut or padded with zero bytes.
                padded.AsSpan().Clear();
                value[..(int)Math.Min(vl, size)].CopyTo(padded);
                value = padded;
            }
            // Not tryObjectEncoding'd in Redis: the value is embstr or raw by length, as PackedString decides.
            ks.Add(db, PackedString.Create(key, value, 0, ks.NewAccessClock(ctx.Now)));
        }
        // Not propagated and not counted as dirty, as Redis does.
        ctx.Reply.Ok();
    }

    private static int Append(Span<byte> dest, int at, ReadOnlySpan<byte> s)
    {
        int n = Math.Min(s.Length, dest.Length - at);
        s[..n].CopyTo(dest[at..]);
        return n;
    }

    /// <summary>
    /// getPositiveLongFromObjectOrReply: its message replaces the parse error too, so "abc" is also "out of
    /// range, must be positive".
    /// </summary>
    private static bool PositiveLong(CommandContext ctx, ReadOnlySpan<byte> arg, out long value)
    {
        if (!RespNumber.TryParseInt64(arg, out value) || value < 0)
        {
            ctx.Error(Errors.ValueOutOfRange);
            return false;
        }
        return true;
    }

    // DEBUG DIGEST
    private static void DigestAll(CommandContext ctx)
    {
        Span<byte> d = stackalloc byte[Digest.Size];
        if (!Digest.Dataset(ctx.Keyspace, d))
        {
            ctx.Error(Errors.DigestNotSupported);
            return;
        }
        ctx.Reply.Simple(Digest.Hex(d));
    }

    // DEBUG DIGEST-VALUE [key ...]
    private static void DigestValue(CommandContext ctx)
    {
        Span<byte> d = stackalloc byte[Digest.Size];
        // Check every value first so that the reply is either a whole array or one error.
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            var o = ctx.Keyspace.Peek(ctx.Db, ctx.Arg(j));
            if (o != null && !Digest.DigestValue(o, d))
            {
                ctx.Error(Errors.DigestNotSupported);
                return;
            }
        }
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            d.Clear();
            // Logically expired keys are digested too: Redis reads the dictionary directly.
            var o = ctx.Keyspace.Peek(ctx.Db, ctx.Arg(j));
            if (o != null) Digest.DigestValue(o, d);
            ctx.Reply.Simple(Digest.Hex(d));
        }
    }

    // DEBUG PROTOCOL string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false
    private static void Protocol(CommandContext ctx)
    {
        var name = ctx.Arg(2);
        var r = ctx.Reply;
        if (Is(name, "string"u8)) r.Bulk("Hello World"u8);
        else if (Is(name, "integer"u8)) r.Integer(12345);
        else if (Is(name, "double"u8)) r.Double(3.141);
        else if (Is(name, "bignum"u8)) r.BigNumber("1234567999999999999999999999999999999"u8);
        else if (Is(name, "null"u8)) r.Null();
        else if (Is(name, "array"u8))
        {
            r.ArrayHeader(3);
            for (int j = 0; j < 3; j++) r.Integer(j);
        }
        else if (Is(name, "set"u8))
        {
            r.SetHeader(3);
            for (int j = 0; j < 3; j++) r.Integer(j);
        }
        else if (Is(name, "map"u8))
        {
            r.MapHeader(3);
            for (int j = 0; j < 3; j++)
            {
                r.Integer(j);
                r.Boolean(j == 1);
            }
        }
        else if (Is(name, "attrib"u8))
        {
            if (r.Protocol >= 3)
            {
                // An attribute map of one entry, then the real reply.
                r.Raw("|1\r\n"u8);
                r.Bulk("key-popularity"u8);
                r.ArrayHeader(2);
                r.Bulk("key:123"u8);
                r.Integer(90);
            }
            r.Bulk("Some real reply following the attribute"u8);
        }
        else if (Is(name, "push"u8))
        {
            if (r.Protocol < 3)
            {
                ctx.Error(Errors.Resp2NotSupported);
                return;
            }
            r.PushHeader(2);
            r.Bulk("server-cpu-usage"u8);
            r.Integer(42);
            r.Bulk("Some real reply following the push reply"u8);
        }
        else if (Is(name, "true"u8)) r.Boolean(true);
        else if (Is(name, "false"u8)) r.Boolean(false);
        else if (Is(name, "verbatim"u8)) r.Verbatim("This is a verbatim\nstring"u8, "txt"u8);
        else ctx.Error(Errors.DebugProtocolType);
    }

    // DEBUG SLEEP seconds
    private static void Sleep(CommandContext ctx)
    {
        // strtod without error checking: a bad number sleeps 0 seconds; microsecond resolution as in Redis.
        double seconds = StrtodPrefix(ctx.Arg(2));
        double us = seconds * 1_000_000;
        if (us >= 1 && !double.IsNaN(us))
        {
            long micros = us >= long.MaxValue / 10 ? long.MaxValue / 10 : (long)us;
            Thread.Sleep(TimeSpan.FromTicks(micros * 10));
        }
        ctx.Reply.Ok();
    }

    /// <summary>The value of the longest prefix that C's strtod would read (0 when none).</summary>
    internal static double StrtodPrefix(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        s = s[i..];
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        for (int n = Math.Min(s.Length, 64); n > 0; n--)
        {
            var p = s[..n];
            // Only what strtod reads: sign, digits, point, exponent, "inf"/"nan" words; no trailing spaces.
            if (p[^1] is (byte)' ' or (byte)'\t') continue;
            if (double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v))
                return v;
        }
        return 0;
    }

    /// <summary>C's atoi: optional spaces and sign, then digits up to the first other byte.</summary>
    internal static long Atoi(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        bool neg = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            neg = s[i] == '-';
            i++;
        }
        long v = 0;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9 && v < int.MaxValue; i++) v = v * 10 + (s[i] - '0');
        return neg ? -v : v;
    }

    public static void Register(CommandTable t)
    {
        // Redis marks DEBUG "protected" but hides that flag from COMMAND INFO on purpose, so the captured
        // metadata lacks it: restore it here so enable-debug-command applies.
        t.Add("debug", Debug, locksAll: true).Flags |= CommandFlags.Protected;
    }
}
