using System.Text;
using Tern.Server.Commands;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Stream commands, replayed against redis-server and Tern. Scripts use explicit IDs so replies compare byte for
/// byte; generated IDs and times are checked as properties.
/// </summary>
public sealed class StreamFamilyTests(Differential d) : IClassFixture<Differential>
{
    private void BothProtocols(string script)
    {
        foreach (var proto in new[] { "2", "3" })
        {
            d.Reset();
            d.Both("HELLO", proto);
            d.Script(script);
        }
    }

    [Fact]
    public void XAddXLenXRangeXRevRange()
    {
        BothProtocols("""
            XADD s 1-1 a 1 b 2
            XADD s 1-2 a 3
            XADD s 2-0 a 4 b 5 c 6
            XADD s 2-* x y
            XADD s 5 x y
            XADD s 5-* q 1
            XLEN s
            XLEN nokey
            XRANGE s - +
            XRANGE s - + COUNT 2
            XRANGE s - + COUNT 0
            XRANGE s - + COUNT -5
            XRANGE s 1-2 2
            XRANGE s 2 2
            XRANGE s (1-1 (5-1
            XRANGE s (1-2 +
            XRANGE s 3 1
            XRANGE nokey - +
            XREVRANGE s + -
            XREVRANGE s + - COUNT 1
            XREVRANGE s (5-1 (1-1
            XREVRANGE s 2 1-2
            XRANGE s - + COUNT
            XRANGE s - + LIMIT 1
            XRANGE s - + COUNT x
            XRANGE s (- +
            XRANGE s - (+
            XRANGE s ( +
            XRANGE s abc +
            XRANGE s 1-x +
            XRANGE s (18446744073709551615-18446744073709551615 +
            XRANGE s - (0-0
            XRANGE s 01 +
            XRANGE s " 1" +
            XRANGE s +1 +
            XRANGE s -1 +
            XRANGE s 18446744073709551616 +
            XRANGE s 18446744073709551615 +
            XADD s 5-1 a b
            XADD s 4-1 a b
            XADD s 5-* a b
            XADD s 0-0 a b
            XADD s2 0-0 a b
            XADD s2 0-* a b
            XADD s2 0-1 a b
            XADD s3 a b
            XADD s3 1-1 a
            XADD s3 1-1 a b c
            XADD s3 1-1
            XADD s3
            XADD s3 NOMKSTREAM 1-1 a b
            EXISTS s3
            XADD s3 nomkstream 1-1 a b
            XADD s4 18446744073709551615-18446744073709551615 a b
            XADD s4 18446744073709551615-* a b
            XADD s4 * a b
            XADD s5 18446744073709551615-18446744073709551614 a b
            XADD s5 18446744073709551615-* a b
            SET str x
            XADD str 1-1 a b
            XLEN str
            XRANGE str - +
            TYPE s
            OBJECT ENCODING s
            """);
    }

