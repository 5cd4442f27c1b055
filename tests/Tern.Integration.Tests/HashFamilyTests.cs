using System.Text;
using System.Text.Json;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Families;
using Tern.Server.Network;
using Tern.Server.Storage;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Hash commands, replayed against redis-server 7.0 and Tern, replies compared byte for byte. A hashtable-encoded
/// hash has no defined order in Redis, so those replies are compared as sorted sets.
/// </summary>
public sealed class HashFamilyTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void DigestsEqualRedisInBothEncodings()
    {
        Fresh();
        d.Same("HSET", "small", "a", "1", "b", "2", "c", "");
        var args = new List<object> { "HSET", "big" };
        for (int i = 0; i < 600; i++)
        {
            args.Add("field" + i);
            args.Add("value" + i);
        }
        d.Same([.. args]);
        d.Same("EXPIRE", "big", "1000");
        d.Same("OBJECT", "ENCODING", "big");
        d.Same("DEBUG", "DIGEST-VALUE", "small", "big");
        d.Same("RPUSH", "list", "a", "b", "", "12345", "a");
        d.Same("DEBUG", "DIGEST-VALUE", "list");
        d.Same("DEBUG", "DIGEST");
    }

    /// <summary>Empties both servers and puts the encoding thresholds back to Redis's defaults.</summary>
    private void Fresh(int entries = 128, int value = 64)
    {
        d.Reset();
        d.Same("CONFIG", "SET", "hash-max-listpack-entries", entries.ToString());
        d.Same("CONFIG", "SET", "hash-max-listpack-value", value.ToString());
    }

    [Fact]
    public void FieldsAndValues()
    {
        Fresh();
        d.Script("""
            HSET h a 1 b 2 c 3
            HSET h a 5 d 4
            HGETALL h
            HGET h a
            HGET h zz
            HGET nokey a
            HMGET h a zz b
            HMGET nokey a b
            HLEN h
            HLEN nokey
            HSTRLEN h a
            HSTRLEN h zz
            HSTRLEN nokey a
            HEXISTS h a
            HEXISTS h zz
            HEXISTS nokey a
            HKEYS h
            HVALS h
            HKEYS nokey
            HVALS nokey
            HGETALL nokey
            HSETNX h a 9
            HSETNX h e 9
            HSETNX new f v
            HGETALL h
            HGETALL new
            HMSET h a x z y
            HGETALL h
            HSET h "" ""
            HGET h ""
            HSTRLEN h ""
            HSET h "bin\x00field" "val\r\nue"
            HGET h "bin\x00field"
            HSET h n -123 m 9223372036854775807 o 007 p 1.50
            HSTRLEN h n
            HSTRLEN h m
            HGETALL h
            TYPE h
            """);
    }

    [Fact]
    public void DeleteRemovesEmptyKey()
    {
        Fresh();
        d.Script("""
            HDEL nokey a
            HSET h a 1 b 2 c 3
            HDEL h zz
            HDEL h a a
            HGETALL h
            HDEL h b zz c a
            EXISTS h
            HSET h a 1
            HDEL h a b
            EXISTS h
            HSET h a 1 b 2 c 3 d 4
            HDEL h b d
            HSET h e 5 b 6
            HGETALL h
            """);
    }

    [Fact]
    public void ArityAndTypeErrors()
    {
        Fresh();
        d.Script("""
            SET str x
            HSET h
            HSET h a
            HSET h a 1 b
            HMSET h a 1 b
            HSETNX h a
            HGET h
            HMGET h
            HDEL h
            HLEN
            HSTRLEN h
            HEXISTS h
            HKEYS
            HGETALL h x
            HINCRBY h a
            HINCRBYFLOAT h a
            HRANDFIELD
            HSCAN h
            HSET str a 1
            HMSET str a 1
            HSETNX str a 1
            HGET str a
            HMGET str a
            HDEL str a
            HLEN str
            HSTRLEN str a
            HEXISTS str a
            HKEYS str
            HVALS str
            HGETALL str
            HINCRBY str a 1
            HINCRBYFLOAT str a 1
            HRANDFIELD str
            HRANDFIELD str 2
            HRANDFIELD str 2 WITHVALUES
            HSCAN str 0
            HINCRBY str a x
            HINCRBYFLOAT str a x
            HRANDFIELD str x
            HSCAN str x
            GET str
            """);
    }

    [Fact]
    public void Counters()
    {
        Fresh();
        d.Script("""
            HINCRBY h n 1
            HINCRBY h n 10
            HINCRBY h n -100
            HINCRBY h n x
            HINCRBY h n 1.5
            HINCRBY h n ""
            HINCRBY h n +1
            HINCRBY h n 01
            HINCRBY h n 99999999999999999999
            HSET h big 9223372036854775807 small -9223372036854775808 s abc sp " 1" z 0 neg -0
            HINCRBY h big 1
            HINCRBY h big -1
            HINCRBY h small -1
            HINCRBY h small 1
            HINCRBY h s 1
            HINCRBY h sp 1
            HINCRBY h z 1
            HINCRBY h neg 1
            HINCRBY h n -9223372036854775808
            HINCRBY newkey f 5
            HGETALL h
            HINCRBYFLOAT h f 1.5
            HINCRBYFLOAT h f 0.25
            HINCRBYFLOAT h f -1.75
            HINCRBYFLOAT h f 10.5
            HINCRBYFLOAT h f -10.5
            HINCRBYFLOAT h f abc
            HINCRBYFLOAT h f ""
            HINCRBYFLOAT h f " 1"
            HINCRBYFLOAT h f inf
            HINCRBYFLOAT h f -inf
            HINCRBYFLOAT h f nan
            HINCRBYFLOAT h f 5.0e3
            HINCRBYFLOAT h f 2.5e2
            HINCRBYFLOAT h f -5250
            HINCRBYFLOAT h s 1
            HINCRBYFLOAT h n 1
            HSET h i inf
            HINCRBYFLOAT h i 1
            HINCRBYFLOAT h i -1
            HSET h e 1e3
            HINCRBYFLOAT h e 1
            HINCRBYFLOAT newfloat f 3
            HINCRBYFLOAT newfloat f -3
            HGETALL h
            HGETALL newfloat
            """);
    }

    /// <summary>
    /// Sums that show long double's extra precision, or lie beyond double's range, or use strtold's hexadecimal
    /// form. HINCRBYFLOAT computes with an interim double helper until the exact LongDouble (branch bits) is
    /// swapped in (see HashFamily.InterimLongDouble): this test fails until then.
    /// </summary>
    [Fact]
    public void IncrByFloatIsLongDouble()
    {
        Fresh();
        d.Script("""
            HINCRBYFLOAT h f 10.5
            HINCRBYFLOAT h f 0.1
            HINCRBYFLOAT h f 5.0e3
            HINCRBYFLOAT h f 2.0e2
            HSET h z 1
            HINCRBYFLOAT h z 1.0000001
            HINCRBYFLOAT h x 0x1p3
            HINCRBYFLOAT h g 1e400
            HINCRBYFLOAT h g -1e400
            HINCRBYFLOAT h y 1e-400
            """);
        SameSorted("HGETALL", "h");
    }

    [Fact]
    public void Resp3Shapes()
    {
        Fresh();
        d.Both("HELLO", "3");
        d.Script("""
            HSET h a 1 b 2
            HGETALL h
            HGETALL nokey
            HKEYS h
            HKEYS nokey
            HVALS h
            HGET h zz
            HGET nokey a
            HMGET h a zz
            HMGET nokey a
            HRANDFIELD nokey
            HRANDFIELD nokey 3
            HRANDFIELD nokey 3 WITHVALUES
            HRANDFIELD h 0
            HRANDFIELD h 0 WITHVALUES
            HRANDFIELD h 5
            HRANDFIELD h 5 WITHVALUES
            HSCAN h 0
            HSCAN nokey 0
            HINCRBYFLOAT h f 2.5
            HLEN h
            """);
    }

    [Fact]
    public void RandomFieldArguments()
    {
        Fresh();
        d.Script("""
            HSET h a 1 b 2 c 3
            HRANDFIELD h 1 WITHVALUES x
            HRANDFIELD h 1 x
            HRANDFIELD h x
            HRANDFIELD h 1.5
            HRANDFIELD h -9223372036854775808
            HRANDFIELD h -9223372036854775808 WITHVALUES
            HRANDFIELD h -9223372036854775807 WITHVALUES
            HRANDFIELD h 4611686018427387904 WITHVALUES
            HRANDFIELD h -4611686018427387904 WITHVALUES
            HRANDFIELD h 0
            HRANDFIELD h 3
            HRANDFIELD h 3 withvalues
            HRANDFIELD h 4611686018427387903 WITHVALUES
            HRANDFIELD nokey 0
            HRANDFIELD nokey -5 WITHVALUES
            HRANDFIELD nokey x
            """);
        // Redis would try to stream 2^63 fields into an unbounded output buffer; Tern refuses a reply it cannot
        // build with the range error, and stays up.
        var huge = d.TernClient.Call("HRANDFIELD", "h", "-9223372036854775807");
        Assert.Equal("-ERR value is out of range", huge.Text);
        Assert.Equal("+PONG", d.TernClient.Call("PING").Text);
    }

    /// <summary>Replies of HRANDFIELD are random: their shape and membership are what can be compared.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomFieldProperties(int protocol)
    {
        foreach (bool table in new[] { false, true })
        {
            Fresh(entries: table ? 16 : 128);
            var tern = d.TernClient;
            if (protocol == 3) tern.Call("HELLO", "3");
            var expected = new Dictionary<string, string>();
            var args = new List<object> { "HSET", "h" };
            for (int i = 0; i < 40; i++)
            {
                expected[$"f{i}"] = $"v{i}";
                args.Add($"f{i}");
                args.Add($"v{i}");
            }
            tern.Call([.. args]);
            Assert.Equal(table ? "hashtable" : "listpack", EncodingOf("h"));

            // Without a count: one field, as a bulk string.
            for (int i = 0; i < 20; i++) Assert.Contains(tern.Call("HRANDFIELD", "h").Text!, expected.Keys);

            foreach (long count in new long[] { 1, 5, 13, 30, 39, 40, 41, 1000, -1, -5, -40, -200 })
            {
                var fields = tern.Call("HRANDFIELD", "h", count);
                Assert.Equal('*', fields.Type);
                var names = fields.Items!.Select(x => x.Text!).ToList();
                Assert.All(names, n => Assert.Contains(n, expected.Keys));
                if (count > 0)
                {
                    Assert.Equal((int)Math.Min(count, 40), names.Count);
                    Assert.Equal(names.Count, names.Distinct().Count());
                }
                else
                {
                    Assert.Equal((int)-count, names.Count);
                }

                var withValues = tern.Call("HRANDFIELD", "h", count, "WITHVALUES");
                int n = (int)Math.Min(Math.Abs(count), count > 0 ? 40 : long.MaxValue);
                var pairs = new List<(string, string)>();
                if (protocol == 3)
                {
                    // RESP3: an array of [field, value] pairs.
                    Assert.Equal(n, withValues.Items!.Count);
                    foreach (var p in withValues.Items)
                    {
                        Assert.Equal('*', p.Type);
                        Assert.Equal(2, p.Items!.Count);
                        pairs.Add((p.Items[0].Text!, p.Items[1].Text!));
                    }
                }
                else
                {
                    Assert.Equal(2 * n, withValues.Items!.Count);
                    for (int i = 0; i < withValues.Items.Count; i += 2)
                        pairs.Add((withValues.Items[i].Text!, withValues.Items[i + 1].Text!));
                }
                foreach (var (f, v) in pairs) Assert.Equal(expected[f], v);
                if (count > 0) Assert.Equal(pairs.Count, pairs.Select(p => p.Item1).Distinct().Count());
            }

            // Negative counts draw with replacement: a large draw sees (almost surely) every field, repeated.
            var many = tern.Call("HRANDFIELD", "h", -2000).Items!.Select(x => x.Text!).ToList();
            Assert.Equal(2000, many.Count);
            Assert.Equal(40, many.Distinct().Count());
        }
    }

    [Fact]
    public void EncodingThresholds()
    {
        // Tern's stored encoding against Redis's OBJECT ENCODING (Tern's OBJECT command: ObjectEncodingCommand).
        Fresh(entries: 4, value: 8);
        d.Same("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4");
        AssertEncoding("h", "listpack");
        d.Same("HSET", "h", "a", "5");
        AssertEncoding("h", "listpack");
        d.Same("HSET", "h", "e", "5");
        AssertEncoding("h", "hashtable");
        d.Same("HDEL", "h", "a", "b", "c", "d");
        AssertEncoding("h", "hashtable");

        d.Same("HSET", "v", "k", "12345678");
        AssertEncoding("v", "listpack");
        d.Same("HSET", "v", "k", "123456789");
        AssertEncoding("v", "hashtable");
        d.Same("HSET", "f", "123456789", "v");
        AssertEncoding("f", "hashtable");
        // A long argument converts even when it only repeats an existing field's value.
        d.Same("HSET", "r", "k", "v");
        d.Same("HSET", "r", "k", "123456789", "k", "v");
        AssertEncoding("r", "hashtable");
        // HSETNX checks only when it sets.
        d.Same("HSET", "nx", "k", "v");
        d.Same("HSETNX", "nx", "k", "123456789");
        AssertEncoding("nx", "listpack");
        d.Same("HSETNX", "nx", "k2", "123456789");
        AssertEncoding("nx", "hashtable");
        // Counters convert when the field or the new value is too long.
        d.Same("HINCRBY", "i", "123456789", "1");
        AssertEncoding("i", "hashtable");
        d.Same("HINCRBY", "i2", "k", "123456789");
        AssertEncoding("i2", "hashtable");
        d.Same("HINCRBY", "i3", "k", "12345678");
        AssertEncoding("i3", "listpack");
        d.Same("HINCRBYFLOAT", "fl", "k", "1.0000001");
        AssertEncoding("fl", "hashtable");
        d.Same("HINCRBYFLOAT", "fl2", "k", "1.5");
        AssertEncoding("fl2", "listpack");

        Fresh(entries: 0);
        d.Same("HSET", "z", "a", "1");
        AssertEncoding("z", "hashtable");

        // Raising the thresholds later leaves converted hashes as they are (one way).
        Fresh(entries: 2);
        d.Same("HSET", "h", "a", "1", "b", "2", "c", "3");
        d.Same("CONFIG", "SET", "hash-max-listpack-entries", "128");
        d.Same("HDEL", "h", "c");
        AssertEncoding("h", "hashtable");
        Fresh();
    }

    [Fact]
    public void HashtableContents()
    {
        Fresh(entries: 8);
        var args = new List<object> { "HSET", "h" };
        for (int i = 0; i < 50; i++)
        {
            args.Add($"field:{i}");
            args.Add(i % 3 == 0 ? i.ToString() : $"value-{i}");
        }
        d.Same([.. args]);
        AssertEncoding("h", "hashtable");
        d.Script("""
            HLEN h
            HGET h field:7
            HMGET h field:1 nope field:3
            HSTRLEN h field:2
            HEXISTS h field:49
            HINCRBY h field:3 7
            HINCRBY h field:1 7
            HINCRBYFLOAT h field:6 0.5
            HDEL h field:0 field:1 nope
            HSETNX h field:2 x
            HSETNX h extra x
            HLEN h
            """);
        SameSorted("HGETALL", "h");
        SameSorted("HKEYS", "h");
        SameSorted("HVALS", "h");
        d.Both("HELLO", "3");
        SameSorted("HGETALL", "h");
        // Deleting every field deletes the key.
        var keys = d.RedisClient.Call("HKEYS", "h").Items!.Select(x => (object)x.Text!).ToList();
        keys.InsertRange(0, new object[] { "HDEL", "h" });
        d.Same([.. keys]);
        d.Same("EXISTS", "h");
        Fresh();
    }

    [Fact]
    public void ScanListpack()
    {
        Fresh();
        d.Script("""
            HSET h a 1 b 2 c 3 ab 4 xyz 5
            HSCAN h 0
            HSCAN h 17
            HSCAN h 0 COUNT 1
            HSCAN h 0 MATCH a*
            HSCAN h 0 match *b* count 100
            HSCAN h 0 MATCH *
            HSCAN h 0 MATCH nothing
            HSCAN h 0 COUNT 0
            HSCAN h 0 COUNT -1
            HSCAN h 0 COUNT x
            HSCAN h 0 COUNT
            HSCAN h 0 MATCH
            HSCAN h 0 TYPE string
            HSCAN h 0 FOO bar
            HSCAN h x
            HSCAN h -1
            HSCAN h ""
            HSCAN h +5
            HSCAN h 18446744073709551615
            HSCAN h 18446744073709551616
            HSCAN h " 1"
            HSCAN h "1 "
            HSCAN h 0x10
            HSCAN nokey 0
            HSCAN nokey 0 COUNT 0
            HSCAN nokey x
            """);
    }

    [Fact]
    public void ScanHashtable()
    {
        Fresh(entries: 4);
        var expected = new Dictionary<string, string>();
        var args = new List<object> { "HSET", "h" };
        for (int i = 0; i < 300; i++)
        {
            expected[$"k{i}"] = $"v{i}";
            args.Add($"k{i}");
            args.Add($"v{i}");
        }
        d.Same([.. args]);
        foreach (int count in new[] { 1, 10, 1000 })
        {
            var seen = ScanAll(d.TernClient, "h", count, null);
            Assert.Equal(expected.OrderBy(p => p.Key), seen.OrderBy(p => p.Key));
            Assert.Equal(expected.OrderBy(p => p.Key), ScanAll(d.RedisClient, "h", count, null).OrderBy(p => p.Key));
        }
        var matched = ScanAll(d.TernClient, "h", 10, "k1*");
        Assert.Equal(expected.Where(p => p.Key.StartsWith("k1")).OrderBy(p => p.Key), matched.OrderBy(p => p.Key));

        // A field present for the whole scan is returned even while others are added and deleted.
        var tern = d.TernClient;
        var reply = tern.Call("HSCAN", "h", "0", "COUNT", "20");
        ulong cursor = ulong.Parse(reply.Items![0].Text!);
        var got = new HashSet<string>();
        AddPairs(reply, got);
        int round = 0;
        while (cursor != 0)
        {
            tern.Call("HDEL", "h", $"k{round}");
            tern.Call("HSET", "h", $"new{round}", "x");
            round++;
            reply = tern.Call("HSCAN", "h", cursor.ToString(), "COUNT", "20");
            cursor = ulong.Parse(reply.Items![0].Text!);
            AddPairs(reply, got);
        }
        for (int i = round; i < 300; i++) Assert.Contains($"k{i}", got);

        // Errors of the options come after the key is found, as in Redis.
        d.Script("""
            HSCAN h 0 COUNT 0
            HSCAN h 0 COUNT x
            HSCAN h 0 BAD
            HSCAN h x
            """);
        // Cursors of a hashtable are Tern's own (slot numbers): one past the end ends the scan.
        var end = d.TernClient.Call("HSCAN", "h", "18446744073709551615", "COUNT", "5");
        Assert.Equal("0", end.Items![0].Text);
        Fresh();
    }

    private static Dictionary<string, string> ScanAll(RespClient c, string key, int count, string? match)
    {
        var result = new Dictionary<string, string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var r = match == null ? c.Call("HSCAN", key, cursor, "COUNT", count) : c.Call("HSCAN", key, cursor, "MATCH", match, "COUNT", count);
            cursor = r.Items![0].Text!;
            var items = r.Items[1].Items!;
            for (int i = 0; i < items.Count; i += 2) result[items[i].Text!] = items[i + 1].Text!;
            Assert.True(++calls < 100_000, "HSCAN did not terminate");
        }
        while (cursor != "0");
        return result;
    }

    private static void AddPairs(RespReply r, HashSet<string> fields)
    {
        var items = r.Items![1].Items!;
        for (int i = 0; i < items.Count; i += 2) fields.Add(items[i].Text!);
    }

    [Fact]
    public void PropagatedForms()
    {
        Fresh();
        var sink = new PropagationRecorder();
        d.Tern.Server.PropagationSink = sink;
        try
        {
            var c = d.TernClient;
            c.Call("HSET", "h", "a", "1", "b", "2");
            c.Call("HMSET", "h", "c", "3");
            c.Call("HSETNX", "h", "a", "x");
            c.Call("HSETNX", "h", "d", "4");
            c.Call("HDEL", "h", "nope");
            c.Call("HDEL", "h", "d", "nope");
            c.Call("HINCRBY", "h", "a", "5");
            c.Call("HINCRBY", "h", "c", "x");
            c.Call("HINCRBYFLOAT", "h", "f", "1.5");
            c.Call("HINCRBYFLOAT", "h", "f", "0.25");
            c.Call("HGET", "h", "a");
            c.Call("HGETALL", "h");
            c.Call("HRANDFIELD", "h", "-3");
            c.Call("HDEL", "h", "a", "b", "c", "f");
            Assert.Equal(new[]
            {
                "HSET h a 1 b 2",
                "HMSET h c 3",
                "HSETNX h d 4",
                "HDEL h d nope",
                "HINCRBY h a 5",
                "HSET h f 1.5",
                "HSET h f 1.75",
                "HDEL h a b c f",
            }, sink.Commands);
        }
        finally
        {
            d.Tern.Server.PropagationSink = null;
        }
    }

    [Fact]
    public void KeyspaceNotifications()
    {
        Fresh();
        var events = new RecordingNotifier();
        d.Tern.Server.KeyspaceNotifier = events;
        d.TernClient.Call("CONFIG", "SET", "notify-keyspace-events", "KEA");
        try
        {
            var c = d.TernClient;
            c.Call("HSET", "h", "a", "1");
            c.Call("HMSET", "h", "b", "2");
            c.Call("HSETNX", "h", "a", "1");
            c.Call("HSETNX", "h", "c", "3");
            c.Call("HINCRBY", "h", "n", "1");
            c.Call("HINCRBYFLOAT", "h", "n", "1.5");
            c.Call("HDEL", "h", "nope");
            c.Call("HDEL", "h", "a");
            c.Call("HDEL", "h", "b", "c", "n");
            c.Call("HGET", "h", "a");
            Assert.Equal(new[]
            {
                "hset h", "hset h", "hset h", "hincrby h", "hincrbyfloat h", "hdel h", "hdel h", "del h",
            }, events.Events);
        }
        finally
        {
            d.TernClient.Call("CONFIG", "SET", "notify-keyspace-events", "");
            d.Tern.Server.KeyspaceNotifier = null;
        }
    }

    [Fact]
    public void InsideMulti()
    {
        Fresh();
        d.Script("""
            SET str x
            MULTI
            HSET h a 1
            HINCRBY h a 2
            HSET str a 1
            HINCRBY h a x
            HGETALL h
            EXEC
            HGETALL h
            MULTI
            HSET h b
            EXEC
            """);
    }

    /// <summary>OBJECT ENCODING itself comes with another branch: this passes once it is merged.</summary>
    [Fact]
    public void ObjectEncodingCommand()
    {
        Fresh(entries: 2);
        d.Script("""
            HSET small a 1 b 2
            OBJECT ENCODING small
            HSET big a 1 b 2 c 3
            OBJECT ENCODING big
            """);
    }

    /// <summary>
    /// Random command sequences on both servers with small thresholds (so hashes convert midway), every reply
    /// compared; then a full dump of every hash. Seeded, bounded.
    /// </summary>
    [Fact]
    public void RandomizedDifferential()
    {
        Fresh(entries: 8, value: 16);
        var rng = new Random(20240607);
        string[] keys = ["k0", "k1", "k2", "k3"];
        string Field() => rng.Next(10) == 0 ? new string('F', 10 + rng.Next(10)) : $"f{rng.Next(14)}";
        string Value() => rng.Next(4) switch
        {
            0 => rng.Next(-50, 50).ToString(),
            1 => new string('v', rng.Next(0, 20)),
            2 => (rng.Next(-20, 20) / 4.0).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => $"val{rng.Next(100)}",
        };
        for (int step = 0; step < 1500; step++)
        {
            string key = keys[rng.Next(keys.Length)];
            int op = rng.Next(16);
            object[] cmd = op switch
            {
                0 or 1 => Build("HSET", key, rng.Next(1, 4), true),
                2 => ["HSETNX", key, Field(), Value()],
                3 or 4 => Build("HDEL", key, rng.Next(1, 4), false),
                5 => ["HGET", key, Field()],
                6 => Build("HMGET", key, rng.Next(1, 4), false),
                7 => ["HINCRBY", key, Field(), rng.Next(-10, 10).ToString()],
                8 => ["HINCRBYFLOAT", key, Field(), (rng.Next(-8, 8) / 4.0).ToString(System.Globalization.CultureInfo.InvariantCulture)],
                9 => ["HLEN", key],
                10 => ["HEXISTS", key, Field()],
                11 => ["HSTRLEN", key, Field()],
                12 => [rng.Next(3) switch { 0 => "HGETALL", 1 => "HKEYS", _ => "HVALS" }, key],
                13 => ["HRANDFIELD", key, "100", "WITHVALUES"],
                14 => ["HSCAN", key, "0", "COUNT", "1000"],
                _ => rng.Next(8) == 0 ? ["DEL", key] : ["HMSET", key, Field(), Value()],
            };
            if (op is 12 or 13 or 14 && RedisEncoding(key) == "hashtable")
            {
                if (op == 12) SameSorted(cmd);
                continue;
            }
            d.Same(cmd);
        }
        foreach (var key in keys)
        {
            SameSorted("HGETALL", key);
            var redisEncoding = RedisEncoding(key);
            if (redisEncoding != "none") AssertTernEncoding(key, redisEncoding);
        }
        Fresh();

        object[] Build(string name, string key, int n, bool pairs)
        {
            var a = new List<object> { name, key };
            for (int i = 0; i < n; i++)
            {
                a.Add(Field());
                if (pairs) a.Add(Value());
            }
            return [.. a];
        }
    }

    // ---------------------------------------------------------------- helpers

    private string RedisEncoding(string key)
    {
        var r = d.RedisClient.Call("OBJECT", "ENCODING", key);
        return r.IsNull ? "none" : r.Text!;
    }

    /// <summary>Tern's stored encoding, read directly (OBJECT ENCODING may not be on this branch).</summary>
    private string EncodingOf(string key)
    {
        var ks = d.Tern.Server.Keyspace;
        var shard = ks.ShardOf(Encoding.UTF8.GetBytes(key));
        lock (shard.Lock)
        {
            var o = ks.Lookup(0, Encoding.UTF8.GetBytes(key), Clock.UnixMs());
            return o == null ? "none" : Encoding.ASCII.GetString(Entry.Encoding(o));
        }
    }

    private void AssertTernEncoding(string key, string expected) => Assert.Equal(expected, EncodingOf(key));

    /// <summary>Redis's OBJECT ENCODING and Tern's stored encoding are both <paramref name="expected"/>.</summary>
    private void AssertEncoding(string key, string expected)
    {
        Assert.Equal(expected, RedisEncoding(key));
        AssertTernEncoding(key, expected);
    }

    /// <summary>Runs a command on both and compares the replies as sorted lists (pairs kept together for HGETALL).</summary>
    private void SameSorted(params object[] args)
    {
        var (r, t) = d.Both(args);
        Assert.Equal(r.Type, t.Type);
        Assert.Equal(Sorted(r, args[0].ToString()!.Equals("HGETALL", StringComparison.OrdinalIgnoreCase)), Sorted(t, args[0].ToString()!.Equals("HGETALL", StringComparison.OrdinalIgnoreCase)));
    }

    private static List<string> Sorted(RespReply r, bool pairs)
    {
        var items = r.Items ?? [];
        var list = new List<string>();
        if (pairs)
            for (int i = 0; i + 1 < items.Count; i += 2) list.Add(items[i].Text + "\u0001" + items[i + 1].Text);
        else
            foreach (var x in items) list.Add(x.Text ?? "<null>");
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}


