using System.Text;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Generic key commands, replayed against redis-server and Tern. Replies are compared byte for byte except where
/// Redis's order is its hash table's (SCAN, KEYS, RANDOMKEY: compared as sets) or the clock is involved (ranges).
/// </summary>
public sealed class KeyFamilyTests(Differential d) : IClassFixture<Differential>
{
    private const long FarFuture = 4_000_000_000; // unix seconds, 2096

    [Fact]
    public void DelExistsType()
    {
        d.Reset();
        d.Script("""
            SET a 1
            SET b 2
            SET "bin\x00key" v
            EXISTS a
            EXISTS a b missing a
            EXISTS "bin\x00key"
            TYPE a
            TYPE missing
            DEL a missing b
            DEL a
            EXISTS a b
            UNLINK "bin\x00key" missing
            UNLINK missing
            DEL
            UNLINK
            EXISTS
            TYPE
            TYPE a b
            DBSIZE
            DBSIZE extra
            """);
    }

    [Fact]
    public void ExpireOptionsAndErrors()
    {
        d.Reset();
        d.Script($"""
            EXPIRE missing 100
            SET k v
            EXPIRETIME k
            PEXPIRETIME k
            TTL k
            PTTL k
            TTL missing
            PTTL missing
            EXPIRETIME missing
            EXPIREAT k {FarFuture}
            EXPIRETIME k
            PEXPIRETIME k
            EXPIREAT k {FarFuture + 10} NX
            EXPIREAT k {FarFuture + 10} XX
            EXPIRETIME k
            EXPIREAT k {FarFuture} GT
            EXPIREAT k {FarFuture + 20} GT
            EXPIREAT k {FarFuture + 30} LT
            EXPIREAT k {FarFuture} LT
            EXPIRETIME k
            PEXPIREAT k {FarFuture * 1000 + 7}
            PEXPIRETIME k
            EXPIRETIME k
            PERSIST k
            PERSIST k
            PERSIST missing
            TTL k
            EXPIREAT k {FarFuture} XX
            EXPIREAT k {FarFuture} GT
            EXPIREAT k {FarFuture} LT
            EXPIRETIME k
            EXPIRE k 100 NX XX
            EXPIRE k 100 NX GT
            EXPIRE k 100 GT LT
            EXPIRE k 100 nx lt
            EXPIRE k 100 foo
            EXPIRE k 100 "f\x00oo"
            EXPIRE k 100 "foo\r\n"
            EXPIRE k 100 "a\nb"
            EXPIRE k abc
            EXPIRE k 1.5
            EXPIRE k 9223372036854775807
            EXPIRE k -9223372036854775808
            PEXPIRE k 9223372036854775807
            EXPIREAT k 9223372036854775807
            PEXPIREAT k 9223372036854775807
            EXPIRE k
            EXPIRE k 1 NX extra
            EXPIRE k 100 foo NX
            EXPIRETIME k
            EXPIRE k -1
            EXISTS k
            SET k v
            EXPIREAT k 1
            EXISTS k
            SET k v
            PEXPIREAT k 0
            EXISTS k
            SET k v
            PEXPIRE k -100
            EXISTS k
            """);
        // Relative expiry: the remaining time is a clock reading, so a range.
        d.Same("SET", "k", "v");
        d.Same("EXPIRE", "k", "100");
        foreach (var c in new[] { d.RedisClient, d.TernClient })
        {
            Assert.InRange(c.Call("TTL", "k").Integer, 98, 100);
            Assert.InRange(c.Call("PTTL", "k").Integer, 95_000, 100_000);
            long at = c.Call("PEXPIRETIME", "k").Integer;
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Assert.InRange(at, now + 90_000, now + 100_000);
        }
        d.Same("PEXPIRE", "k", "50000", "LT");
        Assert.InRange(d.TernClient.Call("PTTL", "k").Integer, 45_000, 50_000);
    }

