using System.Text;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Keyspace notifications: the same commands run on Redis and Tern, each with a PSUBSCRIBE '__key*__:*'
/// subscriber; the ordered lists of pmessage frames (channel, event, key) must be identical.
/// </summary>
public sealed class KeyspaceNotificationTests(Differential d) : IClassFixture<Differential>
{
    private const string Marker = "__keyspace@0__:~end~";

    /// <summary>Runs <paramref name="script"/> on both with notify-keyspace-events set to <paramref name="flags"/>.</summary>
    private void Compare(string flags, string script, Action? between = null, bool expectEvents = true)
    {
        d.Reset();
        d.Same("CONFIG", "SET", "notify-keyspace-events", flags);
        using var rs = new RespClient(d.Redis.Port);
        using var ts = new RespClient(d.Tern.Port);
        try
        {
            rs.Call("PSUBSCRIBE", "__key*__:*");
            ts.Call("PSUBSCRIBE", "__key*__:*");
            d.Script(script);
            between?.Invoke();
            d.Same("PUBLISH", Marker, "end");
            var r = Events(rs);
            var t = Events(ts);
            Assert.Equal(string.Join("\n", r), string.Join("\n", t));
            Assert.Equal(expectEvents, t.Count > 0);
        }
        finally
        {
            d.Same("CONFIG", "SET", "notify-keyspace-events", "");
            d.Same("SELECT", "0");
        }
    }

    private static List<string> Events(RespClient c)
    {
        var list = new List<string>();
        while (true)
        {
            var m = c.Read();
            if (m.Items![2].Text == Marker) return list;
            list.Add(m.Items![2].Text + " " + m.Items![3].Text);
        }
    }

    [Fact]
    public void StringCommands() => Compare("KEA", """
        SET s v
        SET s v2 XX GET
        SET s v NX
        SET e v EX 100
        SET e v PX 100000 KEEPTTL
        SETNX s x
        SETNX n1 x
        SETEX se 100 v
        PSETEX pse 100000 v
        GETSET s new
        GETDEL s
        GETDEL s
        GETEX e EX 200
        GETEX e PERSIST
        GETEX e PERSIST
        GETEX e
        GETEX e PXAT 1
        MSET m1 a m2 b
        MSETNX m1 a m3 c
        MSETNX m4 a m5 b
        APPEND ap x
        APPEND ap y
        INCR i
        INCRBY i 10
        DECR i
        DECRBY i 3
        INCRBYFLOAT f 1.5
        SETRANGE sr 3 abc
        SETRANGE sr 0 ""
        SETRANGE missing 0 ""
        SETRANGE sr 1 z
        INCR ap
        GET i
        """);

    [Fact]
    public void KeyCommands() => Compare("KEA", """
        MSET a 1 b 2 c 3 d 4
        DEL a missing b
        UNLINK c
        EXPIRE d 100
        PEXPIRE d 200000 GT
        EXPIRE d 10 GT
        EXPIREAT d 99999999999
        PERSIST d
        PERSIST d
        PEXPIRE d -1
        SET r1 v
        RENAME r1 r2
        RENAME r2 r2
        SET r3 v
        RENAMENX r2 r3
        RENAMENX r2 r4
        SET r5 v EX 100
        RENAME r5 r3
        RENAME nosuch r3
        HSET wt f v
        SET wt v GET
        INCR wt
        APPEND wt x
        GETDEL wt
        SET mv v
        MOVE mv 1
        SET mv v2
        MOVE mv 1
        COPY r4 cp
        COPY r4 cp
        COPY r4 cp REPLACE
        COPY r4 cp DB 2
        SELECT 1
        SET x1 v
        DEL x1
        SELECT 0
        FLUSHDB
        """);

    [Fact]
    public void BitmapAndHyperLogLogCommands() => Compare("KEA", """
        SETBIT b 7 1
        SETBIT b 7 1
        SETBIT b 100 0
        BITFIELD bf SET u8 0 200 GET u8 0
        BITFIELD bf SET u8 0 200
        BITFIELD bf GET u8 0
        BITFIELD_RO bf GET u8 0
        BITFIELD bf OVERFLOW FAIL INCRBY u2 0 100
        SET x1 abc
        BITOP AND dest x1 b
        BITOP OR dest missing1 missing2
        BITOP OR dest missing1 missing2
        PFADD h a b c
        PFADD h a
        PFADD h2
        PFCOUNT h
        PFMERGE h3 h h2
        PFMERGE h3
        """);

