using System.Text;
using Tern.Server.Commands;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Set commands, replayed against redis-server and Tern. An intset's replies are compared byte for byte (both
/// walk it in ascending order); a hashtable's order is Redis's dict order, which Tern does not reproduce, so
/// those replies are compared as multisets of members with the same reply type and length.
/// </summary>
public sealed class SetFamilyTests(Differential d) : IClassFixture<Differential>
{
    /// <summary>Runs a command on both; the replies must be equal up to the order of their top-level items.</summary>
    private (RespReply redis, RespReply tern) Unordered(params object[] args)
    {
        var (r, t) = d.Both(args);
        AssertSameMultiset(r, t, string.Join(' ', args));
        return (r, t);
    }

    private static void AssertSameMultiset(RespReply r, RespReply t, string what)
    {
        Assert.True(r.Type == t.Type, $"{what}: reply types differ: redis {r} tern {t}");
        if (r.Items == null || t.Items == null)
        {
            Assert.True(r.Raw.AsSpan().SequenceEqual(t.Raw), $"{what}: redis {r} tern {t}");
            return;
        }
        Assert.Equal(Sorted(r), Sorted(t));
    }

    private static List<string> Sorted(RespReply r)
    {
        var l = r.Items!.Select(i => i.Type + (i.Text ?? "<null>")).ToList();
        l.Sort(StringComparer.Ordinal);
        return l;
    }

    private static List<string> Members(RespReply r) => r.Items!.Select(i => i.Text!).ToList();

    /// <summary>Sets set-max-intset-entries on both servers for the duration of a test.</summary>
    private sealed class IntsetLimit : IDisposable
    {
        private readonly Differential _d;

        public IntsetLimit(Differential d, int n)
        {
            _d = d;
            d.Same("CONFIG", "SET", "set-max-intset-entries", n.ToString());
        }

        public void Dispose() => _d.Same("CONFIG", "SET", "set-max-intset-entries", "512");
    }

    [Fact]
    public void IntsetCommandsMatchByteForByte()
    {
        d.Reset();
        foreach (var proto in new[] { "2", "3" })
        {
            d.Both("HELLO", proto);
            d.Script("""
                FLUSHALL
                SADD s 3 1 2 10 -5
                SADD s 1 2
                SADD s 1 4 4
                SMEMBERS s
                SCARD s
                SISMEMBER s 1
                SISMEMBER s 01
                SISMEMBER s 99
                SISMEMBER nokey 1
                SMISMEMBER s 1 2 99 -5 "+1"
                SMISMEMBER nokey a b
                SREM s 99
                SREM s 1 1 2
                SMEMBERS s
                SADD t 4 10 20 -5 9223372036854775807 -9223372036854775808
                SINTER s t
                SINTER t s
                SINTER s nokey
                SINTER nokey s
                SINTER s s
                SUNION s t
                SUNION s nokey t
                SUNION nokey
                SDIFF s t
                SDIFF t s
                SDIFF s nokey
                SDIFF nokey s
                SDIFF s s
                SDIFF s t s
                SINTERCARD 2 s t
                SINTERCARD 2 s t LIMIT 1
                SINTERCARD 2 s t LIMIT 0
                SINTERCARD 2 s t limit 100
                SINTERCARD 1 s
                SINTERCARD 2 s nokey
                SINTERSTORE d s t
                SMEMBERS d
                SUNIONSTORE d s t
                SMEMBERS d
                SDIFFSTORE d t s
                SMEMBERS d
                SINTERSTORE d s nokey
                EXISTS d
                SUNIONSTORE d nokey
                SDIFFSTORE d s s
                SMOVE s t 3
                SMOVE s t 4
                SMOVE s u 10
                SMEMBERS u
                SMOVE s s -5
                SMOVE s s 77
                SMOVE nokey s 1
                SMOVE s nokey 77
                SMEMBERS s
                SMOVE s u -5
                EXISTS s
                SMEMBERS nokey
                SCARD nokey
                SRANDMEMBER nokey
                SRANDMEMBER nokey 3
                SRANDMEMBER nokey -3
                SRANDMEMBER nokey 0
                SPOP nokey
                SPOP nokey 3
                SPOP nokey 0
                SRANDMEMBER u 0
                SPOP u 0
                SRANDMEMBER u 100
                SRANDMEMBER u 2
                SPOP u 2
                SPOP u 100
                EXISTS u
                SADD one 7
                SRANDMEMBER one
                SRANDMEMBER one -3
                SRANDMEMBER one 1
                SPOP one
                EXISTS one
                SSCAN t 0
                SSCAN t 123 COUNT 1
                SSCAN t 0 MATCH 2*
                SSCAN t 0 MATCH *0 COUNT 5
                SSCAN nokey 0
                SSCAN nokey 0 COUNT 0
                """);
        }
    }