    [Fact]
    public void XAddTrimmingAndXTrim()
    {
        var sb = new StringBuilder();
        for (int i = 1; i <= 350; i++) sb.Append($"XADD s {i}-1 f v{i}\n");
        sb.Append("""
            XLEN s
            XTRIM s MAXLEN ~ 200
            XLEN s
            XTRIM s MAXLEN = 180
            XLEN s
            XRANGE s - + COUNT 2
            XTRIM s MINID ~ 250
            XTRIM s MINID 250
            XRANGE s - + COUNT 1
            XTRIM s MAXLEN 1000
            XTRIM s MINID 1
            XINFO STREAM s
            XADD s MAXLEN 10 400-1 f v
            XLEN s
            XADD s MAXLEN ~ 5 401-1 f v
            XLEN s
            XADD s MINID 395 402-1 f v
            XRANGE s - +
            XADD s MAXLEN ~ 1 LIMIT 1 403-1 f v
            XADD s MAXLEN 1 LIMIT 1 403-1 f v
            XADD s LIMIT 1 403-1 f v
            XADD s MAXLEN -1 403-1 f v
            XADD s MAXLEN x 403-1 f v
            XADD s MAXLEN 1 MINID 3 403-1 f v
            XADD s MAXLEN ~ 1 LIMIT -1 403-1 f v
            XADD s MAXLEN ~ 1 LIMIT x 403-1 f v
            XADD s MINID - 403-1 f v
            XADD s MINID + 403-1 f v
            XADD s MINID abc 403-1 f v
            XADD s MAXLEN = 2 404-1 f v
            XRANGE s - +
            XTRIM s
            XTRIM s FOO 1
            XTRIM s MAXLEN
            XTRIM s LIMIT 10
            XTRIM s MAXLEN 1 LIMIT 10
            XTRIM s MAXLEN ~ 1 LIMIT 0
            XTRIM s MAXLEN 1 extra
            XTRIM nokey MAXLEN 1
            XTRIM s MAXLEN 0
            XLEN s
            XINFO STREAM s
            SET str x
            XTRIM str MAXLEN 1
            """);
        BothProtocols(sb.ToString());
    }

    [Fact]
    public void XDelAndInfoCounters()
    {
        var sb = new StringBuilder();
        for (int i = 1; i <= 250; i++) sb.Append($"XADD s {i}-0 field{i % 3} {i}\n");
        sb.Append("""
            XDEL s 1-0 2-0 3-0 999-0
            XDEL s 1-0
            XDEL s 1
            XDEL s abc
            XDEL s 5-0 abc
            XLEN s
            XINFO STREAM s
            XDEL s 250-0
            XINFO STREAM s
            XRANGE s - + COUNT 3
            XREVRANGE s + - COUNT 3
            XDEL nokey 1-0
            XINFO STREAM s FULL COUNT 2
            XINFO STREAM s FULL COUNT
            XINFO STREAM s FULL COUNT x
            XINFO STREAM s FOO
            XINFO STREAM nokey
            XINFO STREAM s FULL COUNT 2 x
            XINFO HELP
            XINFO HELP x
            XINFO FOO s
            XGROUP HELP
            """);
        BothProtocols(sb.ToString());
    }

    [Fact]
    public void NodeSplitsFollowNodeMaxBytesAndEntries()
    {
        d.Reset();
        try
        {
            d.Same("CONFIG", "SET", "stream-node-max-entries", "7");
            var sb = new StringBuilder();
            for (int i = 1; i <= 60; i++) sb.Append($"XADD s {i * 1000}-{i} f{i % 2} {new string('x', i * 3)}\n");
            sb.Append("XINFO STREAM s\nXTRIM s MAXLEN ~ 25\nXINFO STREAM s\n");
            d.Script(sb.ToString());
            d.Same("CONFIG", "SET", "stream-node-max-entries", "0");
            d.Same("CONFIG", "SET", "stream-node-max-bytes", "300");
            sb.Clear();
            for (int i = 1; i <= 60; i++) sb.Append($"XADD b {i}-{i} f {i * 7} g {new string('y', i % 13)} {i}{i} 123456789012\n");
            sb.Append("XINFO STREAM b\nXTRIM b MINID ~ 30\nXINFO STREAM b\nXTRIM b MINID 40\nXINFO STREAM b\n");
            d.Script(sb.ToString());
        }
        finally
        {
            d.Same("CONFIG", "SET", "stream-node-max-entries", "100");
            d.Same("CONFIG", "SET", "stream-node-max-bytes", "4096");
        }
    }