    [Fact]
    public void HashAndSetCommands() => Compare("KEA", """
        HSET h f v g w
        HSET h f v
        HSETNX h f x
        HSETNX h n x
        HDEL h f missing
        HINCRBY h c 1
        HINCRBYFLOAT h d 1.5
        HDEL h g n c d
        SADD s a b c
        SADD s a
        SREM s a zz
        SMOVE s s2 b
        SPOP s
        SADD t 1 2 3
        SINTERSTORE dst s2 t
        SUNIONSTORE dst s2 t
        SDIFFSTORE dst t t
        SREM t 1 2 3
        """);

    [Theory]
    [InlineData("K$")]
    [InlineData("E$")]
    [InlineData("Eg")]
    [InlineData("KEg$")]
    [InlineData("Kx")]
    [InlineData("")]
    [InlineData("A")]
    public void ClassFilters(string flags) => Compare(flags, """
        SET a 1
        INCR a
        EXPIRE a 100
        DEL a
        SET b 2
        """, expectEvents: flags is not ("" or "Kx" or "A"));

    [Theory]
    [InlineData("KEn")]
    [InlineData("En")]
    [InlineData("KEAn")]
    public void NewKeyEvents(string flags) => Compare(flags, """
        SET a 1
        SET a 2
        SETNX a 3
        MSET b 1 c 2
        APPEND d x
        INCR e
        INCRBYFLOAT f 1
        SETRANGE g 2 x
        SETBIT h 3 1
        BITFIELD i SET u8 0 1
        BITOP OR j a b
        PFADD k x
        PFMERGE l k
        RENAME a m
        COPY m n
        COPY m n DB 1
        MOVE m 2
        HSET o f v
        SADD p x
        SMOVE p q x
        SUNIONSTORE r q
        GETSET s v
        SET t v GET
        """);

    [Fact]
    public void ExpiredEvents() => Compare("KEA", """
        SET lazy v
        PEXPIRE lazy 1
        """, () =>
    {
        // The key expires (lazily on EXISTS, or by the active cycle): one "expired" event on each side.
        Wait.Until(() => d.RedisClient.Call("EXISTS", "lazy").Integer == 0, "redis expires");
        Wait.Until(() => d.TernClient.Call("EXISTS", "lazy").Integer == 0, "tern expires");
    });

    [Fact]
    public void OwnEventsPrecedeTheReply()
    {
        // A RESP3 client subscribed to events of its own writes gets each push before the command's reply.
        d.Reset();
        d.Same("CONFIG", "SET", "notify-keyspace-events", "KEA");
        using var r = new RespClient(d.Redis.Port);
        using var t = new RespClient(d.Tern.Port);
        try
        {
            r.Call("HELLO", "3");
            t.Call("HELLO", "3");
            Assert.Equal(r.Call("PSUBSCRIBE", "__key*__:*").ToString(), t.Call("PSUBSCRIBE", "__key*__:*").ToString());
            foreach (var (cmd, replies) in new (object[], int)[]
            {
                (["SET", "k", "v"], 3),
                (["APPEND", "k", "x"], 3),
                (["EXPIRE", "k", "100"], 3),
                (["SET", "k", "v", "EX", "100", "GET"], 5),
                (["DEL", "k", "missing"], 3),
                (["MSET", "a", "1", "b", "2"], 5),
                (["INCR", "a"], 3),
                (["PEXPIRE", "a", "100000"], 3),
                (["PERSIST", "a"], 3),
                (["RENAME", "a", "c"], 5),
                (["GETDEL", "c"], 3),
                (["SETBIT", "bits", "1", "1"], 3),
                (["PFADD", "hll", "x"], 3),
                (["EXPIRE", "b", "-1"], 3),
            })
            {
                r.Send(cmd);
                t.Send(cmd);
                for (int i = 0; i < replies; i++) Assert.Equal(r.Read().ToString(), t.Read().ToString());
            }
        }
        finally
        {
            d.Same("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    [Fact]
    public void KeyspaceChannelOnlyGetsItsKeys()
    {
        // A plain SUBSCRIBE to one key's keyspace channel sees only that key's events.
        d.Reset();
        d.Same("CONFIG", "SET", "notify-keyspace-events", "K$g");
        using var rs = new RespClient(d.Redis.Port);
        using var ts = new RespClient(d.Tern.Port);
        try
        {
            Assert.Equal(rs.Call("SUBSCRIBE", "__keyspace@0__:watched").ToString(), ts.Call("SUBSCRIBE", "__keyspace@0__:watched").ToString());
            d.Script("""
                SET other v
                SET watched v
                APPEND watched x
                DEL other watched
                """);
            for (int i = 0; i < 3; i++) Assert.Equal(rs.Read().ToString(), ts.Read().ToString());
            d.Same("PUBLISH", "__keyspace@0__:watched", "end");
            Assert.Equal(rs.Read().ToString(), ts.Read().ToString());
            _ = Encoding.UTF8;
        }
        finally
        {
            d.Same("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }
}