/// <summary>Records keyspace notifications as "event key".</summary>
internal sealed class RecordingNotifier : IKeyspaceNotifier
{
    private readonly List<string> _events = [];

    public List<string> Events
    {
        get
        {
            lock (_events) return [.. _events];
        }
    }

    public void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key)
    {
        lock (_events) _events.Add(Encoding.Latin1.GetString(evt) + " " + Encoding.Latin1.GetString(key));
    }
}

/// <summary>
/// Per-field expiry (Redis 7.4's HEXPIRE family), Tern only: the reference server is 7.0, which has none of it.
/// Their COMMAND metadata comes from Commands/Metadata/overrides.json; everything goes over the network.
/// </summary>
public sealed class HashFieldExpiryTests : IDisposable
{
    private readonly TernHost _host = new();
    private readonly RespClient _c;

    public HashFieldExpiryTests()
    {
        _c = _host.Connect();
    }

    public void Dispose()
    {
        _c.Dispose();
        _host.Dispose();
    }

    /// <summary>Runs a command on Tern and returns its raw reply.</summary>
    private string Run(params object[] args) => _c.Call(args).ToString();

    private static string Ints(params long[] values)
    {
        var sb = new StringBuilder($"*{values.Length}\r\n");
        foreach (var v in values) sb.Append(':').Append(v).Append("\r\n");
        return sb.ToString();
    }