    [Fact]
    public void ErrorsAndArity()
    {
        d.Reset();
        d.Script("""
            SET str v
            SADD s 1 2 3
            SADD str a
            SREM str a
            SMEMBERS str
            SCARD str
            SISMEMBER str a
            SMISMEMBER str a
            SPOP str
            SPOP str 2
            SRANDMEMBER str
            SRANDMEMBER str 2
            SMOVE str s 1
            SMOVE s str 1
            SMOVE nokey str 1
            SMOVE str nokey 1
            SINTER s str
            SINTER nokey str
            SINTER str nokey
            SINTERCARD 2 nokey str
            SINTERSTORE d nokey str
            SUNION s str
            SUNIONSTORE d s str
            SDIFF nokey str
            SDIFF s str
            SDIFFSTORE d s str
            SSCAN str 0
            SSCAN str abc
            SSCAN str 0 COUNT 0
            SADD
            SADD s
            SREM s
            SCARD
            SCARD a b
            SISMEMBER s
            SISMEMBER s a b
            SMISMEMBER s
            SMEMBERS
            SMEMBERS a b
            SPOP
            SPOP s 1 2
            SPOP s -1
            SPOP s abc
            SPOP s 1.5
            SPOP s 9223372036854775808
            SPOP nokey -1
            SPOP str -1
            SRANDMEMBER
            SRANDMEMBER s 1 2
            SRANDMEMBER s abc
            SRANDMEMBER s -9223372036854775808
            SRANDMEMBER s 9223372036854775808
            SRANDMEMBER nokey abc
            SRANDMEMBER str abc
            SMOVE s d
            SINTER
            SINTERSTORE d
            SUNION
            SUNIONSTORE d
            SDIFF
            SDIFFSTORE d
            SINTERCARD
            SINTERCARD 1
            SINTERCARD 0 s
            SINTERCARD -1 s
            SINTERCARD abc s
            SINTERCARD 3 s s
            SINTERCARD 1 s LIMIT
            SINTERCARD 1 s LIMIT -1
            SINTERCARD 1 s LIMIT abc
            SINTERCARD 1 s LIMIT 1 LIMIT 2
            SINTERCARD 1 s FOO 1
            SINTERCARD 1 s s
            SINTERCARD 1 str LIMIT -1
            SSCAN
            SSCAN s
            SSCAN s abc
            SSCAN s -1
            SSCAN s 0 COUNT 0
            SSCAN s 0 COUNT -1
            SSCAN s 0 COUNT abc
            SSCAN s 0 COUNT
            SSCAN s 0 MATCH
            SSCAN s 0 TYPE set
            SSCAN s 0 FOO bar
            SSCAN nokey 0 FOO bar
            SSCAN nokey abc
            """);
    }

