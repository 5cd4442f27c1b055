using System.Globalization;
using System.Text;
using Tern.Server.Commands;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>Sorted set commands, replayed against redis-server and Tern, replies compared byte for byte.</summary>
public sealed class SortedSetFamilyTests(Differential d) : IClassFixture<Differential>
{
    /// <summary>Empties both servers and puts the encoding thresholds back to Redis's defaults.</summary>
    private void Reset()
    {
        d.Reset();
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", "128");
        d.Same("CONFIG", "SET", "zset-max-listpack-value", "64");
    }

    [Fact]
    public void AddOptionsAndErrors()
    {
        Reset();
        d.Script("""
            ZADD z 1 a 2 b 3 c
            ZADD z 1 a
            ZADD z CH 5 a 2 b 9 new
            ZADD z NX 100 a 7 x
            ZADD z XX 100 a 7 y
            ZADD z XX CH 100 a 7 y
            ZADD z GT 50 a 200 b
            ZADD z GT CH 50 a 200 b
            ZADD z LT CH 50 a 1 b
            ZADD z XX GT 1000 a
            ZADD z xx lt ch 0 a
            ZRANGE z 0 -1 WITHSCORES
            ZADD z NX XX 1 a
            ZADD z GT LT 1 a
            ZADD z GT NX 1 a
            ZADD z LT NX 1 a
            ZADD z INCR 1 a 2 b
            ZADD z
            ZADD z 1
            ZADD z 1 a 2
            ZADD z NX
            ZADD z abc a
            ZADD z 1 a abc b
            ZADD z nan a
            ZADD z NX XX abc a
            ZADD z NX XX 1
            ZADD z 1 a CH 2 b
            ZADD missing XX 1 a
            ZADD missing XX INCR 1 a
            EXISTS missing
            ZADD z 1 a 2 a 3 a
            ZADD z CH 1 d 2 d 3 d
            ZSCORE z a
            ZSCORE z d
            SET str x
            ZADD str 1 a
            ZADD str abc a
            ZADD str NX XX 1 a
            """);
    }

    [Fact]
    public void IncrementsAndNaN()
    {
        Reset();
        d.Script("""
            ZINCRBY z 1.5 a
            ZINCRBY z -1.5 a
            ZSCORE z a
            ZINCRBY z inf a
            ZINCRBY z -inf a
            ZINCRBY z abc a
            ZINCRBY z nx a
            ZINCRBY z 1 b c
            ZADD z INCR 2 b
            ZADD z INCR NX 2 b
            ZADD z INCR XX 2 nosuch
            ZADD z INCR GT -1 b
            ZADD z INCR LT -1 b
            ZADD z INCR GT 1 b
            ZADD z INCR -0 fresh
            ZSCORE z fresh
            ZADD z INCR 0 b
            ZADD z CH INCR 0 b
            ZADD -inf-set -inf m
            ZINCRBY -inf-set inf m
            ZINCRBY -inf-set -inf m
            ZSCORE -inf-set m
            ZADD big 1.7976931348623157e308 m
            ZINCRBY big 1.7976931348623157e308 m
            ZINCRBY big -inf m
            """);
    }

    [Fact]
    public void ScoresParseAsRedisStrtod()
    {
        Reset();
        d.Script("""
            ZADD z 0x10 hex 0X1p-2 hexp 0x1.8 hexf 1e-310 denorm 1E3 exp +5 plus .5 dot 5. dot2 -0 negzero
            ZADD z 1e-400 under
            ZADD z 1e400 over
            ZADD z " 1" space
            ZADD z "1 " space
            ZADD z "" empty
            ZADD z 0x hexnone
            ZADD z "1\x00" nul
            ZADD z inF i1 -Infinity i2 +inf i3
            ZADD z infinit bad
            ZADD z nan bad
            ZADD z -nan bad
            ZADD z 0e-500 zero
            ZRANGE z 0 -1 WITHSCORES
            ZSCORE z negzero
            ZSCORE z denorm
            ZADD z 123456789012345678901234567890 huge 0.1 tenth 3.0000000000000004 near3
            ZSCORE z huge
            ZSCORE z tenth
            ZSCORE z near3
            """);
    }

    [Fact]
    public void ReadsAndRanks()
    {
        Reset();
        d.Script("""
            ZADD z 1 a 2 b 3 c 3 cc 4 d
            ZCARD z
            ZCARD missing
            ZSCORE z c
            ZSCORE z nosuch
            ZSCORE missing a
            ZMSCORE z a nosuch d
            ZMSCORE missing a b
            ZRANK z a
            ZRANK z cc
            ZREVRANK z a
            ZREVRANK z d
            ZRANK z nosuch
            ZRANK missing a
            ZRANK z a WITHSCORE
            ZREVRANK z a withscore
            ZCOUNT z 1 3
            ZCOUNT z (1 (3
            ZCOUNT z -inf +inf
            ZCOUNT z 3 1
            ZCOUNT z (3 3
            ZCOUNT z a 3
            ZCOUNT z 1 nan
            ZCOUNT missing 1 2
            SET str x
            ZCARD str
            ZSCORE str a
            ZMSCORE str a
            ZRANK str a
            ZCOUNT str 1 2
            ZCOUNT str a 2
            """);
    }