    [Fact]
    public void XReadNonBlocking()
    {
        BothProtocols("""
            XADD a 1-0 f 1
            XADD a 2-0 f 2
            XADD b 3-0 g 3
            XREAD STREAMS a 0
            XREAD COUNT 1 STREAMS a b 0 0
            XREAD STREAMS a b 1-0 2
            XREAD STREAMS a b $ $
            XREAD STREAMS a nokey 0 0
            XREAD STREAMS nokey 0
            XREAD COUNT -1 STREAMS a 0
            XREAD STREAMS a b 0
            XREAD STREAMS
            XREAD COUNT 1 a 0
            XREAD STREAMS a >
            XREAD STREAMS a +
            XREAD STREAMS a -
            XREAD STREAMS a abc
            XREAD GROUP g c STREAMS a 0
            XREAD NOACK STREAMS a 0
            XREAD COUNT x STREAMS a 0
            XREAD BLOCK x STREAMS a 0
            XREAD BLOCK -1 STREAMS a 0
            XREAD BLOCK 1.5 STREAMS a 0
            XREAD FOO STREAMS a 0
            XREAD BLOCK 10 STREAMS a 0
            SET str x
            XREAD STREAMS a str 0 0
            XREAD STREAMS str 0
            MULTI
            XREAD BLOCK 0 STREAMS a $
            EXEC
            """);
    }

    [Fact]
    public void ConsumerGroupsDeterministicReplies()
    {
        BothProtocols("""
            XADD s 1-0 f 1
            XADD s 2-0 f 2
            XADD s 3-0 f 3
            XADD s 4-0 f 4
            XGROUP CREATE s g 0
            XGROUP CREATE s g 0
            XGROUP CREATE s g2 $
            XGROUP CREATE s g3 - 
            XGROUP CREATE s g3 abc
            XGROUP CREATE nokey g 0
            XGROUP CREATE nokey g $ MKSTREAM
            XGROUP CREATE nokey2 g 0 MKSTREAM ENTRIESREAD 5
            XGROUP CREATE nokey3 g 0 MKSTREAM ENTRIESREAD -2
            XGROUP CREATE nokey3 g 0 MKSTREAM ENTRIESREAD x
            XGROUP CREATE nokey3 g 0 FOO
            XGROUP CREATE s g4 0 ENTRIESREAD 2
            XINFO GROUPS s
            XINFO GROUPS nokey
            XREADGROUP GROUP g alice COUNT 2 STREAMS s >
            XREADGROUP GROUP g bob STREAMS s >
            XREADGROUP GROUP g bob STREAMS s >
            XREADGROUP GROUP g alice STREAMS s 0
            XREADGROUP GROUP g alice COUNT 1 STREAMS s 0
            XREADGROUP GROUP g nobody STREAMS s 0
            XREADGROUP GROUP nog alice STREAMS s >
            XREADGROUP GROUP g alice STREAMS nokeyx >
            XREADGROUP GROUP g alice STREAMS s $
            XREADGROUP STREAMS s >
            XREADGROUP GROUP g alice STREAMS s
            XPENDING s g IDLE 3600000 - + 10 alice
            XPENDING s g - + 0
            XPENDING s g - + -1
            XPENDING s g (1-0 + 10 nobody
            XPENDING s g 1 2
            XPENDING s g IDLE 0 - +
            XPENDING s g - + x
            XPENDING s g IDLE x - + 10
            XPENDING s g ( + 10
            XPENDING s nog - + 10
            XPENDING nokeyz g - + 10
            XACK s g 1-0 1-0 9-0
            XACK s g abc
            XACK s nog 1-0
            XACK nokeyz g 1-0
            XDEL s 2-0
            XREADGROUP GROUP g alice STREAMS s 0
            XINFO GROUPS s
            XGROUP SETID s g 0
            XGROUP SETID s g $ ENTRIESREAD 3
            XGROUP SETID s g - 
            XGROUP SETID s nog 0
            XGROUP SETID s g 0 MKSTREAM
            XGROUP SETID s g abc
            XINFO GROUPS s
            XREADGROUP GROUP g2 carol NOACK STREAMS s >
            XADD s 5-0 f 5
            XREADGROUP GROUP g2 carol NOACK STREAMS s >
            XGROUP CREATECONSUMER s g dave
            XGROUP CREATECONSUMER s g dave
            XGROUP CREATECONSUMER s nog dave
            XGROUP DELCONSUMER s g bob
            XGROUP DELCONSUMER s g nobody
            XGROUP DELCONSUMER s nog bob
            XGROUP DESTROY s g4
            XGROUP DESTROY s g4
            XGROUP DESTROY nokeyq g4
            XGROUP FOO s g
            XGROUP CREATECONSUMER s g
            XINFO GROUPS s
            XSETID s 1-0
            XSETID s 10-0
            XSETID s 10-0 ENTRIESADDED 1
            XSETID s 10-0 ENTRIESADDED -1
            XSETID s 10-0 MAXDELETEDID 11-0
            XSETID s 10-0 ENTRIESADDED 100 MAXDELETEDID 9-0
            XSETID s 10-0 FOO
            XSETID nokeyq 10-0
            XSETID s abc
            XSETID s +
            XINFO STREAM s
            XINFO GROUPS s
            SET str x
            XGROUP CREATE str g 0
            XREADGROUP GROUP g c STREAMS str >
            XACK str g 1-0
            XPENDING str g
            XINFO GROUPS str
            XSETID str 1-0
            """);
    }