    [Fact]
    public void EncodingFollowsRedisThresholds()
    {
        d.Reset();
        using (new IntsetLimit(d, 4))
        {
            d.Script("""
                SADD s 1 2 3 4
                OBJECT ENCODING s
                SADD s 5
                OBJECT ENCODING s
                SREM s 5 4 3
                OBJECT ENCODING s
                SADD n 1 2 a
                OBJECT ENCODING n
                SREM n a
                OBJECT ENCODING n
                SADD f 01
                OBJECT ENCODING f
                SADD g -0
                OBJECT ENCODING g
                SADD h +1
                OBJECT ENCODING h
                SADD i " 1"
                OBJECT ENCODING i
                SADD j 9223372036854775808
                OBJECT ENCODING j
                SADD k -9223372036854775808 9223372036854775807
                OBJECT ENCODING k
                SADD l 1.0
                OBJECT ENCODING l
                SADD m a
                OBJECT ENCODING m
                SMEMBERS k
                """);
            // Results built as Redis builds them: STORE results start as intsets whatever the sources are.
            d.Script("""
                SADD ht 1 2 3 x
                SREM ht x
                SADD small 2 3
                SINTERSTORE d1 ht small
                OBJECT ENCODING d1
                SMEMBERS d1
                SUNIONSTORE d2 ht small
                OBJECT ENCODING d2
                SMEMBERS d2
                SUNION ht small
                SDIFFSTORE d3 ht small
                OBJECT ENCODING d3
                SADD many 1 2 3 4
                SADD more 10 11 12 13 14
                SUNIONSTORE d4 many more
                OBJECT ENCODING d4
                SMOVE ht newdst 1
                OBJECT ENCODING newdst
                SMOVE m newstr a
                OBJECT ENCODING newstr
                """);
            // SDIFF's second algorithm (first set much larger than the rest) fills the whole first set in and
            // removes: past the limit it ends as a hashtable even when the difference is small.
            d.Script("""
                SADD big 1 2 3 4 5 6 7 8 9 10
                SADD sub 1 2 3 4 5 6 7
                SDIFFSTORE d5 big sub
                OBJECT ENCODING d5
                SMEMBERS d5
                SADD tiny 1
                SDIFFSTORE d6 big tiny
                OBJECT ENCODING d6
                """);
            // SPOP taking most of a set rebuilds the rest as a new set: an all-integer rest is an intset again.
            d.Script("""
                SADD popme a 1 2 3 4 5 6 7 8 9 10
                SREM popme a
                OBJECT ENCODING popme
                """);
            d.Both("SPOP", "popme", 9);
            d.Same("OBJECT", "ENCODING", "popme");
            d.Same("SCARD", "popme");
        }
        using (new IntsetLimit(d, 0))
        {
            d.Script("""
                SADD zero 1
                OBJECT ENCODING zero
                """);
        }
        // The default limit: 512 integers stay an intset, the 513th converts.
        var args = new List<object> { "SADD", "big512" };
        for (int i = 0; i < 512; i++) args.Add(i * 7 - 1000);
        d.Same(args.ToArray());
        d.Same("OBJECT", "ENCODING", "big512");
        d.Same("SMEMBERS", "big512");
        d.Same("SADD", "big512", "100000");
        d.Same("OBJECT", "ENCODING", "big512");
        Unordered("SMEMBERS", "big512");
    }

    [Fact]
    public void HashtableSetsMatchAsMultisets()
    {
        d.Reset();
        d.Script("""
            SADD a x y z 1 2 3 "" "bin\x00ary" "\xff\xfe"
            SADD b y z 3 4 w
            SADD c 1 2 3
            SCARD a
            SISMEMBER a ""
            SISMEMBER a "bin\x00ary"
            SISMEMBER a bin
            SISMEMBER a 1
            SISMEMBER c x
            SMISMEMBER a x 1 "\xff\xfe" nope
            SINTERCARD 3 a b c
            SINTERCARD 2 a b
            SINTERCARD 2 a b LIMIT 2
            SINTERSTORE d a b
            SCARD d
            SUNIONSTORE d a b c
            SCARD d
            SDIFFSTORE d a b c
            SCARD d
            """);
        foreach (var proto in new[] { "2", "3" })
        {
            d.Both("HELLO", proto);
            foreach (var cmd in new[]
            {
                "SMEMBERS a", "SINTER a b", "SINTER b a", "SINTER a c", "SINTER a b c", "SUNION a b", "SUNION a b c nokey",
                "SDIFF a b", "SDIFF a b c", "SDIFF b a", "SDIFF a nokey", "SMEMBERS d", "SRANDMEMBER a 100", "SINTER c a",
            })
                Unordered(cmd.Split(' '));
        }
        // The members are binary-safe both ways.
        d.Same("SREM", "a", Encoding.Latin1.GetBytes("bin\0ary"), Encoding.Latin1.GetBytes("\xff\xfe"), "");
        Unordered("SMEMBERS", "a");
    }