    [Fact]
    public void RangesByRankScoreAndLex()
    {
        Reset();
        d.Script("""
            ZADD z 1 a 2 b 3 c 4 d 5 e 5 ee -inf ninf +inf pinf
            ZRANGE z 0 -1
            ZRANGE z 0 -1 WITHSCORES
            ZRANGE z -3 -1 withscores
            ZRANGE z 2 1
            ZRANGE z 100 200
            ZRANGE z -100 1
            ZRANGE z 0 a
            ZRANGE z 0 -1 REV WITHSCORES
            ZRANGE z 0 -1 LIMIT 0 1
            ZRANGE z 0 -1 FOO
            ZRANGE z (1 5 BYSCORE
            ZRANGE z (1 (5 BYSCORE WITHSCORES
            ZRANGE z 5 (1 BYSCORE REV
            ZRANGE z -inf +inf BYSCORE LIMIT 2 3
            ZRANGE z -inf +inf BYSCORE LIMIT 2 -1
            ZRANGE z -inf +inf BYSCORE LIMIT -1 2
            ZRANGE z -inf +inf BYSCORE LIMIT 100 2
            ZRANGE z -inf +inf BYSCORE LIMIT 0 0
            ZRANGE z -inf +inf BYSCORE LIMIT 0
            ZRANGE z -inf +inf BYSCORE LIMIT a 1
            ZRANGE z x y BYSCORE
            ZRANGE z - + BYLEX WITHSCORES
            ZRANGE z - + BYLEX BYSCORE
            ZRANGE z 0 1 REV REV
            ZRANGEBYSCORE z 2 4
            ZRANGEBYSCORE z 2 4 WITHSCORES LIMIT 1 1
            ZRANGEBYSCORE z "" "("
            ZRANGEBYSCORE z " 2" 4
            ZRANGEBYSCORE z "2 " 4
            ZRANGEBYSCORE z "(" 4
            ZRANGEBYSCORE z 0x2 1e400
            ZRANGEBYSCORE z 2 4 REV
            ZRANGEBYSCORE z 2 4 BYSCORE
            ZREVRANGEBYSCORE z 4 2 WITHSCORES
            ZREVRANGEBYSCORE z +inf -inf LIMIT 1 2
            ZREVRANGE z 0 2 WITHSCORES
            ZREVRANGE z 0 2 LIMIT 0 1
            ZRANGE missing 0 -1
            ZRANGEBYSCORE missing a b
            ZADD lex 0 a 0 b 0 c 0 d 0 e 0 foo 0 zap 0 "" 0 "a\x00b"
            ZRANGEBYLEX lex - +
            ZRANGEBYLEX lex [b (e
            ZRANGEBYLEX lex (b [e LIMIT 1 2
            ZRANGEBYLEX lex [a [a
            ZRANGEBYLEX lex (a (a
            ZRANGEBYLEX lex + -
            ZRANGEBYLEX lex - -
            ZRANGEBYLEX lex [ +
            ZRANGEBYLEX lex ( +
            ZRANGEBYLEX lex "+\x00x" -
            ZRANGEBYLEX lex "-\x00x" +
            ZRANGEBYLEX lex a +
            ZRANGEBYLEX lex "" +
            ZRANGEBYLEX lex ++ +
            ZRANGEBYLEX lex - + WITHSCORES
            ZRANGEBYLEX lex - + LIMIT 0 -1
            ZRANGEBYLEX lex - + LIMIT -1 5
            ZREVRANGEBYLEX lex + - LIMIT 0 3
            ZREVRANGEBYLEX lex [e (b
            ZRANGE lex [e (b BYLEX REV
            ZRANGE lex [b [e BYLEX LIMIT 1 10
            ZLEXCOUNT lex - +
            ZLEXCOUNT lex [b (e
            ZLEXCOUNT lex + -
            ZLEXCOUNT lex a b
            ZLEXCOUNT missing - +
            SET str x
            ZRANGE str 0 -1
            ZRANGEBYLEX str - +
            ZRANGEBYLEX str a b
            ZRANGE str 0 -1 LIMIT 0 1
            """);
    }

    [Fact]
    public void LexRangesOverMixedScoresFollowTheListpackWalk()
    {
        // Redis documents lex ranges for equal scores only; over a listpack the result is still deterministic.
        Reset();
        d.Script("""
            ZADD z 5 a 1 b 3 c 2 d 4 e
            ZRANGEBYLEX z [c +
            ZRANGEBYLEX z - [c
            ZREVRANGEBYLEX z + [c
            ZLEXCOUNT z [b [d
            ZREMRANGEBYLEX z [c [d
            ZRANGE z 0 -1 WITHSCORES
            """);
    }

    [Fact]
    public void RangeStore()
    {
        Reset();
        d.Script("""
            ZADD src 1 a 2 b 3 c 4 d 5 e
            ZRANGESTORE dst src 0 -1
            ZRANGE dst 0 -1 WITHSCORES
            ZRANGESTORE dst src 1 2 REV
            ZRANGE dst 0 -1 WITHSCORES
            ZRANGESTORE dst src (1 4 BYSCORE LIMIT 1 2
            ZRANGE dst 0 -1 WITHSCORES
            ZRANGESTORE dst src [b [d BYLEX
            ZRANGE dst 0 -1 WITHSCORES
            ZRANGESTORE dst src 0 -1 WITHSCORES
            ZRANGESTORE dst src 0 -1 LIMIT 0 1
            ZRANGESTORE dst src 5 10
            EXISTS dst
            SET dst x
            EXPIRE dst 100
            ZRANGESTORE dst src 0 0
            TTL dst
            TYPE dst
            ZRANGESTORE dst missing 0 -1
            EXISTS dst
            ZRANGESTORE dst missing 0 -1
            ZRANGESTORE src src 1 1
            ZRANGE src 0 -1 WITHSCORES
            SET str x
            ZRANGESTORE dst str 0 -1
            ZRANGESTORE str src 0 -1
            TYPE str
            """);
    }

