using System.Text;
using Tern.Server.Commands;
using Tern.Server.Network;
using Tern.TestKit;
using static Tern.Integration.Tests.ConnectionTestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Connection commands (PING ECHO SELECT HELLO AUTH RESET QUIT MONITOR CLIENT ...) against redis-server 7.0 and
/// Tern, replies compared byte for byte; multi-connection scenarios compared as transcripts.
/// </summary>
public sealed class ConnectionFamilyTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void PingEchoSelect()
    {
        d.Reset();
        d.Script("""
            PING
            PING hello
            PING ""
            PING a b
            ping
            ECHO x
            ECHO ""
            ECHO "a\r\nb"
            ECHO
            ECHO a b
            SELECT 0
            SELECT 15
            SELECT 16
            SELECT -1
            SELECT abc
            SELECT 1.5
            SELECT ""
            SELECT 99999999999
            SELECT -2147483649
            SELECT 2147483647
            SELECT " 1"
            SELECT 01
            SELECT
            SELECT 1 2
            """);
    }

    [Fact]
    public void Resp3PingEcho()
    {
        d.Reset();
        var (r, t) = d.Both("HELLO", "3");
        Assert.Equal(MaskHelloId(r), MaskHelloId(t));
        d.Script("""
            PING
            PING x
            ECHO y
            CLIENT GETNAME
            CLIENT HELP
            CLIENT LIST TYPE master
            CLIENT LIST ID 99999999
            CLIENT UNBLOCK 99999999
            CLIENT KILL ID 99999999
            CLIENT KILL 1.2.3.4:5
            CLIENT LIST TYPE foo
            CLIENT PAUSE 0
            SELECT 99
            HELLO 4
            AUTH x
            """);
    }

    [Theory]
    [InlineData("HELLO")]
    [InlineData("HELLO 2")]
    [InlineData("HELLO 3")]
    [InlineData("HELLO 1")]
    [InlineData("HELLO 4")]
    [InlineData("HELLO -1")]
    [InlineData("HELLO abc")]
    [InlineData("HELLO 3.0")]
    [InlineData("HELLO 99999999999999999999")]
    [InlineData("HELLO 3 SETNAME myname")]
    [InlineData("HELLO 3 SETNAME \"a b\"")]
    [InlineData("HELLO 3 SETNAME \"\"")]
    [InlineData("HELLO 3 SETNAME")]
    [InlineData("HELLO 2 AUTH default anything")]
    [InlineData("HELLO 3 AUTH nobody pass")]
    [InlineData("HELLO 3 AUTH default")]
    [InlineData("HELLO 3 FOO")]
    [InlineData("HELLO 3 foo bar")]
    [InlineData("HELLO 3 SETNAME a SETNAME b")]
    [InlineData("HELLO 3 AUTH default x SETNAME n")]
    [InlineData("HELLO 3 \"opt\\x00zz\"")]
    public void Hello(string line)
    {
        d.Reset();
        var (r, t) = d.Both(Differential.SplitLine(line));
        Assert.Equal(MaskHelloId(r), MaskHelloId(t));
        // The protocol and name the HELLO left behind.
        d.Same("CLIENT", "GETNAME");
        d.Same("PING");
        var (ri, ti) = d.Both("CLIENT", "INFO");
        Assert.Equal(Field(ClientLines(ri)[0], "resp"), Field(ClientLines(ti)[0], "resp"));
        Assert.Equal(ri.Type, ti.Type);
    }

    [Fact]
    public void HelloReportsClientId()
    {
        d.Reset();
        var id = d.TernClient.Call("CLIENT", "ID").Integer;
        var hello = d.TernClient.Call("HELLO", "3");
        Assert.Equal('%', hello.Type);
        Assert.Equal("id", hello.Items![6].Text);
        Assert.Equal(id, hello.Items[7].Integer);
        Assert.Equal("7.0.15", hello.Items[3].Text);
    }

    [Fact]
    public void AuthWithoutPassword()
    {
        d.Reset();
        d.Script("""
            AUTH
            AUTH x
            AUTH default x
            AUTH default ""
            AUTH nobody x
            AUTH a b c
            PING
            """);
    }

    [Fact]
    public void ClientSubcommandErrors()
    {
        d.Reset();
        d.Script("""
            CLIENT
            CLIENT FOO
            CLIENT HELP
            client help
            CLIENT HELP x
            CLIENT ID x
            CLIENT INFO x
            CLIENT GETNAME x
            CLIENT SETNAME
            CLIENT SETNAME "a b"
            CLIENT SETNAME "a\nb"
            CLIENT SETNAME é
            CLIENT SETNAME ok-name
            CLIENT GETNAME
            CLIENT SETNAME ""
            CLIENT GETNAME
            CLIENT KILL
            CLIENT KILL 1.2.3.4:5
            CLIENT KILL ID
            CLIENT KILL ID 0
            CLIENT KILL ID -1
            CLIENT KILL ID abc
            CLIENT KILL ID 99999999
            CLIENT KILL ID 99999999 TYPE normal
            CLIENT KILL TYPE foo
            CLIENT KILL TYPE foo ID 1
            CLIENT KILL ID 99999999 TYPE master
            CLIENT KILL ID 99999999 TYPE slave
            CLIENT KILL ID 99999999 TYPE replica
            CLIENT KILL ID 99999999 TYPE pubsub
            CLIENT KILL USER nobody
            CLIENT KILL USER default ID 99999999
            CLIENT KILL USER DEFAULT
            CLIENT KILL SKIPME maybe
            CLIENT KILL SKIPME yes ID 99999999
            CLIENT KILL SKIPME NO ID 99999999
            CLIENT KILL ID 5 SKIPME
            CLIENT KILL foo bar
            CLIENT KILL ADDR 1.2.3.4:5 LADDR 1.2.3.4:6
            CLIENT KILL LADDR 1.2.3.4:6
            CLIENT KILL ID 99999999 ID 0
            CLIENT LIST TYPE foo
            CLIENT LIST TYPE
            CLIENT LIST TYPE normal extra
            CLIENT LIST ID
            CLIENT LIST ID abc
            CLIENT LIST ID 99999999
            CLIENT LIST ID 99999999 abc
            CLIENT LIST ID 1.5
            CLIENT LIST foo
            CLIENT LIST foo bar
            CLIENT LIST TYPE master
            CLIENT LIST TYPE replica
            CLIENT LIST TYPE pubsub
            CLIENT PAUSE
            CLIENT PAUSE abc
            CLIENT PAUSE -1
            CLIENT PAUSE 1.5
            CLIENT PAUSE 10 foo
            CLIENT PAUSE abc foo
            CLIENT PAUSE 10 ALL extra
            CLIENT PAUSE 0
            CLIENT PAUSE 0 WRITE
            CLIENT PAUSE 0 all
            CLIENT UNPAUSE
            CLIENT UNPAUSE x
            CLIENT UNBLOCK
            CLIENT UNBLOCK abc
            CLIENT UNBLOCK abc foo
            CLIENT UNBLOCK 1 foo
            CLIENT UNBLOCK 99999999
            CLIENT UNBLOCK 99999999 ERROR
            CLIENT UNBLOCK 99999999 timeout
            CLIENT UNBLOCK 1 2 3
            CLIENT REPLY
            CLIENT REPLY FOO
            CLIENT REPLY ON
            CLIENT NO-EVICT
            CLIENT NO-EVICT maybe
            CLIENT NO-EVICT on
            CLIENT NO-EVICT OFF
            PING
            """);
    }

    [Fact]
    public void ClientInfoAndListShapes()
    {
        d.Reset();
        foreach (var proto in new[] { "2", "3" })
        {
            var (rh, th) = d.Both("HELLO", proto);
            Assert.Equal(MaskHelloId(rh), MaskHelloId(th));
            d.Same("CLIENT", "SETNAME", "shape-" + proto);
            d.Same("SELECT", "3");
            var (ri, ti) = d.Both("CLIENT", "INFO");
            Assert.Equal(ri.Type, ti.Type);
            var rl = ClientLines(ri);
            var tl = ClientLines(ti);
            Assert.Single(tl);
            AssertSameFieldNames(rl[0], tl[0]);
            foreach (var f in new[] { "name", "db", "flags", "sub", "psub", "ssub", "multi", "cmd", "user", "redir", "resp" })
                Assert.Equal(Field(rl[0], f), Field(tl[0], f));
            Assert.Equal("", Field(tl[0], "lib-name"));
            Assert.Equal(d.TernClient.Call("CLIENT", "ID").Integer.ToString(), Field(tl[0], "id"));

            long rid = d.RedisClient.Call("CLIENT", "ID").Integer, tid = d.TernClient.Call("CLIENT", "ID").Integer;
            foreach (var args in new[] { new object[] { "CLIENT", "LIST" }, ["CLIENT", "LIST", "TYPE", "normal"], ["CLIENT", "LIST", "ID", "ME", "99999999"] })
            {
                var rargs = Array.ConvertAll(args, a => (object)(a is "ME" ? rid.ToString() : a));
                var targs = Array.ConvertAll(args, a => (object)(a is "ME" ? tid.ToString() : a));
                var rList = d.RedisClient.Call(rargs);
                var tList = d.TernClient.Call(targs);
                Assert.Equal(rList.Type, tList.Type);
                var rMine = LineOf(rList, rid)!;
                var tMine = LineOf(tList, tid)!;
                AssertSameFieldNames(rMine, tMine);
                foreach (var f in new[] { "name", "db", "flags", "cmd", "resp" })
                    Assert.Equal(Field(rMine, f), Field(tMine, f));
            }
            d.Reset();
        }
    }

    [Fact]
    public void ClientListIdKeepsOrderAndDuplicates()
    {
        d.Reset();
        using var other = d.Tern.Connect();
        long me = d.TernClient.Call("CLIENT", "ID").Integer;
        long them = other.Call("CLIENT", "ID").Integer;
        var list = d.TernClient.Call("CLIENT", "LIST", "ID", them, me, them, 99999999);
        var ids = Array.ConvertAll(ClientLines(list), l => long.Parse(Field(l, "id")));
        Assert.Equal([them, me, them], ids);
        var all = d.TernClient.Call("CLIENT", "LIST");
        var allIds = Array.ConvertAll(ClientLines(all), l => long.Parse(Field(l, "id")));
        Assert.Equal(allIds.Order().ToArray(), allIds);
        Assert.Contains(them, allIds);
    }

    [Fact]
    public void ClientKillOthers()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var me = new RespClient(port);
            using var a = new RespClient(port);
            using var b = new RespClient(port);
            using var c = new RespClient(port);
            using var e = new RespClient(port);
            long aId = a.Call("CLIENT", "ID").Integer;
            string bAddr = AddrOf(b);
            string cAddr = AddrOf(c);
            string laddr = Field(ClientLines(c.Call("CLIENT", "INFO"))[0], "laddr");
            long eId = e.Call("CLIENT", "ID").Integer;
            t.Add(me.Call("CLIENT", "KILL", "ID", aId).ToString());
            t.Add("a closed: " + a.IsClosedByServer(TimeSpan.FromSeconds(30)));
            t.Add(me.Call("CLIENT", "KILL", "ID", aId).ToString());
            t.Add(me.Call("CLIENT", "KILL", bAddr).ToString());
            t.Add("b closed: " + b.IsClosedByServer(TimeSpan.FromSeconds(30)));
            t.Add(me.Call("CLIENT", "KILL", bAddr).ToString());
            t.Add(me.Call("CLIENT", "KILL", "ADDR", cAddr, "LADDR", laddr, "TYPE", "normal", "USER", "default").ToString());
            t.Add("c closed: " + c.IsClosedByServer(TimeSpan.FromSeconds(30)));
            t.Add(me.Call("CLIENT", "KILL", "ID", eId, "TYPE", "pubsub").ToString());
            t.Add(e.Call("PING").ToString());
            t.Add(me.Call("CLIENT", "LIST", "ID", aId).ToString());
            return t;
        });
    }

    [Fact]
    public void ClientKillSelf()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using (var me = new RespClient(port))
            {
                long id = me.Call("CLIENT", "ID").Integer;
                t.Add(me.Call("CLIENT", "KILL", "ID", id).ToString());
                t.Add(me.Call("CLIENT", "KILL", "ID", id, "SKIPME", "yes").ToString());
                t.Add(me.Call("PING").ToString());
                t.Add(me.Call("CLIENT", "KILL", "ID", id, "SKIPME", "no").ToString());
                t.Add("closed: " + me.IsClosedByServer(TimeSpan.FromSeconds(30)));
            }
            using (var me = new RespClient(port))
            {
                // The old form may kill the caller, after its +OK.
                t.Add(me.Call("CLIENT", "KILL", AddrOf(me)).ToString());
                t.Add("closed: " + me.IsClosedByServer(TimeSpan.FromSeconds(30)));
            }
            return t;
        });
    }

    [Fact]
    public void ClientKillMaxAge()
    {
        // MAXAGE is Redis 7.4's filter (7.0 answers a syntax error): Tern only.
        d.Reset();
        using var me = d.Tern.Connect();
        using var other = d.Tern.Connect();
        long otherId = other.Call("CLIENT", "ID").Integer;
        Assert.Equal("-ERR maxage is not an integer or out of range", me.Call("CLIENT", "KILL", "MAXAGE", "x").Text);
        Assert.Equal("-ERR maxage should be greater than 0", me.Call("CLIENT", "KILL", "MAXAGE", "0").Text);
        Assert.Equal("-ERR syntax error", me.Call("CLIENT", "KILL", "ID", otherId, "MAXAGE").Text);
        // Just connected: not an hour old.
        Assert.Equal(0, me.Call("CLIENT", "KILL", "ID", otherId, "MAXAGE", 3600).Integer);
        Assert.Equal("+PONG", other.Call("PING").Text);
        // A second old: killed once its age (in whole seconds, as Redis counts) reaches 1.
        Wait.Until(() => me.Call("CLIENT", "KILL", "ID", otherId, "MAXAGE", 1).Integer == 1, "the client to reach age 1");
        Assert.True(other.IsClosedByServer(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void ClientReplyModes()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var c = new RespClient(port);
            c.Send("CLIENT", "REPLY", "OFF");
            c.Send("SET", "r1", "1");
            c.Send("GET", "r1");
            c.Send("CLIENT", "REPLY", "SKIP");
            c.Send("BADCOMMAND");
            t.Add(c.Call("CLIENT", "REPLY", "ON").ToString());
            t.Add(c.Call("GET", "r1").ToString());
            c.Send("CLIENT", "REPLY", "SKIP");
            c.Send("GET", "r1");
            t.Add(c.Call("PING").ToString());
            // CLIENT REPLY ON right after SKIP: its +OK is sent.
            c.Send("CLIENT", "REPLY", "SKIP");
            t.Add(c.Call("CLIENT", "REPLY", "ON").ToString());
            // RESET keeps a pending skip: its own +RESET is skipped.
            c.Send("CLIENT", "REPLY", "SKIP");
            c.Send("RESET");
            t.Add(c.Call("PING", "after-reset").ToString());
            // RESET ends OFF.
            c.Send("CLIENT", "REPLY", "OFF");
            t.Add(c.Call("RESET").ToString());
            t.Add(c.Call("DEL", "r1").ToString());
            return t;
        });
    }

    [Fact]
    public void ResetClearsConnectionState()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var c = new RespClient(port);
            c.Call("HELLO", "3");
            c.Call("SELECT", "4");
            c.Call("CLIENT", "SETNAME", "before-reset");
            c.Call("CLIENT", "NO-EVICT", "on");
            t.Add(c.Call("RESET").ToString());
            t.Add(c.Call("RESET", "extra").ToString());
            var info = ClientLines(c.Call("CLIENT", "INFO"))[0];
            foreach (var f in new[] { "name", "db", "flags", "resp", "user", "cmd" }) t.Add(f + "=" + Field(info, f));
            t.Add(c.Call("CLIENT", "GETNAME").ToString());
            t.Add(c.Call("PING").ToString());
            return t;
        });
    }

    [Fact]
    public void QuitClosesAfterReply()
    {
        d.Reset();
        SameTranscript(d, port => [ExchangeUntilClosed(port, "PING\r\nQUIT\r\nPING\r\n")]);
        SameTranscript(d, port => [ExchangeUntilClosed(port, RespClient.Encode("QUIT", "with", "args"))]);
        d.Same("PING");
    }

    [Fact]
    public void SetInfoAndNoTouch()
    {
        // CLIENT SETINFO and CLIENT NO-TOUCH are Redis 7.2's: Tern only (7.0 answers unknown subcommand).
        d.Reset();
        using var c = d.Tern.Connect();
        Assert.Equal("+OK", c.Call("CLIENT", "SETINFO", "LIB-NAME", "redis-py(x_y)").Text);
        Assert.Equal("+OK", c.Call("CLIENT", "SETINFO", "lib-ver", "1.2.3").Text);
        var line = ClientLines(c.Call("CLIENT", "INFO"))[0];
        Assert.Equal("redis-py(x_y)", Field(line, "lib-name"));
        Assert.Equal("1.2.3", Field(line, "lib-ver"));
        Assert.Equal("-ERR Unrecognized option 'lib-foo'", c.Call("CLIENT", "SETINFO", "lib-foo", "x").Text);
        Assert.Equal("-ERR LIB-NAME cannot contain spaces, newlines or special characters.", c.Call("CLIENT", "SETINFO", "LIB-NAME", "a b").Text);
        Assert.Equal("-ERR lib-ver cannot contain spaces, newlines or special characters.", c.Call("CLIENT", "SETINFO", "lib-ver", "1\n").Text);
        Assert.Equal("-ERR wrong number of arguments for 'client|setinfo' command", c.Call("CLIENT", "SETINFO", "lib-ver").Text);
        Assert.Equal("+OK", c.Call("CLIENT", "SETINFO", "lib-ver", "").Text);
        line = ClientLines(c.Call("CLIENT", "INFO"))[0];
        Assert.Equal("", Field(line, "lib-ver"));
        Assert.Equal("redis-py(x_y)", Field(line, "lib-name"));

        Assert.Equal("+OK", c.Call("CLIENT", "NO-TOUCH", "on").Text);
        Assert.Equal("T", Field(ClientLines(c.Call("CLIENT", "INFO"))[0], "flags"));
        Assert.Equal("-ERR syntax error", c.Call("CLIENT", "NO-TOUCH", "maybe").Text);
        Assert.Equal("-ERR wrong number of arguments for 'client|no-touch' command", c.Call("CLIENT", "NO-TOUCH").Text);
        Assert.True(d.Tern.Server.Clients.Find(c.Call("CLIENT", "ID").Integer)!.Client.NoTouch);
        Assert.Equal("+RESET", c.Call("RESET").Text);
        line = ClientLines(c.Call("CLIENT", "INFO"))[0];
        Assert.Equal("N", Field(line, "flags"));
        // lib-name survives RESET (it names the library behind the connection).
        Assert.Equal("redis-py(x_y)", Field(line, "lib-name"));
        Assert.Equal("+OK", c.Call("CLIENT", "NO-TOUCH", "OFF").Text);
    }

    [Fact]
    public void NoTouchKeepsTheAccessClock()
    {
        d.Reset();
        using var c = d.Tern.Connect();
        var ks = d.Tern.Server.Keyspace;
        Assert.Equal("+OK", c.Call("SET", "touched", "v").Text);
        object Entry() => ks.Lookup(0, "touched"u8, Tern.Server.Storage.Clock.UnixMs(), false)!;
        Tern.Server.Storage.Entry.Touch(Entry(), 5);
        Assert.Equal("+OK", c.Call("CLIENT", "NO-TOUCH", "ON").Text);
        Assert.Equal("v", c.Call("GET", "touched").Text);
        Assert.Equal(5u, Tern.Server.Storage.Entry.Lru(Entry()));
        Assert.Equal("+OK", c.Call("CLIENT", "NO-TOUCH", "OFF").Text);
        Assert.Equal("v", c.Call("GET", "touched").Text);
        Assert.NotEqual(5u, Tern.Server.Storage.Entry.Lru(Entry()));
    }

    [Fact]
    public void SetInfoAndNoTouchMetadata()
    {
        d.Reset();
        using var c = d.Tern.Connect();
        var info = c.Call("COMMAND", "INFO", "client|setinfo", "client|no-touch");
        Assert.Equal(
            "*2\r\n*10\r\n$14\r\nclient|setinfo\r\n:4\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n" +
            "*2\r\n$24\r\nrequest_policy:all_nodes\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n" +
            "*10\r\n$15\r\nclient|no-touch\r\n:3\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n",
            info.ToString());
        var docs = c.Call("COMMAND", "DOCS", "client|setinfo");
        Assert.Contains("Sets information specific to the client or connection.", docs.ToString());
        Assert.Contains("lib-name", docs.ToString());
        // The container lists them among its subcommands.
        var client = c.Call("COMMAND", "INFO", "client").ToString();
        Assert.Contains("client|setinfo", client);
        Assert.Contains("client|no-touch", client);
        // Metadata of every other subcommand is still Redis 7.0's capture.
        Assert.Equal(d.RedisClient.Call("COMMAND", "INFO", "client|setname").ToString(), c.Call("COMMAND", "INFO", "client|setname").ToString());
        Assert.Equal(d.RedisClient.Call("COMMAND", "DOCS", "client|kill").ToString(), c.Call("COMMAND", "DOCS", "client|kill").ToString());
        Assert.Equal(d.RedisClient.Call("COMMAND", "INFO", "monitor").ToString(), c.Call("COMMAND", "INFO", "monitor").ToString());
    }

    [Fact]
    public void MonitorStream()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var m = new RespClient(port);
            using var c = new RespClient(port);
            var names = new Dictionary<string, string> { [AddrOf(c)] = "C", [AddrOf(m)] = "M" };
            t.Add(m.Call("MONITOR").ToString());
            // A second MONITOR is ignored without a reply: the next reply is PING's.
            m.Send("MONITOR");
            t.Add(m.Call("PING", "m").ToString());
            t.Add(NormalizeMonitorLine(m.Read().ToString(), names));
            c.Call("SET", "mon", "v a\"l\\ue\n\x01\u00ff");
            c.Call("GET", "mon");
            c.Call("SELECT", "2");
            c.Call("GET", "other-db");
            c.Call("AUTH", "pw");
            c.Call("AUTH", "user", "pw");
            c.Call("AUTH", "a", "b", "c");
            c.Call("HELLO", "2", "AUTH", "default", "pw", "SETNAME", "x");
            c.Call("CONFIG", "GET", "maxclients");
            c.Call("CLIENT", "LIST");
            c.Call("CLIENT", "GETNAME");
            c.Call("NOSUCHCOMMAND", "x");
            c.Call("GET");
            c.Call("ECHO", "done");
            // Rejected commands (unknown, wrong arity) and admin ones (CONFIG, CLIENT LIST) are not shown.
            while (true)
            {
                var line = NormalizeMonitorLine(m.Read().ToString(), names);
                t.Add(line);
                if (line.Contains("\"done\"")) break;
            }
            // A monitor may not touch the keyspace (Redis flags it as a replica); other commands run, reply
            // first, then their own monitor line.
            t.Add(m.Call("GET", "mon").ToString());
            t.Add(m.Call("SET", "mon", "x").ToString());
            t.Add(m.Call("ECHO", "from-monitor").ToString());
            t.Add(NormalizeMonitorLine(m.Read().ToString(), names));
            // RESET ends monitoring.
            t.Add(m.Call("RESET").ToString());
            c.Call("SET", "after", "reset");
            t.Add(m.Call("PING").ToString());
            return t;
        });
    }

    [Fact]
    public void MonitorCanQuit()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var m = new RespClient(port);
            using var c = new RespClient(port);
            t.Add(m.Call("MONITOR").ToString());
            t.Add(m.Call("QUIT").ToString());
            t.Add("closed: " + m.IsClosedByServer(TimeSpan.FromSeconds(30)));
            t.Add(c.Call("PING").ToString());
            return t;
        });
        // Tern forgets the monitor when its connection closes.
        Wait.Until(() => !d.Tern.Server.Monitors.Any, "the monitor list to empty");
    }

    [Fact]
    public void MonitorClientFlagAndType()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var m = new RespClient(port);
            using var c = new RespClient(port);
            long mid = m.Call("CLIENT", "ID").Integer;
            m.Call("MONITOR");
            var line = LineOf(c.Call("CLIENT", "LIST"), mid)!;
            t.Add("flags=" + Field(line, "flags") + " cmd=" + Field(line, "cmd"));
            // A monitor is a normal client for TYPE filters.
            t.Add((LineOf(c.Call("CLIENT", "LIST", "TYPE", "normal"), mid) != null).ToString());
            t.Add(c.Call("CLIENT", "KILL", "ID", mid, "TYPE", "replica").ToString());
            t.Add(c.Call("CLIENT", "KILL", "ID", mid, "TYPE", "normal").ToString());
            t.Add("closed: " + m.IsClosedByServer(TimeSpan.FromSeconds(30)));
            return t;
        });
    }

    [Fact]
    public void PauseWriteHoldsWritesOnly()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var admin = new RespClient(port);
            using var writer = new RespClient(port);
            using var reader = new RespClient(port);
            long writerId = writer.Call("CLIENT", "ID").Integer;
            t.Add(admin.Call("CLIENT", "PAUSE", 60000, "WRITE").ToString());
            writer.Send("SET", "paused-key", "v");
            writer.Send("PING", "after-set");
            // Reads go on; the writer's SET waits (flag b) and so does the PING behind it.
            Wait.Until(() => Field(LineOf(reader.Call("CLIENT", "LIST"), writerId)!, "flags") == "b", "the writer to be paused");
            t.Add(reader.Call("GET", "paused-key").ToString());
            t.Add(reader.Call("PING").ToString());
            t.Add(reader.Call("CLIENT", "UNPAUSE").ToString());
            t.Add(writer.Read().ToString());
            t.Add(writer.Read().ToString());
            t.Add(reader.Call("GET", "paused-key").ToString());
            t.Add("flags=" + Field(LineOf(reader.Call("CLIENT", "LIST"), writerId)!, "flags"));
            return t;
        });
    }

    [Fact]
    public void PauseAllHoldsEverythingButMonitors()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var m = new RespClient(port);
            using var admin = new RespClient(port);
            using var c = new RespClient(port);
            var names = new Dictionary<string, string> { [AddrOf(c)] = "C", [AddrOf(admin)] = "A" };
            long cId = c.Call("CLIENT", "ID").Integer;
            t.Add(m.Call("MONITOR").ToString());
            t.Add(admin.Call("CLIENT", "PAUSE", 60000).ToString());
            c.Send("GET", "k");
            admin.Send("PING");
            // The monitor is never paused: it can look and unpause.
            Wait.Until(() => Field(LineOf(m.Call("CLIENT", "LIST"), cId)!, "flags") == "b", "the client to be paused");
            t.Add(m.Call("CLIENT", "UNPAUSE").ToString());
            t.Add(c.Read().ToString());
            t.Add(admin.Read().ToString());
            var lines = new List<string> { NormalizeMonitorLine(m.Read().ToString(), names), NormalizeMonitorLine(m.Read().ToString(), names) };
            lines.Sort(StringComparer.Ordinal);
            t.AddRange(lines);
            return t;
        });
    }

    [Fact]
    public void PauseEndsByItself()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var admin = new RespClient(port);
            using var c = new RespClient(port);
            t.Add(admin.Call("CLIENT", "PAUSE", 300, "ALL").ToString());
            t.Add(c.Call("SET", "k", "v").ToString());
            t.Add(admin.Call("CLIENT", "PAUSE", 200, "WRITE").ToString());
            t.Add(c.Call("INCR", "n").ToString());
            return t;
        });
        Assert.Equal(PauseType.Off, d.Tern.Server.Clients.Pause.Type);
    }

    [Fact]
    public void KillWhilePaused()
    {
        d.Reset();
        SameTranscript(d, port =>
        {
            var t = new List<string>();
            using var admin = new RespClient(port);
            using var c = new RespClient(port);
            long cId = c.Call("CLIENT", "ID").Integer;
            t.Add(admin.Call("CLIENT", "PAUSE", 60000, "WRITE").ToString());
            c.Send("SET", "killed-key", "v");
            Wait.Until(() => Field(LineOf(admin.Call("CLIENT", "LIST"), cId)!, "flags") == "b", "the client to be paused");
            t.Add(admin.Call("CLIENT", "KILL", "ID", cId).ToString());
            t.Add("closed: " + c.IsClosedByServer(TimeSpan.FromSeconds(30)));
            t.Add(admin.Call("CLIENT", "UNPAUSE").ToString());
            t.Add(admin.Call("EXISTS", "killed-key").ToString());
            return t;
        });
        Wait.Until(() => d.Tern.Server.Clients.BlockedCount == 0, "no blocked clients");
    }

    [Fact]
    public void PausedClientIsNotUnblocked()
    {
        // Redis 7.0 crashes on CLIENT UNBLOCK of a paused client (fixed later to answer 0): Tern only.
        d.Reset();
        using var admin = d.Tern.Connect();
        using var c = d.Tern.Connect();
        long cId = c.Call("CLIENT", "ID").Integer;
        admin.Call("CLIENT", "PAUSE", 60000, "WRITE");
        c.Send("SET", "k", "v");
        Wait.Until(() => d.Tern.Server.Clients.BlockedCount == 1, "the client to be paused");
        Assert.Equal(0, admin.Call("CLIENT", "UNBLOCK", cId).Integer);
        Assert.Equal(0, admin.Call("CLIENT", "UNBLOCK", cId, "ERROR").Integer);
        admin.Call("CLIENT", "UNPAUSE");
        Assert.Equal("+OK", c.Read().Text);
        Wait.Until(() => d.Tern.Server.Clients.BlockedCount == 0, "no blocked clients");
    }

    /// <summary>A stand-in blocking command: waits until CLIENT UNBLOCK, then answers like BLPOP's timeout.</summary>
    private sealed class TestWait : BlockedWait
    {
        protected override void Reply(CommandContext ctx, UnblockReason reason)
        {
            if (reason == UnblockReason.Timeout) ctx.Reply.NullArray();
            else ctx.Reply.Bulk("served"u8);
        }
    }

    [Fact]
    public async Task UnblockHookForBlockingCommands()
    {
        using var host = new TernHost();
        // Turn ECHO into a blocking command for this server only: "ECHO block" waits.
        var echo = host.Server.Commands.FindByFullName("echo")!;
        var original = echo.Handler!;
        TestWait? last = null;
        echo.Handler = ctx =>
        {
            if (ctx.Arg(1).SequenceEqual("block"u8)) ctx.Client.Blocked = last = new TestWait();
            else original(ctx);
        };
        using var admin = host.Connect();
        using var c = host.Connect();
        long cId = c.Call("CLIENT", "ID").Integer;
        c.Send("ECHO", "block");
        c.Send("PING", "behind");
        Wait.Until(() => host.Server.Clients.BlockedCount == 1, "the client to block");
        Assert.Equal("b", Field(LineOf(admin.Call("CLIENT", "LIST"), cId)!, "flags"));
        Assert.Equal(1, admin.Call("CLIENT", "UNBLOCK", cId).Integer);
        Assert.Equal("*-1\r\n", c.Read().ToString());
        Assert.Equal("behind", c.Read().Text);
        Assert.Equal(0, admin.Call("CLIENT", "UNBLOCK", cId).Integer);

        c.Send("ECHO", "block");
        Wait.Until(() => host.Server.Clients.BlockedCount == 1, "the client to block");
        Assert.Equal(1, admin.Call("CLIENT", "UNBLOCK", cId, "ERROR").Integer);
        Assert.Equal("-UNBLOCKED client unblocked via CLIENT UNBLOCK", c.Read().Text);

        // Served by someone else (a push on a key, later): the command's own reply.
        c.Send("ECHO", "block");
        Wait.Until(() => host.Server.Clients.BlockedCount == 1, "the client to block");
        Assert.True(last!.TryComplete(UnblockReason.Served));
        Assert.Equal("served", c.Read().Text);

        // CLIENT REPLY OFF applies to the final reply too; a kill ends the wait.
        c.Send("CLIENT", "REPLY", "OFF");
        c.Send("ECHO", "block");
        Wait.Until(() => host.Server.Clients.BlockedCount == 1, "the client to block");
        var wait = last!;
        Assert.Equal(1, admin.Call("CLIENT", "KILL", "ID", cId).Integer);
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(30)));
        Assert.Equal(UnblockReason.Closed, await wait.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Wait.Until(() => host.Server.Clients.BlockedCount == 0, "no blocked clients");
    }

    /// <summary>A redis-server and a Tern with requirepass set (after start: the test kit's readiness PING needs no password).</summary>
    private static (RedisServerProcess redis, TernHost tern) WithPassword(string password)
    {
        var redis = new RedisServerProcess();
        var tern = new TernHost();
        foreach (var port in new[] { redis.Port, tern.Port })
        {
            using var c = new RespClient(port);
            Assert.Equal("+OK", c.Call("CONFIG", "SET", "requirepass", password).Text);
        }
        return (redis, tern);
    }

    [Fact]
    public void AuthWithRequirePass()
    {
        var (redis, tern) = WithPassword("s3cret");
        using var _r = redis;
        using var _t = tern;
        var script = new[]
        {
            "PING", "GET k", "CLIENT ID", "SELECT 1", "HELLO 3", "HELLO 2 SETNAME x",
            "AUTH wrong", "AUTH default wrong", "AUTH nobody s3cret", "AUTH a b c", "PING",
            "HELLO 3 AUTH default wrong", "AUTH s3cret", "PING", "AUTH default s3cret", "AUTH wrong", "PING",
            "RESET", "PING", "HELLO 3 AUTH default s3cret", "PING", "RESET", "AUTH default s3cret", "SET k v", "GET k",
        };
        using var rc = new RespClient(redis.Port);
        using var tc = new RespClient(tern.Port);
        foreach (var line in script)
        {
            var r = rc.Call(Differential.SplitLine(line));
            var t = tc.Call(Differential.SplitLine(line));
            Assert.True(MaskHelloId(r) == MaskHelloId(t), $"{line}\n  redis: {r}\n  tern:  {t}");
        }
    }

    [Fact]
    public void UnauthenticatedRequestLimits()
    {
        var (redis, tern) = WithPassword("pw");
        using var _r = redis;
        using var _t = tern;
        var cases = new List<byte[]>
        {
            Encoding.ASCII.GetBytes("*11\r\n"),
            RespClient.Encode("PING", new string('x', 16385)),
            RespClient.Encode("PING", new string('x', 16384)),
            RespClient.Encode("AUTH", "pw", "1", "2", "3", "4", "5", "6", "7", "8"),
            Encoding.ASCII.GetBytes("PING " + new string('y', 20000) + "\r\n"),
            // After AUTH the limits are gone.
            Concat(RespClient.Encode("AUTH", "pw"), RespClient.Encode("ECHO", new string('z', 20000)),
                RespClient.Encode("MGET", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), Encoding.ASCII.GetBytes("QUIT\r\n")),
        };
        foreach (var req in cases)
        {
            var r = ExchangeUntilClosedOrQuiet(redis.Port, req);
            var t = ExchangeUntilClosedOrQuiet(tern.Port, req);
            Assert.Equal(r, t);
        }
    }

    /// <summary>Sends, then reads until the server closes or, if it keeps the connection, until a PING's reply.</summary>
    private static string ExchangeUntilClosedOrQuiet(int port, byte[] req)
    {
        using var s = Connect(port);
        SendAll(s, req);
        // A closing server answers nothing more; one that stays open answers this inline PING... unless its
        // reply was the NOAUTH of an unauthenticated client, which is fine too: then the transcript shows it.
        try
        {
            SendAll(s, "PING\r\nQUIT\r\n"u8.ToArray());
        }
        catch (System.Net.Sockets.SocketException)
        {
        }
        return Encoding.Latin1.GetString(ReadToEnd(s));
    }
}