    [Fact]
    public void PopAndRandomMemberShapes()
    {
        d.Reset();
        using var _ = new IntsetLimit(d, 16);
        foreach (var proto in new[] { "2", "3" })
        {
            d.Both("HELLO", proto);
            foreach (var kind in new[] { "ints", "strs", "big" })
            {
                var members = kind switch
                {
                    "ints" => Enumerable.Range(1, 12).Select(i => i.ToString()).ToList(),
                    "strs" => Enumerable.Range(1, 12).Select(i => "m" + i).ToList(),
                    _ => Enumerable.Range(1, 100).Select(i => i.ToString()).ToList(),
                };
                var all = new HashSet<string>(members);
                void Load()
                {
                    d.Same("DEL", "s");
                    d.Same(new object[] { "SADD", "s" }.Concat(members).ToArray());
                }

                Load();
                // SRANDMEMBER: positive counts are distinct members, negative ones may repeat; both arrays.
                foreach (int count in new[] { 1, 2, 3, 5, 11, 12, 13, 50, -1, -5, -30 })
                {
                    var (r, t) = d.Both("SRANDMEMBER", "s", count);
                    Assert.Equal(r.Type, t.Type);
                    Assert.Equal('*', t.Type);
                    int expected = count >= 0 ? Math.Min(count, members.Count) : -count;
                    Assert.Equal(expected, t.Items!.Count);
                    Assert.All(Members(t), m => Assert.Contains(m, all));
                    if (count > 0) Assert.Equal(t.Items.Count, Members(t).Distinct().Count());
                }
                var one = d.TernClient.Call("SRANDMEMBER", "s");
                Assert.Contains(one.Text!, all);
                d.Same("SCARD", "s");

                // SPOP with a count, each strategy: a few, most, all or more.
                foreach (int count in new[] { 1, 2, 10, 12, 13 })
                {
                    Load();
                    var (r, t) = d.Both("SPOP", "s", count);
                    Assert.Equal(r.Type, t.Type);
                    Assert.Equal(proto == "3" ? '~' : '*', t.Type);
                    int popped = Math.Min(count, members.Count);
                    Assert.Equal(popped, t.Items!.Count);
                    Assert.Equal(popped, Members(t).Distinct().Count());
                    Assert.All(Members(t), m => Assert.Contains(m, all));
                    var rest = Members(d.TernClient.Call("SMEMBERS", "s"));
                    Assert.Equal(members.Count - popped, rest.Count);
                    Assert.Empty(rest.Intersect(Members(t)));
                    d.Same("SCARD", "s");
                    d.Same("EXISTS", "s");
                }
                Load();
                var single = d.TernClient.Call("SPOP", "s");
                Assert.Contains(single.Text!, all);
                Assert.Equal("0", d.TernClient.Call("SISMEMBER", "s", single.Text!).Text);
            }
            // Popping everything answers like SUNION of the key: an intset (or an all-integer rest) ascending.
            d.Script("""
                DEL s
                SADD s 5 3 9 1
                SPOP s 4
                SADD s 5 3 9 1 x
                SREM s x
                SPOP s 10
                EXISTS s
                """);
        }
    }

    [Fact]
    public void SScanWalksHashtablesCompletely()
    {
        d.Reset();
        var members = Enumerable.Range(0, 1000).Select(i => "member:" + i).ToList();
        for (int i = 0; i < members.Count; i += 100)
            d.Same(new object[] { "SADD", "s" }.Concat(members.Skip(i).Take(100)).ToArray());
        foreach (var count in new[] { 1, 10, 100, 5000 })
        {
            var seen = new HashSet<string>();
            string cursor = "0";
            int calls = 0;
            do
            {
                var reply = d.TernClient.Call("SSCAN", "s", cursor, "COUNT", count);
                cursor = reply.Items![0].Text!;
                foreach (var m in reply.Items[1].Items!) seen.Add(m.Text!);
                Assert.True(++calls < 5000, "SSCAN does not finish");
            } while (cursor != "0");
            Assert.Equal(members.Count, seen.Count);
        }
        // MATCH filters what a call returns.
        var matched = new HashSet<string>();
        string c = "0";
        do
        {
            var reply = d.TernClient.Call("SSCAN", "s", c, "MATCH", "member:1?", "COUNT", 50);
            c = reply.Items![0].Text!;
            foreach (var m in reply.Items[1].Items!) matched.Add(m.Text!);
        } while (c != "0");
        Assert.Equal(Enumerable.Range(10, 10).Select(i => "member:" + i).ToHashSet(), matched);

        // Members present for the whole scan are returned even when the table grows and shrinks meanwhile.
        var seen2 = new HashSet<string>();
        c = "0";
        int step = 0;
        do
        {
            var reply = d.TernClient.Call("SSCAN", "s", c, "COUNT", 20);
            c = reply.Items![0].Text!;
            foreach (var m in reply.Items[1].Items!) seen2.Add(m.Text!);
            step++;
            if (step == 3)
            {
                var grow = new List<object> { "SADD", "s" };
                for (int i = 0; i < 3000; i++) grow.Add("extra:" + i);
                d.TernClient.Call(grow.ToArray());
            }
            if (step == 8)
            {
                var shrink = new List<object> { "SREM", "s" };
                for (int i = 0; i < 3000; i++) shrink.Add("extra:" + i);
                d.TernClient.Call(shrink.ToArray());
            }
        } while (c != "0");
        Assert.Subset(seen2, members.ToHashSet());

        // An intset answers everything at once with cursor 0, whatever the cursor given.
        d.Same("SADD", "ints", 5, 1, 3);
        d.Same("SSCAN", "ints", "0");
        d.Same("SSCAN", "ints", "17", "COUNT", "1");
        d.Same("SSCAN", "ints", "0", "MATCH", "[13]");
    }

