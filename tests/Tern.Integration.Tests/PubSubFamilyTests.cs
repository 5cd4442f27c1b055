using System.Text;
using StackExchange.Redis;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Pub/Sub against redis-server: each side has a subscriber and a publisher connection; confirmations, pushed
/// messages (RESP2 arrays, RESP3 push frames), PUBLISH counts, PUBSUB introspection and subscribed-mode errors
/// must be byte-identical.
/// </summary>
public sealed class PubSubFamilyTests(Differential d) : IClassFixture<Differential>
{
    /// <summary>A pair of connections to Redis and the same pair to Tern, used in lockstep.</summary>
    private sealed class Pair : IDisposable
    {
        public readonly RespClient R, T;

        public Pair(Differential d)
        {
            R = new RespClient(d.Redis.Port);
            T = new RespClient(d.Tern.Port);
        }

        /// <summary>Sends to both, reads <paramref name="replies"/> replies from each and compares them.</summary>
        public void Same(int replies, params object[] args)
        {
            R.Send(args);
            T.Send(args);
            Expect(replies, string.Join(' ', args));
        }

        public RespReply Same(params object[] args)
        {
            R.Send(args);
            T.Send(args);
            return Expect(1, string.Join(' ', args));
        }

        /// <summary>Reads <paramref name="replies"/> replies (pushed messages) from each and compares them.</summary>
        public RespReply Expect(int replies, string what = "push")
        {
            RespReply? last = null;
            for (int i = 0; i < replies; i++)
            {
                var r = R.Read();
                var t = T.Read();
                if (!r.Raw.AsSpan().SequenceEqual(t.Raw)) throw new DifferentialException(what, r, t);
                last = t;
            }
            return last!;
        }

        public void Hello3()
        {
            // The HELLO map names the servers' versions and ids: only the protocol switch matters here.
            R.Call("HELLO", "3");
            T.Call("HELLO", "3");
        }

