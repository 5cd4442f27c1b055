using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Network;

namespace Tern.Server.Families;

/// <summary>Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET and CLIENT.</summary>
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
        if (!RespNumber.TryParseInt64(ctx.Arg(1), out long db) || db > int.MaxValue || db < int.MinValue)
        {
            ctx.Error(Errors.InvalidDbIndex);
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
        if (required.Length == 0) return true;
        var expected = Encoding.UTF8.GetBytes(required);
        bool ok = System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, pass);
        if (ok)
        {
            ctx.Client.Authenticated = true;
            ctx.Client.User = "default";
        }
        return ok;
    }

    // AUTH [username] password
    private static void Auth(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
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
                ctx.Error("ERR Protocol version is not an integer or out of range");
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
                    ctx.Error("ERR Client names cannot contain spaces, newlines or special characters.");
                    return;
                }
                ctx.Client.Name = name.Length == 0 ? null : name.ToArray();
                j++;
            }
            else
            {
                ctx.Error($"ERR Syntax error in HELLO option '{Errors.Printable(opt, 1024)}'");
                return;
            }
        }
        if (!ctx.Client.Authenticated)
        {
            ctx.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return;
        }
        if (ver != 0 && ctx.Client.Connection != null) ctx.Client.Connection.Protocol = (int)ver;
        else if (ver != 0)
        {
            ctx.Client.Protocol = (int)ver;
            ctx.Reply.Protocol = (int)ver;
        }
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

    // RESET
    private static void Reset(CommandContext ctx)
    {
        var c = ctx.Client;
        c.Db = 0;
        c.Name = null;
        c.ReplyMode = ReplyMode.On;
        c.NoEvict = false;
        c.NoTouch = false;
        c.InMulti = false;
        c.Authenticated = ctx.Server.Config.RequirePass.Length == 0;
        c.User = "default";
        if (c.IsMonitor && c.Connection != null)
        {
            ctx.Server.Monitors.Remove(c.Connection);
            c.IsMonitor = false;
        }
        if (c.Connection != null) c.Connection.Protocol = 2;
        else
        {
            c.Protocol = 2;
            ctx.Reply.Protocol = 2;
        }
        ctx.Reply.Raw("+RESET\r\n"u8);
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
            ctx.Error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        ctx.Client.Name = name.Length == 0 ? null : name.ToArray();
        ctx.Reply.Ok();
    }

    // CLIENT INFO
    private static void ClientInfo(CommandContext ctx) =>
        ctx.Reply.Verbatim(Encoding.Latin1.GetBytes(ctx.Client.InfoLine() + "\n"), "txt"u8);

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

    // CLIENT NO-TOUCH ON|OFF
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

    public static void Register(CommandTable t)
    {
        t.Add("ping", Ping);
        t.Add("echo", Echo);
        t.Add("quit", Quit);
        t.Add("select", Select);
        t.Add("auth", Auth);
        t.Add("hello", Hello);
        t.Add("reset", Reset);
        t.Add("client|id", ClientId);
        t.Add("client|getname", ClientGetName);
        t.Add("client|setname", ClientSetName);
        t.Add("client|info", ClientInfo);
        t.Add("client|reply", ClientReply);
        t.Add("client|no-evict", ClientNoEvict);
    }
}
