using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tern.Rdb;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// The RDB writer against the real thing: files Tern writes pass redis-check-rdb and load into redis-server 7.0
/// with every key, value, TTL, encoding and function library; DUMP payloads equal redis-server's DUMP bytes
/// where Redis's order is deterministic, and restore to the same digest where it is not (hash tables).
/// </summary>
public sealed class RdbWriterRedisTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    private static string S(byte[] b) => Encoding.Latin1.GetString(b);

    private static byte[] Bytes(RespReply r) => Encoding.Latin1.GetBytes(r.Text!);

    private const string LibSource = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)";

    private sealed record Item(int Db, byte[] Key, RdbValue Value, long ExpireAtMs, string Encoding);

    // ---- dataset -----------------------------------------------------------------------------------------------

    private static List<Item> Dataset(long now)
    {
        var rnd = new Random(7);
        var items = new List<Item>();
        void Add(int db, string key, RdbValue v, string enc, long exp = -1) => items.Add(new Item(db, B(key), v, exp, enc));

        // Strings.
        Add(0, "str", new RdbString(B("bar")), "embstr");
        Add(0, "int", new RdbString(B("12345")), "int");
        Add(0, "bigint", new RdbString(B("-9223372036854775808")), "int");
        Add(0, "notint", new RdbString(B("0123")), "embstr");
        var mb = new byte[1 << 20];
        rnd.NextBytes(mb);
        Add(0, "onemb", new RdbString(mb), "raw");
        Add(0, "lzf", new RdbString(B(string.Concat(Enumerable.Repeat("abcabcab", 500)))), "raw");
        items.Add(new Item(0, [0, 0xFF, (byte)'\r', (byte)'\n', 0x80], new RdbString([1, 0, 2]), -1, "embstr"));
        Add(0, "ttl", new RdbString(B("expiring")), "embstr", now + 3_600_000);
        Add(0, "empty", new RdbString([]), "embstr");

        // Lists: one listpack node, many nodes, a node holding a single element larger than 8 KB.
        Add(0, "list:small", new RdbList([B("a"), B("1"), B("-100"), B("hello world"), B("9223372036854775807")]), "quicklist");
        var big = new List<byte[]>();
        for (int i = 0; i < 5000; i++) big.Add(i % 3 == 0 ? B(i.ToString(CultureInfo.InvariantCulture)) : B(new string('x', i % 200) + i));
        Add(0, "list:big", new RdbList(big), "quicklist", now + 7_200_000);
        Add(0, "list:huge-elements", new RdbList([B("a"), new byte[10_000], B("b"), new byte[70_000], B("c")]), "quicklist");

        // Sets.
        Add(0, "set:intset", new RdbSet([B("3"), B("-5"), B("70000"), B("1"), B("9223372036854775807"), B("-9223372036854775808")]), "intset");
        Add(0, "set:intset16", new RdbSet([B("3"), B("-5"), B("1")]), "intset");
        Add(0, "set:ints-over-limit", new RdbSet(Enumerable.Range(0, 600).Select(i => B(i.ToString(CultureInfo.InvariantCulture))).ToList()), "hashtable");
        Add(0, "set:strings", new RdbSet([B("a"), B("b"), B("12"), B("c")]), "hashtable");

        // Sorted sets.
        Add(0, "zset:small", new RdbZSet([new(B("a"), 1), new(B("b"), 2.5), new(B("c"), -3), new(B("inf"), double.PositiveInfinity),
            new(B("ninf"), double.NegativeInfinity), new(B("tiny"), 1e-300), new(B("big"), 1e300), new(B("same1"), 2.5)]), "listpack");
        var zbig = new List<RdbZMember>();
        for (int i = 0; i < 300; i++) zbig.Add(new(B("m" + i), i * 0.37 - 20));
        Add(0, "zset:big", new RdbZSet(zbig), "skiplist");
        Add(0, "zset:longmember", new RdbZSet([new(B(new string('q', 65)), 1), new(B("x"), 2)]), "skiplist");

        // Hashes.
        Add(0, "hash:small", new RdbHash([new(B("f1"), B("v1"), 0), new(B("n"), B("42"), 0), new(B("neg"), B("-4097"), 0)]), "listpack");
        var hbig = new List<RdbHashField>();
        for (int i = 0; i < 600; i++) hbig.Add(new(B("field" + i), B("value" + i), 0));
        Add(0, "hash:big", new RdbHash(hbig), "hashtable");
        Add(0, "hash:longvalue", new RdbHash([new(B("f"), new byte[65], 0)]), "hashtable");

        // Streams.
        Add(0, "stream", SampleStream(now), "stream");
        var empty = new RdbStream { LastId = new(5, 5), EntriesAdded = 3, MaxDeletedId = new(5, 5) };
        empty.Groups.Add(new RdbStreamGroup(B("g")) { LastId = new(5, 5), EntriesRead = 3 });
        Add(0, "stream:empty", empty, "stream");

        // Other databases.
        Add(3, "str", new RdbString(B("in db 3")), "embstr");
        Add(3, "set", new RdbSet([B("1"), B("2")]), "intset", now + 100_000);
        Add(15, "last", new RdbList([B("z")]), "quicklist");
        return items;
    }

    private static RdbStream SampleStream(long now)
    {
        var s = new RdbStream();
        ulong ms = 1_700_000_000_000;
        for (int i = 0; i < 250; i++)
        {
            var id = new RdbStreamId(ms + (ulong)(i / 3), (ulong)(i % 3));
            byte[][] fv = i % 7 == 6
                ? [B("other"), B("x" + i), B("n"), B(i.ToString(CultureInfo.InvariantCulture))]
                : [B("name"), B("entry" + i), B("n"), B(i.ToString(CultureInfo.InvariantCulture))];
            s.Entries.Add(new RdbStreamEntry(id, fv));
        }
        s.LastId = s.Entries[^1].Id;
        s.FirstId = s.Entries[0].Id;
        s.EntriesAdded = 260;
        s.MaxDeletedId = new RdbStreamId(ms + 1, 7);
        var g1 = new RdbStreamGroup(B("g1")) { LastId = s.Entries[10].Id, EntriesRead = 11 };
        var bob = new RdbStreamConsumer(B("bob")) { SeenTimeMs = now - 5000 };
        var alice = new RdbStreamConsumer(B("alice")) { SeenTimeMs = now - 1000 };
        for (int i = 0; i <= 10; i++)
        {
            var id = s.Entries[i].Id;
            g1.Pending.Add(new RdbPendingEntry(id, now - 10_000 + i, (ulong)(i % 3 + 1)));
            (i % 2 == 0 ? alice : bob).Pending.Add(id);
        }
        g1.Consumers.Add(bob);
        g1.Consumers.Add(alice);
        g1.Consumers.Add(new RdbStreamConsumer(B("idle")) { SeenTimeMs = now - 20_000 });
        s.Groups.Add(g1);
        s.Groups.Add(new RdbStreamGroup(B("g0")) { LastId = new RdbStreamId(0, 0), EntriesRead = -1 });
        return s;
    }

    private static void WriteFile(string path, List<Item> items, long now)
    {
        using var fs = File.Create(path);
        using var w = new RdbWriter(fs);
        w.WriteHeader();
        w.WriteAux("redis-ver", "7.0.15");
        w.WriteAux("redis-bits", 64);
        w.WriteAux("ctime", now / 1000);
        w.WriteAux("used-mem", 1_234_567);
        w.WriteAux("repl-stream-db", 0);
        w.WriteAux("repl-id", "0123456789abcdef0123456789abcdef01234567");
        w.WriteAux("repl-offset", 0);
        w.WriteAux("aof-base", 0);
        w.WriteFunction(B(LibSource));
        foreach (var db in items.Select(i => i.Db).Distinct())
        {
            var inDb = items.Where(i => i.Db == db).ToList();
            w.WriteSelectDb(db);
            w.WriteResizeDb((ulong)inDb.Count, (ulong)inDb.Count(i => i.ExpireAtMs != -1));
            foreach (var it in inDb)
            {
                if (it.Value is RdbString str && it.Key.Length % 2 == 0) w.WriteStringKey(it.Key, str.Value, it.ExpireAtMs);
                else w.WriteKey(it.Key, it.Value, it.ExpireAtMs);
            }
        }
        // A chunk serialized on its own, appended raw: SELECTDB again for a db already written is legal.
        var chunk = new MemoryStream();
        using (var cw = new RdbWriter(chunk, checksum: false))
        {
            cw.WriteSelectDb(0);
            cw.WriteStringKey(B("from-chunk"), B("chunk value"), idleSeconds: 10, freq: 5);
        }
        w.WriteRaw(chunk.ToArray());
        w.WriteEnd();
    }

    private static (int Code, string Output) CheckRdb(string path)
    {
        var psi = new ProcessStartInfo("redis-check-rdb", path) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, so.Result + se.Result);
    }

    // ---- the file ----------------------------------------------------------------------------------------------

    [Fact]
    public void FileWithEveryTypePassesRedisCheckRdbAndLoadsIntoRedis()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var items = Dataset(now);
        var dir = Directory.CreateTempSubdirectory("tern-rdbw-").FullName;
        try
        {
            var path = Path.Combine(dir, "tern.rdb");
            WriteFile(path, items, now);
            var (code, output) = CheckRdb(path);
            Assert.True(code == 0 && output.Contains("RDB looks OK"), output);

            using var redis = new RedisServerProcess("--dir", dir, "--dbfilename", "tern.rdb");
            using var c = new RespClient(redis.Port);
            Assert.DoesNotContain("Bad file format", redis.LogText);
            foreach (var db in items.Select(i => i.Db).Distinct())
            {
                Assert.Equal("+OK", c.Call("SELECT", db).Text);
                var inDb = items.Where(i => i.Db == db).ToList();
                long expected = inDb.Count + (db == 0 ? 1 : 0);
                Assert.Equal(expected, c.Call("DBSIZE").Integer);
                foreach (var it in inDb) Verify(c, it);
            }
            Assert.Equal("+OK", c.Call("SELECT", 0).Text);
            Assert.Equal("chunk value", c.Call("GET", "from-chunk").Text);
            Assert.Equal("embstr", c.Call("OBJECT", "ENCODING", "from-chunk").Text);

            var libs = c.Call("FUNCTION", "LIST", "WITHCODE");
            Assert.Single(libs.Items!);
            var lib = libs.Items![0].Items!;
            Assert.Equal("mylib", Field(lib, "library_name").Text);
            Assert.Equal(LibSource, Field(lib, "library_code").Text);
            Assert.Equal(1, c.Call("FCALL", "f", 0).Integer);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static RespReply Field(List<RespReply> flat, string name)
    {
        for (int i = 0; i + 1 < flat.Count; i += 2)
            if (flat[i].Text == name) return flat[i + 1];
        throw new KeyNotFoundException(name);
    }

    private static void Verify(RespClient c, Item it)
    {
        string what = S(it.Key);
        Assert.True(it.Encoding == c.Call("OBJECT", "ENCODING", it.Key).Text, $"{what}: encoding {c.Call("OBJECT", "ENCODING", it.Key).Text}, expected {it.Encoding}");
        long pexpiretime = c.Call("PEXPIRETIME", it.Key).Integer;
        Assert.Equal(it.ExpireAtMs, pexpiretime);
        switch (it.Value)
        {
            case RdbString s:
                Assert.Equal(s.Value, Bytes(c.Call("GET", it.Key)));
                break;
            case RdbList l:
                var got = c.Call("LRANGE", it.Key, 0, -1).Items!.Select(Bytes).ToList();
                Assert.Equal(l.Items, got);
                break;
            case RdbSet set:
                var members = c.Call("SMEMBERS", it.Key).Items!.Select(r => r.Text!).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(set.Members.Select(S).Order(StringComparer.Ordinal).ToList(), members);
                break;
            case RdbZSet z:
                var flat = c.Call("ZRANGE", it.Key, 0, -1, "WITHSCORES").Items!;
                var sorted = z.Members.OrderBy(m => m.Score).ThenBy(m => S(m.Member), StringComparer.Ordinal).ToList();
                Assert.Equal(sorted.Count * 2, flat.Count);
                for (int i = 0; i < sorted.Count; i++)
                {
                    Assert.Equal(S(sorted[i].Member), flat[i * 2].Text);
                    Assert.Equal(sorted[i].Score, ParseScore(flat[i * 2 + 1].Text!));
                }
                break;
            case RdbHash h:
                var hflat = c.Call("HGETALL", it.Key).Items!;
                var dict = new Dictionary<string, string>();
                for (int i = 0; i < hflat.Count; i += 2) dict[hflat[i].Text!] = hflat[i + 1].Text!;
                Assert.Equal(h.Fields.Count, dict.Count);
                foreach (var f in h.Fields) Assert.Equal(S(f.Value), dict[S(f.Field)]);
                break;
            case RdbStream st:
                var loaded = FromXInfoFull(c.Call("XINFO", "STREAM", it.Key, "FULL", "COUNT", 0));
                AssertSameStream(st, loaded);
                break;
        }
    }

    private static void AssertSameStream(RdbStream want, RdbStream got)
    {
        Assert.Equal(want.Entries.Count, got.Entries.Count);
        for (int i = 0; i < want.Entries.Count; i++)
        {
            Assert.Equal(want.Entries[i].Id, got.Entries[i].Id);
            Assert.Equal(want.Entries[i].FieldsAndValues, got.Entries[i].FieldsAndValues);
        }
        Assert.Equal(want.LastId, got.LastId);
        Assert.Equal(want.MaxDeletedId, got.MaxDeletedId);
        Assert.Equal(want.EntriesAdded, got.EntriesAdded);
        if (want.Entries.Count > 0) Assert.Equal(want.FirstId, got.FirstId);
        var wg = want.Groups.OrderBy(g => S(g.Name), StringComparer.Ordinal).ToList();
        Assert.Equal(wg.Count, got.Groups.Count);
        for (int i = 0; i < wg.Count; i++)
        {
            var a = wg[i];
            var b = got.Groups[i];
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(a.LastId, b.LastId);
            Assert.Equal(a.EntriesRead, b.EntriesRead);
            Assert.Equal(a.Pending, b.Pending);
            var wc = a.Consumers.OrderBy(x => S(x.Name), StringComparer.Ordinal).ToList();
            Assert.Equal(wc.Count, b.Consumers.Count);
            for (int k = 0; k < wc.Count; k++)
            {
                Assert.Equal(wc[k].Name, b.Consumers[k].Name);
                Assert.Equal(wc[k].SeenTimeMs, b.Consumers[k].SeenTimeMs);
                Assert.Equal(wc[k].Pending, b.Consumers[k].Pending);
            }
        }
    }

    private static double ParseScore(string s) => s switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(s, CultureInfo.InvariantCulture),
    };

    private static RdbStreamId ParseId(string s)
    {
        int dash = s.IndexOf('-');
        return new RdbStreamId(ulong.Parse(s[..dash], CultureInfo.InvariantCulture), ulong.Parse(s[(dash + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>The whole stream as XINFO STREAM key FULL COUNT 0 reports it (7.0's field set).</summary>
    private static RdbStream FromXInfoFull(RespReply r)
    {
        var f = r.Items!;
        var s = new RdbStream
        {
            LastId = ParseId(Field(f, "last-generated-id").Text!),
            MaxDeletedId = ParseId(Field(f, "max-deleted-entry-id").Text!),
            EntriesAdded = (ulong)Field(f, "entries-added").Integer,
            FirstId = ParseId(Field(f, "recorded-first-entry-id").Text!),
        };
        foreach (var e in Field(f, "entries").Items!)
            s.Entries.Add(new RdbStreamEntry(ParseId(e.Items![0].Text!), e.Items[1].Items!.Select(Bytes).ToArray()));
        s.Length = (ulong)s.Entries.Count;
        foreach (var gr in Field(f, "groups").Items!)
        {
            var gf = gr.Items!;
            var er = Field(gf, "entries-read");
            var g = new RdbStreamGroup(Bytes(Field(gf, "name")))
            {
                LastId = ParseId(Field(gf, "last-delivered-id").Text!),
                EntriesRead = er.IsNull ? -1 : er.Integer,
            };
            var owner = new Dictionary<RdbStreamId, string>();
            foreach (var p in Field(gf, "pending").Items!)
            {
                var id = ParseId(p.Items![0].Text!);
                g.Pending.Add(new RdbPendingEntry(id, p.Items[2].Integer, (ulong)p.Items[3].Integer));
                owner[id] = p.Items[1].Text!;
            }
            foreach (var cr in Field(gf, "consumers").Items!)
            {
                var cf = cr.Items!;
                var c = new RdbStreamConsumer(Bytes(Field(cf, "name"))) { SeenTimeMs = Field(cf, "seen-time").Integer };
                foreach (var p in Field(cf, "pending").Items!) c.Pending.Add(ParseId(p.Items![0].Text!));
                g.Consumers.Add(c);
            }
            s.Groups.Add(g);
        }
        return s;
    }

    // ---- DUMP payloads -----------------------------------------------------------------------------------------

    [Fact]
    public void OptionsFollowRedisConfigLikeRedisDoes()
    {
        using var redis = new RedisServerProcess();
        using var c = new RespClient(redis.Port);
        var o = new RdbWriterOptions();

        void Config(string name, object value) => Assert.Equal("+OK", c.Call("CONFIG", "SET", name, value).Text);

        void Same(string key, RdbValue v)
        {
            var want = Bytes(c.Call("DUMP", key));
            var got = RdbWriter.CreateDumpPayload(v, o);
            Assert.True(want.AsSpan().SequenceEqual(got), $"{key}: redis {Convert.ToHexString(want)}\n tern {Convert.ToHexString(got)}");
        }

        RdbList Push(string key, int n, Func<int, string> element)
        {
            var items = new List<byte[]>();
            for (int i = 0; i < n; i++)
            {
                items.Add(B(element(i)));
                c.Call("RPUSH", key, items[^1]);
            }
            return new RdbList(items);
        }

        foreach (int fill in new[] { 5, 1, 100, -1, -3, -5 })
        {
            Config("list-max-listpack-size", fill);
            o.ListMaxListpackSize = fill;
            string key = "l" + fill;
            Same(key, Push(key, 400, i => i % 4 == 0 ? i.ToString(CultureInfo.InvariantCulture) : new string('e', i % 180)));
        }

        Config("stream-node-max-entries", 7);
        Config("stream-node-max-bytes", 0);
        o.StreamNodeMaxEntries = 7;
        o.StreamNodeMaxBytes = 0;
        for (int i = 1; i <= 40; i++) c.Call("XADD", "x7", i + "-0", "f", i * 3, "g", new string('z', i));
        Same("x7", FromXInfoFull(c.Call("XINFO", "STREAM", "x7", "FULL", "COUNT", 0)));
        Config("stream-node-max-entries", 0);
        Config("stream-node-max-bytes", 300);
        o.StreamNodeMaxEntries = 0;
        o.StreamNodeMaxBytes = 300;
        for (int i = 1; i <= 40; i++) c.Call("XADD", "xb", i + "-0", i % 2 == 0 ? "f" : "h", i * 3, "g", new string('z', i));
        Same("xb", FromXInfoFull(c.Call("XINFO", "STREAM", "xb", "FULL", "COUNT", 0)));

        Config("set-max-intset-entries", 3);
        o.SetMaxIntsetEntries = 3;
        c.Call("SADD", "s3", 1, 2, 3);
        Same("s3", new RdbSet([B("1"), B("2"), B("3")]));

        Config("zset-max-listpack-entries", 3);
        Config("zset-max-listpack-value", 5);
        o.ZSetMaxListpackEntries = 3;
        o.ZSetMaxListpackValue = 5;
        c.Call("ZADD", "z3", 1, "a", 2, "b", 3, "c");
        Same("z3", new RdbZSet([new(B("a"), 1), new(B("b"), 2), new(B("c"), 3)]));
        c.Call("ZADD", "z4", 1, "a", 2, "b", 3, "c", 4, "d");
        Same("z4", new RdbZSet([new(B("a"), 1), new(B("b"), 2), new(B("c"), 3), new(B("d"), 4)]));
        c.Call("ZADD", "zlong", 1, "abcde");
        Same("zlong", new RdbZSet([new(B("abcde"), 1)]));

        Config("hash-max-listpack-entries", 2);
        Config("hash-max-listpack-value", 3);
        o.HashMaxListpackEntries = 2;
        o.HashMaxListpackValue = 3;
        c.Call("HSET", "h2", "a", "abc", "b", "1");
        Same("h2", new RdbHash([new(B("a"), B("abc"), 0), new(B("b"), B("1"), 0)]));

        Config("rdbcompression", "no");
        o.Compress = false;
        var text = string.Concat(Enumerable.Repeat("compress me ", 50));
        c.Call("SET", "plain", text);
        Same("plain", new RdbString(B(text)));
    }

    private static readonly string[] BoundaryInts =
    [
        "0", "1", "-1", "127", "128", "-128", "-129", "4095", "4096", "-4096", "-4097", "32767", "32768", "-32768",
        "-32769", "8388607", "8388608", "-8388608", "-8388609", "2147483647", "2147483648", "-2147483648",
        "-2147483649", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "007", "-0", "+5", " 5", "5 ", "1e3", "18446744073709551616", "99999999999999999999",
    ];

    private static byte[] RandomElement(Random r)
    {
        switch (r.Next(8))
        {
            case 0:
            case 1:
                return B(BoundaryInts[r.Next(BoundaryInts.Length)]);
            case 2:
                return B(r.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture));
            case 3:
                return B(r.Next(-100000, 100000).ToString(CultureInfo.InvariantCulture));
            case 4:
            {
                var b = new byte[r.Next(0, 300)];
                r.NextBytes(b);
                return b;
            }
            case 5:
                return B(new string((char)('a' + r.Next(26)), r.Next(r.Next(2) == 0 ? 70 : 5000)));
            default:
                return B("item:" + r.Next(1000));
        }
    }

    [Fact]
    public void RandomValuesGiveRedisDumpBytes()
    {
        using var redis = new RedisServerProcess();
        using var c = new RespClient(redis.Port);
        var r = new Random(20261128);
        for (int round = 0; round < 40; round++)
        {
            string key = "k" + round;
            RdbValue v;
            switch (round % 4)
            {
                case 0:
                {
                    var items = new List<byte[]>();
                    int n = r.Next(1, round % 8 == 0 ? 3000 : 60);
                    for (int i = 0; i < n; i++) items.Add(RandomElement(r));
                    c.Call(new object[] { "RPUSH", key }.Concat(items).ToArray());
                    v = new RdbList(items);
                    break;
                }
                case 1:
                {
                    var seen = new HashSet<string>();
                    var fields = new List<RdbHashField>();
                    int n = r.Next(1, 40);
                    for (int i = 0; i < n; i++)
                    {
                        var f = RandomElement(r);
                        if (f.Length > 64 || !seen.Add(S(f))) continue;
                        var val = RandomElement(r);
                        if (val.Length > 64) val = val[..64];
                        fields.Add(new(f, val, 0));
                    }
                    c.Call(new object[] { "HSET", key }.Concat(fields.SelectMany(f => new object[] { f.Field, f.Value })).ToArray());
                    v = new RdbHash(fields);
                    break;
                }
                case 2:
                {
                    var seen = new HashSet<string>();
                    var members = new List<RdbZMember>();
                    int n = r.Next(1, round % 8 == 2 ? 400 : 100);
                    for (int i = 0; i < n; i++)
                    {
                        var m = RandomElement(r);
                        if (m.Length > 100 || !seen.Add(S(m))) continue;
                        double score = r.Next(4) switch
                        {
                            0 => r.Next(-1000, 1000),
                            1 => (r.NextDouble() - 0.5) * Math.Pow(10, r.Next(-20, 25)),
                            2 => r.Next(5),
                            _ => Math.Round(r.NextDouble() * 1e19),
                        };
                        members.Add(new(m, score));
                    }
                    c.Call(new object[] { "ZADD", key }.Concat(members.SelectMany(m => new object[] { m.Score.ToString("R", CultureInfo.InvariantCulture), m.Member })).ToArray());
                    v = new RdbZSet(members);
                    break;
                }
                default:
                {
                    var st = new RdbStream();
                    int n = r.Next(1, 500);
                    string[] names = ["a", "b", "temperature", "1", "-5"];
                    ulong ms = 1;
                    for (int i = 0; i < n; i++)
                    {
                        ms += (ulong)r.Next(0, 3);
                        string id = ms + "-" + (ulong)i;
                        int nf = r.Next(1, 4);
                        var fv = new byte[nf * 2][];
                        for (int k = 0; k < nf; k++)
                        {
                            fv[k * 2] = B(names[r.Next(r.Next(2) == 0 ? 1 : names.Length)] + (k == 0 ? "" : k.ToString(CultureInfo.InvariantCulture)));
                            fv[k * 2 + 1] = RandomElement(r);
                        }
                        if (fv.Where((_, j) => j % 2 == 0).Select(S).Distinct().Count() != nf) fv[0] = B("unique");
                        c.Call(new object[] { "XADD", key, id }.Concat(fv).ToArray());
                    }
                    v = FromXInfoFull(c.Call("XINFO", "STREAM", key, "FULL", "COUNT", 0));
                    break;
                }
            }
            var want = Bytes(c.Call("DUMP", key));
            var got = RdbWriter.CreateDumpPayload(v);
            Assert.True(want.AsSpan().SequenceEqual(got), $"round {round} ({v.GetType().Name}): redis {want.Length} bytes, tern {got.Length}");
        }
    }

    /// <summary>
    /// Redis's own SAVE, reproduced byte for byte: the AUX fields as Redis wrote them (their values read back from
    /// its file), the function library, then one key per database so key order is not in question.
    /// </summary>
    [Fact]
    public void WholeFileEqualsRedisSave()
    {
        using var redis = new RedisServerProcess();
        using var c = new RespClient(redis.Port);
        Assert.Equal("mylib", c.Call("FUNCTION", "LOAD", LibSource).Text);
        var keys = new List<(int Db, string Key, RdbValue Value, long Expire)>();
        c.Call("SELECT", 0);
        c.Call("HSET", "h", "f", "v", "n", "12");
        keys.Add((0, "h", new RdbHash([new(B("f"), B("v"), 0), new(B("n"), B("12"), 0)]), -1));
        c.Call("SELECT", 1);
        var l = Enumerable.Range(0, 2000).Select(i => B("element" + i)).ToList();
        c.Call(new object[] { "RPUSH", "list" }.Concat(l).ToArray());
        keys.Add((1, "list", new RdbList(l), -1));
        c.Call("SELECT", 2);
        var z = Enumerable.Range(0, 200).Select(i => new RdbZMember(B("m" + i), i / 3.0)).ToList();
        c.Call(new object[] { "ZADD", "z" }.Concat(z.SelectMany(m => new object[] { m.Score.ToString("R", CultureInfo.InvariantCulture), m.Member })).ToArray());
        keys.Add((2, "z", new RdbZSet(z), -1));
        c.Call("SELECT", 3);
        c.Call("SADD", "s", 5, 1, 70000);
        keys.Add((3, "s", new RdbSet([B("1"), B("5"), B("70000")]), -1));
        c.Call("SELECT", 4);
        for (int i = 1; i <= 150; i++) c.Call("XADD", "x", i + "-1", "f", i, "g", "text" + i);
        c.Call("XGROUP", "CREATE", "x", "g", "0");
        c.Call("XREADGROUP", "GROUP", "g", "c1", "COUNT", 4, "STREAMS", "x", ">");
        keys.Add((4, "x", FromXInfoFull(c.Call("XINFO", "STREAM", "x", "FULL", "COUNT", 0)), -1));
        c.Call("SELECT", 5);
        c.Call("SET", "t", string.Concat(Enumerable.Repeat("squeeze ", 30)), "PXAT", 4102444800000);
        keys.Add((5, "t", new RdbString(B(string.Concat(Enumerable.Repeat("squeeze ", 30)))), 4102444800000));
        Assert.Equal("+OK", c.Call("SAVE").Text);
        var redisFile = File.ReadAllBytes(Path.Combine(redis.Dir, "dump.rdb"));

        var ms = new MemoryStream();
        using (var w = new RdbWriter(ms))
        {
            w.WriteHeader();
            int p = 9;
            while (redisFile[p] == RdbFormat.OpAux)
            {
                p++;
                var name = ReadRdbString(redisFile, ref p, out _);
                var value = ReadRdbString(redisFile, ref p, out bool isInt);
                if (isInt) w.WriteAux(Encoding.ASCII.GetString(name), long.Parse(Encoding.ASCII.GetString(value), CultureInfo.InvariantCulture));
                else w.WriteAux(name, value);
            }
            w.WriteFunction(B(LibSource));
            foreach (var (db, key, value, expire) in keys)
            {
                w.WriteSelectDb(db);
                w.WriteResizeDb(1, expire == -1 ? 0UL : 1UL);
                w.WriteKey(B(key), value, expire);
            }
            w.WriteEnd();
        }
        var ours = ms.ToArray();
        int diff = 0;
        while (diff < Math.Min(ours.Length, redisFile.Length) && ours[diff] == redisFile[diff]) diff++;
        Assert.True(ours.AsSpan().SequenceEqual(redisFile), $"first difference at offset {diff} of {redisFile.Length} (ours {ours.Length})");
    }

    /// <summary>Just enough of the RDB string encoding to read AUX fields: 6/14-bit lengths and 0xC0-C2 integers.</summary>
    private static byte[] ReadRdbString(byte[] f, ref int p, out bool isInt)
    {
        byte b = f[p++];
        isInt = false;
        switch (b >> 6)
        {
            case 0:
                p += b;
                return f[(p - b)..p];
            case 1:
            {
                int len = ((b & 0x3F) << 8) | f[p++];
                p += len;
                return f[(p - len)..p];
            }
            case 3:
                isInt = true;
                long v = (b & 0x3F) switch
                {
                    0 => (sbyte)f[p],
                    1 => BitConverter.ToInt16(f, p),
                    _ => BitConverter.ToInt32(f, p),
                };
                p += (b & 0x3F) switch { 0 => 1, 1 => 2, _ => 4 };
                return B(v.ToString(CultureInfo.InvariantCulture));
            default:
                throw new InvalidDataException("unexpected AUX encoding");
        }
    }

    [Fact]
    public void DumpPayloadsEqualRedisDumpBytes()
    {
        using var redis = new RedisServerProcess();
        using var c = new RespClient(redis.Port);

        void Same(string key, RdbValue v)
        {
            var want = Bytes(c.Call("DUMP", key));
            var got = RdbWriter.CreateDumpPayload(v);
            Assert.True(want.AsSpan().SequenceEqual(got), $"{key}: redis {Convert.ToHexString(want)[..Math.Min(400, want.Length * 2)]}\n tern {Convert.ToHexString(got)[..Math.Min(400, got.Length * 2)]}");
            // And Redis takes ours back.
            Assert.Equal("+OK", c.Call("RESTORE", key + ":tern", 0, got).Text);
            Assert.Equal(c.Call("DEBUG", "DIGEST-VALUE", key).Items![0].Text, c.Call("DEBUG", "DIGEST-VALUE", key + ":tern").Items![0].Text);
            Assert.Equal(c.Call("OBJECT", "ENCODING", key).Text, c.Call("OBJECT", "ENCODING", key + ":tern").Text);
        }

        // Strings: raw, int-encoded, LZF, 1 MB.
        foreach (var v in new[] { "bar", "123", "-70000", "12345678901", string.Concat(Enumerable.Repeat("hello ", 40)), "" })
        {
            c.Call("SET", "s", v);
            Same("s", new RdbString(B(v)));
            c.Call("DEL", "s:tern");
        }
        var mb = new byte[1 << 20];
        for (int i = 0; i < mb.Length; i++) mb[i] = (byte)(i * 7 % 251);
        c.Call("SET", "mb", mb);
        Same("mb", new RdbString(mb));

        // Intsets of each width.
        c.Call("SADD", "i16", "3", "-5", "1");
        Same("i16", new RdbSet([B("3"), B("-5"), B("1")]));
        c.Call("SADD", "i64", "3", "70000", "-9223372036854775808");
        Same("i64", new RdbSet([B("70000"), B("3"), B("-9223372036854775808")]));

        // Listpack hash in insertion order, with ints and long strings.
        var hargs = new List<object> { "HSET", "h" };
        var hfields = new List<RdbHashField>();
        for (int i = 0; i < 100; i++)
        {
            string f = i % 5 == 0 ? i.ToString(CultureInfo.InvariantCulture) : "field" + i;
            string v = i % 4 == 0 ? (i * 1000003L - 50_000_000).ToString(CultureInfo.InvariantCulture) : new string('v', i % 64);
            hargs.Add(f);
            hargs.Add(v);
            hfields.Add(new(B(f), B(v), 0));
        }
        c.Call(hargs.ToArray());
        Same("h", new RdbHash(hfields));

        // Listpack and skiplist zsets (given in a shuffled order).
        var zl = new List<RdbZMember>();
        var zargs = new List<object> { "ZADD", "zl" };
        double[] scores = [1, 2.5, -3, 0.1, 1e-300, 1e300, 4611686018427387904.0, -4611686018427387904.0, 9e18, 2.5, 100, double.PositiveInfinity, double.NegativeInfinity, -0.0];
        for (int i = 0; i < scores.Length; i++)
        {
            zargs.Add(double.IsInfinity(scores[i]) ? (scores[i] > 0 ? "inf" : "-inf") : scores[i].ToString("R", CultureInfo.InvariantCulture));
            zargs.Add("m" + i);
            zl.Add(new(B("m" + i), scores[i]));
        }
        c.Call(zargs.ToArray());
        zl.Reverse();
        Same("zl", new RdbZSet(zl));
        var zs = new List<RdbZMember>();
        var zsargs = new List<object> { "ZADD", "zs" };
        for (int i = 0; i < 300; i++)
        {
            double sc = i % 10 * 1.25;
            zsargs.Add(sc.ToString("R", CultureInfo.InvariantCulture));
            zsargs.Add("member" + i);
            zs.Add(new(B("member" + i), sc));
        }
        c.Call(zsargs.ToArray());
        Same("zs", new RdbZSet(zs));

        // Quicklists built by RPUSH: several nodes, elements of all sizes, one over 8 KB.
        var litems = new List<byte[]>();
        var largs = new List<object> { "RPUSH", "l" };
        for (int i = 0; i < 3000; i++)
        {
            byte[] e = i % 11 == 0 ? B((i * 7919L - 10000).ToString(CultureInfo.InvariantCulture)) : B(new string((char)('a' + i % 26), i % 300));
            if (i == 1500) e = new byte[9000];
            litems.Add(e);
            largs.Add(e);
        }
        c.Call(largs.ToArray());
        Same("l", new RdbList(litems));

        // Streams: several nodes, changing fields, deletions-free; groups with PEL and consumers.
        var xs = new List<RdbStreamEntry>();
        for (int i = 0; i < 330; i++)
        {
            string id = $"{1000 + i / 4}-{i % 4}";
            byte[][] fv = i % 9 == 8
                ? [B("f"), B(new string('z', i % 90)), B("g"), B("1")]
                : [B("temp"), B((i * 3).ToString(CultureInfo.InvariantCulture)), B("name"), B(new string('n', i % 50))];
            var args = new List<object> { "XADD", "x", id };
            args.AddRange(fv.Select(b => (object)b));
            Assert.Equal(id, c.Call(args.ToArray()).Text);
            xs.Add(new RdbStreamEntry(ParseId(id), fv));
        }
        Assert.Equal("+OK", c.Call("XGROUP", "CREATE", "x", "grp", "0").Text);
        Assert.Equal("+OK", c.Call("XGROUP", "CREATE", "x", "agrp", "$").Text);
        c.Call("XREADGROUP", "GROUP", "grp", "alice", "COUNT", 5, "STREAMS", "x", ">");
        c.Call("XREADGROUP", "GROUP", "grp", "bob", "COUNT", 3, "STREAMS", "x", ">");
        c.Call("XCLAIM", "x", "grp", "bob", 0, "1000-1");
        c.Call("XACK", "x", "grp", "1000-2");
        c.Call("XGROUP", "CREATECONSUMER", "x", "grp", "carol");
        var x = FromXInfoFull(c.Call("XINFO", "STREAM", "x", "FULL", "COUNT", 0));
        Assert.Equal(xs.Count, x.Entries.Count);
        Same("x", x);
        c.Call("XADD", "x1", "5-1", "a", "1");
        Same("x1", FromXInfoFull(c.Call("XINFO", "STREAM", "x1", "FULL", "COUNT", 0)));
    }

    [Fact]
    public void HashTablesRestoreToTheSameDigest()
    {
        using var redis = new RedisServerProcess();
        using var c = new RespClient(redis.Port);

        void SameDigest(string key, RdbValue v, string encoding)
        {
            var payload = RdbWriter.CreateDumpPayload(v);
            Assert.Equal("+OK", c.Call("RESTORE", key + ":tern", 0, payload).Text);
            Assert.Equal(encoding, c.Call("OBJECT", "ENCODING", key).Text);
            Assert.Equal(encoding, c.Call("OBJECT", "ENCODING", key + ":tern").Text);
            Assert.Equal(c.Call("DEBUG", "DIGEST-VALUE", key).Items![0].Text, c.Call("DEBUG", "DIGEST-VALUE", key + ":tern").Items![0].Text);
            // Same size on disk as Redis's own payload, even if the order differs.
            Assert.Equal(Bytes(c.Call("DUMP", key)).Length, payload.Length);
        }

        var members = Enumerable.Range(0, 700).Select(i => i % 3 == 0 ? i.ToString(CultureInfo.InvariantCulture) : "m" + i).ToList();
        c.Call(new object[] { "SADD", "set" }.Concat(members).ToArray());
        SameDigest("set", new RdbSet(members.Select(B).ToList()), "hashtable");

        var ints = Enumerable.Range(0, 600).Select(i => (i * 37).ToString(CultureInfo.InvariantCulture)).ToList();
        c.Call(new object[] { "SADD", "bigints" }.Concat(ints).ToArray());
        SameDigest("bigints", new RdbSet(ints.Select(B).ToList()), "hashtable");

        var hf = new List<RdbHashField>();
        var hargs = new List<object> { "HSET", "hash" };
        for (int i = 0; i < 600; i++)
        {
            hargs.Add("f" + i);
            hargs.Add(i % 2 == 0 ? i.ToString(CultureInfo.InvariantCulture) : "value" + i);
            hf.Add(new(B("f" + i), B(i % 2 == 0 ? i.ToString(CultureInfo.InvariantCulture) : "value" + i), 0));
        }
        c.Call(hargs.ToArray());
        SameDigest("hash", new RdbHash(hf), "hashtable");

        c.Call("HSET", "hlong", "f", new string('v', 65));
        SameDigest("hlong", new RdbHash([new(B("f"), B(new string('v', 65)), 0)]), "hashtable");
    }
}
