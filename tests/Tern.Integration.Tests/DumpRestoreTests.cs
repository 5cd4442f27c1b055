using System.Buffers.Binary;
using System.Text;
using Tern.Rdb;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// DUMP, RESTORE and MIGRATE against redis-server 7.0: payloads travel both ways for every type and encoding (equal
/// DEBUG DIGEST-VALUE, equal encodings after the restore, equal bytes where Redis's DUMP is deterministic), every
/// option and error is compared byte for byte, and MIGRATE's replies are compared with redis-server's own MIGRATE
/// to the same target.
/// </summary>
public sealed class DumpRestoreTests(Differential d, DumpRestoreTests.Targets targets)
    : IClassFixture<Differential>, IClassFixture<DumpRestoreTests.Targets>
{
    /// <summary>MIGRATE targets: a plain redis-server, one with requirepass, and another Tern.</summary>
    public sealed class Targets : IDisposable
    {
        public RedisServerProcess Plain { get; } = new();
        public RedisServerProcess WithPassword { get; } = new();
        public TernHost Tern { get; } = new();

        public Targets()
        {
            using var c = new RespClient(WithPassword.Port);
            c.Call("CONFIG", "SET", "requirepass", "secret");
        }

        public void Dispose()
        {
            Plain.Dispose();
            WithPassword.Dispose();
            Tern.Dispose();
        }
    }

    private static byte[] Bytes(RespReply r) => Encoding.Latin1.GetBytes(r.Text!);

    private static string Hex(byte[] b) => Convert.ToHexString(b);

    /// <summary>A value in both encodings of its type; deterministic: Redis's DUMP bytes do not depend on hash order.</summary>
    public static TheoryData<string, string, bool> Values()
    {
        string Many(string cmd, int n, Func<int, string> item)
        {
            var sb = new StringBuilder(cmd);
            for (int i = 0; i < n; i++) sb.Append(' ').Append(item(i));
            return sb.ToString();
        }

        var big = new string('a', 9000);
        return new TheoryData<string, string, bool>
        {
            { "string-int", "SET k 12345", true },
            { "string-negative-int", "SET k -2147483648", true },
            { "string-int64", "SET k 1234567890123456789", true },
            { "string-shared-int", "SET k 7", true },
            { "string-embstr", "SET k hello", true },
            { "string-raw", "SET k " + new string('r', 30) + "0123456789abcdefghij", true },
            { "string-empty", "SET k \"\"", true },
            { "string-binary", "SET k \"a\\x00b\\xffc\"", true },
            { "string-lzf", "SET k " + new string('x', 200), true },
            { "string-long-random", "SET k " + Many("", 30, i => (i * 7919 % 1000).ToString()).Replace(" ", "q"), true },
            { "string-appended", "SET k 12\nAPPEND k 3", true },
            { "list-small-quicklist", "RPUSH k a b 1 2 -3 \"\" 100000 4294967296 c", true },
            { "list-quicklist", Many("RPUSH k", 3000, i => i % 3 == 0 ? i.ToString() : "item-" + i), true },
            { "list-plain-node", $"RPUSH k a {big} b", true },
            { "hash-listpack", "HSET k f1 v1 f2 2 f3 -7 n \"\"", true },
            { "hash-hashtable-many", Many("HSET k", 600, i => $"f{i} v{i}"), false },
            { "hash-hashtable-long-value", "HSET k f " + new string('v', 100) + " g 1", false },
            { "set-intset", "SADD k 5 -3 100000 7 4294967296", true },
            { "set-intset-large", Many("SADD k", 400, i => (i * 3 - 200).ToString()), true },
            { "set-hashtable", "SADD k a b c 1 2", false },
            { "set-hashtable-many-ints", Many("SADD k", 600, i => i.ToString()), false },
            { "zset-listpack", "ZADD k 1 a 2.5 b -3 c 1e100 d inf e -inf f 0 7", true },
            { "zset-skiplist", Many("ZADD k", 200, i => $"{i * 0.5} m{i}"), false },
            { "zset-skiplist-long-member", "ZADD k 1 " + new string('m', 100) + " 2 x", false },
        };
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void DumpRestoreBothWays(string name, string setup, bool deterministic)
    {
        d.Reset();
        d.Script(setup);
        RoundTrip(name, deterministic);
    }

    private void RoundTrip(string name, bool deterministic)
    {
        var encoding = d.Same("OBJECT", "ENCODING", "k").Text!;
        // The scenario names the encoding it means to cover ("hash-hashtable-many" is a hashtable).
        foreach (var e in new[] { "listpack", "hashtable", "intset", "skiplist", "quicklist", "embstr", "raw" })
            if (name.Contains("-" + e)) Assert.True(encoding == e, $"{name}: encoding is {encoding}");
        var fromRedis = Bytes(d.RedisClient.Call("DUMP", "k"));
        var fromTern = Bytes(d.TernClient.Call("DUMP", "k"));
        if (deterministic) Assert.True(Hex(fromRedis) == Hex(fromTern), $"{name}: DUMP bytes differ\n redis {Hex(fromRedis)}\n tern  {Hex(fromTern)}");

        // Redis's payload into both, Tern's payload into both: same replies, digests, encodings.
        d.Same("RESTORE", "r", "0", fromRedis);
        d.Same("RESTORE", "t", "0", fromTern);
        var digest = d.Same("DEBUG", "DIGEST-VALUE", "k", "r", "t");
        Assert.Equal(digest.Items![0].Text, digest.Items[1].Text);
        Assert.Equal(digest.Items[0].Text, digest.Items[2].Text);
        d.Same("OBJECT", "ENCODING", "r");
        d.Same("OBJECT", "ENCODING", "t");
        d.Same("TYPE", "t");
    }

    [Fact]
    public void StreamsWithGroupsPendingAndConsumers()
    {
        d.Reset();
        d.Script("""
            XADD k 1-1 f v
            XADD k 1-2 f2 v2 g 7
            XADD k 2-0 a 1
            XADD k 3-0 a 1 b 2
            XADD k 5-0 x y
            XDEL k 2-0
            XGROUP CREATE k g1 0
            XGROUP CREATE k g2 $
            XREADGROUP GROUP g1 alice COUNT 2 STREAMS k >
            XREADGROUP GROUP g1 bob COUNT 1 STREAMS k >
            XACK k g1 1-1
            XGROUP CREATECONSUMER k g2 carol
            XGROUP CREATE empty g 0 MKSTREAM
            """);
        RoundTrip("stream", deterministic: false);
        d.Same("XINFO", "STREAM", "r", "FULL");
        d.Same("XINFO", "STREAM", "t", "FULL");
        d.Same("XPENDING", "t", "g1");
        d.Same("XPENDING", "r", "g1");

        // A stream with no entries left but groups, and a big one spanning several nodes.
        var emptyR = Bytes(d.RedisClient.Call("DUMP", "empty"));
        var emptyT = Bytes(d.TernClient.Call("DUMP", "empty"));
        d.Same("RESTORE", "er", "0", emptyR);
        d.Same("RESTORE", "et", "0", emptyT);
        d.Same("XINFO", "STREAM", "er", "FULL");
        d.Same("XINFO", "STREAM", "et", "FULL");
        d.Same("DEBUG", "DIGEST-VALUE", "empty", "er", "et");

        d.Reset();
        for (int i = 1; i <= 300; i++) d.Same("XADD", "k", $"{i}-0", "field", "value" + i, "n", i.ToString());
        d.Same("XTRIM", "k", "MAXLEN", "250");
        RoundTrip("big-stream", deterministic: false);
        d.Same("XINFO", "STREAM", "t", "FULL");
    }

    [Fact]
    public void HyperLogLogAndGeoAreStrings()
    {
        d.Reset();
        d.Script("""
            PFADD k a b c d
            GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
            """);
        RoundTrip("hll", deterministic: true);
        d.Same("PFCOUNT", "t");
        var g = Bytes(d.RedisClient.Call("DUMP", "g"));
        d.Same("RESTORE", "g2", "0", g);
        d.Same("GEOPOS", "g2", "Palermo", "Catania");
    }

    /// <summary>The spec's vectors: DUMP of "bar" and of 123 from Redis 7.0.15.</summary>
    [Fact]
    public void SpecVectors()
    {
        d.Reset();
        d.Same("SET", "s", "bar");
        d.Same("SET", "n", "123");
        Assert.Equal("0003626172" + "0A00" + "E6BE4960EE66FD17", Hex(Bytes(d.TernClient.Call("DUMP", "s"))));
        Assert.Equal("00C07B" + "0A00" + "48E253E1007A67B9", Hex(Bytes(d.TernClient.Call("DUMP", "n"))));
        d.Same("DUMP", "s");
        d.Same("DUMP", "n");
        // rdbcompression applies to DUMP too.
        d.Same("SET", "long", new string('x', 100));
        d.Same("RPUSH", "list", new string('y', 100), "z");
        d.Same("DUMP", "long");
        d.Same("DUMP", "list");
        d.Same("CONFIG", "SET", "rdbcompression", "no");
        try
        {
            d.Same("DUMP", "long");
            d.Same("DUMP", "list");
        }
        finally
        {
            d.Same("CONFIG", "SET", "rdbcompression", "yes");
        }
    }

    private byte[] Payload(string setup)
    {
        d.RedisClient.Call("DEL", "src");
        d.RedisClient.Call(Differential.SplitLine(setup));
        return Bytes(d.RedisClient.Call("DUMP", "src"));
    }

    private static byte[] WithFooter(byte[] body, int version)
    {
        var p = new byte[body.Length + 10];
        body.CopyTo(p, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(body.Length), (ushort)version);
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(body.Length + 2), Crc64.Compute(p.AsSpan(0, body.Length + 2)));
        return p;
    }

    [Fact]
    public void RestoreOptionsAndErrors()
    {
        d.Reset();
        var p = Payload("SET src hello");
        d.Same("DUMP", "missing");
        d.Same("DUMP");
        d.Same("DUMP", "a", "b");
        d.Same("RESTORE", "k", "0");
        d.Same("RESTORE", "k", "0", p, "BADOPT");
        d.Same("RESTORE", "k", "0", p, "IDLETIME");
        d.Same("RESTORE", "k", "0", p, "FREQ");
        d.Same("RESTORE", "k", "0", p, "IDLETIME", "abc");
        d.Same("RESTORE", "k", "0", p, "IDLETIME", "-1");
        d.Same("RESTORE", "k", "0", p, "IDLETIME", "1.5");
        d.Same("RESTORE", "k", "0", p, "FREQ", "x");
        d.Same("RESTORE", "k", "0", p, "FREQ", "-1");
        d.Same("RESTORE", "k", "0", p, "FREQ", "256");
        d.Same("RESTORE", "k", "0", p, "IDLETIME", "1", "FREQ", "1");
        d.Same("RESTORE", "k", "0", p, "FREQ", "1", "IDLETIME", "1");
        d.Same("RESTORE", "k", "abc", p);
        d.Same("RESTORE", "k", "-1", p);
        d.Same("RESTORE", "k", "1.5", p);
        d.Same("RESTORE", "k", "99999999999999999999", p);
        // Options are checked before the key, the key before the TTL, the TTL before the payload.
        d.Same("SET", "busy", "x");
        d.Same("RESTORE", "busy", "-1", "garbage");
        d.Same("RESTORE", "busy", "0", p);
        d.Same("RESTORE", "busy", "0", p, "BAD");
        d.Same("RESTORE", "k", "-1", "garbage");
        d.Same("RESTORE", "k", "0", "garbage");
        d.Same("RESTORE", "k", "0", "");
        d.Same("RESTORE", "k", "0", "123456789");
        var flipped = (byte[])p.Clone();
        flipped[1] ^= 1;
        d.Same("RESTORE", "k", "0", flipped);
        var badCrc = (byte[])p.Clone();
        badCrc[^1] ^= 0x80;
        d.Same("RESTORE", "k", "0", badCrc);
        d.Same("RESTORE", "k", "0", WithFooter(p[..^10], 13));
        d.Same("RESTORE", "k", "0", WithFooter(p[..^10], 0xffff));
        d.Same("RESTORE", "k", "0", WithFooter(p[..^10], 9));
        // Valid footers around bad values.
        d.Same("RESTORE", "k", "0", WithFooter([30, 1, 2, 3], 10));
        d.Same("RESTORE", "k", "0", WithFooter([0, 10, (byte)'a'], 10));
        d.Same("RESTORE", "k", "0", WithFooter([2, 0], 10));           // empty set
        d.Same("RESTORE", "k", "0", WithFooter([1, 0], 10));           // empty linked list
        d.Same("RESTORE", "k", "0", WithFooter([4, 0], 10));           // empty hash
        d.Same("RESTORE", "k", "0", WithFooter([11, 0], 10));          // no intset blob
        d.Same("RESTORE", "k", "0", WithFooter([], 10));
        d.Same("RESTORE", "k", "0", WithFooter([7, 0x81, 1, 2, 3, 4, 5, 6, 7, 8], 10)); // module value, no module
        d.Same("RESTORE", "k", "0", WithFooter([0, 5, (byte)'a'], 10));          // string cut short
        // Bytes after the value (before the footer) are ignored, as Redis's loader stops at the value's end.
        d.Same("RESTORE", "junk", "0", WithFooter([0, 3, (byte)'b', (byte)'a', (byte)'r', 1, 2, 3], 10));
        d.Same("GET", "junk");
        d.Same("EXISTS", "k");

        d.Same("RESTORE", "k", "0", p);
        d.Same("GET", "k");
        d.Same("RESTORE", "k", "0", p);
        d.Same("RESTORE", "k", "0", Payload("SET src other"), "REPLACE");
        d.Same("GET", "k");
        d.Same("restore", "k", "0", Payload("RPUSH src a b"), "replace", "absttl", "idletime", "10");
        d.Same("LRANGE", "k", "0", "-1");
        d.Same("TTL", "k");
        d.Same("RESTORE-ASKING", "k", "0", p);
        d.Same("RESTORE-ASKING", "k2", "0", p, "REPLACE", "FREQ", "3");
        d.Same("GET", "k2");
        // A TTL already in the past: nothing is created; with REPLACE the old key goes.
        d.Same("RESTORE", "gone", "1", p, "ABSTTL");
        d.Same("EXISTS", "gone");
        d.Same("RESTORE", "k", "1", p, "ABSTTL", "REPLACE");
        d.Same("EXISTS", "k");
        d.Both("HELLO", "3");
        d.Same("DUMP", "missing");
        d.Same("RESTORE", "k", "0", p);
        d.Same("RESTORE", "k", "0", p);
    }

    /// <summary>Payloads of RDB 11 and 12 (Redis 7.2, 7.4): Tern reads them, Redis 7.0 refuses them.</summary>
    [Fact]
    public void NewerPayloadVersions()
    {
        d.Reset();
        var p = Payload("SADD src 1 2 3");
        foreach (int v in new[] { 11, 12 })
        {
            var q = WithFooter(p[..^10], v);
            Assert.Equal("-ERR DUMP payload version or checksum are wrong", d.RedisClient.Call("RESTORE", "k" + v, "0", q).Text);
            Assert.Equal("+OK", d.TernClient.Call("RESTORE", "k" + v, "0", q).Text);
            Assert.Equal(3, d.TernClient.Call("SCARD", "k" + v).Integer);
        }
        // A set listpack (type 20, RDB 11): three members in a listpack blob.
        var lp = Bytes(d.TernClient.Call("DUMP", "k11"));
        Assert.Equal(11, lp[0]);
    }

    [Fact]
    public void TtlAbsTtlIdleTimeAndFreq()
    {
        d.Reset();
        var p = Payload("SET src hello");
        var n = Payload("SET src 5");
        foreach (var c in new[] { d.RedisClient, d.TernClient })
        {
            Assert.Equal("+OK", c.Call("RESTORE", "k", "5000", p).Text);
            long pttl = c.Call("PTTL", "k").Integer;
            Assert.InRange(pttl, 3000, 5000);
            long at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 20_000;
            Assert.Equal("+OK", c.Call("RESTORE", "a", at.ToString(), p, "ABSTTL").Text);
            Assert.Equal(at, c.Call("PEXPIRETIME", "a").Integer);
            Assert.Equal("+OK", c.Call("RESTORE", "i", "0", p, "IDLETIME", "1000").Text);
            Assert.InRange(c.Call("OBJECT", "IDLETIME", "i").Integer, 1000, 1005);
            // A shared integer: the hint lands on the shared object, as in Redis.
            Assert.Equal("+OK", c.Call("RESTORE", "si", "0", n, "IDLETIME", "500").Text);
            Assert.InRange(c.Call("OBJECT", "IDLETIME", "si").Integer, 500, 505);
            // FREQ is ignored without an LFU policy, IDLETIME with one.
            Assert.Equal("+OK", c.Call("RESTORE", "f0", "0", p, "FREQ", "100").Text);
            Assert.InRange(c.Call("OBJECT", "IDLETIME", "f0").Integer, 0, 2);
            c.Call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
            try
            {
                Assert.Equal("+OK", c.Call("RESTORE", "f", "0", p, "FREQ", "100").Text);
                Assert.Equal(100, c.Call("OBJECT", "FREQ", "f").Integer);
                Assert.Equal("+OK", c.Call("RESTORE", "f2", "0", p, "FREQ", "0").Text);
                Assert.Equal(0, c.Call("OBJECT", "FREQ", "f2").Integer);
                Assert.Equal("+OK", c.Call("RESTORE", "f3", "0", p, "IDLETIME", "100").Text);
                Assert.Equal(5, c.Call("OBJECT", "FREQ", "f3").Integer);
            }
            finally
            {
                c.Call("CONFIG", "SET", "maxmemory-policy", "noeviction");
            }
        }
    }

    [Fact]
    public void PropagatedForms()
    {
        d.Reset();
        var p = Payload("SET src hello");
        var rec = new PropagationRecorder();
        var server = d.Tern.Server;
        server.PropagationSink = rec;
        try
        {
            var c = d.TernClient;
            string ps = Encoding.Latin1.GetString(p);
            c.Call("RESTORE", "k", "0", p);
            c.Call("RESTORE", "k", "0", p);   // BUSYKEY: nothing
            long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            c.Call("RESTORE", "k", "10000", p, "REPLACE", "IDLETIME", "5");
            long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            c.Call("RESTORE", "a", "99999999999999", p, "ABSTTL");
            c.Call("RESTORE", "k", "1", p, "ABSTTL", "REPLACE");      // past: the old key is deleted
            c.Call("RESTORE", "none", "1", p, "ABSTTL");              // past, nothing to delete
            var cmds = rec.Commands;
            Assert.Equal(4, cmds.Count);
            Assert.Equal($"RESTORE k 0 {ps}", cmds[0]);
            var parts = cmds[1].Split(' ');
            Assert.Equal("RESTORE", parts[0]);
            Assert.Equal("k", parts[1]);
            Assert.InRange(long.Parse(parts[2]), before + 10000 - 100, after + 10000 + 100);
            Assert.Equal($" {ps} REPLACE IDLETIME 5 ABSTTL", cmds[1][(cmds[1].IndexOf(' ', 10))..]);
            Assert.Equal($"RESTORE a 99999999999999 {ps} ABSTTL", cmds[2]);
            Assert.Equal("DEL k", cmds[3]);
        }
        finally
        {
            server.PropagationSink = null;
        }
    }

    private static string Quoted(byte[] b)
    {
        var sb = new StringBuilder("\"");
        foreach (var x in b) sb.Append($"\\x{x:x2}");
        return sb.Append('"').ToString();
    }

    [Fact]
    public void KeyspaceEventsAndWatch()
    {
        d.Reset();
        var p = Quoted(Payload("SET src hello"));
        var (redis, tern) = d.KeyEvents($"""
            RESTORE k 0 {p}
            RESTORE k 0 {p} REPLACE
            RESTORE k 0 {p}
            RESTORE k 1 {p} ABSTTL REPLACE
            RESTORE e 100000 {p}
            """, "KEA");
        Assert.Equal(redis, tern);
        Assert.Contains("restore k", tern);

        foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
        {
            using var a = new RespClient(port);
            using var b = new RespClient(port);
            a.Call("WATCH", "w");
            b.Call("RESTORE", "w", "0", Payload("SET src v"));
            a.Call("MULTI");
            a.Call("GET", "w");
            Assert.True(a.Call("EXEC").IsNull);
        }
    }

    // ---- MIGRATE ----

    private void Fill(RespClient c, params string[] lines)
    {
        foreach (var l in lines) c.Call(Differential.SplitLine(l));
    }

    /// <summary>
    /// Runs the same MIGRATE from redis-server and from Tern to <paramref name="target"/>, starting each run from the
    /// same data on the source and on the target (<paramref name="targetSetup"/>); compares the replies, the
    /// sources' remaining keys and the target's resulting digest.
    /// </summary>
    private void SameMigrate(int targetPort, string[] sourceSetup, string[] targetSetup, string targetAuth, params object[] args)
    {
        var replies = new List<RespReply>();
        var sourceKeys = new List<string>();
        var targetDigests = new List<string>();
        foreach (var src in new[] { d.RedisClient, d.TernClient })
        {
            src.Call("FLUSHALL");
            Fill(src, sourceSetup);
            using var t = new RespClient(targetPort);
            if (targetAuth.Length > 0) t.Call("AUTH", targetAuth);
            t.Call("FLUSHALL");
            Fill(t, targetSetup);
            var full = new List<object> { "MIGRATE", "127.0.0.1", targetPort.ToString() };
            full.AddRange(args);
            replies.Add(src.Call([.. full]));
            var keys = src.Call("KEYS", "*").Items!.Select(i => i.Text!).Order();
            sourceKeys.Add(string.Join(",", keys));
            targetDigests.Add(t.Call("DEBUG", "DIGEST").Text!);
        }
        Assert.True(replies[0].Raw.AsSpan().SequenceEqual(replies[1].Raw), $"redis: {replies[0]} tern: {replies[1]}");
        Assert.Equal(sourceKeys[0], sourceKeys[1]);
        Assert.Equal(targetDigests[0], targetDigests[1]);
    }

    [Fact]
    public void MigrateLikeRedis()
    {
        d.Reset();
        int t = targets.Plain.Port;
        string[] data = ["SET a 1", "RPUSH l x y z", "HSET h f v", "SADD s 1 2", "ZADD z 1 m", "SET big " + new string('q', 5000)];
        SameMigrate(t, data, [], "", "a", "0", "5000");
        SameMigrate(t, data, [], "", "missing", "0", "5000");
        SameMigrate(t, data, [], "", "l", "0", "5000", "COPY");
        SameMigrate(t, data, ["SET a old"], "", "a", "0", "5000");
        SameMigrate(t, data, ["SET a old"], "", "a", "0", "5000", "REPLACE");
        SameMigrate(t, data, ["SET a old"], "", "a", "0", "5000", "COPY", "REPLACE");
        SameMigrate(t, data, [], "", "", "0", "5000", "KEYS", "a", "l", "missing", "h", "s", "z", "big");
        SameMigrate(t, data, ["SET h old"], "", "", "0", "5000", "KEYS", "a", "h", "l");
        SameMigrate(t, data, [], "", "", "0", "5000", "KEYS", "missing", "missing2");
        SameMigrate(t, data, [], "", "", "3", "5000", "REPLACE", "KEYS", "a", "l");
        SameMigrate(t, data, [], "", "a", "99", "5000");
        SameMigrate(t, data, [], "", "a", "0", "0");
        SameMigrate(t, data, [], "", "a", "0", "5000", "AUTH", "nopass");
        SameMigrate(t, data, [], "", "a", "0", "5000", "AUTH2", "user", "pass");
        // Syntax and argument errors.
        SameMigrate(t, data, [], "", "a", "0", "5000", "BAD");
        SameMigrate(t, data, [], "", "a", "0", "5000", "AUTH");
        SameMigrate(t, data, [], "", "a", "0", "5000", "AUTH2", "u");
        SameMigrate(t, data, [], "", "a", "0", "5000", "KEYS", "l");
        SameMigrate(t, data, [], "", "a", "x", "5000");
        SameMigrate(t, data, [], "", "a", "0", "1.5");
        SameMigrate(t, data, [], "", "a", "0");
        SameMigrate(t, data, [], "", "a", "0", "5000", "COPY", "KEYS");
        // A target with requirepass.
        int pw = targets.WithPassword.Port;
        SameMigrate(pw, data, [], "secret", "a", "0", "5000");
        SameMigrate(pw, data, [], "secret", "a", "0", "5000", "AUTH", "secret");
        SameMigrate(pw, data, [], "secret", "a", "0", "5000", "AUTH", "wrong");
        SameMigrate(pw, data, [], "secret", "", "2", "5000", "AUTH2", "default", "secret", "KEYS", "a", "l");
        SameMigrate(pw, data, [], "secret", "a", "0", "5000", "AUTH2", "default", "wrong");
    }

    [Fact]
    public void MigrateToDeadPort()
    {
        d.Reset();
        int dead = RedisServerProcess.FreePort();
        Fill(d.RedisClient, "SET a 1");
        Fill(d.TernClient, "SET a 1");
        d.Same("MIGRATE", "127.0.0.1", dead.ToString(), "a", "0", "500");
        d.Same("MIGRATE", "127.0.0.1", "notaport", "a", "0", "500");
        d.Same("EXISTS", "a");
    }

    [Fact]
    public void MigrateToTernKeepsValuesAndTtl()
    {
        d.Reset();
        var target = targets.Tern;
        using var tc = target.Connect();
        tc.Call("FLUSHALL");
        var c = d.TernClient;
        Fill(c, "SET a 1", "PSETEX e 60000 v", "HSET h f v g w", "ZADD z 1 a 2 b", "XADD x 1-1 f v", "XGROUP CREATE x g 0");
        var digests = c.Call("DEBUG", "DIGEST-VALUE", "a", "e", "h", "z", "x");
        var rec = new PropagationRecorder();
        d.Tern.Server.PropagationSink = rec;
        try
        {
            Assert.Equal("+OK", c.Call("MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000", "KEYS", "a", "e", "h", "z", "x").Text);
            Assert.Equal(0, c.Call("EXISTS", "a", "e", "h", "z", "x").Integer);
            Assert.Equal(["DEL a e h z x"], rec.Commands);
            Assert.Equal("+NOKEY", c.Call("MIGRATE", "127.0.0.1", target.Port.ToString(), "a", "0", "5000").Text);
            Fill(c, "SET a 2");
            rec.Clear();
            Assert.Equal("+OK", c.Call("MIGRATE", "127.0.0.1", target.Port.ToString(), "a", "5", "5000", "COPY").Text);
            Assert.Empty(rec.Commands);
            Assert.Equal(1, c.Call("EXISTS", "a").Integer);
            Assert.Equal("-ERR Target instance replied with error: BUSYKEY Target key name already exists.",
                c.Call("MIGRATE", "127.0.0.1", target.Port.ToString(), "a", "5", "5000").Text);
            Assert.Equal(1, c.Call("EXISTS", "a").Integer);
        }
        finally
        {
            d.Tern.Server.PropagationSink = null;
        }
        var moved = tc.Call("DEBUG", "DIGEST-VALUE", "a", "e", "h", "z", "x");
        Assert.Equal(string.Join(",", digests.Items!.Select(i => i.Text)), string.Join(",", moved.Items!.Select(i => i.Text)));
        Assert.InRange(tc.Call("PTTL", "e").Integer, 50_000, 60_000);
        tc.Call("SELECT", "5");
        Assert.Equal("$1\r\n2\r\n", tc.Call("GET", "a").ToString());
    }

    [Fact]
    public void MigrateReusesItsConnectionAndRecoversWhenTheTargetDropsIt()
    {
        d.Reset();
        int t = targets.Plain.Port;
        using var tc = new RespClient(t);
        tc.Call("FLUSHALL");
        var c = d.TernClient;
        Fill(c, "SET a 1", "SET b 2");
        Assert.Equal("+OK", c.Call("MIGRATE", "127.0.0.1", t.ToString(), "a", "0", "5000").Text);
        // The target closes every other client (the cached connection included): the next MIGRATE reconnects.
        tc.Call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        Assert.Equal("+OK", c.Call("MIGRATE", "127.0.0.1", t.ToString(), "b", "0", "5000").Text);
        Assert.Equal(2, tc.Call("EXISTS", "a", "b").Integer);
    }

    [Fact]
    public async Task MigrateToSilentTargetTimesOut()
    {
        d.Reset();
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<System.Net.Sockets.Socket>();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true) accepted.Add(await listener.AcceptSocketAsync());
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
            }
        });
        try
        {
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            Fill(d.RedisClient, "SET a 1");
            Fill(d.TernClient, "SET a 1");
            d.Same("MIGRATE", "127.0.0.1", port.ToString(), "a", "0", "200");
            d.Same("MIGRATE", "127.0.0.1", port.ToString(), "a", "0", "200", "AUTH", "x");
            d.Same("EXISTS", "a");
        }
        finally
        {
            listener.Stop();
            await acceptLoop;
            foreach (var s in accepted) s.Dispose();
        }
    }

    [Fact]
    public void MigrateInsideMultiAndItsKeys()
    {
        d.Reset();
        int t = targets.Plain.Port;
        using var tc = new RespClient(t);
        d.Script("""
            COMMAND GETKEYS MIGRATE h 1 "" 0 0 KEYS a b
            COMMAND GETKEYS MIGRATE h 1 a 0 0
            COMMAND GETKEYS MIGRATE h 1 a 0 0 COPY AUTH2 u p
            COMMAND GETKEYS MIGRATE h 1 "" 0 0 AUTH KEYS KEYS x
            COMMAND GETKEYS MIGRATE h 1 a 0 0 KEYS b
            """);
        foreach (var c in new[] { d.RedisClient, d.TernClient })
        {
            tc.Call("FLUSHALL");
            Fill(c, "SET a 1", "SET b 2");
            Assert.Equal("+OK", c.Call("MULTI").Text);
            Assert.Equal("+QUEUED", c.Call("MIGRATE", "127.0.0.1", t.ToString(), "", "0", "5000", "KEYS", "a", "b").Text);
            Assert.Equal("+QUEUED", c.Call("EXISTS", "a", "b").Text);
            Assert.Equal("*2\r\n+OK\r\n:0\r\n", c.Call("EXEC").ToString());
            Assert.Equal(2, tc.Call("EXISTS", "a", "b").Integer);
        }
    }

    /// <summary>MONITOR shows MIGRATE's credentials as "(redacted)", as Redis does.</summary>
    [Fact]
    public void MigrateCredentialsAreRedactedInMonitor()
    {
        d.Reset();
        int t = targets.WithPassword.Port;
        var lines = new List<string>();
        foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
        {
            using var mon = new RespClient(port);
            Assert.Equal("+OK", mon.Call("MONITOR").Text);
            using var c = new RespClient(port);
            c.Call("SET", "a", "1");
            c.Call("MIGRATE", "127.0.0.1", t.ToString(), "a", "0", "5000", "COPY", "REPLACE", "AUTH", "secret");
            c.Call("MIGRATE", "127.0.0.1", t.ToString(), "", "0", "5000", "REPLACE", "AUTH2", "default", "secret", "KEYS", "a");
            mon.Read();
            for (int i = 0; i < 2; i++)
            {
                var line = mon.Read().Text!;
                lines.Add(line[line.IndexOf(']')..].Replace(t.ToString(), "PORT"));
            }
        }
        Assert.Equal(lines[0], lines[2]);
        Assert.Equal(lines[1], lines[3]);
        Assert.Contains("\"AUTH\" \"(redacted)\"", lines[2]);
    }

    /// <summary>
    /// A hash with field TTLs (Redis 7.4) dumps as RDB type 25 (listpack with TTLs) or 24: Tern restores it with its
    /// field TTLs; Redis 7.0 does not know the type.
    /// </summary>
    [Fact]
    public void HashFieldTtlsTravelInTheirOwnTypes()
    {
        d.Reset();
        var c = d.TernClient;
        Fill(c, "HSET h f v g w", "HPEXPIRE h 100000 FIELDS 1 f");
        var p = Bytes(c.Call("DUMP", "h"));
        Assert.Equal(25, p[0]);
        Assert.Equal("+OK", c.Call("RESTORE", "h2", "0", p).Text);
        Assert.InRange(c.Call("HPTTL", "h2", "FIELDS", "1", "f").Items![0].Integer, 90_000, 100_000);
        Assert.Equal(-1, c.Call("HPTTL", "h2", "FIELDS", "1", "g").Items![0].Integer);
        Assert.Equal(c.Call("DEBUG", "DIGEST-VALUE", "h").ToString(), c.Call("DEBUG", "DIGEST-VALUE", "h2").ToString());
        Assert.Equal("-ERR Bad data format", d.RedisClient.Call("RESTORE", "h2", "0", p).Text);

        var big = new StringBuilder("HSET hb");
        for (int i = 0; i < 600; i++) big.Append($" f{i} v{i}");
        Fill(c, big.ToString(), "HPEXPIRE hb 100000 FIELDS 2 f1 f2");
        p = Bytes(c.Call("DUMP", "hb"));
        Assert.Equal(24, p[0]);
        Assert.Equal("+OK", c.Call("RESTORE", "hb2", "0", p).Text);
        Assert.Equal(c.Call("DEBUG", "DIGEST-VALUE", "hb").ToString(), c.Call("DEBUG", "DIGEST-VALUE", "hb2").ToString());
        Assert.InRange(c.Call("HPTTL", "hb2", "FIELDS", "1", "f2").Items![0].Integer, 90_000, 100_000);
    }

    /// <summary>MIGRATE with AUTH and AUTH2 to a Tern that requires a password (its own, so no cached link is authenticated).</summary>
    [Fact]
    public void MigrateToTernWithPassword()
    {
        d.Reset();
        using var target = new TernHost("--requirepass", "pw");
        var c = d.TernClient;
        string port = target.Port.ToString();
        Fill(c, "SET a 1", "SET b 2", "SET c 3");
        Assert.Equal("-ERR Target instance replied with error: NOAUTH Authentication required.",
            c.Call("MIGRATE", "127.0.0.1", port, "a", "0", "5000").Text);
        Assert.Equal("-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.",
            c.Call("MIGRATE", "127.0.0.1", port, "a", "0", "5000", "AUTH", "bad").Text);
        Assert.Equal("+OK", c.Call("MIGRATE", "127.0.0.1", port, "a", "0", "5000", "AUTH", "pw").Text);
        Assert.Equal("+OK", c.Call("MIGRATE", "127.0.0.1", port, "", "1", "5000", "AUTH2", "default", "pw", "KEYS", "b", "c").Text);
        Assert.Equal(0, c.Call("EXISTS", "a", "b", "c").Integer);
        using var check = target.Connect();
        check.Call("AUTH", "pw");
        Assert.Equal("$1\r\n1\r\n", check.Call("GET", "a").ToString());
        check.Call("SELECT", "1");
        Assert.Equal(2, check.Call("EXISTS", "b", "c").Integer);
    }
}