    private static long[] ParseInts(string reply)
    {
        var lines = reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("*", lines[0]);
        return lines.Skip(1).Select(l =>
        {
            Assert.StartsWith(":", l);
            return long.Parse(l[1..]);
        }).ToArray();
    }

    private string Encoding_(string key)
    {
        var ks = _host.Server.Keyspace;
        var k = Encoding.UTF8.GetBytes(key);
        lock (ks.ShardOf(k).Lock)
        {
            var o = ks.Lookup(0, k, Clock.UnixMs());
            return o == null ? "none" : Encoding.ASCII.GetString(Entry.Encoding(o));
        }
    }

    private List<string> GetAll(string key) => _c.Call("HGETALL", key).Items!.Select(x => x.Text!).ToList();

    [Fact]
    public void MissingKeyAndFields()
    {
        Assert.Equal(Ints(-2, -2), Run("HEXPIRE", "nokey", 100, "FIELDS", 2, "a", "b"));
        Assert.Equal(Ints(-2), Run("HTTL", "nokey", "FIELDS", 1, "a"));
        Assert.Equal(Ints(-2), Run("HPERSIST", "nokey", "FIELDS", 1, "a"));
        Assert.Equal(0, _c.Call("EXISTS", "nokey").Integer);

        _c.Call("HSET", "h", "a", "1", "b", "2");
        Assert.Equal("listpack", Encoding_("h"));
        Assert.Equal(Ints(-1, -2), Run("HTTL", "h", "FIELDS", 2, "a", "zz"));
        Assert.Equal(Ints(-1, -2), Run("HPERSIST", "h", "FIELDS", 2, "a", "zz"));
        // HPERSIST and HTTL leave a listpack as it is; HEXPIRE makes it a listpackex, whatever it sets.
        Assert.Equal("listpack", Encoding_("h"));
        Assert.Equal(Ints(-2), Run("HEXPIRE", "h", 100, "FIELDS", 1, "zz"));
        Assert.Equal("listpackex", Encoding_("h"));
        Assert.Equal(Ints(-1, -1), Run("HTTL", "h", "FIELDS", 2, "a", "b"));
    }