    [Fact]
    public void XPendingSummaryAndLag()
    {
        BothProtocols("""
            XGROUP CREATE s g $ MKSTREAM
            XPENDING s g
            XINFO GROUPS s
            XADD s 1-0 a 1
            XADD s 2-0 a 2
            XADD s 3-0 a 3
            XINFO GROUPS s
            XREADGROUP GROUP g c1 COUNT 1 STREAMS s >
            XREADGROUP GROUP g c2 COUNT 1 STREAMS s >
            XPENDING s g
            XINFO GROUPS s
            XDEL s 3-0
            XINFO GROUPS s
            XREADGROUP GROUP g c2 STREAMS s >
            XINFO GROUPS s
            XTRIM s MAXLEN 0
            XINFO GROUPS s
            XINFO STREAM s
            """);
    }

    [Fact]
    public void XClaimAndXAutoClaimDeterministicForms()
    {
        BothProtocols("""
            XADD s 1-0 f 1
            XADD s 2-0 f 2
            XADD s 3-0 f 3
            XADD s 4-0 f 4
            XGROUP CREATE s g 0
            XREADGROUP GROUP g alice STREAMS s >
            XCLAIM s g bob 0 1-0 2-0 JUSTID
            XCLAIM s g bob 0 9-0 JUSTID
            XCLAIM s g bob 0 3-0
            XCLAIM s g bob 3600000 4-0
            XCLAIM s g bob 0 4-0 RETRYCOUNT 7 JUSTID
            XPENDING s g IDLE 3600000 - + 10 bob
            XPENDING s g
            XCLAIM s g bob 0 1-0 FOO
            XCLAIM s g bob x 1-0
            XCLAIM s g bob 0 1-0 IDLE x
            XCLAIM s g bob 0 1-0 TIME x
            XCLAIM s g bob 0 1-0 RETRYCOUNT x
            XCLAIM s g bob 0 1-0 LASTID x
            XCLAIM s nog bob 0 1-0
            XCLAIM nokeyq g bob 0 1-0
            XDEL s 2-0
            XCLAIM s g carol 0 2-0 JUSTID
            XPENDING s g
            XCLAIM s g carol 0 3-0 FORCE JUSTID LASTID 10-0
            XINFO GROUPS s
            XCLAIM s g carol 0 9-0 FORCE JUSTID
            XADD s 5-0 f 5
            XCLAIM s g carol 0 5-0 FORCE JUSTID
            XPENDING s g
            XAUTOCLAIM s g dave 0 0 COUNT 2 JUSTID
            XAUTOCLAIM s g dave 0 0 COUNT 2
            XDEL s 4-0
            XAUTOCLAIM s g erin 0 0 JUSTID
            XAUTOCLAIM s g erin 3600000 0
            XAUTOCLAIM s g erin 0 (1-0 COUNT 1
            XAUTOCLAIM s g erin 0 0 COUNT 0
            XAUTOCLAIM s g erin 0 0 COUNT x
            XAUTOCLAIM s g erin 0 0 FOO
            XAUTOCLAIM s g erin x 0
            XAUTOCLAIM s g erin 0 abc
            XAUTOCLAIM s nog erin 0 0
            XAUTOCLAIM nokeyq g erin 0 0
            XINFO CONSUMERS s nog
            XPENDING s g
            """);
    }

