using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Network;

namespace Tern.Server.Families;

/// <summary>Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET MONITOR and CLIENT.</summary>
public static class ConnectionFamily
{
    // PING [message]
    private static void Ping(CommandContext ctx)
    {
        if (ctx.ArgCount > 2)
        {
            ctx.WrongArgs();
            return;
        }
        if (ctx.Client.Protocol == 2 && ctx.Client.IsSubscribed)
        {
            // In RESP2 subscribed mode PING answers with a pub/sub-shaped array.
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk("pong"u8);
            ctx.Reply.Bulk(ctx.ArgCount == 2 ? ctx.Arg(1) : []);
            return;
        }
        if (ctx.ArgCount == 2) ctx.Reply.Bulk(ctx.Arg(1));
        else ctx.Reply.Raw("+PONG\r\n"u8);
    }

    // ECHO message
    private static void Echo(CommandContext ctx) => ctx.Reply.Bulk(ctx.Arg(1));

    // QUIT
    private static void Quit(CommandContext ctx)
    {
        ctx.Reply.Ok();
        ctx.Client.CloseAfterReply = true;
    }

    // SELECT index
    private static void Select(CommandContext ctx)
    {
        // getIntFromObjectOrReply: not a number, then out of int range, then selectDb's range.
        if (!RespNumber.TryParseInt64(ctx.Arg(1), out long db))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (db > int.MaxValue || db < int.MinValue)
        {
            ctx.Error(Errors.NotInt32);
            return;
        }
        if (db < 0 || db >= ctx.Keyspace.Databases)
        {
            ctx.Error(Errors.DbIndexOutOfRange);
            return;
        }
        ctx.Client.Db = (int)db;
        ctx.Reply.Ok();
    }