    [Fact]
    public void TimesAndUnits()
    {
        _c.Call("HSET", "h", "a", "1", "b", "2", "c", "3");
        long before = Clock.UnixMs();
        Assert.Equal(Ints(1, -2, 1), Run("HEXPIRE", "h", 100, "FIELDS", 3, "a", "zz", "b"));
        long after = Clock.UnixMs();
        var ttl = ParseInts(Run("HTTL", "h", "FIELDS", 3, "a", "b", "c"));
        Assert.InRange(ttl[0], 99, 100);
        Assert.Equal(-1, ttl[2]);
        var pttl = ParseInts(Run("HPTTL", "h", "FIELDS", 1, "a"))[0];
        Assert.InRange(pttl, 100_000 - (Clock.UnixMs() - before), 100_000);
        var at = ParseInts(Run("HPEXPIRETIME", "h", "FIELDS", 1, "a"))[0];
        Assert.InRange(at, before + 100_000, after + 100_000);
        // Seconds round up, as Redis 7.4's (ms + 999) / 1000.
        Assert.Equal((at + 999) / 1000, ParseInts(Run("HEXPIRETIME", "h", "FIELDS", 1, "a"))[0]);

        long abs = Clock.UnixMs() + 500_000;
        Assert.Equal(Ints(1), Run("HPEXPIREAT", "h", abs, "FIELDS", 1, "c"));
        Assert.Equal(Ints(abs), Run("HPEXPIRETIME", "h", "FIELDS", 1, "c"));
        long absSec = Clock.UnixMs() / 1000 + 1000;
        Assert.Equal(Ints(1), Run("HEXPIREAT", "h", absSec, "FIELDS", 1, "c"));
        Assert.Equal(Ints(absSec * 1000), Run("HPEXPIRETIME", "h", "FIELDS", 1, "c"));
        Assert.Equal(Ints(absSec), Run("HEXPIRETIME", "h", "FIELDS", 1, "c"));
        Assert.Equal(Ints(1), Run("HPEXPIRE", "h", 300_000, "FIELDS", 1, "b"));
        Assert.InRange(ParseInts(Run("HPTTL", "h", "FIELDS", 1, "b"))[0], 290_000, 300_000);
        // Lower-case keywords work too.
        Assert.Equal(Ints(0), Run("hexpire", "h", 5, "nx", "fields", 1, "b"));
    }

