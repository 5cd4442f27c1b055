using System.Text;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// XREAD BLOCK and XREADGROUP BLOCK with real connections: each scenario runs on redis-server and on Tern and the
/// replies the blocked clients get are compared byte for byte.
/// </summary>
public sealed class StreamBlockingTests(Differential d) : IClassFixture<Differential>
{
    private static int Blocked(RespClient admin)
    {
        var list = admin.Call("CLIENT", "LIST").Text!;
        int n = 0;
        foreach (var line in list.Split('\n'))
            if (line.Contains("flags=b ")) n++;
        return n;
    }

    private static void WaitBlocked(RespClient admin, int n) =>
        Wait.Until(() => Blocked(admin) == n, $"{n} blocked clients");

    /// <summary>Runs <paramref name="scenario"/> on both servers (fresh data) and compares what it returns.</summary>
    private void OnBoth(Func<int, List<string>> scenario)
    {
        d.Reset();
        var redis = scenario(d.Redis.Port);
        var tern = scenario(d.Tern.Port);
        Assert.Equal(redis, tern);
    }

    private static string Raw(RespReply r) => Encoding.Latin1.GetString(r.Raw);

    [Fact]
    public void XReadBlockIsServedByXAdd()
    {
        foreach (var proto in new[] { "2", "3" })
        {
            OnBoth(port =>
            {
                var got = new List<string>();
                using var admin = new RespClient(port);
                admin.Call("FLUSHALL");
                admin.Call("XADD", "s", "5-0", "old", "1");
                using var a = new RespClient(port);
                a.Call("HELLO", proto);
                a.Send("XREAD", "BLOCK", "0", "STREAMS", "other", "s", "$", "$");
                WaitBlocked(admin, 1);
                admin.Call("XADD", "s", "6-0", "f", "v");
                got.Add(Raw(a.Read()));
                // Already available: answered at once.
                got.Add(Raw(a.Call("XREAD", "BLOCK", "0", "STREAMS", "s", "5-0")));
                // A blocked read on a key that does not exist yet.
                a.Send("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "new", "0-0");
                WaitBlocked(admin, 1);
                admin.Call("XADD", "new", "1-0", "a", "b");
                got.Add(Raw(a.Read()));
                return got;
            });
        }
    }

    [Fact]
    public void XReadBlockTimesOutWithNullArray()
    {
        foreach (var proto in new[] { "2", "3" })
        {
            OnBoth(port =>
            {
                using var a = new RespClient(port);
                a.Call("HELLO", proto);
                return [Raw(a.Call("XREAD", "BLOCK", "50", "STREAMS", "s", "$"))];
            });
        }
    }

    [Fact]
    public void WritesThatAddNothingKeepTheClientBlocked()
    {
        OnBoth(port =>
        {
            var got = new List<string>();
            using var admin = new RespClient(port);
            admin.Call("FLUSHALL");
            admin.Call("XADD", "s", "5-0", "f", "v");
            using var a = new RespClient(port);
            a.Send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            WaitBlocked(admin, 1);
            admin.Call("XDEL", "s", "5-0");
            admin.Call("XGROUP", "CREATE", "s", "g", "0");
            admin.Call("XSETID", "s", "6-0");
            Assert.Equal(1, Blocked(admin));
            admin.Call("XADD", "s", "7-0", "x", "y");
            got.Add(Raw(a.Read()));
            // A group reader: XGROUP SETID back to 0 does not serve it; the next XADD serves from the new ID.
            using var b = new RespClient(port);
            got.Add(Raw(b.Call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")));
            b.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
            WaitBlocked(admin, 1);
            admin.Call("XGROUP", "SETID", "s", "g", "0");
            admin.Call("XGROUP", "CREATECONSUMER", "s", "g", "other");
            Assert.Equal(1, Blocked(admin));
            admin.Call("XADD", "s", "9-0", "x", "w");
            got.Add(Raw(b.Read()));
            return got;
        });
    }

    [Fact]
    public void ThreeBlockedXReadersAllGetTheEntry()
    {
        OnBoth(port =>
        {
            var got = new List<string>();
            using var admin = new RespClient(port);
            admin.Call("FLUSHALL");
            var clients = new List<RespClient>();
            for (int i = 0; i < 3; i++)
            {
                var c = new RespClient(port);
                clients.Add(c);
                c.Send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
                WaitBlocked(admin, i + 1);
            }
            admin.Call("XADD", "s", "1-0", "f", "v");
            foreach (var c in clients)
            {
                got.Add(Raw(c.Read()));
                c.Dispose();
            }
            return got;
        });
    }

    [Fact]
    public void BlockedGroupReadersAreServedFirstComeFirstServed()
    {
        foreach (var proto in new[] { "2", "3" })
        {
            OnBoth(port =>
            {
                var got = new List<string>();
                using var admin = new RespClient(port);
                admin.Call("FLUSHALL");
                admin.Call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
                var clients = new List<RespClient>();
                for (int i = 0; i < 3; i++)
                {
                    var c = new RespClient(port);
                    c.Call("HELLO", proto);
                    clients.Add(c);
                    c.Send("XREADGROUP", "GROUP", "g", "c" + i, "BLOCK", "0", "STREAMS", "s", ">");
                    WaitBlocked(admin, i + 1);
                }
                for (int i = 0; i < 3; i++)
                {
                    admin.Call("XADD", "s", $"{i + 1}-0", "n", i);
                    WaitBlocked(admin, 2 - i);
                }
                foreach (var c in clients)
                {
                    got.Add(Raw(c.Read()));
                    c.Dispose();
                }
                var pending = admin.Call("XPENDING", "s", "g");
                got.Add(Raw(pending));
                got.Add(Raw(admin.Call("XINFO", "GROUPS", "s")));
                return got;
            });
        }
    }

    [Fact]
    public void DestroyingTheGroupAnswersTheBlockedReader()
    {
        OnBoth(port =>
        {
            using var admin = new RespClient(port);
            admin.Call("FLUSHALL");
            admin.Call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
            using var a = new RespClient(port);
            a.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
            WaitBlocked(admin, 1);
            admin.Call("XGROUP", "DESTROY", "s", "g");
            return [Raw(a.Read())];
        });
    }

    [Fact]
    public void DeletingOrOverwritingTheKeyUnblocksGroupReadersOnly()
    {
        foreach (var kill in new[] { new object[] { "DEL", "s" }, ["SET", "s", "x"] })
        {
            OnBoth(port =>
            {
                var got = new List<string>();
                using var admin = new RespClient(port);
                admin.Call("FLUSHALL");
                admin.Call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
                using var reader = new RespClient(port);
                reader.Send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
                WaitBlocked(admin, 1);
                using var group = new RespClient(port);
                group.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
                WaitBlocked(admin, 2);
                admin.Call(kill);
                got.Add(Raw(group.Read()));
                WaitBlocked(admin, 1);
                admin.Call("DEL", "s");
                admin.Call("XADD", "s", "1-0", "f", "v");
                got.Add(Raw(reader.Read()));
                return got;
            });
        }
    }

    [Fact]
    public void XReadGroupBlockTimesOutAndMultiDoesNotBlock()
    {
        OnBoth(port =>
        {
            var got = new List<string>();
            using var a = new RespClient(port);
            a.Call("FLUSHALL");
            a.Call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
            got.Add(Raw(a.Call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "30", "STREAMS", "s", ">")));
            a.Call("MULTI");
            a.Call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
            a.Call("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            got.Add(Raw(a.Call("EXEC")));
            return got;
        });
    }

    [Fact]
    public void BlockedXReadGroupPropagatesXClaim()
    {
        d.Reset();
        var port = d.Tern.Port;
        using var admin = new RespClient(port);
        admin.Call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        var rec = new PropagationRecorder();
        d.Tern.Server.PropagationSink = rec;
        try
        {
            using var a = new RespClient(port);
            a.Send("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">");
            WaitBlocked(admin, 1);
            admin.Call("XADD", "s", "1-0", "f", "v");
            var reply = a.Read();
            Assert.Equal("1-0", reply.Items![0].Items![1].Items![0].Items![0].Text);
            Wait.Until(() => rec.Commands.Count == 2, "two propagated commands");
            var sent = rec.Commands;
            Assert.Equal("XADD s 1-0 f v", sent[0]);
            Assert.StartsWith("XCLAIM s g alice 0 1-0 ", sent[1]);
            Assert.Equal(14, sent[1].Split(' ').Length);
        }
        finally
        {
            d.Tern.Server.PropagationSink = null;
        }
    }
}