    [Fact]
    public void DigestAndDebugObjectMatchRedis()
    {
        d.Reset();
        d.Script("""
            SADD ints 1 2 3 -100000 5000000000
            SADD strs a b c "" "bin\x00ary"
            SADD mixed 1 a 2
            SADD ttl 1 2
            EXPIRE ttl 1000
            SADD long "a member that is long enough to be compressed by lzf aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            DEBUG DIGEST-VALUE ints strs mixed ttl long nokey
            DEBUG DIGEST
            SREM ints 5000000000
            DEBUG DIGEST-VALUE ints
            DEBUG DIGEST
            """);
        var args = new List<object> { "SADD", "bigints" };
        for (int i = 0; i < 100; i++) args.Add(i * 1000);
        d.Same(args.ToArray());
        var args2 = new List<object> { "SADD", "bigstrs" };
        for (int i = 0; i < 300; i++) args2.Add("element-" + i + new string('x', i % 40));
        d.Same(args2.ToArray());
        d.Same("DEBUG", "DIGEST");
        // DEBUG OBJECT's serializedlength is the RDB size: the intset blob (its width only grows), or each member.
        foreach (var key in new[] { "ints", "strs", "mixed", "long", "bigints", "bigstrs" })
        {
            var (r, t) = d.Both("DEBUG", "OBJECT", key);
            Assert.Equal(Field(r.Text!, "encoding"), Field(t.Text!, "encoding"));
            Assert.Equal(Field(r.Text!, "serializedlength"), Field(t.Text!, "serializedlength"));
        }
    }

    private static string Field(string line, string name)
    {
        foreach (var part in line.Split(' '))
            if (part.StartsWith(name + ":", StringComparison.Ordinal)) return part;
        return "";
    }