    [Fact]
    public void Conditions()
    {
        _c.Call("HSET", "h", "ttl", "1", "plain", "2");
        Assert.Equal(Ints(1), Run("HEXPIRE", "h", 100, "FIELDS", 1, "ttl"));
        // A field without expiry: NX and LT set it, XX and GT do not.
        Assert.Equal(Ints(0), Run("HEXPIRE", "h", 100, "XX", "FIELDS", 1, "plain"));
        Assert.Equal(Ints(0), Run("HEXPIRE", "h", 100, "GT", "FIELDS", 1, "plain"));
        Assert.Equal(Ints(1), Run("HEXPIRE", "h", 100, "LT", "FIELDS", 1, "plain"));
        Assert.Equal(Ints(0), Run("HEXPIRE", "h", 100, "NX", "FIELDS", 1, "plain"));
        Assert.Equal(Ints(1), Run("HPERSIST", "h", "FIELDS", 1, "plain"));
        Assert.Equal(Ints(1), Run("HEXPIRE", "h", 100, "NX", "FIELDS", 1, "plain"));
        // A field with expiry: NX never, XX always, GT only later, LT only earlier (equal is neither).
        Assert.Equal(Ints(0), Run("HEXPIRE", "h", 200, "NX", "FIELDS", 1, "ttl"));
        Assert.Equal(Ints(1), Run("HEXPIRE", "h", 200, "XX", "FIELDS", 1, "ttl"));
        long t = ParseInts(Run("HPEXPIRETIME", "h", "FIELDS", 1, "ttl"))[0];
        Assert.Equal(Ints(0), Run("HPEXPIREAT", "h", t, "GT", "FIELDS", 1, "ttl"));
        Assert.Equal(Ints(0), Run("HPEXPIREAT", "h", t, "LT", "FIELDS", 1, "ttl"));
        Assert.Equal(Ints(0), Run("HPEXPIREAT", "h", t - 1, "GT", "FIELDS", 1, "ttl"));
        Assert.Equal(Ints(1), Run("HPEXPIREAT", "h", t + 1, "GT", "FIELDS", 1, "ttl"));
        Assert.Equal(Ints(0), Run("HPEXPIREAT", "h", t + 2, "LT", "FIELDS", 1, "ttl"));
        Assert.Equal(Ints(1), Run("HPEXPIREAT", "h", t, "LT", "FIELDS", 1, "ttl"));
        Assert.Equal(Ints(t), Run("HPEXPIRETIME", "h", "FIELDS", 1, "ttl"));
    }