    /// <summary>Checks a username/password pair against the default user (requirepass).</summary>
    internal static bool Authenticate(CommandContext ctx, ReadOnlySpan<byte> user, ReadOnlySpan<byte> pass)
    {
        if (!"default"u8.SequenceEqual(user)) return false;
        var required = ctx.Server.Config.RequirePass;
        if (required.Length == 0)
        {
            // The default user has nopass: any password authenticates.
            ctx.Client.Authenticated = true;
            return true;
        }
        var expected = Encoding.UTF8.GetBytes(required);
        bool ok = System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, pass);
        if (ok)
        {
            ctx.Client.Authenticated = true;
            ctx.Client.User = "default";
        }
        return ok;
    }

    private static void Redact(Client c, int arg)
    {
        if (arg < 64) c.RedactedArgs |= 1UL << arg;
    }

    // AUTH [username] password
    private static void Auth(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        // MONITOR never shows the password (nor the user name of the two-argument form).
        Redact(ctx.Client, 1);
        if (ctx.ArgCount == 3) Redact(ctx.Client, 2);
        if (ctx.ArgCount == 2 && ctx.Server.Config.RequirePass.Length == 0)
        {
            ctx.Error(Errors.AuthNoPassword);
            return;
        }
        var user = ctx.ArgCount == 2 ? "default"u8 : ctx.Arg(1);
        var pass = ctx.Arg(ctx.ArgCount - 1);
        if (Authenticate(ctx, user, pass)) ctx.Reply.Ok();
        else ctx.Error(Errors.WrongPass);
    }

    /// <summary>CLIENT SETNAME's rule: printable ASCII without spaces.</summary>
    internal static bool ValidName(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
            if (b < '!' || b > '~') return false;
        return true;
    }

    /// <summary>Writes "prefix + arg + suffix" as an error, the argument cut at a NUL as C's "%s" prints it.</summary>
    private static void ErrorWith(CommandContext ctx, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> arg, ReadOnlySpan<byte> suffix)
    {
        int nul = arg.IndexOf((byte)0);
        if (nul >= 0) arg = arg[..nul];
        var b = new byte[prefix.Length + arg.Length + suffix.Length];
        prefix.CopyTo(b);
        arg.CopyTo(b.AsSpan(prefix.Length));
        suffix.CopyTo(b.AsSpan(prefix.Length + arg.Length));
        ctx.Error(b);
    }

    // HELLO [protover [AUTH username password] [SETNAME clientname]]
    private static void Hello(CommandContext ctx)
    {
        long ver = 0;
        int j = 1;
        if (ctx.ArgCount >= 2)
        {
            j = 2;
            if (!RespNumber.TryParseInt64(ctx.Arg(1), out ver))
            {
                ctx.Error(Errors.ProtoVersionNotInteger);
                return;
            }
            if (ver < 2 || ver > 3)
            {
                ctx.Error(Errors.ProtoVersion);
                return;
            }
        }
        for (; j < ctx.ArgCount; j++)
        {
            int more = ctx.ArgCount - 1 - j;
            var opt = ctx.Arg(j);
            if (Ascii.EqualsIgnoreCase(opt, "AUTH"u8) && more >= 2)
            {
                Redact(ctx.Client, j + 1);
                Redact(ctx.Client, j + 2);
                if (!Authenticate(ctx, ctx.Arg(j + 1), ctx.Arg(j + 2)))
                {
                    ctx.Error(Errors.WrongPass);
                    return;
                }
                j += 2;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "SETNAME"u8) && more >= 1)
            {
                var name = ctx.Arg(j + 1);
                if (!ValidName(name))
                {
                    ctx.Error(Errors.ClientNameChars);
                    return;
                }
                ctx.Client.Name = name.Length == 0 ? null : name.ToArray();
                j++;
            }
            else
            {
                ErrorWith(ctx, "ERR Syntax error in HELLO option '"u8, opt, "'"u8);
                return;
            }
        }
        if (!ctx.Client.Authenticated)
        {
            ctx.Error(Errors.HelloNoAuth);
            return;
        }
        if (ver != 0) SetProtocol(ctx, (int)ver);
        var r = ctx.Reply;
        r.MapHeader(7);
        r.Bulk("server"u8);
        r.Bulk("redis"u8);
        r.Bulk("version"u8);
        r.Bulk(CommandTable.RedisVersion);
        r.Bulk("proto"u8);
        r.Integer(ctx.Client.Protocol);
        r.Bulk("id"u8);
        r.Integer(ctx.Client.Id);
        r.Bulk("mode"u8);
        r.Bulk("standalone"u8);
        r.Bulk("role"u8);
        r.Bulk(ctx.Keyspace.IsReplica ? "replica"u8 : "master"u8);
        r.Bulk("modules"u8);
        r.EmptyArray();
    }

    private static void SetProtocol(CommandContext ctx, int ver)
    {
        if (ctx.Client.Connection != null) ctx.Client.Connection.Protocol = ver;
        else
        {
            ctx.Client.Protocol = ver;
            ctx.Reply.Protocol = ver;
        }
    }

    // RESET
    private static void Reset(CommandContext ctx)
    {
        var c = ctx.Client;
        if (c.IsReplica || c.IsPrimaryLink)
        {
            ctx.Error(Errors.ResetNotNormal);
            return;
        }
        if (c.IsMonitor && c.Connection != null) ctx.Server.Monitors.Remove(c.Connection);
        c.IsMonitor = false;
        ctx.Server.PubSub.UnsubscribeAll(c);
        c.Db = 0;
        SetProtocol(ctx, 2);
        c.Authenticated = ctx.Server.Config.RequirePass.Length == 0;
        c.User = "default";
        c.InMulti = false;
        c.Name = null;
        // Redis clears REPLY_OFF and REPLY_SKIP_NEXT but not REPLY_SKIP: after CLIENT REPLY SKIP, RESET's own
        // reply is still skipped. lib-name/lib-ver stay (7.2); NO-TOUCH is cleared as 7.2 does; NO-EVICT stays,
        // as in 7.0 (7.2 clears it too).
        if (c.ReplyMode != ReplyMode.Skip) c.ReplyMode = ReplyMode.On;
        c.NoTouch = false;
        ctx.Reply.Raw("+RESET\r\n"u8);
    }

    // MONITOR
    private static void Monitor(CommandContext ctx)
    {
        var c = ctx.Client;
        // Redis ignores MONITOR, without a reply, from a replica or a client already monitoring.
        if (c.IsReplica || c.IsMonitor || c.Connection == null) return;
        c.IsMonitor = true;
        ctx.Server.Monitors.Add(c.Connection);
        ctx.Reply.Ok();
    }

    // CLIENT ID
    private static void ClientId(CommandContext ctx) => ctx.Reply.Integer(ctx.Client.Id);

    // CLIENT GETNAME
    private static void ClientGetName(CommandContext ctx)
    {
        if (ctx.Client.Name == null) ctx.Reply.Null();
        else ctx.Reply.Bulk(ctx.Client.Name);
    }

    // CLIENT SETNAME connection-name
    private static void ClientSetName(CommandContext ctx)
    {
        var name = ctx.Arg(2);
        if (!ValidName(name))
        {
            ctx.Error(Errors.ClientNameChars);
            return;
        }
        ctx.Client.Name = name.Length == 0 ? null : name.ToArray();
        ctx.Reply.Ok();
    }

    // CLIENT SETINFO LIB-NAME libname | LIB-VER libver   (Redis 7.2)
    private static void ClientSetInfo(CommandContext ctx)
    {
        var attr = ctx.Arg(2);
        bool isName = Ascii.EqualsIgnoreCase(attr, "lib-name"u8);
        if (!isName && !Ascii.EqualsIgnoreCase(attr, "lib-ver"u8))
        {
            ErrorWith(ctx, "ERR Unrecognized option '"u8, attr, "'"u8);
            return;
        }
        var val = ctx.Arg(3);
        // validateClientAttr checks the C string: up to the first NUL.
        int nul = val.IndexOf((byte)0);
        if (!ValidName(nul >= 0 ? val[..nul] : val))
        {
            ErrorWith(ctx, "ERR "u8, attr, " cannot contain spaces, newlines or special characters."u8);
            return;
        }
        byte[]? stored = val.Length == 0 ? null : val.ToArray();
        if (isName) ctx.Client.LibName = stored;
        else ctx.Client.LibVer = stored;
        ctx.Reply.Ok();
    }

    private static void WriteClientLines(CommandContext ctx, List<Connection> conns)
    {
        // The current command shows as this client's cmd=, as Redis sets lastcmd before running it.
        ctx.Client.LastCommand = ctx.Command.FullName;
        var sb = new StringBuilder(256 * Math.Max(1, conns.Count));
        foreach (var c in conns) sb.Append(c.Client.InfoLine()).Append('\n');
        ctx.Reply.Verbatim(Encoding.Latin1.GetBytes(sb.ToString()), "txt"u8);
    }

    // CLIENT INFO
    private static void ClientInfo(CommandContext ctx)
    {
        ctx.Client.LastCommand = ctx.Command.FullName;
        ctx.Reply.Verbatim(Encoding.Latin1.GetBytes(ctx.Client.InfoLine() + "\n"), "txt"u8);
    }

    // CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
    private static void ClientList(CommandContext ctx)
    {
        var registry = ctx.Server.Clients;
        var result = new List<Connection>();
        if (ctx.ArgCount == 4 && Ascii.EqualsIgnoreCase(ctx.Arg(2), "type"u8))
        {
            if (!ClientRegistry.TryParseType(ctx.Arg(3), out var type))
            {
                ErrorWith(ctx, "ERR Unknown client type '"u8, ctx.Arg(3), "'"u8);
                return;
            }
            foreach (var c in registry.Snapshot())
                if (c.Client.Type == type) result.Add(c);
        }
        else if (ctx.ArgCount > 3 && Ascii.EqualsIgnoreCase(ctx.Arg(2), "id"u8))
        {
            // Each id in the order given (twice if given twice); unknown ids are skipped.
            var ids = new long[ctx.ArgCount - 3];
            for (int i = 3; i < ctx.ArgCount; i++)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(i), out ids[i - 3]))
                {
                    ctx.Error(Errors.InvalidClientId);
                    return;
                }
            }
            foreach (long id in ids)
                if (registry.Find(id) is { } c) result.Add(c);
        }
        else if (ctx.ArgCount != 2)
        {
            ctx.SyntaxError();
            return;
        }
        else result = registry.Snapshot();
        WriteClientLines(ctx, result);
    }

    /// <summary>C's strcmp of Tern's address text with an argument (which C sees up to its first NUL).</summary>
    private static bool SameText(string s, ReadOnlySpan<byte> arg)
    {
        int nul = arg.IndexOf((byte)0);
        if (nul >= 0) arg = arg[..nul];
        if (s.Length != arg.Length) return false;
        for (int i = 0; i < s.Length; i++)
            if (s[i] != arg[i]) return false;
        return true;
    }

    // CLIENT KILL ip:port
    // CLIENT KILL [ID client-id] [TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB] [USER username] [ADDR ip:port]
    //             [LADDR ip:port] [SKIPME YES|NO] [MAXAGE seconds]
    private static void ClientKill(CommandContext ctx)
    {
        byte[]? addr = null, laddr = null;
        ClientType? type = null;
        long id = 0, maxAge = 0;
        bool skipMe = true;
        int argc = ctx.ArgCount;
        if (argc == 3)
        {
            // The old form; it may kill the caller itself.
            addr = ctx.Arg(2).ToArray();
            skipMe = false;
        }
        else
        {
            for (int i = 2; i < argc; i += 2)
            {
                bool more = argc > i + 1;
                var opt = ctx.Arg(i);
                if (more && Ascii.EqualsIgnoreCase(opt, "id"u8))
                {
                    if (!RespNumber.TryParseInt64(ctx.Arg(i + 1), out id) || id < 1)
                    {
                        ctx.Error(Errors.ClientIdPositive);
                        return;
                    }
                }
                else if (more && Ascii.EqualsIgnoreCase(opt, "maxage"u8))
                {
                    // Redis 7.4's filter: clients connected at least this many seconds ago.
                    if (!RespNumber.TryParseInt64(ctx.Arg(i + 1), out maxAge))
                    {
                        ctx.Error(Errors.MaxAgeNotInteger);
                        return;
                    }
                    if (maxAge <= 0)
                    {
                        ctx.Error(Errors.MaxAgePositive);
                        return;
                    }
                }
                else if (more && Ascii.EqualsIgnoreCase(opt, "type"u8))
                {
                    if (!ClientRegistry.TryParseType(ctx.Arg(i + 1), out var t))
                    {
                        ErrorWith(ctx, "ERR Unknown client type '"u8, ctx.Arg(i + 1), "'"u8);
                        return;
                    }
                    type = t;
                }
                else if (more && Ascii.EqualsIgnoreCase(opt, "addr"u8)) addr = ctx.Arg(i + 1).ToArray();
                else if (more && Ascii.EqualsIgnoreCase(opt, "laddr"u8)) laddr = ctx.Arg(i + 1).ToArray();
                else if (more && Ascii.EqualsIgnoreCase(opt, "user"u8))
                {
                    // Tern's only user is "default" (no ACL users yet), and every client is authenticated as it.
                    if (!"default"u8.SequenceEqual(ctx.Arg(i + 1)))
                    {
                        ErrorWith(ctx, "ERR No such user '"u8, ctx.Arg(i + 1), "'"u8);
                        return;
                    }
                }
                else if (more && Ascii.EqualsIgnoreCase(opt, "skipme"u8))
                {
                    if (Ascii.EqualsIgnoreCase(ctx.Arg(i + 1), "yes"u8)) skipMe = true;
                    else if (Ascii.EqualsIgnoreCase(ctx.Arg(i + 1), "no"u8)) skipMe = false;
                    else
                    {
                        ctx.SyntaxError();
                        return;
                    }
                }
                else
                {
                    ctx.SyntaxError();
                    return;
                }
            }
        }

        long nowSec = Storage.Clock.UnixMs() / 1000;
        int killed = 0;
        bool closeSelf = false;
        foreach (var conn in ctx.Server.Clients.Snapshot())
        {
            var c = conn.Client;
            if (addr != null && !SameText(c.Addr, addr)) continue;
            if (laddr != null && !SameText(c.LocalAddr, laddr)) continue;
            if (type != null && c.Type != type.Value) continue;
            if (id != 0 && c.Id != id) continue;
            if (c == ctx.Client && skipMe) continue;
            if (maxAge != 0 && nowSec - c.CreatedMs / 1000 < maxAge) continue;
            if (c == ctx.Client) closeSelf = true;
            else conn.Close();
            killed++;
        }
        if (argc == 3)
        {
            if (killed == 0) ctx.Error(Errors.NoSuchClient);
            else ctx.Reply.Ok();
        }
        else ctx.Reply.Integer(killed);
        // Flagged after the reply is queued, so the caller gets it before the connection closes.
        if (closeSelf) ctx.Client.CloseAfterReply = true;
    }

    // CLIENT PAUSE timeout [WRITE|ALL]
    private static void ClientPause(CommandContext ctx)
    {
        if (ctx.ArgCount > 4)
        {
            ctx.Error(Errors.SubcommandSyntax(ctx.Arg(1), ctx.Arg(0)));
            return;
        }
        var type = PauseType.All;
        if (ctx.ArgCount == 4)
        {
            if (Ascii.EqualsIgnoreCase(ctx.Arg(3), "write"u8)) type = PauseType.Write;
            else if (!Ascii.EqualsIgnoreCase(ctx.Arg(3), "all"u8))
            {
                ctx.Error(Errors.PauseMode);
                return;
            }
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long ms))
        {
            ctx.Error(Errors.TimeoutNotInteger);
            return;
        }
        if (ms < 0)
        {
            ctx.Error(Errors.TimeoutNegative);
            return;
        }
        // getTimeoutFromObjectOrReply: 0 stays 0 (a pause that has already ended); C's addition may wrap.
        long end = ms > 0 ? unchecked(ms + Storage.Clock.UnixMs()) : 0;
        ctx.Server.Clients.Pause.Pause(end, type);
        ctx.Reply.Ok();
    }

    // CLIENT UNPAUSE
    private static void ClientUnpause(CommandContext ctx)
    {
        ctx.Server.Clients.Pause.Unpause();
        ctx.Reply.Ok();
    }

    // CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
    private static void ClientUnblock(CommandContext ctx)
    {
        if (ctx.ArgCount > 4)
        {
            ctx.Error(Errors.SubcommandSyntax(ctx.Arg(1), ctx.Arg(0)));
            return;
        }
        var reason = UnblockReason.Timeout;
        if (ctx.ArgCount == 4)
        {
            if (Ascii.EqualsIgnoreCase(ctx.Arg(3), "error"u8)) reason = UnblockReason.Error;
            else if (!Ascii.EqualsIgnoreCase(ctx.Arg(3), "timeout"u8))
            {
                ctx.Error(Errors.UnblockReason);
                return;
            }
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long id))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        // A client only paused by CLIENT PAUSE is not unblocked (its wait is not interruptible).
        var wait = ctx.Server.Clients.Find(id)?.Client.Blocked;
        ctx.Reply.Integer(wait != null && wait.Interruptible && wait.TryComplete(reason) ? 1 : 0);
    }

    // CLIENT REPLY ON|OFF|SKIP
    private static void ClientReply(CommandContext ctx)
    {
        var mode = ctx.Arg(2);
        if (Ascii.EqualsIgnoreCase(mode, "ON"u8))
        {
            ctx.Client.ReplyMode = ReplyMode.On;
            ctx.Reply.Ok();
        }
        else if (Ascii.EqualsIgnoreCase(mode, "OFF"u8)) ctx.Client.ReplyMode = ReplyMode.Off;
        else if (Ascii.EqualsIgnoreCase(mode, "SKIP"u8))
        {
            // The reply of the next command is skipped; SkipNext turns into Skip after this command.
            if (ctx.Client.ReplyMode != ReplyMode.Off) ctx.Client.ReplyMode = ReplyMode.SkipNext;
        }
        else ctx.SyntaxError();
    }

    // CLIENT NO-EVICT ON|OFF
    private static void ClientNoEvict(CommandContext ctx)
    {
        if (!OnOff(ctx, out bool on)) return;
        ctx.Client.NoEvict = on;
        ctx.Reply.Ok();
    }

    // CLIENT NO-TOUCH ON|OFF   (Redis 7.2)
    private static void ClientNoTouch(CommandContext ctx)
    {
        if (!OnOff(ctx, out bool on)) return;
        ctx.Client.NoTouch = on;
        ctx.Reply.Ok();
    }

    private static bool OnOff(CommandContext ctx, out bool on)
    {
        var a = ctx.Arg(2);
        on = Ascii.EqualsIgnoreCase(a, "ON"u8);
        if (on || Ascii.EqualsIgnoreCase(a, "OFF"u8)) return true;
        ctx.SyntaxError();
        return false;
    }

    // Redis 7.0.15's CLIENT HELP text (it names subcommands Tern lacks, such as TRACKING, as Redis's does).
    private static readonly string[] ClientHelpLines =
    [
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "HELP",
        "    Prints this help.",
    ];

    // CLIENT HELP
    private static void ClientHelp(CommandContext ctx)
    {
        ctx.Reply.ArrayHeader(ClientHelpLines.Length);
        foreach (var line in ClientHelpLines) ctx.Reply.Simple(Encoding.ASCII.GetBytes(line));
    }

    public static void Register(CommandTable t)
    {
        t.Add("ping", Ping);
        t.Add("echo", Echo);
        t.Add("quit", Quit);
        t.Add("select", Select);
        t.Add("auth", Auth);
        t.Add("hello", Hello);
        t.Add("reset", Reset);
        t.Add("monitor", Monitor);
        t.Add("client|id", ClientId);
        t.Add("client|getname", ClientGetName);
        t.Add("client|setname", ClientSetName);
        t.Add("client|setinfo", ClientSetInfo);
        t.Add("client|info", ClientInfo);
        t.Add("client|list", ClientList);
        t.Add("client|kill", ClientKill);
        t.Add("client|pause", ClientPause);
        t.Add("client|unpause", ClientUnpause);
        t.Add("client|unblock", ClientUnblock);
        t.Add("client|reply", ClientReply);
        t.Add("client|no-evict", ClientNoEvict);
        t.Add("client|no-touch", ClientNoTouch);
        t.Add("client|help", ClientHelp);
    }
}