    [Fact]
    public void PropagatedForms()
    {
        d.Reset();
        var sink = new PropagationRecorder();
        var server = d.Tern.Server;
        server.PropagationSink = sink;
        try
        {
            var c = d.TernClient;
            c.Call("SADD", "s", "1", "2", "3");
            c.Call("SADD", "s", "1");                 // nothing added: not propagated
            c.Call("SREM", "s", "9");                 // nothing removed: not propagated
            c.Call("SREM", "s", "3");
            c.Call("SMOVE", "s", "t", "2");
            c.Call("SINTERSTORE", "d", "s", "t");    // empty result, d absent: nothing
            c.Call("SUNIONSTORE", "d", "s", "t");
            Assert.Equal(["SADD s 1 2 3", "SREM s 3", "SMOVE s t 2", "SUNIONSTORE d s t"], sink.Commands);

            sink.Clear();
            var popped = c.Call("SPOP", "d").Text!;
            Assert.Equal([$"SREM d {popped}"], sink.Commands);

            // SPOP with a count: one SREM per popped member, in reply order (both strategies) ...
            c.Call("SADD", "p", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
            foreach (int count in new[] { 2, 8 })
            {
                c.Call("SADD", "p", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
                sink.Clear();
                var reply = Members(c.Call("SPOP", "p", count));
                Assert.Equal(reply.Select(m => "SREM p " + m).ToList(), sink.Commands);
            }
            // ... and a DEL when it takes everything.
            sink.Clear();
            c.Call("SPOP", "p", 100);
            Assert.Equal(["DEL p"], sink.Commands);
            sink.Clear();
            c.Call("SPOP", "nokey", 3);
            c.Call("SPOP", "nokey");
            c.Call("SRANDMEMBER", "t", 3);
            Assert.Empty(sink.Commands);
        }
        finally
        {
            server.PropagationSink = null;
        }
    }

    /// <summary>Collects keyspace events as (event, key) from a notifier hook.</summary>
    private sealed class RecordingNotifier : IKeyspaceNotifier
    {
        public readonly List<string> Events = [];

        public void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key)
        {
            lock (Events) Events.Add(Encoding.Latin1.GetString(evt) + " " + Encoding.Latin1.GetString(key));
        }
    }

    [Fact]
    public void KeyspaceEventsMatchRedis()
    {
        d.Reset();
        const string script = """
            SADD s 1 2 3
            SADD s 1
            SREM s 9
            SREM s 1
            SMOVE s t 2
            SMOVE s t 3
            SADD t 3
            SMOVE t t 3
            SINTERSTORE d t nokey
            SADD d x
            SINTERSTORE d t nokey
            SUNIONSTORE d t
            SINTERSTORE d t t
            SDIFFSTORE d t t
            SADD d x
            SDIFFSTORE d t
            SADD one x
            SPOP one
            SPOP d 0
            SADD one y
            SPOP one 1
            SPOP d 10
            SADD e 1 2
            SREM e 1 2
            SADD f 1
            SPOP f
            """;
        var notifier = new RecordingNotifier();
        var server = d.Tern.Server;
        using var sub = new RespClient(d.Redis.Port);
        sub.Call("PSUBSCRIBE", "__keyevent@0__:*");
        d.Same("CONFIG", "SET", "notify-keyspace-events", "EA");
        server.KeyspaceNotifier = notifier;
        try
        {
            d.Script(script);
            // Redis publishes each event while the command runs; a final PUBLISH marks the end of the stream.
            d.RedisClient.Call("PUBLISH", "__keyevent@0__:end", "end");
            var expected = new List<string>();
            while (true)
            {
                var m = sub.Read();
                var channel = m.Items![2].Text!;
                var evt = channel[(channel.IndexOf(':') + 1)..];
                if (evt == "end") break;
                expected.Add(evt + " " + m.Items[3].Text);
            }
            Assert.Equal(expected, notifier.Events);
        }
        finally
        {
            server.KeyspaceNotifier = null;
            d.Same("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    [Fact]
    public void KeyCommandsOnSets()
    {
        d.Reset();
        d.Script("""
            SADD i 3 1 2
            SADD h a b 1
            TYPE i
            TYPE h
            COPY i i2
            SADD i2 x
            SMEMBERS i
            OBJECT ENCODING i
            OBJECT ENCODING i2
            COPY h h2
            SREM h2 a b
            SCARD h
            OBJECT ENCODING h2
            RENAME i i3
            SMEMBERS i3
            EXISTS i
            EXPIRE i3 100
            TTL i3
            SADD i3 4
            TTL i3
            SINTERSTORE i3 i3 i3
            TTL i3
            SMEMBERS i3
            MOVE i3 1
            SELECT 1
            SMEMBERS i3
            SELECT 0
            """);
        var (r, t) = d.Both("SCAN", "0", "TYPE", "set", "COUNT", "100");
        AssertSameMultiset(r.Items![1], t.Items![1], "SCAN TYPE set");
        Assert.Equal(3, t.Items[1].Items!.Count);
        d.Script("""
            DEL h h2 i2
            DBSIZE
            SADD x 1
            SET x str
            TYPE x
            """);
    }

    [Fact]
    public void WorksInsideTransactions()
    {
        d.Reset();
        d.Script("""
            SADD a 1 2 3
            SADD b 2 3 4
            MULTI
            SINTERCARD 2 a b
            SINTERSTORE c a b
            SMEMBERS c
            SMOVE a b 1
            SPOP c 5
            EXEC
            SMEMBERS b
            EXISTS c
            """);
        // A WATCHed destination is invalidated by a STORE that writes it.
        d.Same("WATCH", "dst");
        d.Same("SUNIONSTORE", "dst", "a", "b");
        d.Same("MULTI");
        d.Same("SCARD", "dst");
        d.Same("EXEC");
    }

    /// <summary>
    /// A seeded random walk over the set commands on a few keys, with set-max-intset-entries lowered so that
    /// sets cross the threshold both ways. Deterministic replies must be identical; replies whose order is the
    /// hashtable's are compared as multisets; random ones (SRANDMEMBER) by their properties; SPOP only where it
    /// is deterministic (popping everything). At the end every key is compared whole.
    /// </summary>
    [Fact]
    public void RandomizedDifferential()
    {
        d.Reset();
        using var _ = new IntsetLimit(d, 8);
        var rng = new Random(20240607);
        string[] keys = ["s1", "s2", "s3", "s4", "str"];
        d.Same("SET", "str", "value");
        string[] pool =
        [
            "0", "1", "2", "3", "7", "-1", "-5", "100", "65535", "-70000", "4294967296", "9223372036854775807",
            "-9223372036854775808", "01", "-0", "+1", "1.5", " 2", "", "a", "b", "c", "hello", "\u00e9t\u00e9",
        ];
        string Key() => keys[rng.Next(keys.Length)];
        string Member() => rng.Next(3) == 0 ? rng.Next(-20, 40).ToString() : pool[rng.Next(pool.Length)];
        object[] Cmd(string name, int fixedKeys, int extraMin, int extraMax, Func<string> extra)
        {
            var l = new List<object> { name };
            for (int i = 0; i < fixedKeys; i++) l.Add(Key());
            int n = rng.Next(extraMin, extraMax + 1);
            for (int i = 0; i < n; i++) l.Add(extra());
            return l.ToArray();
        }

        for (int step = 0; step < 1500; step++)
        {
            int op = rng.Next(20);
            switch (op)
            {
                case 0:
                case 1:
                case 2:
                    d.Same(Cmd("SADD", 1, 1, 6, Member));
                    break;
                case 3:
                    d.Same(Cmd("SREM", 1, 1, 4, Member));
                    break;
                case 4:
                    d.Same("SMOVE", Key(), Key(), Member());
                    break;
                case 5:
                    d.Same(Cmd("SISMEMBER", 1, 1, 1, Member));
                    d.Same(Cmd("SMISMEMBER", 1, 1, 4, Member));
                    d.Same(Cmd("SCARD", 1, 0, 0, Member));
                    break;
                case 6:
                    Unordered("SMEMBERS", Key());
                    break;
                case 7:
                    Unordered(Cmd("SINTER", 1, 0, 3, Key));
                    break;
                case 8:
                    Unordered(Cmd("SUNION", 1, 0, 3, Key));
                    break;
                case 9:
                    Unordered(Cmd("SDIFF", 1, 0, 3, Key));
                    break;
                case 10:
                {
                    int n = rng.Next(1, 4);
                    var l = new List<object> { "SINTERCARD", n };
                    for (int i = 0; i < n; i++) l.Add(Key());
                    if (rng.Next(2) == 0) l.AddRange(["LIMIT", rng.Next(0, 4)]);
                    d.Same(l.ToArray());
                    break;
                }
                case 11:
                    d.Same(Cmd("SINTERSTORE", 2, 0, 2, Key));
                    break;
                case 12:
                    d.Same(Cmd("SUNIONSTORE", 2, 0, 2, Key));
                    break;
                case 13:
                    d.Same(Cmd("SDIFFSTORE", 2, 0, 2, Key));
                    break;
                case 14:
                {
                    var key = Key();
                    var (r, t) = d.Both("SRANDMEMBER", key, rng.Next(-5, 6));
                    Assert.Equal(r.Type, t.Type);
                    Assert.Equal(r.Items?.Count, t.Items?.Count);
                    break;
                }
                case 15:
                {
                    // Only the deterministic SPOP: everything (or nothing).
                    var key = Key();
                    var card = d.TernClient.Call("SCARD", key);
                    int count = card.IsError ? 1 : (int)card.Integer + rng.Next(0, 3);
                    if (rng.Next(4) == 0) count = 0;
                    Unordered("SPOP", key, count);
                    break;
                }
                case 16:
                    d.Same("OBJECT", "ENCODING", Key());
                    break;
                case 17:
                {
                    var key = Key();
                    var (r, t) = d.Both("SSCAN", key, "0", "COUNT", "1000");
                    Assert.Equal(r.Type, t.Type);
                    if (!r.IsError) AssertSameMultiset(r.Items![1], t.Items![1], "SSCAN " + key);
                    else Assert.Equal(r.Text, t.Text);
                    break;
                }
                case 18:
                    d.Same("DEBUG", "DIGEST-VALUE", Key(), Key());
                    break;
                default:
                    if (rng.Next(10) == 0) d.Same("DEL", Key());
                    break;
            }
        }
        foreach (var key in keys)
        {
            d.Same("TYPE", key);
            d.Same("OBJECT", "ENCODING", key);
            Unordered("SMEMBERS", key);
        }
        d.Same("DEBUG", "DIGEST");
    }
}