    [Fact]
    public void PastTimesDeleteFields()
    {
        _c.Call("HSET", "h", "a", "1", "b", "2", "c", "3");
        Assert.Equal(Ints(2, -2), Run("HPEXPIREAT", "h", 1, "FIELDS", 2, "a", "a"));
        Assert.Equal(0, _c.Call("HEXISTS", "h", "a").Integer);
        Assert.Equal(Ints(2), Run("HEXPIRE", "h", 0, "FIELDS", 1, "b"));
        // A condition that fails keeps the field even with a past time.
        Assert.Equal(Ints(0), Run("HEXPIRE", "h", 0, "XX", "FIELDS", 1, "c"));
        Assert.Equal(Ints(2), Run("HPEXPIRE", "h", 0, "FIELDS", 1, "c"));
        Assert.Equal(0, _c.Call("EXISTS", "h").Integer);
    }

    [Fact]
    public void ListpackexOrderFollowsExpiry()
    {
        _c.Call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4");
        Assert.Equal(Ints(1), Run("HEXPIRE", "h", 100, "FIELDS", 1, "c"));
        Assert.Equal(new[] { "c", "3", "a", "1", "b", "2", "d", "4" }, GetAll("h"));
        Assert.Equal(Ints(1), Run("HEXPIRE", "h", 50, "FIELDS", 1, "d"));
        Assert.Equal(new[] { "d", "4", "c", "3", "a", "1", "b", "2" }, GetAll("h"));
        // An equal time goes before the fields that have it.
        Assert.Equal(Ints(1), Run("HPEXPIREAT", "h", ParseInts(Run("HPEXPIRETIME", "h", "FIELDS", 1, "c"))[0], "FIELDS", 1, "b"));
        Assert.Equal(new[] { "d", "4", "b", "2", "c", "3", "a", "1" }, GetAll("h"));
        // Losing the expiry moves a field to the end, among the fields without one.
        Assert.Equal(Ints(1), Run("HPERSIST", "h", "FIELDS", 1, "d"));
        Assert.Equal(new[] { "b", "2", "c", "3", "a", "1", "d", "4" }, GetAll("h"));
        // HSET drops the expiry (and moves the field); HINCRBY keeps both.
        Assert.Equal(0, _c.Call("HSET", "h", "b", "20").Integer);
        Assert.Equal(new[] { "c", "3", "a", "1", "d", "4", "b", "20" }, GetAll("h"));
        Assert.Equal(Ints(-1), Run("HTTL", "h", "FIELDS", 1, "b"));
        Assert.Equal(5, _c.Call("HINCRBY", "h", "c", "2").Integer);
        Assert.Equal("4.5", _c.Call("HINCRBYFLOAT", "h", "c", "-0.5").Text);
        Assert.Equal(new[] { "c", "4.5", "a", "1", "d", "4", "b", "20" }, GetAll("h"));
        Assert.InRange(ParseInts(Run("HTTL", "h", "FIELDS", 1, "c"))[0], 1, 100);
        Assert.Equal("listpackex", Encoding_("h"));
    }

