using System.Text.RegularExpressions;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>DEBUG, replayed against redis-server and Tern.</summary>
public sealed partial class DebugFamilyTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void SubcommandErrors()
    {
        d.Reset();
        d.Script("""
            DEBUG
            DEBUG FOO
            debug foo bar
            DEBUG "f\x00oo"
            DEBUG SLEEP
            DEBUG SLEEP 0 1
            DEBUG OBJECT
            DEBUG OBJECT a b
            DEBUG POPULATE
            DEBUG POPULATE 1 a 2 3
            DEBUG DIGEST extra
            DEBUG SET-ACTIVE-EXPIRE
            DEBUG PROTOCOL
            DEBUG ERROR
            DEBUG LOG
            DEBUG HELP extra
            """);
        var sub = new string('x', 300);
        d.Same("DEBUG", sub);
    }

    [Fact]
    public void HelpListsTheSubcommandsTernHas()
    {
        // Redis lists all of its subcommands; Tern lists the ones it implements, in Redis's words.
        var help = d.TernClient.Call("DEBUG", "HELP");
        var lines = help.Items!.Select(i => i.Text!).ToList();
        Assert.Equal("+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", lines[0]);
        Assert.Equal("+HELP", lines[^2]);
        Assert.Equal("+    Prints this help.", lines[^1]);
        var redis = d.RedisClient.Call("DEBUG", "HELP").Items!.Select(i => i.Text!).ToList();
        foreach (var l in lines) Assert.Contains(l, redis);
        foreach (var s in new[] { "+DIGEST", "+SLEEP <seconds>", "+OBJECT <key>", "+POPULATE <count> [<prefix>] [<size>]", "+SET-ACTIVE-EXPIRE <0|1>" })
            Assert.Contains(s, lines);
    }

    [Fact]
    public void DigestOfAnEmptyDataset()
    {
        d.Reset();
        var r = d.Same("DEBUG", "DIGEST");
        Assert.Equal("+0000000000000000000000000000000000000000", r.Text);
        d.Same("DEBUG", "DIGEST-VALUE");
        d.Same("DEBUG", "DIGEST-VALUE", "missing", "other");
    }

    [Fact]
    public void DigestMatchesRedisAfterTheSameWrites()
    {
        d.Reset();
        d.Script("""
            SET a 1
            SET b hello
            SET c ""
            SET "bin\x00key\r\n" "\xff\x00\x01"
            SET "" empty-key
            SET neg -123
            SET big 9223372036854775807
            SET float 3.14
            APPEND raw 5
            APPEND raw2 abc
            SETRANGE sr 3 x
            INCR counter
            INCRBYFLOAT fl 1.5
            SET long "a string that is longer than forty-four bytes so it is raw"
            SET ttl v EX 1000
            SET pttl v PXAT 99999999999999
            EXPIRE b 5000
            SELECT 1
            SET a 1
            SET b other
            SELECT 15
            SET z z
            EXPIREAT z 4000000000
            SELECT 0
            DEBUG DIGEST
            DEBUG DIGEST-VALUE a b c missing "bin\x00key\r\n" ttl raw sr counter fl long
            SELECT 1
            DEBUG DIGEST-VALUE a b
            DEBUG DIGEST
            SWAPDB 1 15
            DEBUG DIGEST
            PERSIST z
            DEBUG DIGEST
            DEL z
            DEBUG DIGEST
            MOVE b 0
            COPY a a2 DB 2
            DEBUG DIGEST
            RENAME a a3
            DEBUG DIGEST
            FLUSHDB
            DEBUG DIGEST
            FLUSHALL
            DEBUG DIGEST
            """);
    }

    [Fact]
    public void DigestDoesNotDependOnInsertionOrder()
    {
        d.Reset();
        var keys = Enumerable.Range(0, 300).Select(i => "k" + i).ToList();
        foreach (var k in keys) d.RedisClient.Call("SET", k, "v" + k);
        keys.Reverse();
        foreach (var k in keys) d.TernClient.Call("SET", k, "v" + k);
        d.Same("DEBUG", "DIGEST");
        d.Same("DEBUG", "DIGEST-VALUE", "k0", "k299");
        d.Same("SET", "k5", "changed");
        d.Same("DEBUG", "DIGEST");
    }

    [Fact]
    public void ObjectLine()
    {
        d.Reset();
        d.Script("""
            SET s hello
            SET n 123456
            SET i8 -100
            SET i16 30000
            SET i32 2000000000
            SET i64 9999999999
            SET eleven 12345678901
            SET twentyone 123456789012345678901
            APPEND raw x
            SET compressible aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
            SET mixed abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789abcdefghijabcdefghij
            SET incompressible "abcdefghijklmnopqrstuvwxyz0123456789"
            SET small 5
            DEBUG OBJECT missing
            """);
        var big = new string('x', 20000) + string.Concat(Enumerable.Range(0, 2000).Select(i => i.ToString()));
        d.Same("SET", "huge", big);
        foreach (var k in new[] { "s", "n", "i8", "i16", "i32", "i64", "eleven", "twentyone", "raw", "compressible", "mixed", "incompressible", "small", "huge" })
        {
            var (r, t) = d.Both("DEBUG", "OBJECT", k);
            var rm = ObjectLineRegex().Match(r.Text!);
            var tm = ObjectLineRegex().Match(t.Text!);
            Assert.True(rm.Success, r.Text);
            Assert.True(tm.Success, t.Text);
            // refcount, encoding and serializedlength agree; the address differs, the clock fields are ranges.
            Assert.Equal(rm.Groups["fields"].Value, tm.Groups["fields"].Value);
            if (k != "small")
            {
                Assert.InRange(long.Parse(tm.Groups["lru"].Value) - long.Parse(rm.Groups["lru"].Value), -5, 5);
                Assert.InRange(long.Parse(tm.Groups["idle"].Value), 0, 5);
            }
        }
    }

    [GeneratedRegex(@"^\+Value at:0x[0-9a-f]+ (?<fields>refcount:\d+ encoding:\w+ serializedlength:\d+) lru:(?<lru>\d+) lru_seconds_idle:(?<idle>\d+)$")]
    private static partial Regex ObjectLineRegex();

    [Fact]
    public void ObjectSeesKeysPastTheirTtl()
    {
        d.Reset();
        try
        {
            d.Same("DEBUG", "SET-ACTIVE-EXPIRE", "0");
            d.Same("SET", "k", "v");
            d.Same("PEXPIRE", "k", "1");
            d.Same("SET", "marker", "v");
            d.Same("PEXPIRE", "marker", "1");
            Wait.Until(() => d.RedisClient.Call("EXISTS", "marker").Integer == 0 && d.TernClient.Call("EXISTS", "marker").Integer == 0,
                "the marker key to expire");
            Assert.StartsWith("+Value at:", d.RedisClient.Call("DEBUG", "OBJECT", "k").Text);
            Assert.StartsWith("+Value at:", d.TernClient.Call("DEBUG", "OBJECT", "k").Text);
            d.Same("DEBUG", "DIGEST-VALUE", "k");
            d.Same("DEBUG", "DIGEST");
        }
        finally
        {
            d.Both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    [Fact]
    public void Populate()
    {
        d.Reset();
        d.Script("""
            DEBUG POPULATE -1
            DEBUG POPULATE abc
            DEBUG POPULATE 1.5
            DEBUG POPULATE 10 p -1
            DEBUG POPULATE 10 p abc
            DEBUG POPULATE 0
            DBSIZE
            SET key:3 mine
            EXPIREAT key:4 4000000000
            DEBUG POPULATE 10
            DBSIZE
            GET key:0
            GET key:3
            GET key:9
            OBJECT ENCODING key:0
            DEBUG POPULATE 5 pre 3
            GET pre:0
            GET pre:4
            DEBUG POPULATE 5 padded 12
            GET padded:1
            DEBUG POPULATE 3 long 50
            GET long:2
            OBJECT ENCODING long:2
            DEBUG POPULATE 3 zero 0
            GET zero:1
            DEBUG POPULATE 2 "nul\x00prefix"
            GET nul:0
            DEBUG POPULATE 2 ""
            GET :1
            SELECT 4
            DEBUG POPULATE 7 db4
            DBSIZE
            DEBUG DIGEST
            """);
        var prefix = new string('p', 200);
        d.Same("DEBUG", "POPULATE", "3", prefix);
        d.Same("GET", new string('p', 127));
        d.Same("DBSIZE");
        d.Same("DEBUG", "DIGEST");
    }

    [Fact]
    public void SleepAndActiveExpireSwitch()
    {
        d.Reset();
        d.Script("""
            DEBUG SLEEP 0
            DEBUG SLEEP 0.01
            DEBUG SLEEP abc
            DEBUG SLEEP -1
            DEBUG sleep .001
            DEBUG SET-ACTIVE-EXPIRE 0
            DEBUG SET-ACTIVE-EXPIRE abc
            DEBUG SET-ACTIVE-EXPIRE 1
            DEBUG set-active-expire 2
            DEBUG SET-ACTIVE-EXPIRE 1
            """);
    }

    [Fact]
    public void Protocol()
    {
        d.Reset();
        foreach (int proto in new[] { 2, 3 })
        {
            d.Both("HELLO", proto.ToString());
            foreach (var type in new[] { "string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "verbatim", "true", "false", "STRING", "nope" })
                d.Same("DEBUG", "PROTOCOL", type);
            d.Same("DEBUG", "PROTOCOL", "push");
            if (proto == 3)
            {
                // A push message, then the normal reply.
                var (r, t) = (d.RedisClient.Read(), d.TernClient.Read());
                Assert.Equal(r.Raw, t.Raw);
            }
        }
        d.Both("HELLO", "2");
    }

    [Fact]
    public void ErrorAndLog()
    {
        d.Reset();
        d.Script("""
            DEBUG ERROR "ERR custom message"
            DEBUG ERROR "MYCODE with\r\nnewlines"
            DEBUG ERROR ""
            DEBUG LOG "hello from the test"
            """);
    }

    [Fact]
    public void RefusedUnlessEnabled()
    {
        using var redis = new RedisServerProcess("--enable-debug-command", "no");
        using var tern = new TernHost("--enable-debug-command", "no");
        using var rc = new RespClient(redis.Port);
        using var tc = tern.Connect();
        foreach (var cmd in new[] { new object[] { "DEBUG", "DIGEST" }, ["DEBUG", "SLEEP", "0"], ["DEBUG", "FOO"], ["DEBUG"] })
        {
            var r = rc.Call(cmd);
            var t = tc.Call(cmd);
            Assert.Equal(r.ToString(), t.ToString());
        }
    }
}
