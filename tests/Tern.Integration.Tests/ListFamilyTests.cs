using System.Text;
using Tern.Server.Commands;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>List commands, replayed against redis-server and Tern, replies compared byte for byte.</summary>
public sealed class ListFamilyTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void PushAndLength()
    {
        d.Reset();
        d.Script("""
            LLEN l
            LPUSH l a
            LPUSH l b c d
            RPUSH l e f
            LRANGE l 0 -1
            LLEN l
            LPUSHX nope a
            RPUSHX nope a b
            EXISTS nope
            LPUSHX l x y
            RPUSHX l z
            LRANGE l 0 -1
            RPUSH l ""
            RPUSH l "bin\x00ary" "\r\n"
            LRANGE l 0 -1
            LPUSH l
            RPUSH
            LPUSHX l
            LLEN
            LLEN l extra
            TYPE l
            """);
    }

    [Fact]
    public void PopWithAndWithoutCount()
    {
        d.Reset();
        d.Script("""
            LPOP nope
            RPOP nope
            LPOP nope 0
            LPOP nope 3
            RPOP nope 3
            RPUSH l a b c d e f g
            LPOP l
            RPOP l
            LPOP l 0
            RPOP l 0
            LPOP l 2
            RPOP l 2
            LRANGE l 0 -1
            LPOP l -1
            LPOP l abc
            LPOP l 1.5
            LPOP l 9223372036854775808
            LPOP l 1 2
            RPOP l 1 2 3
            LPOP l 100
            EXISTS l
            RPUSH l a b c
            RPOP l 9223372036854775807
            EXISTS l
            RPUSH l only
            RPOP l
            EXISTS l
            LPOP
            """);
    }

    [Fact]
    public void RangesAndIndexes()
    {
        d.Reset();
        d.Script("""
            LRANGE nope 0 -1
            LRANGE nope a b
            LINDEX nope 0
            LINDEX nope abc
            RPUSH l a b c d e
            LRANGE l 0 -1
            LRANGE l 1 3
            LRANGE l -3 -1
            LRANGE l -100 100
            LRANGE l 3 1
            LRANGE l 5 10
            LRANGE l -1 -5
            LRANGE l 0 0
            LRANGE l -9223372036854775808 9223372036854775807
            LRANGE l 9223372036854775807 -9223372036854775808
            LRANGE l a 1
            LRANGE l 1 b
            LRANGE l 1 9223372036854775808
            LINDEX l 0
            LINDEX l 4
            LINDEX l 5
            LINDEX l -1
            LINDEX l -5
            LINDEX l -6
            LINDEX l -9223372036854775808
            LINDEX l 9223372036854775807
            LINDEX l 1x
            LINDEX l " 1"
            """);
    }

    [Fact]
    public void SetInsertRemoveTrim()
    {
        d.Reset();
        d.Script("""
            LSET nope 0 x
            LSET nope x x
            RPUSH l a b c b a
            LSET l 0 A
            LSET l -1 Z
            LSET l 5 x
            LSET l -6 x
            LSET l x y
            LSET l 2 "a much longer value than before, to move bytes around"
            LRANGE l 0 -1
            LINSERT nope BEFORE a x
            LINSERT l BEFORE b x
            LINSERT l after b y
            LINSERT l AFTER nothere y
            LINSERT l MIDDLE b y
            LINSERT nope MIDDLE b y
            LRANGE l 0 -1
            LREM nope 0 a
            LREM l x b
            LREM l 1 b
            LREM l -1 b
            LREM l 0 nothere
            LRANGE l 0 -1
            RPUSH r a x a x a x a
            LREM r -2 a
            LRANGE r 0 -1
            LREM r 2 x
            LRANGE r 0 -1
            LREM r 0 a
            LRANGE r 0 -1
            LREM r -9223372036854775808 x
            EXISTS r
            LTRIM nope 0 1
            LTRIM l 1 -2
            LRANGE l 0 -1
            LTRIM l 0 100
            LTRIM l -2 -1
            LRANGE l 0 -1
            LTRIM l a 1
            LTRIM l 1 0
            EXISTS l
            RPUSH t a b c
            LTRIM t 5 10
            EXISTS t
            RPUSH t a b c
            LTRIM t -100 -4
            EXISTS t
            """);
    }

    [Fact]
    public void LPosOptions()
    {
        d.Reset();
        d.Script("""
            LPOS nope a
            LPOS nope a COUNT 0
            LPOS nope a RANK 0
            RPUSH l a b c a b c a
            LPOS l a
            LPOS l c
            LPOS l z
            LPOS l a RANK 2
            LPOS l a RANK 3
            LPOS l a RANK 4
            LPOS l a RANK -1
            LPOS l a RANK -3
            LPOS l a RANK -4
            LPOS l a COUNT 0
            LPOS l a COUNT 2
            LPOS l a COUNT 2 RANK 2
            LPOS l a COUNT 0 RANK -1
            LPOS l a COUNT 5 RANK -2
            LPOS l z COUNT 0
            LPOS l a MAXLEN 1
            LPOS l a MAXLEN 3 COUNT 0
            LPOS l c MAXLEN 2
            LPOS l a RANK -1 MAXLEN 2 COUNT 0
            LPOS l a RANK 0
            LPOS l a RANK x
            LPOS l a COUNT -1
            LPOS l a COUNT x
            LPOS l a MAXLEN -1
            LPOS l a MAXLEN x
            LPOS l a RANK
            LPOS l a FOO 1
            LPOS l a COUNT
            LPOS l a RANK -9223372036854775808
            LPOS l a RANK -9223372036854775808 COUNT 0
            LPOS l a RANK -9223372036854775808 COUNT 1
            LPOS l a RANK 9223372036854775807
            LPOS l a RANK 9223372036854775807 COUNT 0
            LPOS l a rank 1 count 1 maxlen 0
            LPOS l a RANK 1 RANK 2
            """);
    }

    [Fact]
    public void MovesBetweenLists()
    {
        d.Reset();
        d.Script("""
            LMOVE nope dst LEFT RIGHT
            RPOPLPUSH nope dst
            EXISTS dst
            RPUSH src a b c
            LMOVE src dst LEFT RIGHT
            LMOVE src dst RIGHT LEFT
            LRANGE src 0 -1
            LRANGE dst 0 -1
            LMOVE src dst left left
            EXISTS src
            RPUSH src 1 2 3
            RPOPLPUSH src src
            LRANGE src 0 -1
            LMOVE src src LEFT RIGHT
            LRANGE src 0 -1
            RPUSH one x
            LMOVE one one LEFT LEFT
            LRANGE one 0 -1
            LMOVE src dst UP LEFT
            LMOVE src dst LEFT DOWN
            LMOVE nope dst UP LEFT
            SET str v
            LMOVE src str LEFT LEFT
            LMOVE str src LEFT LEFT
            RPOPLPUSH src str
            RPOPLPUSH str src
            LMOVE nope str LEFT LEFT
            LRANGE src 0 -1
            """);
    }

    [Fact]
    public void MultiKeyPop()
    {
        d.Reset();
        d.Script("""
            LMPOP 1 nope LEFT
            LMPOP 2 nope nope2 RIGHT COUNT 10
            RPUSH b 1 2 3 4 5
            LMPOP 2 a b LEFT
            LMPOP 2 a b RIGHT COUNT 2
            LMPOP 1 b LEFT COUNT 100
            EXISTS b
            RPUSH b x
            LMPOP 0 b LEFT
            LMPOP -1 b LEFT
            LMPOP x b LEFT
            LMPOP 2 b LEFT
            LMPOP 3 a b LEFT
            LMPOP 1 b MIDDLE
            LMPOP 1 b LEFT COUNT 0
            LMPOP 1 b LEFT COUNT -1
            LMPOP 1 b LEFT COUNT x
            LMPOP 1 b LEFT COUNT 1 COUNT 2
            LMPOP 1 b LEFT COUNT
            LMPOP 1 b LEFT FOO
            LMPOP 9223372036854775807 b LEFT
            LMPOP 1 b
            SET s v
            LMPOP 2 nope s LEFT
            LMPOP 2 b s LEFT
            LMPOP 2 s b LEFT
            """);
    }

    [Fact]
    public void WrongTypeEverywhere()
    {
        d.Reset();
        d.Script("""
            SET s v
            LPUSH s a
            RPUSH s a
            LPUSHX s a
            RPUSHX s a
            LLEN s
            LINDEX s 0
            LINDEX s x
            LSET s 0 x
            LSET s x x
            LPOP s
            RPOP s 2
            LPOP s 0
            LPOP s -1
            LRANGE s 0 -1
            LRANGE s x 1
            LTRIM s 0 1
            LPOS s a
            LPOS s a COUNT 0
            LPOS s a RANK 0
            LREM s 0 a
            LREM s x a
            LINSERT s BEFORE a b
            LINSERT s MIDDLE a b
            LMOVE s d LEFT LEFT
            RPOPLPUSH s d
            LMPOP 1 s LEFT
            BLPOP s 0
            BRPOP nope s 0
            BLMOVE s d LEFT LEFT 0
            BRPOPLPUSH s d 0
            BLMPOP 0 1 s LEFT
            GET s
            """);
    }

    [Fact]
    public void BlockingCommandsWithDataAnswerAtOnce()
    {
        d.Reset();
        d.Script("""
            RPUSH a 1 2 3
            RPUSH b x y
            BLPOP nope a b 0
            BRPOP b a 1
            BLMOVE a dst LEFT RIGHT 0
            BLMOVE a dst right left 5
            EXISTS a
            BRPOPLPUSH b dst 0
            LRANGE dst 0 -1
            BLMPOP 0 2 nope dst LEFT COUNT 2
            BLMPOP 1 1 dst RIGHT
            BLMPOP 0.5 1 b RIGHT COUNT 10
            EXISTS dst b
            """);
    }

    [Fact]
    public void BlockingArgumentErrors()
    {
        d.Reset();
        d.Script("""
            BLPOP a abc
            BLPOP a -1
            BLPOP a ""
            BLPOP a " 1"
            BLPOP a "1 "
            BLPOP a nan
            BLPOP a inf
            BLPOP a -inf
            BLPOP a 1e30
            BLPOP a 1e400
            BLPOP a 1e5000
            BLPOP a 1e-5000
            BLPOP a 9223372036854775807
            BLPOP a 0x
            BLPOP a 1e
            BLPOP a .e1
            BRPOP a -0.5
            BLPOP
            BLPOP a
            BLMOVE a b LEFT RIGHT -1
            BLMOVE a b UP RIGHT -1
            BLMOVE a b LEFT DOWN x
            BLMOVE a b LEFT RIGHT x
            BRPOPLPUSH a b x
            BRPOPLPUSH a b -1
            BLMPOP x 1 a LEFT
            BLMPOP -1 1 a LEFT
            BLMPOP 0 0 a LEFT
            BLMPOP 0 1 a MIDDLE
            BLMPOP 0 1 a LEFT COUNT 0
            BLMPOP -1 1 a LEFT COUNT 0
            BLMPOP 0 2 a LEFT
            BLMPOP 0 1 a LEFT COUNT 1 COUNT 1
            """);
    }

    [Fact]
    public void BlockingCommandsInsideMultiDoNotBlock()
    {
        d.Reset();
        d.Script("""
            MULTI
            BLPOP a b 0
            BRPOP a 10
            BLMOVE a b LEFT RIGHT 0
            BRPOPLPUSH a b 0
            BLMPOP 0 2 a b LEFT COUNT 3
            BLPOP a 0x10
            BLPOP a 1e-400
            BLPOP a -0.0001
            BLPOP a 0.001
            BLPOP a 9223372036854775
            BLPOP a +.5
            BLPOP a 0x1p3
            BLPOP a 0x.8
            BLPOP a 1e-4000
            BLPOP a 1e4000
            RPUSH a x y z
            BLPOP a b 0
            BLMOVE a b LEFT RIGHT 0
            BLMPOP 0 2 a b LEFT COUNT 3
            EXEC
            """);
    }

    [Fact]
    public void Resp3Shapes()
    {
        d.Reset();
        d.Both("HELLO", "3");
        d.Script("""
            LPOP nope
            LPOP nope 2
            RPOP nope 0
            LINDEX nope 0
            LPOS nope a
            LPOS nope a COUNT 1
            LRANGE nope 0 -1
            LMOVE nope dst LEFT LEFT
            LMPOP 1 nope LEFT
            RPUSH l a b c
            LPOP l 2
            LPOP l 0
            LINDEX l 5
            LPOS l z
            LPOS l c COUNT 0
            LMPOP 1 l RIGHT COUNT 5
            RPUSH l a b
            BLPOP l 0
            BLMPOP 0 1 l LEFT COUNT 2
            MULTI
            BLPOP l 0
            BLMOVE l x LEFT LEFT 0
            BLMPOP 0 1 l LEFT
            EXEC
            """);
    }

    /// <summary>Many elements and large ones, with every node-size setting, so lists span many segments.</summary>
    [Theory]
    [InlineData("-2")]
    [InlineData("-1")]
    [InlineData("-5")]
    [InlineData("1")]
    [InlineData("5")]
    [InlineData("0")]
    public void BigLists(string fill)
    {
        d.Reset();
        try
        {
            d.Same("CONFIG", "SET", "list-max-listpack-size", fill);
            var push = new List<object> { "RPUSH", "big" };
            for (int i = 0; i < 5000; i++) push.Add(i % 7 == 0 ? "x" : i.ToString());
            d.Same([.. push]);
            var lpush = new List<object> { "LPUSH", "big" };
            for (int i = 0; i < 2000; i++) lpush.Add("h" + i);
            d.Same([.. lpush]);
            d.Same("RPUSH", "big", new string('L', 20000), new string('M', 70000), "after");
            d.Same("LPUSH", "big", new string('N', 5000));
            d.Script("""
                LLEN big
                LRANGE big 0 -1
                LRANGE big 1990 2020
                LRANGE big -30 -1
                LINDEX big 3500
                LINDEX big -3
                LINDEX big 7001
                LSET big 3500 "a replaced element that is longer"
                LSET big 100 s
                LSET big -2 "short again"
                LINSERT big BEFORE 4000 ins1
                LINSERT big AFTER x ins2
                LPOS big x COUNT 3 RANK -2
                LPOS big x COUNT 0 MAXLEN 2000
                LPOS big 4999
                LREM big 100 x
                LREM big -50 x
                LLEN big
                LRANGE big 0 -1
                LREM big 0 x
                LLEN big
                LPOP big 1500
                RPOP big 3
                LTRIM big 100 -100
                LRANGE big 0 -1
                LMOVE big other LEFT RIGHT
                LMPOP 1 big RIGHT COUNT 1000
                LRANGE big 0 -1
                LTRIM big 2000 1000
                EXISTS big
                """);
        }
        finally
        {
            d.Same("CONFIG", "SET", "list-max-listpack-size", "-2");
        }
    }

    /// <summary>Redis 7.0 reports every list as "quicklist", small or big, with every node-size setting.</summary>
    [Fact]
    public void EncodingIsQuicklist()
    {
        d.Reset();
        try
        {
            foreach (var fill in new[] { "-2", "4", "-1" })
            {
                d.Same("CONFIG", "SET", "list-max-listpack-size", fill);
                d.Same("DEL", "l");
                d.Same("RPUSH", "l", "a");
                d.Same("OBJECT", "ENCODING", "l");
                var push = new List<object> { "RPUSH", "l" };
                for (int i = 0; i < 1000; i++) push.Add("element-" + i);
                d.Same([.. push]);
                d.Same("OBJECT", "ENCODING", "l");
                d.Same("LTRIM", "l", "0", "0");
                d.Same("OBJECT", "ENCODING", "l");
            }
        }
        finally
        {
            d.Same("CONFIG", "SET", "list-max-listpack-size", "-2");
        }
    }

    /// <summary>Seeded random command sequences on both servers: every reply and the final lists compared.</summary>
    [Theory]
    [InlineData(1, "-2")]
    [InlineData(2, "2")]
    [InlineData(3, "-1")]
    public void RandomizedDifferential(int seed, string fill)
    {
        d.Reset();
        try
        {
            d.Same("CONFIG", "SET", "list-max-listpack-size", fill);
            var r = new Random(seed);
            string[] keys = ["a", "b", "c", "s"];
            string Key() => keys[r.Next(keys.Length)];
            string El()
            {
                int k = r.Next(20);
                if (k == 0) return new string((char)('p' + r.Next(3)), r.Next(100, 3000));
                if (k == 1) return "";
                return ((char)('x' + r.Next(3))).ToString();
            }
            string Idx() => r.Next(5) == 0 ? r.Next(-3, 3).ToString() : r.Next(-40, 40).ToString();
            string Side() => r.Next(2) == 0 ? "LEFT" : "right";
            for (int i = 0; i < 1500; i++)
            {
                object[] cmd = r.Next(30) switch
                {
                    0 or 1 or 2 => ["RPUSH", Key(), El(), El(), El()],
                    3 or 4 or 5 => ["LPUSH", Key(), El(), El()],
                    6 => [r.Next(2) == 0 ? "LPUSHX" : "RPUSHX", Key(), El()],
                    7 => ["LPOP", Key()],
                    8 => ["RPOP", Key(), r.Next(0, 5).ToString()],
                    9 => ["LRANGE", Key(), Idx(), Idx()],
                    10 => ["LINDEX", Key(), Idx()],
                    11 => ["LSET", Key(), Idx(), El()],
                    12 => ["LINSERT", Key(), r.Next(2) == 0 ? "BEFORE" : "AFTER", El(), El()],
                    13 => ["LREM", Key(), r.Next(-2, 3).ToString(), El()],
                    14 => ["LTRIM", Key(), Idx(), Idx()],
                    15 => ["LPOS", Key(), El(), "RANK", (r.Next(2) == 0 ? 1 : -1) * r.Next(1, 3), "COUNT", r.Next(0, 3), "MAXLEN", r.Next(0, 20)],
                    16 => ["LPOS", Key(), El()],
                    17 => ["LMOVE", Key(), Key(), Side(), Side()],
                    18 => ["RPOPLPUSH", Key(), Key()],
                    19 => ["LMPOP", "2", Key(), Key(), Side(), "COUNT", r.Next(1, 4).ToString()],
                    20 => ["LLEN", Key()],
                    21 => ["SET", "s", "str"],
                    22 => ["DEL", Key()],
                    23 => ["TYPE", Key()],
                    24 => ["EVAL_MULTI"],
                    25 => ["RPUSH", Key(), El(), El(), El(), El(), El(), El(), El(), El()],
                    26 => ["LRANGE", Key(), "0", "-1"],
                    _ => ["LPUSH", Key(), El()],
                };
                if ((string)cmd[0] == "EVAL_MULTI")
                {
                    d.Same("MULTI");
                    d.Same("BLPOP", Key(), Key(), "0");
                    d.Same("BLMOVE", Key(), Key(), Side(), Side(), "0");
                    d.Same("BLMPOP", "0", "2", Key(), Key(), Side(), "COUNT", "2");
                    d.Same("BRPOPLPUSH", Key(), Key(), "0");
                    d.Same("EXEC");
                    continue;
                }
                d.Same(cmd);
            }
            foreach (var k in keys)
            {
                d.Same("TYPE", k);
                d.Same("LRANGE", k, "0", "-1");
            }
        }
        finally
        {
            d.Same("CONFIG", "SET", "list-max-listpack-size", "-2");
        }
    }

    /// <summary>Which list commands invalidate a WATCH (signalModifiedKey), including LTRIM that trims nothing.</summary>
    [Theory]
    [InlineData("LTRIM l 0 -1")]
    [InlineData("LTRIM l 1 0")]
    [InlineData("LREM l 0 nothere")]
    [InlineData("LREM l 1 a")]
    [InlineData("LINSERT l BEFORE nothere x")]
    [InlineData("LINSERT l BEFORE a x")]
    [InlineData("LSET l 0 z")]
    [InlineData("LPUSHX l z")]
    [InlineData("RPUSHX other z")]
    [InlineData("LPOP other")]
    [InlineData("RPOP l 0")]
    [InlineData("LMOVE l other LEFT LEFT")]
    [InlineData("LMOVE other l LEFT LEFT")]
    [InlineData("LMPOP 1 l LEFT")]
    [InlineData("BLPOP l 0")]
    [InlineData("LPOS l a")]
    public void WatchSeesListWrites(string line)
    {
        d.Reset();
        var results = new List<string>();
        foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
        {
            using var a = new RespClient(port);
            using var b = new RespClient(port);
            a.Call("RPUSH", "l", "a", "b", "c");
            a.Call("WATCH", "l");
            results.Add(b.Call(Differential.SplitLine(line)).ToString());
            a.Call("MULTI");
            a.Call("LLEN", "l");
            results.Add(a.Call("EXEC").ToString());
            a.Call("FLUSHALL");
        }
        Assert.Equal(results[0], results[2]);
        Assert.Equal(results[1], results[3]);
    }


    /// <summary>What each list write sends to replicas, as Redis 7.0 propagates it.</summary>
    [Fact]
    public void PropagatedForms()
    {
        d.Reset();
        var server = d.Tern.Server;
        var rec = new PropagationRecorder();
        server.PropagationSink = rec;
        try
        {
            using var c = d.Tern.Connect();
            void Run(params object[] args) => c.Call(args);
            Run("RPUSH", "l", "a", "b", "c", "d", "e", "f");
            Run("LPUSHX", "l", "z");
            Run("RPUSHX", "nope", "z");
            Run("LPOP", "l");
            Run("RPOP", "l", "2");
            Run("LPOP", "nope");
            Run("LSET", "l", "0", "A");
            Run("LINSERT", "l", "AFTER", "A", "B");
            Run("LINSERT", "l", "AFTER", "nothere", "B");
            Run("LREM", "l", "0", "B");
            Run("LREM", "l", "0", "nothere");
            Run("LTRIM", "l", "0", "-1");
            Run("LTRIM", "l", "0", "1");
            Run("LMOVE", "l", "m", "left", "RIGHT");
            Run("RPOPLPUSH", "l", "m");
            Run("RPUSH", "l", "1", "2", "3");
            Run("LMPOP", "2", "nope", "l", "LEFT", "COUNT", "5");
            Run("LMPOP", "1", "nope", "LEFT");
            Run("BLPOP", "nope", "m", "0");
            Run("BRPOP", "m", "0");
            Run("RPUSH", "s", "1", "2");
            Run("BLMOVE", "s", "t", "Left", "rIGHT", "0");
            Run("BRPOPLPUSH", "s", "t", "0");
            Run("BLMPOP", "0", "1", "t", "RIGHT", "COUNT", "9");
            Assert.Equal(new[]
            {
                "RPUSH l a b c d e f",
                "LPUSHX l z",
                "LPOP l",
                "RPOP l 2",
                "LSET l 0 A",
                "LINSERT l AFTER A B",
                "LREM l 0 B",
                "LTRIM l 0 1",
                "LMOVE l m left RIGHT",
                "RPOPLPUSH l m",
                "RPUSH l 1 2 3",
                "LPOP l 3",
                "LPOP m",
                "RPOP m",
                "RPUSH s 1 2",
                "LMOVE s t Left rIGHT",
                "RPOPLPUSH s t",
                "RPOP t 2",
            }, rec.Commands);

            // Served after blocking: the popped form, and for BLMOVE Redis's lower-case shared "left"/"right".
            rec.Clear();
            using var w = d.Tern.Connect();
            ServedAfterBlocking(c, w, ["BLPOP", "q1", "0"], ["RPUSH", "q1", "v"]);
            ServedAfterBlocking(c, w, ["BRPOP", "q1", "0"], ["RPUSH", "q1", "v"]);
            ServedAfterBlocking(c, w, ["BLMOVE", "q2", "dst", "RIGHT", "LEFT", "0"], ["RPUSH", "q2", "v"]);
            ServedAfterBlocking(c, w, ["BRPOPLPUSH", "q3", "dst", "0"], ["RPUSH", "q3", "v"]);
            ServedAfterBlocking(c, w, ["BLMPOP", "0", "1", "q4", "LEFT", "COUNT", "5"], ["RPUSH", "q4", "v", "w"]);
            Assert.Equal(new[]
            {
                "RPUSH q1 v", "LPOP q1",
                "RPUSH q1 v", "RPOP q1",
                "RPUSH q2 v", "LMOVE q2 dst right left",
                "RPUSH q3 v", "RPOPLPUSH q3 dst",
                "RPUSH q4 v w", "LPOP q4 2",
            }, rec.Commands);
        }
        finally
        {
            server.PropagationSink = null;
        }
    }

    private void ServedAfterBlocking(RespClient blocker, RespClient writer, object[] blocking, object[] write)
    {
        int before = d.Tern.Server.Clients.BlockedCount;
        blocker.Send(blocking);
        Wait.Until(() => d.Tern.Server.Clients.BlockedCount > before, "the client to block");
        writer.Call(write);
        var reply = blocker.Read();
        Assert.False(reply.IsNull || reply.IsError, reply.ToString());
    }

    /// <summary>Keyspace events of list writes, compared with what redis-server publishes.</summary>
    [Fact]
    public void NotificationsMatchRedis()
    {
        d.Reset();
        const string script = """
            RPUSH l a b c
            LPUSH l z
            LPUSHX nope z
            LPOP l
            RPOP l 2
            LPOP l
            RPUSH l a b a
            LSET l 0 A
            LINSERT l BEFORE b x
            LINSERT l BEFORE nothere x
            LREM l 0 a
            LREM l 0 nothere
            LTRIM l 0 -1
            LTRIM l 1 0
            RPUSH l 1 2
            LMOVE l m LEFT RIGHT
            RPOPLPUSH l m
            RPUSH l 1 2 3
            LMPOP 1 l RIGHT COUNT 5
            BLPOP m 0
            RPUSH s 1
            BLMOVE s t LEFT LEFT 0
            BLMPOP 0 1 t LEFT COUNT 3
            """;

        var (redisEvents, ternEvents) = d.KeyEvents(script, "El$g");
        Assert.Equal(redisEvents, ternEvents);
    }

}