    [Fact]
    public void ExpiredFieldsDisappear()
    {
        _c.Call("HSET", "h", "a", "1", "b", "2", "c", "3");
        Assert.Equal(Ints(1, 1), Run("HPEXPIRE", "h", 30, "FIELDS", 2, "a", "b"));
        Wait.Until(() => _c.Call("HGET", "h", "a").IsNull, "field a to expire");
        Assert.Equal(1, _c.Call("HLEN", "h").Integer);
        Assert.Equal(new[] { "c", "3" }, GetAll("h"));
        Assert.Equal(Ints(-2, -2, -1), Run("HTTL", "h", "FIELDS", 3, "a", "b", "c"));
        // When the last field expires the key goes with it.
        Assert.Equal(Ints(1), Run("HPEXPIRE", "h", 30, "FIELDS", 1, "c"));
        Wait.Until(() => _c.Call("HLEN", "h").Integer == 0, "field c to expire");
        Assert.Equal(0, _c.Call("EXISTS", "h").Integer);
        // An expired field is absent for writes too: HSETNX sets it, HINCRBY starts from 0.
        _c.Call("HSET", "w", "a", "5", "keep", "1");
        Run("HPEXPIRE", "w", 30, "FIELDS", 1, "a");
        Wait.Until(() => _c.Call("HEXISTS", "w", "a").Integer == 0, "field a of w to expire");
        Assert.Equal(1, _c.Call("HINCRBY", "w", "a", "1").Integer);
    }

    [Fact]
    public void HashtableKeepsExpiries()
    {
        _c.Call("CONFIG", "SET", "hash-max-listpack-entries", "2");
        try
        {
            _c.Call("HSET", "h", "a", "1", "b", "2");
            Assert.Equal(Ints(1), Run("HEXPIRE", "h", 100, "FIELDS", 1, "a"));
            _c.Call("HSET", "h", "c", "3");
            Assert.Equal("hashtable", Encoding_("h"));
            Assert.InRange(ParseInts(Run("HTTL", "h", "FIELDS", 1, "a"))[0], 99, 100);
            Assert.Equal(Ints(-1, -2), Run("HTTL", "h", "FIELDS", 2, "b", "zz"));
            Assert.Equal(Ints(1, 1), Run("HPEXPIRE", "h", 30, "FIELDS", 2, "b", "c"));
            Assert.Equal(Ints(1), Run("HPERSIST", "h", "FIELDS", 1, "c"));
            Wait.Until(() => _c.Call("HLEN", "h").Integer == 2, "field b to expire");
            Assert.Equal(new[] { "a", "c" }, _c.Call("HKEYS", "h").Items!.Select(x => x.Text!).Order().ToArray());
            Assert.Equal(0, _c.Call("HSET", "h", "a", "9").Integer);
            Assert.Equal(Ints(-1), Run("HTTL", "h", "FIELDS", 1, "a"));
            Assert.Equal(Ints(2, 2), Run("HPEXPIREAT", "h", 1, "FIELDS", 2, "a", "c"));
            Assert.Equal(0, _c.Call("EXISTS", "h").Integer);
        }
        finally
        {
            _c.Call("CONFIG", "SET", "hash-max-listpack-entries", "128");
        }
    }

