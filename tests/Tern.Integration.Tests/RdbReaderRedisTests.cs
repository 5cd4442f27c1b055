using System.Globalization;
using System.Text;
using Tern.Rdb;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// A real redis-server 7.0 fills every type in its compact and full encodings, SAVEs, and RdbReader reads the
/// dump.rdb: each key, value, TTL and database must be what Redis holds. Then DUMP of every key is read with
/// ReadDumpPayload and must give the same value.
/// </summary>
public class RdbReaderRedisTests
{
    private static string L(byte[] b) => Encoding.Latin1.GetString(b);

    private static string F(double d) =>
        double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf" : d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A canonical text of a value: sets, hashes and zsets sorted; streams with groups and PELs.</summary>
    private static string Norm(RdbValue v)
    {
        var sb = new StringBuilder();
        switch (v)
        {
            case RdbString s: sb.Append("string ").Append(L(s.Value)); break;
            case RdbList l: sb.Append("list ").AppendJoin("\u0001", l.Items.Select(L)); break;
            case RdbSet s: sb.Append("set ").AppendJoin("\u0001", s.Members.Select(L).Order(StringComparer.Ordinal)); break;
            case RdbZSet z:
                sb.Append("zset ").AppendJoin("\u0001", z.Members.Select(m => L(m.Member) + "=" + F(m.Score)).Order(StringComparer.Ordinal));
                break;
            case RdbHash h:
                sb.Append("hash ").AppendJoin("\u0001", h.Fields.Select(f => L(f.Field) + "=" + L(f.Value)).Order(StringComparer.Ordinal));
                break;
            case RdbStream st:
                sb.Append("stream ").Append(st.Length).Append(' ').Append(st.LastId).Append(" entries ");
                foreach (var e in st.Entries) sb.Append(e.Id).Append(':').AppendJoin(",", e.FieldsAndValues.Select(L)).Append(';');
                foreach (var g in st.Groups.OrderBy(g => L(g.Name), StringComparer.Ordinal))
                {
                    sb.Append(" group ").Append(L(g.Name)).Append(' ').Append(g.LastId).Append(" read ").Append(g.EntriesRead).Append(" pel ");
                    foreach (var p in g.Pending)
                    {
                        var owner = g.Consumers.Single(c => c.Pending.Contains(p.Id));
                        sb.Append(p.Id).Append('/').Append(L(owner.Name)).Append('/').Append(p.DeliveryCount).Append(';');
                    }
                    sb.Append(" consumers ").AppendJoin(",", g.Consumers.Select(c => L(c.Name)).Order(StringComparer.Ordinal));
                }
                break;
            default: sb.Append(v.GetType().Name); break;
        }
        return sb.ToString();
    }

    private static List<string> Texts(RespReply r) => r.Items!.Select(i => i.Text!).ToList();