    [Fact]
    public void Rename()
    {
        d.Reset();
        d.Script($"""
            RENAME missing x
            RENAMENX missing x
            RENAME missing missing
            RENAMENX missing missing
            SET a 1
            RENAME a a
            RENAMENX a a
            GET a
            RENAME a b
            EXISTS a
            GET b
            SET c 3
            RENAMENX b c
            GET b
            RENAMENX b d
            GET d
            RENAME d c
            GET c
            EXPIREAT c {FarFuture}
            RENAME c e
            EXPIRETIME e
            SET f 5
            RENAME f e
            TTL e
            GET e
            OBJECT ENCODING e
            OBJECT REFCOUNT e
            APPEND raw x
            RENAME raw raw2
            OBJECT ENCODING raw2
            SET "bin\x00a" "\xff"
            RENAME "bin\x00a" "bin\x00b"
            GET "bin\x00b"
            RENAME a
            RENAME a b c
            RENAMENX a
            DBSIZE
            """);
    }

    [Fact]
    public void Move()
    {
        d.Reset();
        d.Script($"""
            MOVE missing 1
            SET k v
            MOVE k 0
            MOVE k 16
            MOVE k -1
            MOVE k abc
            MOVE k 4294967296
            MOVE k 1.0
            MOVE k " 1"
            EXPIREAT k {FarFuture}
            MOVE k 1
            EXISTS k
            MOVE k 1
            SELECT 1
            GET k
            EXPIRETIME k
            SET other 1
            MOVE other 0
            SELECT 0
            SET other 0
            SELECT 1
            MOVE other 0
            GET other
            SELECT 0
            GET other
            SET n 42
            MOVE n 2
            SELECT 2
            OBJECT ENCODING n
            OBJECT REFCOUNT n
            MOVE
            MOVE k
            MOVE k 1 2
            """);
    }

    [Fact]
    public void Copy()
    {
        d.Reset();
        d.Script($"""
            COPY missing x
            SET a hello
            COPY a a
            COPY a a DB 0
            COPY a a DB 1
            COPY a b
            GET b
            COPY a b
            SET a world
            COPY a b REPLACE
            GET b
            EXPIREAT a {FarFuture}
            COPY a c
            EXPIRETIME c
            COPY a b REPLACE
            EXPIRETIME b
            COPY a x DB 3
            SELECT 3
            GET x
            EXPIRETIME x
            SELECT 0
            COPY a x DB 3
            COPY a x DB 3 REPLACE
            COPY a x replace db 3
            COPY a y DB
            COPY a y DB abc
            COPY a y DB 16
            COPY a y DB -1
            COPY a y DB 4294967296
            COPY a y REPLACE FOO
            COPY a y FOO
            COPY a y DB 1 DB 2
            SELECT 2
            EXISTS y
            SELECT 0
            SET i 7
            COPY i i2
            OBJECT ENCODING i2
            OBJECT REFCOUNT i2
            OBJECT REFCOUNT i
            RENAME i2 i3
            OBJECT REFCOUNT i3
            EXPIRE i3 100
            OBJECT REFCOUNT i3
            APPEND r 5
            OBJECT ENCODING r
            SETRANGE r2 0 5
            COPY r2 r3
            OBJECT ENCODING r3
            SET big 123456
            COPY big big2
            OBJECT ENCODING big2
            SET long "this value is longer than forty-four bytes, so raw"
            COPY long long2
            OBJECT ENCODING long2
            COPY
            COPY a
            """);
    }

    [Fact]
    public void Touch()
    {
        d.Reset();
        d.Script("""
            TOUCH missing
            SET a 1
            SET b 2
            TOUCH a b missing a
            TOUCH
            """);
    }