        public void Dispose()
        {
            R.Dispose();
            T.Dispose();
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void SubscribePublishUnsubscribe(int resp)
    {
        d.Reset();
        using var sub = new Pair(d);
        using var pub = new Pair(d);
        if (resp == 3) sub.Hello3();
        string p = "sp" + resp + ":";
        sub.Same(2, "SUBSCRIBE", p + "a", p + "b");
        sub.Same(1, "SUBSCRIBE", p + "a");
        sub.Same(2, "PSUBSCRIBE", p + "a*", p + "a*");
        pub.Same("PUBLISH", p + "a", "hello");
        sub.Expect(2);
        pub.Same("PUBLISH", p + "b", "");
        sub.Expect(1);
        pub.Same("PUBLISH", p + "abc", "x\r\ny");
        sub.Expect(1);
        pub.Same("PUBLISH", p + "zzz", "nobody");
        pub.Same("PUBSUB", "NUMSUB", p + "a", p + "b", p + "abc");
        pub.Same("PUBSUB", "NUMPAT");
        // Subscribed mode: only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET in RESP2.
        sub.Same("GET", "k");
        sub.Same("PING");
        sub.Same("PING", "msg");
        sub.Same(1, "UNSUBSCRIBE", p + "a");
        sub.Same(1, "UNSUBSCRIBE", p + "nosuch");
        sub.Same(1, "PUNSUBSCRIBE");
        sub.Same(1, "PUNSUBSCRIBE");
        sub.Same(1, "UNSUBSCRIBE");
        // Subscribed to nothing: a nil name and 0.
        sub.Same(1, "UNSUBSCRIBE");
        sub.Same(1, "SUNSUBSCRIBE");
        sub.Same("PING");
        sub.Same("GET", "k");
        pub.Same("PUBLISH", p + "a", "gone");
        pub.Same("PUBSUB", "NUMSUB", p + "a", p + "b");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void PublishToSelfAndCommandsWhileSubscribed(int resp)
    {
        d.Reset();
        using var c = new Pair(d);
        if (resp == 3) c.Hello3();
        c.Same(1, "SUBSCRIBE", "self" + resp);
        if (resp == 3)
        {
            // RESP3 clients may run any command while subscribed; the message precedes PUBLISH's reply.
            c.Same("SET", "k", "v");
            c.Same("GET", "k");
            c.Same(2, "PUBLISH", "self" + resp, "me");
            Assert.Contains(" sub=1 ", c.T.Call("CLIENT", "INFO").Text!);
            // Pushes ignore CLIENT REPLY OFF: only the message arrives.
            c.R.Send("CLIENT", "REPLY", "OFF");
            c.T.Send("CLIENT", "REPLY", "OFF");
            c.R.Send("PUBLISH", "self" + resp, "quiet");
            c.T.Send("PUBLISH", "self" + resp, "quiet");
            c.Expect(1);
            c.Same("CLIENT", "REPLY", "ON");
            c.R.Call("CLIENT", "INFO");
        }
        else
        {
            c.Same("PUBLISH", "self" + resp, "me");
            c.Same("SET", "k", "v");
        }
        c.Same("RESET");
        c.Same("PUBSUB", "NUMSUB", "self" + resp);
        c.Same("GET", "k");
    }

    [Fact]
    public void ShardChannels()
    {
        d.Reset();
        using var sub = new Pair(d);
        using var pub = new Pair(d);
        sub.Same(2, "SSUBSCRIBE", "sh:a", "sh:a");
        sub.Same(1, "SUBSCRIBE", "sh:a");
        pub.Same("SPUBLISH", "sh:a", "shard");
        sub.Expect(1);
        pub.Same("PUBLISH", "sh:a", "plain");
        sub.Expect(1);
        pub.Same("PUBSUB", "SHARDCHANNELS");
        pub.Same("PUBSUB", "SHARDCHANNELS", "sh:*");
        pub.Same("PUBSUB", "SHARDCHANNELS", "x*");
        pub.Same("PUBSUB", "SHARDNUMSUB", "sh:a", "none");
        pub.Same("PUBSUB", "SHARDNUMSUB");
        sub.Same(1, "SUNSUBSCRIBE");
        sub.Same(1, "SUNSUBSCRIBE");
        sub.Same(1, "UNSUBSCRIBE", "sh:a");
        pub.Same("SPUBLISH", "sh:a", "none");
        // SSUBSCRIBE may not run inside MULTI (a DENY BLOCKING client); SUBSCRIBE may.
        pub.Same("MULTI");
        pub.Same("SSUBSCRIBE", "m");
        pub.Same("EXEC");
        pub.Same("MULTI");
        pub.Same("SUBSCRIBE", "m");
        pub.Same("EXEC");
        pub.Same("PING");
    }

    [Fact]
    public void PubSubIntrospection()
    {
        d.Reset();
        using var s1 = new Pair(d);
        using var s2 = new Pair(d);
        using var q = new Pair(d);
        s1.Same(3, "SUBSCRIBE", "news.it", "news.sport", "weather");
        s2.Same(1, "SUBSCRIBE", "news.it");
        s2.Same(2, "PSUBSCRIBE", "news.*", "w*");
        s1.Same(1, "PSUBSCRIBE", "news.*");
        Assert.Equal(Sorted(q.R.Call("PUBSUB", "CHANNELS")), Sorted(q.T.Call("PUBSUB", "CHANNELS")));
        Assert.Equal(Sorted(q.R.Call("PUBSUB", "CHANNELS", "news.*")), Sorted(q.T.Call("PUBSUB", "CHANNELS", "news.*")));
        Assert.Equal(3, Sorted(q.T.Call("PUBSUB", "CHANNELS")).Count);
        q.Same("PUBSUB", "CHANNELS", "w[a-e]ather");
        q.Same("PUBSUB", "CHANNELS", "nothing*");
        q.Same("PUBSUB", "NUMSUB", "news.it", "news.sport", "weather", "news.*");
        q.Same("PUBSUB", "NUMSUB");
        q.Same("PUBSUB", "NUMPAT");
        q.Same("PUBSUB", "HELP");
        q.Same("pubsub", "help");
        q.Same("PUBSUB", "NOSUCH");
        q.Same("PUBSUB", "NUMPAT", "x");
        q.Same("PUBSUB", "CHANNELS", "a", "b");
        q.Same("PUBSUB", "SHARDCHANNELS", "a", "b");
        q.Same("PUBSUB");
        q.Same("PUBLISH", "news.it", "m");
        s1.Expect(2);
        s2.Expect(2);
        q.Same("PUBLISH");
        q.Same("PUBLISH", "a");
        q.Same("SUBSCRIBE");
        q.Same("PSUBSCRIBE");
        q.Same("SSUBSCRIBE");
        q.Same("SPUBLISH", "a");

        var info = q.T.Call("INFO", "stats").Text!;
        Assert.Contains("pubsub_channels:3\r\n", info);
        Assert.Contains("pubsub_patterns:2\r\n", info);
        Assert.Contains("pubsubshard_channels:0\r\n", info);
        var list = q.T.Call("CLIENT", "LIST").Text!;
        Assert.Contains(" flags=P db=0 sub=1 psub=2 ssub=0 ", list);
        Assert.Contains(" flags=P db=0 sub=3 psub=1 ssub=0 ", list);
    }

    private static List<string> Sorted(RespReply r)
    {
        var l = r.Items!.Select(i => i.Text!).ToList();
        l.Sort(StringComparer.Ordinal);
        return l;
    }

    [Fact]
    public void DisconnectAndResetUnsubscribe()
    {
        d.Reset();
        using var q = new Pair(d);
        var sub = new Pair(d);
        sub.Same(1, "SUBSCRIBE", "dc");
        sub.Same(1, "PSUBSCRIBE", "dc*");
        q.Same("PUBSUB", "NUMSUB", "dc");
        sub.Dispose();
        Wait.Until(() => q.T.Call("PUBSUB", "NUMPAT").Integer == 0 && q.T.Call("PUBSUB", "NUMSUB", "dc").Items![1].Integer == 0, "tern unsubscribes on disconnect");
        Wait.Until(() => q.R.Call("PUBSUB", "NUMPAT").Integer == 0, "redis unsubscribes on disconnect");
        q.Same("PUBLISH", "dc", "x");
        using var r = new Pair(d);
        r.Same(2, "SUBSCRIBE", "rs1", "rs2");
        r.Same(1, "SSUBSCRIBE", "rs3");
        r.Same("RESET");
        q.Same("PUBSUB", "NUMSUB", "rs1", "rs2");
        q.Same("PUBSUB", "SHARDNUMSUB", "rs3");
        r.Same("GET", "k");
        Assert.Contains(" sub=0 psub=0 ssub=0 ", r.T.Call("CLIENT", "INFO").Text!);
    }

    [Fact]
    public void OutputLimitClosesSubscriber()
    {
        d.Reset();
        using var sub = new Pair(d);
        using var pub = new Pair(d);
        pub.Same("CONFIG", "SET", "client-output-buffer-limit", "pubsub 65536 0 0");
        try
        {
            sub.Same(1, "SUBSCRIBE", "big");
            var payload = new string('x', 200_000);
            pub.Same("PUBLISH", "big", payload);
            Assert.True(sub.R.IsClosedByServer(TimeSpan.FromSeconds(10)));
            Assert.True(sub.T.IsClosedByServer(TimeSpan.FromSeconds(10)));
            Wait.Until(() => pub.T.Call("PUBSUB", "NUMSUB", "big").Items![1].Integer == 0, "closed subscriber leaves");
        }
        finally
        {
            pub.Same("CONFIG", "SET", "client-output-buffer-limit", "pubsub 33554432 8388608 60");
        }
    }

    [Fact]
    public void SlowSubscriberIsClosed()
    {
        d.Reset();
        using var pub = new Pair(d);
        pub.Same("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1048576 0 0");
        try
        {
            foreach (var (port, publisher) in new[] { (d.Redis.Port, pub.R), (d.Tern.Port, pub.T) })
            {
                // A subscriber that never reads: once the socket buffers are full, messages pile up in the
                // server until the hard limit closes the connection.
                using var sub = new RespClient(port);
                sub.Call("SUBSCRIBE", "slow");
                var payload = new string('m', 10_000);
                int sent = 0;
                while (publisher.Call("PUBSUB", "NUMSUB", "slow").Items![1].Integer == 1)
                {
                    Assert.True(sent < 100_000, "subscriber never closed");
                    publisher.Call("PUBLISH", "slow", payload);
                    sent++;
                }
                Assert.True(sent > 10);
            }
        }
        finally
        {
            pub.Same("CONFIG", "SET", "client-output-buffer-limit", "pubsub 33554432 8388608 60");
        }
    }

    /// <summary>Records what a Tern primary would send its replicas.</summary>
    private sealed class RecordingSink : Tern.Server.Commands.IPropagationSink
    {
        public readonly List<string> Commands = [];

        public void Append(int db, ReadOnlySpan<byte> resp, int commandCount)
        {
            lock (Commands) Commands.Add(Encoding.Latin1.GetString(resp).Replace("\r\n", " ").Trim());
        }
    }

    [Fact]
    public void PublishIsPropagatedWithoutDirtying()
    {
        d.Reset();
        var sink = new RecordingSink();
        d.Tern.Server.PropagationSink = sink;
        try
        {
            var c = d.TernClient;
            string Changes() => c.Call("INFO", "persistence").Text!.Split("\r\n").First(l => l.StartsWith("rdb_changes_since_last_save:"));
            var before = Changes();
            c.Call("PUBLISH", "ch", "m");
            c.Call("SPUBLISH", "sch", "m");
            c.Call("MULTI");
            c.Call("PUBLISH", "ch", "x");
            c.Call("EXEC");
            Assert.Equal(before, Changes());
            Assert.Equal([
                "*3 $7 PUBLISH $2 ch $1 m",
                "*3 $8 SPUBLISH $3 sch $1 m",
                // A transaction reaches the sink as one block (IPropagationSink.AppendBlock).
                "*1 $5 MULTI *3 $7 PUBLISH $2 ch $1 x *1 $4 EXEC",
            ], sink.Commands);
        }
        finally
        {
            d.Tern.Server.PropagationSink = null;
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task StackExchangeRedisSubscriber(int resp)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = true,
            ConnectTimeout = 20_000,
            SyncTimeout = 20_000,
            AsyncTimeout = 20_000,
            Protocol = resp == 3 ? RedisProtocol.Resp3 : RedisProtocol.Resp2,
        };
        options.EndPoints.Add("127.0.0.1", d.Tern.Port);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(options);
        var subscriber = mux.GetSubscriber();
        var got = new List<string>();
        var gotPattern = new List<string>();
        await subscriber.SubscribeAsync(RedisChannel.Literal("se:chan" + resp), (ch, msg) =>
        {
            lock (got) got.Add(ch + "=" + msg);
        });
        await subscriber.SubscribeAsync(RedisChannel.Pattern("se:p" + resp + ":*"), (ch, msg) =>
        {
            lock (gotPattern) gotPattern.Add(ch + "=" + msg);
        });
        Assert.Equal(1, await subscriber.PublishAsync(RedisChannel.Literal("se:chan" + resp), "one"));
        Assert.Equal(1, await subscriber.PublishAsync(RedisChannel.Literal("se:p" + resp + ":x"), "two"));
        Assert.Equal(0, await subscriber.PublishAsync(RedisChannel.Literal("se:other"), "three"));
        Wait.Until(() => { lock (got) return got.Count == 1; }, "literal message");
        Wait.Until(() => { lock (gotPattern) return gotPattern.Count == 1; }, "pattern message");
        Assert.Equal("se:chan" + resp + "=one", got[0]);
        Assert.Equal("se:p" + resp + ":x=two", gotPattern[0]);
        await subscriber.UnsubscribeAsync(RedisChannel.Literal("se:chan" + resp));
        Assert.Equal(0, await subscriber.PublishAsync(RedisChannel.Literal("se:chan" + resp), "four"));
        _ = Encoding.UTF8;
    }
}