    [Fact]
    public void RemovalsAndRangeDeletes()
    {
        Reset();
        d.Script("""
            ZADD z 1 a 2 b 3 c 4 d 5 e 6 f
            ZREM z a nosuch a
            ZREM z nosuch
            ZREM missing a
            ZREMRANGEBYRANK z 0 0
            ZREMRANGEBYRANK z -1 -1
            ZREMRANGEBYRANK z 5 10
            ZREMRANGEBYRANK z 2 1
            ZREMRANGEBYRANK z a 1
            ZRANGE z 0 -1
            ZREMRANGEBYSCORE z (3 4
            ZREMRANGEBYSCORE z x 4
            ZREMRANGEBYSCORE z 100 200
            ZRANGE z 0 -1
            ZADD lex 0 a 0 b 0 c 0 d
            ZREMRANGEBYLEX lex [b (d
            ZREMRANGEBYLEX lex a b
            ZRANGE lex 0 -1
            ZREMRANGEBYLEX lex - +
            EXISTS lex
            ZREMRANGEBYSCORE z -inf +inf
            EXISTS z
            ZADD z 1 a
            ZREMRANGEBYRANK z 0 -1
            EXISTS z
            ZADD z 1 a 2 b
            ZREM z a b
            EXISTS z
            ZREMRANGEBYRANK missing 0 -1
            ZREMRANGEBYLEX missing - +
            SET str x
            ZREM str a
            ZREMRANGEBYRANK str 0 1
            ZREMRANGEBYSCORE str 0 1
            ZREMRANGEBYLEX str - +
            ZREMRANGEBYLEX str a +
            """);
    }

    [Fact]
    public void SetOperations()
    {
        Reset();
        d.Script("""
            ZADD a 1 x 2 y 3 z
            ZADD b 10 y 20 z 30 w
            ZADD c 100 z
            ZUNIONSTORE out 2 a b
            ZRANGE out 0 -1 WITHSCORES
            ZUNIONSTORE out 2 a b WEIGHTS 2 3 AGGREGATE MAX
            ZRANGE out 0 -1 WITHSCORES
            ZUNIONSTORE out 3 a b c AGGREGATE min
            ZRANGE out 0 -1 WITHSCORES
            ZUNIONSTORE out 2 a missing
            ZINTERSTORE out 3 a b c
            ZRANGE out 0 -1 WITHSCORES
            ZINTERSTORE out 2 a b WEIGHTS 1 -1
            ZRANGE out 0 -1 WITHSCORES
            ZINTERSTORE out 2 a missing
            EXISTS out
            ZDIFFSTORE out 2 b a
            ZRANGE out 0 -1 WITHSCORES
            ZDIFFSTORE out 2 a a
            ZDIFFSTORE out 1 missing
            ZUNION 2 a b WITHSCORES
            ZUNION 2 a b
            ZINTER 2 a b WITHSCORES
            ZINTER 2 a a WEIGHTS 1 2 WITHSCORES
            ZDIFF 2 a b WITHSCORES
            ZDIFF 3 b a c
            ZINTERCARD 2 a b
            ZINTERCARD 2 a b LIMIT 1
            ZINTERCARD 2 a b LIMIT 0
            ZINTERCARD 1 missing
            ZINTERCARD 2 a b LIMIT -1
            ZINTERCARD 2 a b LIMIT abc
            ZINTERCARD 2 a b WITHSCORES
            ZINTERCARD 2 a b LIMIT
            ZUNIONSTORE out 0 a
            ZUNIONSTORE out -1 a
            ZUNIONSTORE out abc a
            ZUNIONSTORE out 3 a b
            ZUNIONSTORE out 2 a b WEIGHTS 1
            ZUNIONSTORE out 2 a b WEIGHTS 1 abc
            ZUNIONSTORE out 2 a b WEIGHTS 1 nan
            ZUNIONSTORE out 2 a b AGGREGATE avg
            ZUNIONSTORE out 2 a b AGGREGATE
            ZUNIONSTORE out 2 a b WITHSCORES
            ZUNION 0 a
            ZINTER 0 a
            ZDIFF 0 a
            ZINTERCARD 0 a
            ZDIFFSTORE out 0 a
            ZDIFF 2 a b WEIGHTS 1 1
            ZDIFF 2 a b AGGREGATE sum
            ZUNION 1 a WITHSCORES WITHSCORES
            ZADD inf 1 m -1 n
            ZUNIONSTORE out 2 inf inf WEIGHTS inf -inf
            ZRANGE out 0 -1 WITHSCORES
            ZINTERSTORE out 2 inf inf WEIGHTS inf 0
            ZRANGE out 0 -1 WITHSCORES
            ZUNIONSTORE out 1 inf WEIGHTS 0
            ZRANGE out 0 -1 WITHSCORES
            ZADD pinf inf m
            ZADD ninf -inf m
            ZUNION 2 pinf ninf WITHSCORES
            ZINTER 2 pinf ninf WITHSCORES
            ZINTER 2 pinf ninf AGGREGATE MIN WITHSCORES
            SET str x
            ZUNION 2 a str
            ZUNIONSTORE out 2 a str
            ZINTERSTORE str 1 a
            TYPE str
            ZUNION 2 str missing WEIGHTS abc
            SET out x
            EXPIRE out 1000
            ZUNIONSTORE out 1 a
            TTL out
            ZDIFFSTORE out 1 missing
            EXISTS out
            """);
    }