    [Fact]
    public void SwapDb()
    {
        d.Reset();
        d.Script($"""
            SET a db0
            SELECT 1
            SET a db1
            SET b only1
            EXPIREAT b {FarFuture}
            SWAPDB 0 1
            GET a
            GET b
            SELECT 0
            GET a
            GET b
            EXPIRETIME b
            DBSIZE
            SWAPDB 0 0
            GET a
            SWAPDB 1 0
            GET a
            SWAPDB 0 15
            SWAPDB 0 16
            SWAPDB -1 0
            SWAPDB 0 -1
            SWAPDB a 0
            SWAPDB 0 b
            SWAPDB a b
            SWAPDB 4294967296 0
            SWAPDB 0 4294967296
            SWAPDB 0 1.5
            SWAPDB 0
            SWAPDB 0 1 2
            """);
    }

    [Fact]
    public void FlushDbAndFlushAll()
    {
        d.Reset();
        d.Script("""
            SET a 1
            SELECT 1
            SET b 2
            FLUSHDB
            DBSIZE
            SELECT 0
            DBSIZE
            FLUSHDB ASYNC
            FLUSHDB sync
            FLUSHDB foo
            FLUSHDB SYNC ASYNC
            SET a 1
            SELECT 2
            SET c 3
            FLUSHALL
            DBSIZE
            SELECT 0
            DBSIZE
            FLUSHALL async
            FLUSHALL SYNC
            FLUSHALL bar
            FLUSHALL ASYNC SYNC
            """);
    }

    [Fact]
    public void KeysPatterns()
    {
        d.Reset();
        foreach (var k in new[] { "hello", "hallo", "hxllo", "hllo", "heeeello", "hillo", "hbllo", "h*llo", "a\\b", "" })
            d.Same("SET", k, "v");
        foreach (var p in new[] { "*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo", "nomatch", "", "a\\\\b", "*llo" })
        {
            var (r, t) = d.Both("KEYS", p);
            Assert.Equal(Sorted(r), Sorted(t));
        }
        d.Same("KEYS");
        d.Same("KEYS", "a", "b");
    }

    [Fact]
    public void ScanErrorsAndSmallDatabases()
    {
        d.Reset();
        d.Script("""
            SCAN 0
            SCAN abc
            SCAN " 0"
            SCAN "0 "
            SCAN 1x
            SCAN 18446744073709551616
            SCAN -18446744073709551616
            SCAN +
            SCAN -
            SCAN 0 COUNT 0
            SCAN 0 COUNT -1
            SCAN 0 COUNT abc
            SCAN 0 COUNT 9223372036854775808
            SCAN 0 COUNT
            SCAN 0 MATCH
            SCAN 0 TYPE
            SCAN 0 FOO bar
            SCAN 0 MATCH * COUNT 5 FOO
            SCAN abc COUNT 0
            SCAN
            SET only v
            SCAN 0
            SCAN 0 MATCH only
            SCAN 0 MATCH other
            SCAN 0 TYPE string
            SCAN 0 TYPE STRING
            SCAN 0 TYPE "string\x00junk"
            SCAN 0 TYPE list
            SCAN 0 TYPE none
            SCAN 0 MATCH * COUNT 100 TYPE string MATCH o*
            SCAN ""
            """);
        // Cursors Redis accepts: strtoul's rules (empty, leading zeros, sign, a NUL ending the text).
        foreach (var cur in new[] { "", "00", "-0", "+0", "0\x00junk" })
        {
            var (r, t) = d.Both("SCAN", cur);
            Assert.False(r.IsError);
            Assert.False(t.IsError);
        }
        // A few keys: both finish in one call (cursor 0) with the same set.
        d.Script("""
            SET a 1
            SET b 2
            SET c 3
            SET "bin\x00" 4
            """);
        var (r2, t2) = d.Both("SCAN", "0");
        Assert.Equal("0", r2.Items![0].Text);
        Assert.Equal("0", t2.Items![0].Text);
        Assert.Equal(Sorted(r2.Items[1]), Sorted(t2.Items[1]));
        d.Both("HELLO", "3");
        d.Same("SCAN", "0", "MATCH", "a");
        d.Same("SCAN", "0", "MATCH", "nothing");
    }