    /// <summary>The same canonical text, built from Redis's replies.</summary>
    private static string FromRedis(RespClient c, byte[] key)
    {
        string type = c.Call("TYPE", key).Text!.TrimStart('+');
        var sb = new StringBuilder();
        switch (type)
        {
            case "string": sb.Append("string ").Append(c.Call("GET", key).Text); break;
            case "list": sb.Append("list ").AppendJoin("\u0001", Texts(c.Call("LRANGE", key, 0, -1))); break;
            case "set": sb.Append("set ").AppendJoin("\u0001", Texts(c.Call("SMEMBERS", key)).Order(StringComparer.Ordinal)); break;
            case "zset":
            {
                var t = Texts(c.Call("ZRANGE", key, 0, -1, "WITHSCORES"));
                var pairs = new List<string>();
                for (int i = 0; i < t.Count; i += 2)
                {
                    double d = t[i + 1] switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, var x => double.Parse(x, CultureInfo.InvariantCulture) };
                    pairs.Add(t[i] + "=" + F(d));
                }
                sb.Append("zset ").AppendJoin("\u0001", pairs.Order(StringComparer.Ordinal));
                break;
            }
            case "hash":
            {
                var t = Texts(c.Call("HGETALL", key));
                var pairs = new List<string>();
                for (int i = 0; i < t.Count; i += 2) pairs.Add(t[i] + "=" + t[i + 1]);
                sb.Append("hash ").AppendJoin("\u0001", pairs.Order(StringComparer.Ordinal));
                break;
            }
            case "stream":
            {
                var info = c.Call("XINFO", "STREAM", key).Items!;
                string Field(List<RespReply> kv, string name)
                {
                    for (int i = 0; i < kv.Count; i += 2) if (kv[i].Text == name) return kv[i + 1].Text!;
                    throw new KeyNotFoundException(name);
                }
                sb.Append("stream ").Append(Field(info, "length")).Append(' ').Append(Field(info, "last-generated-id")).Append(" entries ");
                foreach (var e in c.Call("XRANGE", key, "-", "+").Items!)
                    sb.Append(e.Items![0].Text).Append(':').AppendJoin(",", Texts(e.Items[1])).Append(';');
                var groups = c.Call("XINFO", "GROUPS", key).Items!.Select(g => g.Items!).OrderBy(g => Field(g, "name"), StringComparer.Ordinal);
                foreach (var g in groups)
                {
                    string name = Field(g, "name");
                    sb.Append(" group ").Append(name).Append(' ').Append(Field(g, "last-delivered-id"))
                        .Append(" read ").Append(Field(g, "entries-read") ?? "-1").Append(" pel ");
                    foreach (var p in c.Call("XPENDING", key, name, "-", "+", 10000).Items!)
                        sb.Append(p.Items![0].Text).Append('/').Append(p.Items[1].Text).Append('/').Append(p.Items[3].Text).Append(';');
                    var consumers = c.Call("XINFO", "CONSUMERS", key, name).Items!.Select(x => Field(x.Items!, "name"));
                    sb.Append(" consumers ").AppendJoin(",", consumers.Order(StringComparer.Ordinal));
                }
                break;
            }
            default: sb.Append(type); break;
        }
        return sb.ToString();
    }

    private sealed class Sink : IRdbSink
    {
        public readonly List<(RdbKey Key, RdbValue Value)> Keys = [];
        public readonly Dictionary<string, string> Aux = [];
        public bool Ended;
        public void OnHeader(int version) => Assert.Equal(10, version);
        public void OnAux(byte[] name, byte[] value) => Aux[L(name)] = L(value);
        public void OnSelectDb(int db) { }
        public void OnResizeDb(ulong keys, ulong expires) { }
        public void OnFunction(byte[] librarySource) { }
        public void OnKey(in RdbKey key, RdbValue value) => Keys.Add((key, value));
        public void OnEnd(ulong checksum)
        {
            Assert.NotEqual(0UL, checksum);
            Ended = true;
        }
    }

    private static void Fill(RespClient c)
    {
        void Ok(params object[] args)
        {
            var r = c.Call(args);
            Assert.False(r.IsError, string.Join(" ", args.Take(3)) + ": " + r.Text);
        }
        var rnd = new Random(42);
        Ok("SELECT", 0);
        Ok("SET", "str:small", "hello");
        Ok("SET", "str:int", "12345");
        Ok("SET", "str:neg", "-7");
        Ok("SET", "str:bigint", "12345678901");
        Ok("SET", "str:lzf", string.Concat(Enumerable.Repeat("compress me please ", 200)));
        var big = new byte[1 << 20];
        rnd.NextBytes(big);
        Ok("SET", "str:big", big);
        Ok("SET", new byte[] { 0, 0xff, (byte)'\r', (byte)'\n', 1, 2 }, new byte[] { 0xfe, 0, 7, (byte)'\n' });
        Ok("SET", "str:empty", "");
        Ok("SET", "str:ttl", "x", "PXAT", 4102444800000L);

        Ok("RPUSH", "list:small", "a", "1", "-2", "b", "300000", "9223372036854775807");
        for (int i = 0; i < 2000; i++) Ok("RPUSH", "list:big", i % 3 == 0 ? "v" + i : (i * 7919).ToString(), i % 100 == 0 ? new string('z', 300) : "w");
        Ok("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 100);
        Ok("RPUSH", "list:plain", "small", new string('P', 500), "tail", new string('Q', 1000));
        Ok("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 1073741824);

        Ok("SADD", "set:intset16", 1, 2, 3, -5, 32767);
        Ok("SADD", "set:intset64", -9223372036854775808, 5000000000, 1);
        Ok("SADD", "set:strings", "a", "b", "c", "12");
        var bigInts = new List<object> { "SADD", "set:bigints" };
        for (int i = 0; i < 600; i++) bigInts.Add(i * 3 - 900);
        Ok(bigInts.ToArray());

        Ok("ZADD", "zset:small", 1, "a", 2.5, "b", -3, "c", "inf", "top", "-inf", "bottom", 1e300, "huge");
        var bigZ = new List<object> { "ZADD", "zset:big" };
        for (int i = 0; i < 300; i++) bigZ.AddRange([i * 0.5 - 10, "m" + i]);
        Ok(bigZ.ToArray());
        Ok("ZADD", "zset:longmember", 1, new string('L', 100));

        Ok("HSET", "hash:small", "f1", "v1", "f2", "2", "f3", "-30000");
        var bigH = new List<object> { "HSET", "hash:big" };
        for (int i = 0; i < 200; i++) bigH.AddRange(["field" + i, "value" + i]);
        Ok(bigH.ToArray());
        Ok("HSET", "hash:longvalue", "k", new string('V', 100));

        for (int i = 0; i < 10; i++) Ok("XADD", "stream:small", $"1-{i + 1}", "f", "v" + i, "n", i);
        Ok("XADD", "stream:small", "2-1", "other", "fields");
        Ok("XDEL", "stream:small", "1-3");
        Ok("XGROUP", "CREATE", "stream:small", "g1", "0");
        Ok("XGROUP", "CREATE", "stream:small", "g2", "$");
        Ok("XREADGROUP", "GROUP", "g1", "alice", "COUNT", 3, "STREAMS", "stream:small", ">");
        Ok("XREADGROUP", "GROUP", "g1", "bob", "COUNT", 2, "STREAMS", "stream:small", ">");
        Ok("XACK", "stream:small", "g1", "1-1");
        Ok("XGROUP", "CREATECONSUMER", "stream:small", "g2", "carol");
        for (int i = 0; i < 1000; i++) Ok("XADD", "stream:big", "*", "k", i, "payload", new string('s', i % 50));
        Ok("XADD", "stream:empty", "5-5", "a", "b");
        Ok("XDEL", "stream:empty", "5-5");

        Ok("PEXPIREAT", "list:small", 4102444800123L);
        Ok("PEXPIREAT", "hash:big", 4102444800456L);

        Ok("SELECT", 1);
        Ok("SET", "db1:key", "one");
        Ok("HSET", "db1:hash", "a", "b");
        Ok("SELECT", 5);
        Ok("SADD", "db5:set", "x");
        Ok("SELECT", 15);
        Ok("RPUSH", "db15:list", "y");
        Ok("PEXPIREAT", "db15:list", 4102444800789L);
        Ok("SELECT", 0);
    }

    [Fact]
    public void Reads_a_redis_7_0_dump_with_every_type_and_encoding()
    {
        using var redis = new RedisServerProcess("--hash-max-listpack-entries", "128", "--zset-max-listpack-entries", "128",
            "--set-max-intset-entries", "512", "--list-max-listpack-size", "-2");
        using var c = new RespClient(redis.Port);
        Fill(c);
        Assert.Equal("+OK", c.Call("SAVE").Text);

        var sink = new Sink();
        RdbReadResult res;
        using (var f = File.OpenRead(Path.Combine(redis.Dir, "dump.rdb")))
        {
            var reader = new RdbReader(f);
            res = reader.Read(sink);
            Assert.True(res.Ok, res.Describe());
            Assert.Equal(f.Length, reader.Position);
            Assert.True(reader.Unconsumed.IsEmpty);
        }
        Assert.True(sink.Ended);
        Assert.Equal("7.0.15", sink.Aux["redis-ver"]);

        // As on a replica link: the RDB followed by the command stream; what was read past the RDB is handed back.
        var file = File.ReadAllBytes(Path.Combine(redis.Dir, "dump.rdb"));
        var tail = Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n");
        var linked = new RdbReader(new MemoryStream([.. file, .. tail]));
        var linkedSink = new Sink();
        Assert.True(linked.Read(linkedSink).Ok);
        Assert.Equal(file.Length, linked.Position);
        Assert.Equal(tail, linked.Unconsumed.ToArray());
        Assert.Equal(sink.Keys.Count, linkedSink.Keys.Count);

        // Same key set per database as Redis has.
        int total = 0;
        foreach (int db in new[] { 0, 1, 5, 15 })
        {
            c.Call("SELECT", db);
            total += (int)c.Call("DBSIZE").Integer;
        }
        Assert.Equal(total, sink.Keys.Count);

        foreach (var (key, value) in sink.Keys)
        {
            c.Call("SELECT", key.Db);
            Assert.Equal(FromRedis(c, key.Name), Norm(value));
            long pexpiretime = c.Call("PEXPIRETIME", key.Name).Integer;
            Assert.Equal(pexpiretime < 0 ? RdbKey.NoExpire : pexpiretime, key.ExpireAtMs);

            // DUMP of the same key gives the same value.
            var dump = c.Call("DUMP", key.Name);
            var dr = RdbReader.ReadDumpPayload(Encoding.Latin1.GetBytes(dump.Text!), out var dv);
            Assert.True(dr.Ok, L(key.Name) + ": " + dr.Describe());
            Assert.Equal(Norm(value), Norm(dv!));
        }
        c.Call("SELECT", 0);

        // The encodings the fill meant to produce are really in the file.
        string Enc(string k) => c.Call("OBJECT", "ENCODING", k).Text!;
        Assert.Equal("listpack", Enc("hash:small"));
        Assert.Equal("hashtable", Enc("hash:big"));
        Assert.Equal("intset", Enc("set:intset64"));
        Assert.Equal("hashtable", Enc("set:bigints"));
        Assert.Equal("listpack", Enc("zset:small"));
        Assert.Equal("skiplist", Enc("zset:big"));
        Assert.Equal("quicklist", Enc("list:plain"));

        var keys = sink.Keys.Select(k => (k.Key.Db, L(k.Key.Name))).ToHashSet();
        Assert.Contains((15, "db15:list"), keys);
        Assert.Contains((5, "db5:set"), keys);
        Assert.Contains((0, "\0\u00ff\r\n\u0001\u0002"), keys);
        var bigStr = (RdbString)sink.Keys.Single(k => L(k.Key.Name) == "str:big").Value;
        Assert.Equal(1 << 20, bigStr.Value.Length);
        var st = (RdbStream)sink.Keys.Single(k => L(k.Key.Name) == "stream:small").Value;
        Assert.Equal(new RdbStreamId(1, 3), st.MaxDeletedId);
        Assert.Equal(11UL, st.EntriesAdded);
        var empty = (RdbStream)sink.Keys.Single(k => L(k.Key.Name) == "stream:empty").Value;
        Assert.Empty(empty.Entries);
        Assert.Equal(new RdbStreamId(5, 5), empty.LastId);
    }
}