    [Fact]
    public void Pops()
    {
        Reset();
        d.Script("""
            ZADD z 1 a 2 b 3 c 4 d 5 e
            ZPOPMIN z
            ZPOPMAX z
            ZPOPMIN z 2
            ZPOPMAX z 0
            ZPOPMIN z -1
            ZPOPMIN z abc
            ZPOPMIN z 1 2
            ZPOPMIN z 100
            EXISTS z
            ZPOPMIN z
            ZPOPMIN missing 2
            ZADD z 1 a 2 b 3 c
            ZMPOP 1 z MIN
            ZMPOP 2 missing z MAX COUNT 10
            EXISTS z
            ZMPOP 1 missing MIN
            ZMPOP 0 z MIN
            ZMPOP -1 z MIN
            ZMPOP abc z MIN
            ZMPOP 2 z MIN
            ZMPOP 1 z
            ZMPOP 1 z LEFT
            ZMPOP 1 z MIN COUNT 0
            ZMPOP 1 z MIN COUNT -1
            ZMPOP 1 z MIN COUNT abc
            ZMPOP 1 z MIN COUNT 1 COUNT 1
            ZMPOP 1 z MIN COUNT
            ZMPOP 1 z MIN FOO
            ZMPOP 9223372036854775807 z MIN
            SET str x
            ZPOPMIN str
            ZPOPMIN str 0
            ZMPOP 2 missing str MIN
            ZMPOP 2 str missing MIN
            BZPOPMIN str 0
            """);
    }

    [Fact]
    public void RandomMembers()
    {
        Reset();
        d.Script("""
            ZRANDMEMBER missing
            ZRANDMEMBER missing 5
            ZRANDMEMBER missing 5 WITHSCORES
            ZRANDMEMBER missing abc
            ZADD z 1 a 2 b 3 c 4 d
            ZRANDMEMBER z 0
            ZRANDMEMBER z 4
            ZRANDMEMBER z 100 WITHSCORES
            ZRANDMEMBER z abc
            ZRANDMEMBER z -9223372036854775808
            ZRANDMEMBER z 9223372036854775807 WITHSCORES
            ZRANDMEMBER z -9223372036854775807 WITHSCORES
            ZRANDMEMBER z 4611686018427387904 WITHSCORES
            ZRANDMEMBER z 1 WITHSCORES extra
            ZRANDMEMBER z 1 FOO
            SET str x
            ZRANDMEMBER str
            ZRANDMEMBER str 1
            """);
        // Random picks: only the shape and the membership can be compared.
        var members = new HashSet<string> { "a", "b", "c", "d" };
        var one = d.TernClient.Call("ZRANDMEMBER", "z");
        Assert.Contains(one.Text!, members);
        var dup = d.TernClient.Call("ZRANDMEMBER", "z", "-20");
        Assert.Equal(20, dup.Items!.Count);
        Assert.All(dup.Items, i => Assert.Contains(i.Text!, members));
        var uniq = d.TernClient.Call("ZRANDMEMBER", "z", "3", "WITHSCORES");
        Assert.Equal(6, uniq.Items!.Count);
        var names = new HashSet<string>();
        for (int i = 0; i < 6; i += 2)
        {
            Assert.True(names.Add(uniq.Items[i].Text!));
            Assert.Equal(d.TernClient.Call("ZSCORE", "z", uniq.Items[i].Text!).Text, uniq.Items[i + 1].Text);
        }
        // A compact set answers a small unique sample in set order, as Redis's listpack sampling does.
        var sample = d.TernClient.Call("ZRANDMEMBER", "z", "1");
        Assert.Single(sample.Items!);
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", "0");
        d.Same("ZUNIONSTORE", "big", "1", "z");
        d.Same("OBJECT", "ENCODING", "big");
        d.Same("ZRANDMEMBER", "big", "10", "WITHSCORES");
        var full = d.TernClient.Call("ZRANDMEMBER", "big", "2");
        Assert.Equal(2, full.Items!.Select(i => i.Text).Distinct().Count());
        d.TernClient.Call("HELLO", "3");
        var nested = d.TernClient.Call("ZRANDMEMBER", "big", "-3", "WITHSCORES");
        Assert.Equal(3, nested.Items!.Count);
        Assert.All(nested.Items, i => Assert.Equal(2, i.Items!.Count));
        Assert.All(nested.Items, i => Assert.Equal(',', i.Items![1].Type));
    }