    [Fact]
    public void ScanReturnsEveryKeyOnceOver10kKeys()
    {
        d.Reset();
        d.Same("DEBUG", "POPULATE", "10000");
        d.Same("SET", "other", "x");
        d.Same("DBSIZE");
        var expected = new HashSet<string>();
        for (int i = 0; i < 10000; i++) expected.Add("key:" + i);
        expected.Add("other");
        foreach (var opts in new[] { Array.Empty<string>(), ["COUNT", "1"], ["COUNT", "7"], ["COUNT", "1000"], ["COUNT", "100000"] })
        {
            var (tern, dups) = ScanAll(d.TernClient, opts);
            Assert.Equal(0, dups);
            Assert.True(expected.SetEquals(tern), $"Tern SCAN {string.Join(' ', opts)} returned {tern.Count} keys");
            var (redis, _) = ScanAll(d.RedisClient, opts);
            Assert.True(redis.SetEquals(tern));
        }
        foreach (var opts in new[] { new[] { "MATCH", "key:1*" }, ["MATCH", "*9", "COUNT", "50"], ["TYPE", "string"], ["TYPE", "list"], ["MATCH", "oth?r", "TYPE", "STRING"] })
        {
            var (redis, _) = ScanAll(d.RedisClient, opts);
            var (tern, dups) = ScanAll(d.TernClient, opts);
            Assert.Equal(0, dups);
            Assert.True(redis.SetEquals(tern), $"SCAN {string.Join(' ', opts)}: redis {redis.Count} keys, tern {tern.Count}");
        }
        d.Same("DEBUG", "DIGEST");
    }

