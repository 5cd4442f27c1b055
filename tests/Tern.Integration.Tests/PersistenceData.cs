using System.Text;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Datasets for the persistence tests, written with commands so that the same calls fill a redis-server and a
/// Tern: every type in its compact and its full encoding, TTLs, several databases, big values, binary keys,
/// streams with consumer groups and pending entries.
/// </summary>
internal static class PersistenceData
{
    /// <summary>Fills databases 0, 1, 7 and 15 of whatever <paramref name="c"/> talks to; returns the key count.</summary>
    public static void FillAllTypes(RespClient c, bool big = true)
    {
        long future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        Ok(c.Call("SELECT", "0"));
        // Strings: int-encoded, embstr, raw, compressible, binary, empty, big.
        c.Call("SET", "int:small", "12");
        c.Call("SET", "int:neg", "-123456");
        c.Call("SET", "int:big", "9223372036854775807");
        c.Call("SET", "int:12digits", "12345678901");
        c.Call("SET", "str:emb", "hello world");
        c.Call("SET", "str:empty", "");
        c.Call("SET", "str:raw", new string('r', 100) + "tail");
        c.Call("SET", "str:zeros", "00012");
        c.Call("SET", new byte[] { 0, 1, 2, 255, 0xfe, (byte)'\n' }, new byte[] { 255, 0, 13, 10 });
        c.Call("APPEND", "str:appended", "123");
        c.Call("SET", "str:ttl", "v", "PXAT", future.ToString());
        c.Call("SET", "str:float", "3.14159");
        if (big) c.Call("SET", "str:big", RandomText(300_000, 1));
        // HyperLogLog (a string to RDB).
        c.Call("PFADD", "hll:sparse", "a", "b", "c");
        var many = new List<object> { "PFADD", "hll:dense" };
        for (int i = 0; i < 5000; i++) many.Add("e" + i);
        c.Call([.. many]);
        // Lists: small (one listpack node), multi-node, big elements (plain nodes), ints.
        c.Call("RPUSH", "list:small", "a", "1", "-5", "bb", "");
        var lbig = new List<object> { "RPUSH", "list:big" };
        for (int i = 0; i < 1000; i++) lbig.Add(i % 3 == 0 ? i.ToString() : "element-" + i);
        c.Call([.. lbig]);
        c.Call("RPUSH", "list:plain", new string('p', 9000), "x", RandomText(20000, 2));
        c.Call("LPUSH", "list:ttl", "z");
        c.Call("PEXPIREAT", "list:ttl", future.ToString());
        // Sets: intset (16, 32, 64-bit), hashtable, big intset converted.
        c.Call("SADD", "set:int16", "1", "2", "3", "-7");
        c.Call("SADD", "set:int64", "1", "9223372036854775807", "-9223372036854775808");
        c.Call("SADD", "set:str", "a", "b", "c", "1");
        var sbig = new List<object> { "SADD", "set:bigint" };
        for (int i = 0; i < 600; i++) sbig.Add((i * 7).ToString());
        c.Call([.. sbig]);
        var sstr = new List<object> { "SADD", "set:bigstr" };
        for (int i = 0; i < 300; i++) sstr.Add("member:" + i);
        c.Call([.. sstr]);
        // Sorted sets: listpack, skiplist by count, skiplist by member length, special scores.
        c.Call("ZADD", "zset:small", "1", "a", "2.5", "b", "-3", "c", "1e300", "d", "inf", "e", "-inf", "f", "0", "g");
        var zbig = new List<object> { "ZADD", "zset:big" };
        for (int i = 0; i < 300; i++)
        {
            zbig.Add((i * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture));
            zbig.Add("m" + i);
        }
        c.Call([.. zbig]);
        c.Call("ZADD", "zset:longmember", "1", new string('L', 100), "2", "short");
        c.Call("ZADD", "zset:fractions", "0.1", "a", "0.30000000000000004", "b", "123456789012345678", "c");
        // Hashes: listpack, hashtable by count, hashtable by value length, int values.
        c.Call("HSET", "hash:small", "f1", "v1", "f2", "2", "n", "-100", "empty", "");
        var hbig = new List<object> { "HSET", "hash:big" };
        for (int i = 0; i < 600; i++)
        {
            hbig.Add("field" + i);
            hbig.Add(i % 2 == 0 ? i.ToString() : "value" + i);
        }
        c.Call([.. hbig]);
        c.Call("HSET", "hash:longvalue", "f", new string('v', 200), "g", "x");
        // Streams: entries in several nodes, deletions, groups, PEL, consumers.
        for (int i = 1; i <= 250; i++)
            c.Call("XADD", "stream:a", $"{1000 + i}-{i % 3}", "field", "v" + i, "n", i.ToString());
        c.Call("XADD", "stream:a", "5000-0", "other", "shape", "x", "y");
        c.Call("XDEL", "stream:a", "1010-1", "1020-2");
        c.Call("XGROUP", "CREATE", "stream:a", "g1", "0");
        c.Call("XGROUP", "CREATE", "stream:a", "g2", "$");
        c.Call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "stream:a", ">");
        c.Call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "stream:a", ">");
        c.Call("XACK", "stream:a", "g1", "1002-2");
        c.Call("XGROUP", "CREATECONSUMER", "stream:a", "g2", "carol");
        c.Call("XADD", "stream:empty", "1-1", "a", "b");
        c.Call("XDEL", "stream:empty", "1-1");
        c.Call("XADD", "stream:trimmed", "MAXLEN", "2", "*", "a", "1");
        c.Call("XADD", "stream:trimmed", "MAXLEN", "2", "*", "a", "2");
        c.Call("XADD", "stream:trimmed", "MAXLEN", "2", "*", "a", "3");
        c.Call("XSETID", "stream:trimmed", "99999999999999-5");
        // Other databases.
        Ok(c.Call("SELECT", "1"));
        c.Call("SET", "db1:key", "one");
        c.Call("HSET", "db1:hash", "a", "b");
        Ok(c.Call("SELECT", "7"));
        for (int i = 0; i < 200; i++) c.Call("SET", "k" + i, "v" + i, "PX", "3600000");
        Ok(c.Call("SELECT", "15"));
        c.Call("SET", "last-db", "15");
        c.Call("RPUSH", "db15:list", "x");
        Ok(c.Call("SELECT", "0"));
    }

    /// <summary>DEBUG DIGEST of every database.</summary>
    public static string Digest(RespClient c) => c.Call("DEBUG", "DIGEST").Text!;

    /// <summary>
    /// A type-aware description of the whole dataset: per database and key, its type, TTL presence, encoding and
    /// contents as the read commands show them (ordered where the type has no order), for messages that say
    /// what differs.
    /// </summary>
    public static SortedDictionary<string, string> Describe(RespClient c, bool encodings = true, int databases = 16)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int db = 0; db < databases; db++)
        {
            Ok(c.Call("SELECT", db.ToString()));
            var keys = c.Call("KEYS", "*").Items!.Select(i => Encoding.Latin1.GetBytes(i.Text!)).ToList();
            foreach (var key in keys)
            {
                string type = c.Call("TYPE", key).Text!;
                long pttl = c.Call("PTTL", key).Integer;
                var sb = new StringBuilder();
                sb.Append(type).Append(pttl >= 0 ? " ttl" : " persist").Append(' ');
                switch (type)
                {
                    case "+string":
                        sb.Append(c.Call("GET", key));
                        break;
                    case "+list":
                        sb.Append(c.Call("LRANGE", key, "0", "-1"));
                        break;
                    case "+set":
                        sb.Append(string.Join(",", c.Call("SMEMBERS", key).Items!.Select(i => i.Text).Order(StringComparer.Ordinal)));
                        break;
                    case "+zset":
                        sb.Append(c.Call("ZRANGE", key, "0", "-1", "WITHSCORES"));
                        break;
                    case "+hash":
                        var items = c.Call("HGETALL", key).Items!;
                        var pairs = new List<string>();
                        for (int i = 0; i + 1 < items.Count; i += 2) pairs.Add(items[i].Text + "=" + items[i + 1].Text);
                        sb.Append(string.Join(",", pairs.Order(StringComparer.Ordinal)));
                        break;
                    case "+stream":
                        sb.Append(c.Call("XRANGE", key, "-", "+"));
                        sb.Append(c.Call("XINFO", "STREAM", key, "FULL").ToString());
                        break;
                }
                if (encodings) sb.Append(" enc=").Append(c.Call("OBJECT", "ENCODING", key));
                result[$"{db}:{Convert.ToHexString(key)}"] = sb.ToString();
            }
        }
        Ok(c.Call("SELECT", "0"));
        return result;
    }

    /// <summary>Asserts two descriptions are equal, naming the first key that differs.</summary>
    public static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual)
    {
        foreach (var (k, v) in expected)
        {
            Assert.True(actual.TryGetValue(k, out var a), $"key {k} missing");
            Assert.True(v == a, $"key {k} differs:\nexpected {v}\nactual   {a}");
        }
        foreach (var k in actual.Keys) Assert.True(expected.ContainsKey(k), $"unexpected key {k}");
    }

    private static void Ok(RespReply r) => Assert.Equal("+OK", r.Text);

    public static string RandomText(int length, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder(length);
        // Words from a small alphabet: compressible, but not trivially.
        while (sb.Length < length) sb.Append((char)('a' + rng.Next(8)));
        return sb.ToString();
    }
}