    [Fact]
    public void ScanListpackAndSkiplist()
    {
        Reset();
        d.Script("""
            ZSCAN missing 0
            ZSCAN missing abc
            ZADD z 1 a 2.5 b 4e18 big 1e20 bigger 0.1 tenth -0 nz inf i -inf ni 4611686018427387904 p62
            ZSCAN z 0
            ZSCAN z 12345
            ZSCAN z 0 MATCH b*
            ZSCAN z 0 COUNT 1 MATCH *i*
            ZSCAN z 0 COUNT 0
            ZSCAN z 0 COUNT abc
            ZSCAN z 0 TYPE zset
            ZSCAN z 0 MATCH
            ZSCAN z -1
            ZSCAN z abc
            SET str x
            ZSCAN str 0
            """);
        // A skiplist is walked with a cursor: every member comes back, with Redis's %.17g scores.
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", "0");
        var c = d.TernClient;
        var expected = new Dictionary<string, string>();
        var args = new List<object> { "ZADD", "s" };
        for (int i = 0; i < 300; i++)
        {
            args.Add((i * 1.5).ToString(CultureInfo.InvariantCulture));
            args.Add("m" + i);
            expected["m" + i] = (i * 1.5).ToString("R", CultureInfo.InvariantCulture);
        }
        args.Add("4e18");
        args.Add("big");
        expected["big"] = "4e+18";
        c.Call([.. args]);
        d.RedisClient.Call([.. args]);
        var seen = new Dictionary<string, string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var r = c.Call("ZSCAN", "s", cursor, "COUNT", "20");
            cursor = r.Items![0].Text!;
            var items = r.Items[1].Items!;
            for (int i = 0; i < items.Count; i += 2) seen[items[i].Text!] = items[i + 1].Text!;
            calls++;
        } while (cursor != "0" && calls < 1000);
        Assert.Equal("0", cursor);
        Assert.True(calls > 1);
        Assert.Equal(expected.OrderBy(k => k.Key), seen.OrderBy(k => k.Key));
        // MATCH filters members only.
        var m = c.Call("ZSCAN", "s", "0", "MATCH", "m1?", "COUNT", "1000");
        Assert.Equal(20, m.Items![1].Items!.Count);
    }

    [Fact]
    public void EncodingTransitions()
    {
        Reset();
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", "4");
        d.Same("CONFIG", "SET", "zset-max-listpack-value", "5");
        d.Script("""
            ZADD z 1 a 2 b 3 c 4 d
            OBJECT ENCODING z
            ZADD z 5 e
            OBJECT ENCODING z
            ZREM z a b c
            OBJECT ENCODING z
            ZADD v 1 abcde
            OBJECT ENCODING v
            ZADD v 1 abcdef
            OBJECT ENCODING v
            ZADD w 1 abcdef 2 a
            OBJECT ENCODING w
            ZADD x 1 a 2 abcdef
            OBJECT ENCODING x
            ZADD x2 XX 1 abcdefg
            EXISTS x2
            ZINCRBY inc 1 abcdefgh
            OBJECT ENCODING inc
            ZUNIONSTORE u 1 z
            OBJECT ENCODING u
            ZUNIONSTORE u 2 z v
            OBJECT ENCODING u
            ZINTERSTORE i 2 w w
            OBJECT ENCODING i
            ZDIFFSTORE df 2 w x
            OBJECT ENCODING df
            ZADD many 1 a 2 b 3 c 4 d 5 e 6 f
            ZRANGESTORE rs many 0 3
            OBJECT ENCODING rs
            ZRANGESTORE rs many 0 4
            OBJECT ENCODING rs
            ZRANGESTORE rs many -inf +inf BYSCORE LIMIT 0 4
            OBJECT ENCODING rs
            ZRANGESTORE rs many -inf +inf BYSCORE LIMIT 0 5
            OBJECT ENCODING rs
            ZRANGESTORE rs w 0 -1
            OBJECT ENCODING rs
            COPY z zc
            OBJECT ENCODING zc
            ZRANGE zc 0 -1 WITHSCORES
            RENAME many many2
            OBJECT ENCODING many2
            """);
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", "0");
        d.Script("""
            ZADD zero 1 a
            OBJECT ENCODING zero
            ZRANGESTORE zr many2 0 0
            OBJECT ENCODING zr
            ZUNIONSTORE zu 1 zero
            OBJECT ENCODING zu
            """);
    }

    [Fact]
    public void NegativeZeroAndFormattingByEncoding()
    {
        // A listpack stores integral scores as integers (-0 becomes 0); a skiplist keeps the double.
        Reset();
        d.Script("""
            ZADD lp -0 a 1.5 b 3 c 1e20 d 4611686018427387903 e -4611686018427387904 f 4611686018427387905 g
            ZSCORE lp a
            ZRANGE lp 0 -1 WITHSCORES
            ZSCAN lp 0
            ZADD lp -0 a
            ZADD lp INCR -0 a
            CONFIG SET zset-max-listpack-entries 0
            ZADD sl -0 a 1.5 b
            ZSCORE sl a
            ZRANGE sl 0 -1 WITHSCORES
            ZADD sl 0 a
            ZSCORE sl a
            ZUNIONSTORE sl2 1 lp
            ZRANGE sl2 0 -1 WITHSCORES
            """);
    }

    [Fact]
    public void Resp3Shapes()
    {
        Reset();
        d.Both("HELLO", "3");
        d.Script("""
            ZADD z 1 a 2.5 b 3 c
            ZADD z INCR 1 a
            ZADD z XX INCR 1 nosuch
            ZINCRBY z 0.5 b
            ZSCORE z a
            ZSCORE z nosuch
            ZSCORE missing a
            ZMSCORE z a nosuch
            ZRANK z nosuch
            ZRANGE z 0 -1 WITHSCORES
            ZRANGE z 0 -1
            ZRANGEBYSCORE z -inf +inf WITHSCORES
            ZREVRANGE z 0 -1 WITHSCORES
            ZUNION 1 z WITHSCORES
            ZINTER 1 z WITHSCORES
            ZDIFF 1 z WITHSCORES
            ZRANDMEMBER z 10 WITHSCORES
            ZRANDMEMBER missing
            ZPOPMIN z
            ZPOPMIN z 1
            ZPOPMAX z 5
            ZADD z 1 a 2 b
            ZMPOP 1 z MIN COUNT 5
            ZMPOP 1 z MIN
            ZADD z 1 a
            BZPOPMIN z 0
            ZADD z 1 a 2 b
            BZMPOP 0 1 z MAX COUNT 1
            ZSCAN z 0
            """);
    }

    [Fact]
    public void BigSets()
    {
        Reset();
        var args = new List<object> { "ZADD", "big" };
        for (int i = 0; i < 3000; i++)
        {
            args.Add(((i * 7919) % 1000).ToString(CultureInfo.InvariantCulture));
            args.Add("member:" + i);
        }
        d.Same([.. args]);
        d.Script("""
            OBJECT ENCODING big
            ZCARD big
            ZRANK big member:1234
            ZREVRANK big member:1234
            ZRANK big member:2999
            ZRANGE big 1000 1010 WITHSCORES
            ZRANGE big -1010 -1000 WITHSCORES
            ZREVRANGE big 1500 1520
            ZCOUNT big 100 (500
            ZCOUNT big (100 500
            ZRANGEBYSCORE big 500 501 WITHSCORES
            ZRANGEBYSCORE big 500 +inf LIMIT 1000 5
            ZREVRANGEBYSCORE big 500 -inf LIMIT 1000 5
            ZRANGE big (250 300 BYSCORE REV LIMIT 3 4
            ZREMRANGEBYRANK big 100 199
            ZREMRANGEBYSCORE big 300 (310
            ZCARD big
            ZRANK big member:1234
            ZPOPMIN big 3
            ZPOPMAX big 3
            ZRANGESTORE part big 500 900
            ZCARD part
            OBJECT ENCODING part
            ZUNIONSTORE u 2 big part WEIGHTS 1 2
            ZRANGE u 700 705 WITHSCORES
            ZINTERSTORE i 2 big part AGGREGATE MAX
            ZRANGE i 0 3 WITHSCORES
            ZDIFFSTORE df 2 big part
            ZCARD df
            DEBUG DIGEST-VALUE big part u i df
            """);
        var redisObj = d.RedisClient.Call("DEBUG", "OBJECT", "big").Text!;
        var ternObj = d.TernClient.Call("DEBUG", "OBJECT", "big").Text!;
        Assert.Equal(Field(redisObj, "serializedlength"), Field(ternObj, "serializedlength"));
        Assert.Equal(Field(redisObj, "encoding"), Field(ternObj, "encoding"));
    }

    private static string Field(string debugObject, string name)
    {
        foreach (var part in debugObject.Split(' '))
            if (part.StartsWith(name + ":", StringComparison.Ordinal)) return part;
        return "";
    }

    [Fact]
    public void DigestAndSerializedLengthMatchRedis()
    {
        Reset();
        d.Script("""
            CONFIG SET zset-max-listpack-value 200
            ZADD small 1 a 2.5 b -3 c 1e20 d inf e -inf f 12345 123 -0 g 0.1 h 4611686018427387904 i
            ZADD withint 1 1 2 -5 3 100000 4 9999999999 5 abc
            ZADD longmember 1 "a member long enough to need the two byte listpack string header, sixty four plus"
            ZADD ttl 1 a
            EXPIRE ttl 1000
            DEBUG DIGEST-VALUE small withint longmember ttl missing
            DEBUG DIGEST
            CONFIG SET zset-max-listpack-entries 0
            ZADD skip 1 a 2.5 b -3 c 1e20 d inf e -inf f -0 g 0.1 h
            DEBUG DIGEST-VALUE skip
            DEBUG DIGEST
            """);
        foreach (var key in new[] { "small", "withint", "longmember", "skip" })
        {
            var r = d.RedisClient.Call("DEBUG", "OBJECT", key).Text!;
            var t = d.TernClient.Call("DEBUG", "OBJECT", key).Text!;
            Assert.Equal(Field(r, "serializedlength"), Field(t, "serializedlength"));
        }
        // A listpack big enough for LZF.
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", "128");
        var args = new List<object> { "ZADD", "lzf" };
        for (int i = 0; i < 100; i++)
        {
            args.Add(i.ToString(CultureInfo.InvariantCulture));
            args.Add("repeated-member-" + (i % 10) + "-" + i);
        }
        d.Same([.. args]);
        d.Same("DEBUG", "DIGEST-VALUE", "lzf");
        Assert.Equal(Field(d.RedisClient.Call("DEBUG", "OBJECT", "lzf").Text!, "serializedlength"),
            Field(d.TernClient.Call("DEBUG", "OBJECT", "lzf").Text!, "serializedlength"));
    }

    [Fact]
    public void WrongTypeEverywhere()
    {
        Reset();
        d.Same("SET", "s", "x");
        foreach (var line in new[]
        {
            "ZADD s 1 a", "ZINCRBY s 1 a", "ZREM s a", "ZCARD s", "ZCOUNT s 0 1", "ZLEXCOUNT s - +", "ZSCORE s a",
            "ZMSCORE s a", "ZRANK s a", "ZREVRANK s a", "ZRANGE s 0 1", "ZRANGESTORE d s 0 1", "ZRANGEBYSCORE s 0 1",
            "ZREVRANGEBYSCORE s 1 0", "ZRANGEBYLEX s - +", "ZREVRANGEBYLEX s + -", "ZREVRANGE s 0 1",
            "ZREMRANGEBYRANK s 0 1", "ZREMRANGEBYSCORE s 0 1", "ZREMRANGEBYLEX s - +", "ZPOPMIN s", "ZPOPMAX s",
            "ZMPOP 1 s MIN", "BZPOPMIN s 0", "BZPOPMAX s 0", "BZMPOP 0 1 s MIN", "ZRANDMEMBER s", "ZRANDMEMBER s 2",
            "ZUNION 1 s", "ZINTER 1 s", "ZDIFF 1 s", "ZINTERCARD 1 s", "ZUNIONSTORE d 1 s", "ZINTERSTORE d 1 s",
            "ZDIFFSTORE d 1 s", "ZSCAN s 0",
        })
            d.Same(Differential.SplitLine(line));
    }

    [Fact]
    public void ArityErrors()
    {
        Reset();
        d.Script("""
            ZADD z 1
            ZINCRBY z 1
            ZREM z
            ZCARD
            ZCOUNT z 1
            ZRANK z
            ZRANK z a b c
            ZRANGE z 0
            ZRANGESTORE d z 0
            ZUNION 1
            ZUNIONSTORE d 1
            ZPOPMIN
            ZMPOP 1 z
            BZPOPMIN z
            BZMPOP 0 1 z
            ZRANDMEMBER
            ZSCAN z
            ZMSCORE z
            """);
    }

    /// <summary>A seeded stream of random sorted set commands on both servers; every reply and the final data must match.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomizedDifferential(int seed)
    {
        Reset();
        var rnd = new Random(seed);
        string[] members = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "longmember_xx", "1", "2", "-1", "10", "01", ""];
        string[] scores = ["0", "1", "-1", "2.5", "-2.5", "inf", "-inf", "+inf", "1e3", "0.1", "3", "-0", "100", "7"];
        string[] bounds = ["-inf", "+inf", "(1", "1", "-1", "(-1", "2.5", "(2.5", "0", "3", "(3", "100", "x"];
        string[] lexBounds = ["-", "+", "[a", "(a", "[c", "(c", "[f", "(k", "[longmember", "[", "(", "x"];
        string Pick(string[] a) => a[rnd.Next(a.Length)];
        string SKey() => "s" + rnd.Next(1, 5);
        string LKey() => "l" + rnd.Next(1, 3);
        string Q(string m) => "\"" + m + "\"";
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", rnd.Next(2) == 0 ? "4" : "128");
        d.Same("CONFIG", "SET", "zset-max-listpack-value", rnd.Next(2) == 0 ? "4" : "64");
        var lines = new List<string>();
        for (int i = 0; i < 500; i++)
        {
            string k = SKey();
            switch (rnd.Next(27))
            {
                case < 7:
                {
                    var opts = new StringBuilder();
                    foreach (var o in new[] { "NX", "XX", "GT", "LT", "CH", "INCR" })
                        if (rnd.NextDouble() < 0.1) opts.Append(o).Append(' ');
                    var sb = new StringBuilder($"ZADD {k} {opts}");
                    for (int p = rnd.Next(1, 5); p > 0; p--) sb.Append(Pick(scores)).Append(' ').Append(Q(Pick(members))).Append(' ');
                    lines.Add(sb.ToString());
                    break;
                }
                case 7: lines.Add($"ZINCRBY {k} {Pick(scores)} {Q(Pick(members))}"); break;
                case 8: lines.Add($"ZREM {k} {Q(Pick(members))} {Q(Pick(members))}"); break;
                case 9: lines.Add($"ZRANGEBYSCORE {k} {Pick(bounds)} {Pick(bounds)} WITHSCORES LIMIT {rnd.Next(-1, 4)} {rnd.Next(-1, 5)}"); break;
                case 10: lines.Add($"ZREVRANGEBYSCORE {k} {Pick(bounds)} {Pick(bounds)} WITHSCORES"); break;
                case 11: lines.Add($"ZRANGE {k} {rnd.Next(-6, 7)} {rnd.Next(-6, 7)} WITHSCORES"); break;
                case 12: lines.Add($"ZRANGE {k} {rnd.Next(-6, 7)} {rnd.Next(-6, 7)} REV"); break;
                case 13: lines.Add($"ZCOUNT {k} {Pick(bounds)} {Pick(bounds)}"); break;
                case 14:
                    lines.Add($"ZRANK {k} {Q(Pick(members))}");
                    lines.Add($"ZREVRANK {k} {Q(Pick(members))}");
                    lines.Add($"ZMSCORE {k} {Q(Pick(members))} {Q(Pick(members))}");
                    break;
                case 15: lines.Add($"ZREMRANGEBYSCORE {k} {Pick(bounds)} {Pick(bounds)}"); break;
                case 16: lines.Add($"ZREMRANGEBYRANK {k} {rnd.Next(-5, 6)} {rnd.Next(-5, 6)}"); break;
                case 17: lines.Add($"{(rnd.Next(2) == 0 ? "ZPOPMIN" : "ZPOPMAX")} {k} {rnd.Next(0, 3)}"); break;
                case 18: lines.Add($"ZMPOP 2 {SKey()} {SKey()} {(rnd.Next(2) == 0 ? "MIN" : "MAX")} COUNT {rnd.Next(1, 4)}"); break;
                case 19:
                {
                    string[] ops = ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"];
                    string op = Pick(ops);
                    string extra = "";
                    if (op != "ZDIFFSTORE" && rnd.Next(2) == 0) extra += $" WEIGHTS {Pick(["1", "2", "-1", "0", "0.5", "inf"])} {Pick(["1", "2", "-1", "0", "inf"])}";
                    if (op != "ZDIFFSTORE" && rnd.Next(2) == 0) extra += " AGGREGATE " + Pick(["SUM", "MIN", "MAX"]);
                    lines.Add($"{op} {SKey()} 2 {SKey()} {SKey()}{extra}");
                    break;
                }
                case 20:
                    lines.Add($"{Pick(["ZUNION", "ZINTER", "ZDIFF"])} 2 {SKey()} {SKey()} WITHSCORES");
                    lines.Add($"ZINTERCARD 2 {SKey()} {SKey()} LIMIT {rnd.Next(0, 4)}");
                    break;
                case 21:
                    lines.Add($"ZRANGESTORE {SKey()} {k} {Pick(bounds)} {Pick(bounds)} BYSCORE {(rnd.Next(2) == 0 ? "REV" : "")} LIMIT {rnd.Next(0, 3)} {rnd.Next(-1, 4)}");
                    lines.Add($"ZRANGESTORE {SKey()} {k} {rnd.Next(-4, 5)} {rnd.Next(-4, 5)}");
                    break;
                case 22: lines.Add($"ZADD {LKey()} 0 {Q(Pick(members))} 0 {Q(Pick(members))}"); break;
                case 23:
                {
                    string l = LKey(), a = Pick(lexBounds), b = Pick(lexBounds);
                    lines.Add($"ZRANGEBYLEX {l} {a} {b} LIMIT {rnd.Next(-1, 3)} {rnd.Next(-1, 6)}");
                    lines.Add($"ZREVRANGEBYLEX {l} {b} {a}");
                    lines.Add($"ZLEXCOUNT {l} {a} {b}");
                    lines.Add($"ZRANGE {l} {b} {a} BYLEX REV");
                    break;
                }
                case 24: lines.Add($"ZREMRANGEBYLEX {LKey()} {Pick(lexBounds)} {Pick(lexBounds)}"); break;
                case 25: lines.Add($"ZRANDMEMBER {k} 1000 WITHSCORES"); break;
                default:
                    lines.Add($"OBJECT ENCODING {k}");
                    lines.Add($"DEBUG DIGEST-VALUE {k}");
                    break;
            }
        }
        foreach (var line in lines) d.Same(Differential.SplitLine(line));
        foreach (var key in new[] { "s1", "s2", "s3", "s4", "l1", "l2" })
        {
            d.Same("ZRANGE", key, "0", "-1", "WITHSCORES");
            d.Same("OBJECT", "ENCODING", key);
        }
        d.Same("DEBUG", "DIGEST");
    }


    /// <summary>What each sorted set write sends to replicas, as Redis 7.0 propagates it.</summary>
    [Fact]
    public void PropagatedForms()
    {
        Reset();
        var server = d.Tern.Server;
        var rec = new PropagationRecorder();
        server.PropagationSink = rec;
        try
        {
            using var c = d.Tern.Connect();
            foreach (var line in new[]
            {
                "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZADD z 1 a", "ZADD z XX 1 nosuch", "ZADD z INCR 2 a", "ZINCRBY z 1 b",
                "ZADD z GT 0 a", "ZREM z nosuch", "ZREM z e", "ZREMRANGEBYRANK z 10 20", "ZREMRANGEBYSCORE z 4 4",
                "ZPOPMIN z", "ZPOPMAX z 1", "ZPOPMIN nosuch", "ZMPOP 2 nosuch z MIN COUNT 10", "ZADD y 1 a 2 b",
                "ZMPOP 1 y MAX", "ZADD y 1 a", "BZPOPMIN nosuch y 0", "ZADD y 1 a 2 b", "BZMPOP 0 1 y MIN COUNT 5",
                "ZADD w 1 a", "ZUNIONSTORE u 1 w", "ZINTERSTORE none 1 nosuch", "ZRANGESTORE r w 0 -1",
                "ZRANDMEMBER w 2", "ZREMRANGEBYLEX w - +",
            })
                c.Call(Differential.SplitLine(line));
            Assert.Equal(new[]
            {
                "ZADD z 1 a 2 b 3 c 4 d 5 e",
                "ZADD z INCR 2 a",
                "ZINCRBY z 1 b",
                "ZREM z e",
                "ZREMRANGEBYSCORE z 4 4",
                "ZPOPMIN z",
                "ZPOPMAX z 1",
                "ZPOPMIN z 1",
                "ZADD y 1 a 2 b",
                "ZPOPMAX y 1",
                "ZPOPMIN y",
                "ZADD y 1 a 2 b",
                "ZPOPMIN y 2",
                "ZADD w 1 a",
                "ZUNIONSTORE u 1 w",
                "ZRANGESTORE r w 0 -1",
                "ZREMRANGEBYLEX w - +",
            }, rec.Commands);
        }
        finally
        {
            server.PropagationSink = null;
        }
    }

    /// <summary>Keyspace events of sorted set writes, compared with what redis-server publishes.</summary>
    [Fact]
    public void NotificationsMatchRedis()
    {
        Reset();
        const string script = """
            ZADD z 1 a 2 b 3 c
            ZADD z 1 a
            ZADD z XX 5 nosuch
            ZINCRBY z 1 a
            ZADD z INCR 0 a
            ZREM z nosuch
            ZREM z a
            ZREMRANGEBYRANK z 0 0
            ZREMRANGEBYSCORE z 100 200
            ZREMRANGEBYSCORE z -inf +inf
            ZADD z 1 a 2 b 3 c
            ZPOPMIN z
            ZPOPMAX z 5
            ZADD z 0 a 0 b
            ZREMRANGEBYLEX z - +
            ZADD z 1 a 2 b
            ZMPOP 1 z MIN COUNT 5
            ZADD z 1 a
            BZPOPMIN z 0
            ZADD z 1 a
            BZMPOP 0 1 z MAX
            ZADD src 1 a
            ZUNIONSTORE u 1 src
            ZINTERSTORE i 1 src
            ZDIFFSTORE df 1 src
            ZRANGESTORE r src 0 -1
            ZUNIONSTORE u 1 nosuch
            ZRANGESTORE r nosuch 0 -1
            ZINTERSTORE nothing 1 nosuch
            """;
        var (redisEvents, ternEvents) = d.KeyEvents(script, "Ezg");
        Assert.Equal(redisEvents, ternEvents);
    }

}