    [Fact]
    public void ScanReturnsKeysPresentForTheWholeIteration()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        using var writer = host.Connect();
        Assert.Equal("+OK", c.Call("DEBUG", "POPULATE", "5000", "stable").Text);
        Assert.Equal("+OK", c.Call("DEBUG", "POPULATE", "5000", "tmp").Text);
        var seen = new HashSet<string>();
        string cursor = "0";
        int step = 0;
        do
        {
            var r = c.Call("SCAN", cursor, "COUNT", "20");
            cursor = r.Items![0].Text!;
            foreach (var k in r.Items[1].Items!) seen.Add(k.Text!);
            // Between calls another client deletes old keys and adds new ones (which reuse freed slots).
            writer.Call("DEL", "tmp:" + step);
            writer.Call("SET", "new:" + step, "v");
            writer.Call("UNLINK", "tmp:" + (4999 - step));
            step++;
        }
        while (cursor != "0");
        for (int i = 0; i < 5000; i++) Assert.Contains("stable:" + i, seen);
        Assert.True(step > 100);
    }

    [Fact]
    public void ScanOfASparseTableTerminates()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        c.Call("DEBUG", "POPULATE", "20000");
        // Delete most keys so that the tables keep many free slots.
        for (int i = 0; i < 20000; i += 100)
        {
            var args = new object[100];
            args[0] = "DEL";
            for (int j = 1; j < 100; j++) args[j] = "key:" + (i + j);
            c.Call(args);
        }
        Assert.Equal(200, c.Call("DBSIZE").Integer);
        var (keys, dups) = ScanAll(c, ["COUNT", "1"]);
        Assert.Equal(0, dups);
        Assert.Equal(200, keys.Count);
        for (int i = 0; i < 20000; i += 100) Assert.Contains("key:" + i, keys);
    }

    [Fact]
    public void RandomKey()
    {
        d.Reset();
        d.Same("RANDOMKEY");
        d.Both("HELLO", "3");
        d.Same("RANDOMKEY");
        d.Both("HELLO", "2");
        d.Same("SET", "only", "v");
        d.Same("RANDOMKEY");
        d.Same("RANDOMKEY", "extra");
        d.Same("DEBUG", "POPULATE", "50");
        var all = Sorted(d.TernClient.Call("KEYS", "*")).ToHashSet();
        var seen = new HashSet<string>();
        for (int i = 0; i < 2000 && seen.Count < 40; i++)
        {
            var k = d.TernClient.Call("RANDOMKEY").Text!;
            Assert.Contains(k, all);
            seen.Add(k);
        }
        Assert.True(seen.Count >= 40, $"RANDOMKEY returned only {seen.Count} distinct keys");
    }

    [Fact]
    public void ObjectSubcommands()
    {
        d.Reset();
        d.Script("""
            OBJECT HELP
            object help
            OBJECT HELP extra
            OBJECT
            OBJECT FOO
            OBJECT FOO k
            OBJECT ENCODING
            OBJECT ENCODING a b
            OBJECT ENCODING missing
            OBJECT REFCOUNT missing
            OBJECT IDLETIME missing
            OBJECT FREQ missing
            SET s hello
            OBJECT ENCODING s
            OBJECT REFCOUNT s
            OBJECT FREQ s
            SET n 123
            OBJECT ENCODING n
            OBJECT REFCOUNT n
            SET n 9999
            OBJECT REFCOUNT n
            SET n 10000
            OBJECT REFCOUNT n
            SET n -1
            OBJECT REFCOUNT n
            SET n 0
            OBJECT REFCOUNT n
            SET n 05
            OBJECT ENCODING n
            SET n -0
            OBJECT ENCODING n
            SET n +5
            OBJECT ENCODING n
            SET n 9223372036854775807
            OBJECT ENCODING n
            SET n 9223372036854775808
            OBJECT ENCODING n
            SET n -9223372036854775808
            OBJECT ENCODING n
            SET n 1.5
            OBJECT ENCODING n
            SET e ""
            OBJECT ENCODING e
            SET l 12345678901234567890123456789012345678901234
            OBJECT ENCODING l
            SET l 123456789012345678901234567890123456789012345
            OBJECT ENCODING l
            INCR counter
            OBJECT REFCOUNT counter
            INCRBY counter 20000
            OBJECT REFCOUNT counter
            APPEND ap 5
            OBJECT ENCODING ap
            OBJECT REFCOUNT ap
            APPEND ap 5
            OBJECT ENCODING ap
            OBJECT REFCOUNT ap
            SETRANGE sr 0 7
            OBJECT ENCODING sr
            OBJECT REFCOUNT sr
            """);
        d.Both("HELLO", "3");
        d.Same("OBJECT", "ENCODING", "missing");
        d.Same("OBJECT", "REFCOUNT", "missing");
        d.Same("OBJECT", "HELP");
        d.Same("OBJECT", "ENCODING", "s");
    }

    [Fact]
    public void ObjectIdleTimeCountsFromTheLastAccess()
    {
        d.Reset();
        d.Same("SET", "s", "hello");
        d.Same("OBJECT", "IDLETIME", "s");
        // Wait until the key has been idle for a while, without touching it (OBJECT does not).
        Wait.Until(() => IdleBoth("s") >= 1, "an idle time of 1s");
        // Reads that do not touch: TYPE, EXISTS, TTL, OBJECT, SCAN, KEYS.
        d.TernClient.Call("TYPE", "s");
        d.TernClient.Call("EXISTS", "s");
        d.TernClient.Call("TTL", "s");
        d.TernClient.Call("SCAN", "0");
        Assert.True(d.TernClient.Call("OBJECT", "IDLETIME", "s").Integer >= 1);
        // Writes and reads that touch: EXPIRE (a write lookup), GET, TOUCH, COPY's source.
        foreach (var touch in new[] { new object[] { "EXPIRE", "s", "1000" }, ["GET", "s"], ["TOUCH", "s"], ["COPY", "s", "s2", "REPLACE"] })
        {
            // Idle for 2s, then touched: at most 1s (a clock second may tick between the two commands).
            Wait.Until(() => IdleBoth("s") >= 2, "an idle time of 2s");
            d.Same(touch);
            Assert.InRange(d.TernClient.Call("OBJECT", "IDLETIME", "s").Integer, 0, 1);
            Assert.InRange(d.RedisClient.Call("OBJECT", "IDLETIME", "s").Integer, 0, 1);
        }
        Assert.InRange(d.TernClient.Call("OBJECT", "IDLETIME", "s2").Integer, 0, 1);
    }

    /// <summary>The smaller of the two servers' OBJECT IDLETIME for <paramref name="key"/>.</summary>
    private long IdleBoth(string key) =>
        Math.Min(d.RedisClient.Call("OBJECT", "IDLETIME", key).Integer, d.TernClient.Call("OBJECT", "IDLETIME", key).Integer);

    [Fact]
    public void ObjectFreqUnderAnLfuPolicy()
    {
        d.Reset();
        try
        {
            d.Same("SET", "s", "hello");
            d.Same("OBJECT", "FREQ", "s");
            d.Same("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
            // lfu-log-factor 0 makes every access count, so the counters are deterministic.
            d.Same("CONFIG", "SET", "lfu-log-factor", "0");
            d.Script("""
                SET k hello
                OBJECT FREQ k
                OBJECT IDLETIME k
                OBJECT IDLETIME missing
                OBJECT FREQ missing
                GET k
                GET k
                OBJECT FREQ k
                TOUCH k
                OBJECT FREQ k
                EXISTS k
                TYPE k
                TTL k
                OBJECT FREQ k
                EXPIRE k 1000
                OBJECT FREQ k
                COPY k k2
                OBJECT FREQ k
                OBJECT FREQ k2
                RENAME k k3
                OBJECT FREQ k3
                APPEND k3 x
                OBJECT FREQ k3
                INCR n
                OBJECT FREQ n
                """);
            d.Same("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
            d.Same("OBJECT", "FREQ", "k3");
        }
        finally
        {
            d.Both("CONFIG", "SET", "maxmemory-policy", "noeviction");
            d.Both("CONFIG", "SET", "lfu-log-factor", "10");
        }
    }

    [Fact]
    public void LazyExpiry()
    {
        d.Reset();
        try
        {
            d.Same("DEBUG", "SET-ACTIVE-EXPIRE", "0");
            d.Same("SET", "k", "v");
            d.Same("SET", "keep", "v");
            d.Same("PEXPIRE", "k", "1");
            d.Same("SET", "marker", "v");
            d.Same("PEXPIRE", "marker", "1");
            // Polling the marker expires only the marker; k, set to expire earlier, is then past its TTL too.
            Wait.Until(() => d.RedisClient.Call("EXISTS", "marker").Integer == 0 && d.TernClient.Call("EXISTS", "marker").Integer == 0,
                "the marker key to expire");
            // Past its TTL but not deleted yet: DBSIZE still counts it, nothing lists it. (Only Tern's count is
            // asserted: whether redis-server has already dropped k at this instant varies from run to run.)
            Assert.Equal(2, d.TernClient.Call("DBSIZE").Integer);
            d.Same("KEYS", "*");
            Assert.Equal(2, d.TernClient.Call("DBSIZE").Integer);
            d.Same("DEBUG", "OBJECT", "nokey");
            Assert.StartsWith("+Value at:", d.TernClient.Call("DEBUG", "OBJECT", "k").Text);
            Assert.NotEqual(new string('0', 40), d.TernClient.Call("DEBUG", "DIGEST-VALUE", "k").Items![0].Text);
            // SCAN does not return it, and deletes it.
            d.Same("SCAN", "0", "MATCH", "k");
            d.Same("DBSIZE");
            d.Same("SET", "k", "v");
            d.Same("PEXPIRE", "k", "1");
            d.Same("SET", "marker", "v");
            d.Same("PEXPIRE", "marker", "1");
            Wait.Until(() => d.RedisClient.Call("EXISTS", "marker").Integer == 0 && d.TernClient.Call("EXISTS", "marker").Integer == 0,
                "the marker key to expire");
            // Any access reads it as missing and deletes it.
            d.Same("GET", "k");
            d.Same("DBSIZE");
            d.Same("TTL", "k");
            d.Same("EXISTS", "k");
            d.Same("DEBUG", "OBJECT", "k");
            foreach (var access in new[] { new[] { "TTL", "k" }, ["EXISTS", "k"], ["TYPE", "k"], ["OBJECT", "ENCODING", "k"], ["RENAME", "k", "x"],
                         ["MOVE", "k", "1"], ["COPY", "k", "x"], ["PERSIST", "k"], ["EXPIRE", "k", "100"], ["TOUCH", "k"], ["DEL", "k"], ["RANDOMKEY"] })
            {
                d.Same("DEL", "keep");
                d.Same("SET", "k", "v");
                d.Same("PEXPIRE", "k", "1");
                d.Same("SET", "marker", "v");
                d.Same("PEXPIRE", "marker", "1");
                Wait.Until(() => d.RedisClient.Call("EXISTS", "marker").Integer == 0 && d.TernClient.Call("EXISTS", "marker").Integer == 0,
                    "the marker key to expire");
                d.Same("DBSIZE");
                d.Same(access);
                d.Same("DBSIZE");
            }
        }
        finally
        {
            d.Both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    [Fact]
    public void ActiveExpiryRemovesKeysWithoutAccess()
    {
        d.Reset();
        d.Same("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        d.Same("DEBUG", "POPULATE", "200");
        d.Same("SET", "persistent", "v");
        for (int i = 0; i < 200; i += 2) d.Same("PEXPIRE", "key:" + i, "1");
        d.Same("SELECT", "3");
        d.Same("DEBUG", "POPULATE", "50", "other");
        for (int i = 0; i < 50; i++) d.Same("PEXPIRE", "other:" + i, "1");
        Wait.Until(() => d.TernClient.Call("DBSIZE").Integer == 0, "active expiry in db 3 on Tern");
        Wait.Until(() => d.RedisClient.Call("DBSIZE").Integer == 0, "active expiry in db 3 on Redis");
        d.Same("SELECT", "0");
        Wait.Until(() => d.TernClient.Call("DBSIZE").Integer == 101, "active expiry in db 0 on Tern");
        Wait.Until(() => d.RedisClient.Call("DBSIZE").Integer == 101, "active expiry in db 0 on Redis");
        Assert.Contains("db0:keys=101,expires=0", d.TernClient.Call("INFO", "keyspace").Text);
        d.Same("DEBUG", "DIGEST");
    }

    private static List<string> Sorted(RespReply r)
    {
        var l = r.Items!.Select(i => i.Text!).ToList();
        l.Sort(StringComparer.Ordinal);
        return l;
    }

    /// <summary>A full SCAN iteration; returns the keys and how many were returned more than once.</summary>
    private static (HashSet<string> keys, int duplicates) ScanAll(RespClient c, string[] opts)
    {
        var keys = new HashSet<string>();
        int dups = 0;
        string cursor = "0";
        int calls = 0;
        do
        {
            var args = new List<object> { "SCAN", cursor };
            args.AddRange(opts);
            var r = c.Call([.. args]);
            Assert.False(r.IsError, r.ToString());
            cursor = r.Items![0].Text!;
            foreach (var k in r.Items[1].Items!)
                if (!keys.Add(k.Text!)) dups++;
            Assert.True(++calls < 1_000_000);
        }
        while (cursor != "0");
        return (keys, dups);
    }
}