    [Fact]
    public void XInfoConsumersShape()
    {
        d.Reset();
        foreach (var c in new[] { d.RedisClient, d.TernClient })
        {
            c.Call("XADD", "s", "1-0", "f", "v");
            c.Call("XGROUP", "CREATE", "s", "g", "0");
            c.Call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
            c.Call("XGROUP", "CREATECONSUMER", "s", "g", "bob");
        }
        var (r, t) = d.Both("XINFO", "CONSUMERS", "s", "g");
        Assert.Equal(r.Items!.Count, t.Items!.Count);
        for (int i = 0; i < r.Items.Count; i++)
        {
            var ri = r.Items[i].Items!;
            var ti = t.Items[i].Items!;
            Assert.Equal(ri.Count, ti.Count);
            for (int k = 0; k < 4; k++) Assert.Equal(ri[k].Raw, ti[k].Raw);
            Assert.InRange(long.Parse(ti[5].Text!), 0, 10000);
        }
    }

    [Fact]
    public void AutoIdsAreIncreasingAndNearNow()
    {
        d.Reset();
        var c = d.TernClient;
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string prev = "0-0";
        for (int i = 0; i < 50; i++)
        {
            var id = c.Call("XADD", "s", "*", "f", i).Text!;
            var parts = id.Split('-');
            long ms = long.Parse(parts[0]);
            Assert.InRange(ms, before - 1000, before + 60000);
            var pp = prev.Split('-');
            Assert.True(ms > long.Parse(pp[0]) || (ms == long.Parse(pp[0]) && ulong.Parse(parts[1]) > ulong.Parse(pp[1])), $"{id} after {prev}");
            prev = id;
        }
        // Past a future last ID, * increments the sequence.
        c.Call("XADD", "f", "99999999999999-5", "a", "b");
        Assert.Equal("99999999999999-6", c.Call("XADD", "f", "*", "a", "b").Text);
        Assert.Equal("99999999999999-7", c.Call("XADD", "f", "99999999999999-*", "a", "b").Text);
    }

    /// <summary>A command as <see cref="PropagationRecorder"/> records it.</summary>
    private static string Line(params string[] args) => string.Join(' ', args);