    [Fact]
    public void Errors()
    {
        _c.Call("SET", "str", "x");
        _c.Call("HSET", "h", "a", "1");
        const string wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        Assert.Equal(wrongType, Run("HEXPIRE", "str", "x", "FIELDS", 1, "a"));
        Assert.Equal(wrongType, Run("HTTL", "str", "FIELDS", 1, "a"));
        Assert.Equal(wrongType, Run("HPERSIST", "str", "FIELDS", 1, "a"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", Run("HEXPIRE", "h", "x", "FIELDS", 1, "a"));
        Assert.Equal("-ERR invalid expire time, must be >= 0\r\n", Run("HEXPIRE", "h", -1, "FIELDS", 1, "a"));
        Assert.Equal("-ERR invalid expire time in 'hexpire' command\r\n", Run("HEXPIRE", "h", 70368744177664, "FIELDS", 1, "a"));
        Assert.Equal("-ERR invalid expire time in 'hpexpire' command\r\n", Run("HPEXPIRE", "h", 70368744177663, "FIELDS", 1, "a"));
        Assert.Equal("-ERR invalid expire time in 'hpexpireat' command\r\n", Run("HPEXPIREAT", "h", 70368744177664, "FIELDS", 1, "a"));
        Assert.Equal(Ints(1), Run("HPEXPIREAT", "h", 70368744177663, "FIELDS", 1, "a"));
        Assert.Equal("-ERR Mandatory argument FIELDS is missing or not at the right position\r\n", Run("HEXPIRE", "h", 10, "FOO", 1, "a"));
        Assert.Equal("-ERR Mandatory argument FIELDS is missing or not at the right position\r\n", Run("HEXPIRE", "h", 10, "NX", "XX", "FIELDS", 1, "a"));
        Assert.Equal("-ERR Parameter `numFields` should be greater than 0\r\n", Run("HEXPIRE", "h", 10, "FIELDS", 0, "a"));
        Assert.Equal("-ERR Parameter `numFields` should be greater than 0\r\n", Run("HEXPIRE", "h", 10, "FIELDS", "x", "a"));
        Assert.Equal("-ERR Parameter `numFields` should be greater than 0\r\n", Run("HEXPIRE", "h", 10, "NX", "FIELDS", 0));
        Assert.Equal("-ERR The `numfields` parameter must match the number of arguments\r\n", Run("HEXPIRE", "h", 10, "FIELDS", 2, "a"));
        Assert.Equal("-ERR The `numfields` parameter must match the number of arguments\r\n", Run("HEXPIRE", "h", 10, "FIELDS", 1, "a", "b"));
        Assert.Equal("-ERR Mandatory argument FIELDS is missing or not at the right position\r\n", Run("HTTL", "h", "FOO", 1, "a"));
        Assert.Equal("-ERR Number of fields must be a positive integer\r\n", Run("HTTL", "h", "FIELDS", 0, "a"));
        Assert.Equal("-ERR Number of fields must be a positive integer\r\n", Run("HPERSIST", "h", "FIELDS", -1, "a"));
        Assert.Equal("-ERR The `numfields` parameter must match the number of arguments\r\n", Run("HPTTL", "h", "FIELDS", 3, "a"));
        Assert.Equal("-ERR wrong number of arguments for 'hexpire' command\r\n", Run("HEXPIRE", "h", 10, "FIELDS", 1));
        Assert.Equal("-ERR wrong number of arguments for 'httl' command\r\n", Run("HTTL", "h", "FIELDS", 1));
    }

    [Fact]
    public void PropagationAndNotifications()
    {
        var sink = new PropagationRecorder();
        var events = new RecordingNotifier();
        _host.Server.PropagationSink = sink;
        _host.Server.KeyspaceNotifier = events;
        _c.Call("CONFIG", "SET", "notify-keyspace-events", "KEA");
        _c.Call("HSET", "h", "a", "1", "b", "2", "c", "3");
        long t = Clock.UnixMs() + 1_000_000;
        Run("HPEXPIREAT", "h", t, "FIELDS", 3, "a", "zz", "b");
        Run("HPEXPIREAT", "h", t, "NX", "FIELDS", 1, "a");
        Run("HEXPIREAT", "h", t / 1000, "XX", "FIELDS", 1, "a");
        var s = Run("HEXPIRE", "h", 500, "FIELDS", 1, "c");
        Assert.Equal(Ints(1), s);
        long cAt = ParseInts(Run("HPEXPIRETIME", "h", "FIELDS", 1, "c"))[0];
        Run("HPERSIST", "h", "FIELDS", 2, "a", "zz");
        Run("HPERSIST", "h", "FIELDS", 1, "zz");
        Run("HPEXPIREAT", "h", 1, "FIELDS", 2, "zz", "a");
        Run("HPEXPIRE", "h", 20, "FIELDS", 1, "b");
        long bAt = ParseInts(Run("HPEXPIRETIME", "h", "FIELDS", 1, "b"))[0];
        Wait.Until(() => _c.Call("HEXISTS", "h", "b").Integer == 0, "field b to expire");
        Run("HPEXPIREAT", "h", 1, "FIELDS", 1, "c");
        _c.Call("CONFIG", "SET", "notify-keyspace-events", "");
        _host.Server.PropagationSink = null;
        _host.Server.KeyspaceNotifier = null;

        Assert.Equal(new[]
        {
            "HSET h a 1 b 2 c 3",
            $"HPEXPIREAT h {t} FIELDS 2 a b",
            $"HPEXPIREAT h {t / 1000 * 1000} XX FIELDS 1 a",
            $"HPEXPIREAT h {cAt} FIELDS 1 c",
            "HPERSIST h FIELDS 2 a zz",
            "HDEL h a",
            $"HPEXPIREAT h {bAt} FIELDS 1 b",
            "HDEL h b",
            "HDEL h c",
        }, sink.Commands);
        Assert.Equal(new[]
        {
            "hset h", "hexpire h", "hexpire h", "hexpire h", "hpersist h", "hdel h", "hexpire h", "hexpired h",
            "hdel h", "del h",
        }, events.Events);
    }

    [Fact]
    public void Resp3ReplyShape()
    {
        _c.Call("HSET", "h", "a", "1");
        Assert.Equal('%', _c.Call("HELLO", "3").Type);
        Assert.Equal(Ints(-1, -2), Run("HTTL", "h", "FIELDS", 2, "a", "b"));
        Assert.Equal(Ints(-2), Run("HEXPIRE", "nokey", 5, "FIELDS", 1, "a"));
        _c.Call("HELLO", "2");
    }
}