    [Fact]
    public void PropagatedForms()
    {
        d.Reset();
        var sink = new PropagationRecorder();
        d.Tern.Server.PropagationSink = sink;
        try
        {
            var c = d.TernClient;
            c.Call("XADD", "s", "1-1", "f", "v");
            Assert.Equal([Line("XADD", "s", "1-1", "f", "v")], sink.Commands);
            sink.Clear();
            c.Call("XADD", "s", "1-*", "f", "v");
            Assert.Equal([Line("XADD", "s", "1-2", "f", "v")], sink.Commands);
            sink.Clear();
            var id = c.Call("XADD", "s", "*", "f", "v").Text!;
            Assert.Equal([Line("XADD", "s", id, "f", "v")], sink.Commands);
            for (int i = 0; i < 250; i++) c.Call("XADD", "t", $"{i + 1}-0", "f", "v");
            sink.Clear();
            c.Call("XADD", "t", "MAXLEN", "~", "100", "1000-0", "f", "v");
            Assert.Equal([Line("XADD", "t", "MAXLEN", "=", "151", "1000-0", "f", "v")], sink.Commands);
            sink.Clear();
            c.Call("XTRIM", "t", "MINID", "~", "210");
            Assert.Equal([Line("XTRIM", "t", "MINID", "=", "201-0")], sink.Commands);
            sink.Clear();
            c.Call("XTRIM", "t", "MINID", "~", "210");
            Assert.Empty(sink.Commands);
            c.Call("XTRIM", "t", "MAXLEN", "5");
            Assert.Equal([Line("XTRIM", "t", "MAXLEN", "5")], sink.Commands);
            sink.Clear();

            c.Call("XGROUP", "CREATE", "s", "g", "0");
            sink.Clear();
            c.Call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">");
            Assert.Single(sink.Commands);
            var prop = sink.Commands[0];
            Assert.StartsWith("XCLAIM s g alice 0 1-1 TIME ", prop);
            Assert.EndsWith(" RETRYCOUNT 1 FORCE JUSTID LASTID 1-1", prop);
            Assert.Equal(14, prop.Split(' ').Length);
            sink.Clear();
            // History reads and empty reads propagate nothing.
            c.Call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0");
            c.Call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "nothing", ">");
            Assert.Empty(sink.Commands);
            // NOACK: a new consumer and the group's new last ID.
            c.Call("XREADGROUP", "GROUP", "g", "carol", "NOACK", "COUNT", "1", "STREAMS", "s", ">");
            Assert.Equal(
                [Line("XGROUP", "CREATECONSUMER", "s", "g", "carol"), Line("XGROUP", "SETID", "s", "g", "1-2", "ENTRIESREAD", "2")],
                sink.Commands);
            sink.Clear();
            c.Call("XCLAIM", "s", "g", "bob", "0", "1-1", "TIME", "12345", "RETRYCOUNT", "3");
            Assert.Equal([Line("XCLAIM", "s", "g", "bob", "0", "1-1", "TIME", "12345", "RETRYCOUNT", "3", "FORCE", "JUSTID", "LASTID", "1-2")], sink.Commands);
            sink.Clear();
            c.Call("XCLAIM", "s", "g", "bob", "0", "9-9", "LASTID", "5-0");
            Assert.Equal([Line("XGROUP", "SETID", "s", "g", "5-0", "ENTRIESREAD", "2")], sink.Commands);
            sink.Clear();
            c.Call("XDEL", "s", "1-1");
            sink.Clear();
            c.Call("XAUTOCLAIM", "s", "g", "dave", "0", "0");
            Assert.Equal([Line("XCLAIM", "s", "g", "bob", "0", "1-1", "TIME", "12345", "RETRYCOUNT", "3", "FORCE", "JUSTID", "LASTID", "5-0")], sink.Commands);
        }
        finally
        {
            d.Tern.Server.PropagationSink = null;
        }
    }

    [Fact]
    public void RandomizedCommandsMatchRedis()
    {
        var rnd = new Random(20261128);
        d.Reset();
        var keys = new[] { "s1", "s2" };
        var groups = new[] { "g1", "g2" };
        var consumers = new[] { "c1", "c2", "c3" };
        ulong next = 1;
        string RandId() => $"{rnd.Next(0, (int)next + 3)}-{rnd.Next(0, 3)}";
        string Range(bool lo) => rnd.Next(6) switch
        {
            0 => lo ? "-" : "+",
            1 => "(" + RandId(),
            _ => RandId(),
        };
        d.Same("CONFIG", "SET", "stream-node-max-entries", "5");
        try
        {
            for (int i = 0; i < 1500; i++)
            {
                var k = keys[rnd.Next(keys.Length)];
                var g = groups[rnd.Next(groups.Length)];
                var c = consumers[rnd.Next(consumers.Length)];
                object[] cmd = rnd.Next(16) switch
                {
                    0 or 1 or 2 => rnd.Next(4) == 0
                        ? ["XADD", k, $"{next++}-*", "f" + rnd.Next(3), rnd.Next(100)]
                        : ["XADD", k, $"{next}-{rnd.Next(1, 3)}", "f", next++, "g", rnd.Next(5)],
                    3 => ["XADD", k, rnd.Next(2) == 0 ? "MAXLEN" : "MINID", rnd.Next(3) switch { 0 => "~", 1 => "=", _ => "=" },
                        rnd.Next(2) == 0 ? rnd.Next(0, 30).ToString() : RandId(), $"{next++}-0", "x", "y"],
                    4 => ["XDEL", k, RandId(), RandId()],
                    5 => ["XTRIM", k, "MAXLEN", rnd.Next(2) == 0 ? "~" : "=", rnd.Next(0, 40)],
                    6 => ["XRANGE", k, Range(true), Range(false), "COUNT", rnd.Next(0, 6)],
                    7 => ["XREVRANGE", k, Range(false), Range(true)],
                    8 => ["XLEN", k],
                    9 => ["XGROUP", "CREATE", k, g, rnd.Next(2) == 0 ? "$" : RandId(), "MKSTREAM"],
                    10 => ["XREADGROUP", "GROUP", g, c, "COUNT", rnd.Next(1, 4), "STREAMS", k, rnd.Next(3) == 0 ? "0" : ">"],
                    11 => ["XACK", k, g, RandId(), RandId()],
                    12 => ["XCLAIM", k, g, c, "0", RandId(), RandId(), "JUSTID"],
                    13 => ["XAUTOCLAIM", k, g, c, "0", "0", "COUNT", rnd.Next(1, 4), "JUSTID"],
                    14 => ["XPENDING", k, g],
                    _ => ["XREAD", "COUNT", rnd.Next(1, 5), "STREAMS", k, RandId()],
                };
                d.Same(cmd);
            }
            foreach (var k in keys)
            {
                d.Same("XRANGE", k, "-", "+");
                d.Same("XINFO", "STREAM", k);
                d.Same("XINFO", "GROUPS", k);
                foreach (var g in groups) d.Both("XPENDING", k, g);
            }
            d.Same("DEBUG", "DIGEST");
        }
        finally
        {
            d.Same("CONFIG", "SET", "stream-node-max-entries", "100");
        }
    }

    [Fact]
    public void KeyCommandsOnStreams()
    {
        d.Reset();
        d.Script("""
            XADD s 1-0 a b
            XGROUP CREATE s g 0
            XREADGROUP GROUP g c STREAMS s >
            COPY s t
            XINFO GROUPS t
            XPENDING t g
            XADD t 2-0 c d
            XLEN s
            XLEN t
            RENAME t u
            XRANGE u - +
            TYPE u
            OBJECT ENCODING u
            DEBUG DIGEST-VALUE s u
            """);
    }

    [Fact]
    public void LargeAndIntegerValuesSplitNodesAsRedis()
    {
        d.Reset();
        var sb = new StringBuilder();
        for (int i = 1; i <= 120; i++)
        {
            string v = (i % 4) switch
            {
                0 => (i * 1234567).ToString(),
                1 => new string('v', i * 40),
                2 => "-" + i,
                _ => new string('w', 70),
            };
            sb.Append($"XADD s {i}-0 {i % 5} {v} k{i % 2} 9223372036854775807\n");
            if (i % 10 == 0) sb.Append("XINFO STREAM s\n");
        }
        sb.Append("XADD big 1-0 f " + new string('z', 5000) + "\nXADD big 2-0 f x\nXINFO STREAM big\n");
        sb.Append("XTRIM s MAXLEN ~ 50\nXINFO STREAM s\nXDEL s 119-0 120-0\nXINFO STREAM s\n");
        d.Script(sb.ToString());
    }

    [Fact]
    public void XInfoStreamFullWithGroupsShape()
    {
        d.Reset();
        foreach (var c in new[] { d.RedisClient, d.TernClient })
        {
            c.Call("XADD", "s", "1-0", "f", "v");
            c.Call("XADD", "s", "2-0", "f", "v");
            c.Call("XGROUP", "CREATE", "s", "g", "0");
            c.Call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
        }
        var (r, t) = d.Both("XINFO", "STREAM", "s", "FULL");
        // Everything but the delivery and seen times.
        string Mask(RespReply x) => System.Text.RegularExpressions.Regex.Replace(x.ToString(), @":1\d{12}\r\n", ":T\r\n");
        Assert.Equal(Mask(r), Mask(t));
    }

    private sealed class EventRecorder : IKeyspaceNotifier
    {
        public readonly List<string> Events = [];

        public void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key)
        {
            lock (Events) Events.Add(Encoding.Latin1.GetString(evt) + " " + Encoding.Latin1.GetString(key));
        }
    }

    private static void NotificationScript(RespClient admin)
    {
        admin.Call("XADD", "s", "MAXLEN", "1", "1-0", "f", "v");
        admin.Call("XADD", "s", "MAXLEN", "1", "2-0", "f", "v");
        admin.Call("XADD", "s", "NOMKSTREAM", "3-0", "f", "v");
        admin.Call("XADD", "none", "NOMKSTREAM", "3-0", "f", "v");
        admin.Call("XDEL", "s", "2-0");
        admin.Call("XDEL", "s", "2-0");
        admin.Call("XTRIM", "s", "MAXLEN", "0");
        admin.Call("XGROUP", "CREATE", "s", "g", "0");
        admin.Call("XGROUP", "CREATECONSUMER", "s", "g", "c");
        admin.Call("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">");
        admin.Call("XGROUP", "SETID", "s", "g", "0");
        admin.Call("XGROUP", "DELCONSUMER", "s", "g", "c");
        admin.Call("XCLAIM", "s", "g", "z", "0", "1-0", "FORCE");
        admin.Call("XGROUP", "DESTROY", "s", "g");
        admin.Call("XSETID", "s", "99-0");
        admin.Call("XADD", "e", "100-0", "end", "1");
    }

    [Fact]
    public void KeyspaceNotifications()
    {
        d.Reset();
        // Redis: keyevent messages on a subscribed connection.
        var redis = new List<string>();
        using (var admin = new RespClient(d.Redis.Port))
        using (var sub = new RespClient(d.Redis.Port))
        {
            admin.Call("CONFIG", "SET", "notify-keyspace-events", "Etg");
            sub.Call("PSUBSCRIBE", "__keyevent@0__:*");
            NotificationScript(admin);
            while (true)
            {
                var m = sub.Read();
                var channel = m.Items![2].Text!;
                redis.Add(channel[(channel.IndexOf(':') + 1)..] + " " + m.Items![3].Text);
                if (m.Items![3].Text == "e") break;
            }
            admin.Call("CONFIG", "SET", "notify-keyspace-events", "");
        }
        // Tern: what the notifier is handed.
        var rec = new EventRecorder();
        var previous = d.Tern.Server.KeyspaceNotifier;
        d.Tern.Server.KeyspaceNotifier = rec;
        try
        {
            using var admin = new RespClient(d.Tern.Port);
            admin.Call("CONFIG", "SET", "notify-keyspace-events", "Etg");
            NotificationScript(admin);
            admin.Call("CONFIG", "SET", "notify-keyspace-events", "");
        }
        finally
        {
            d.Tern.Server.KeyspaceNotifier = previous;
        }
        Assert.Equal(redis, rec.Events);
    }

    [Fact]
    public void DigestMatchesRedis()
    {
        d.Reset();
        d.Script("""
            XADD s 1-1 a 1 b 2
            XADD s 2-5 c 3
            XGROUP CREATE s g 0
            DEBUG DIGEST-VALUE s
            DEBUG DIGEST
            """);
    }
}
