using Tern.TestKit;

namespace Tern.Integration.Tests;

public sealed class TransactionFamilyTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void MultiExecDiscard()
    {
        d.Reset();
        d.Script("""
            EXEC
            DISCARD
            MULTI
            MULTI
            SET a 1
            INCR a
            GET a
            EXEC
            MULTI
            SET b 1
            DISCARD
            GET b
            MULTI
            SET a x
            INCR a
            GET a
            EXEC
            MULTI
            SET a 1
            NOSUCHCOMMAND x
            GET a
            EXEC
            GET a
            MULTI
            GET
            EXEC
            MULTI
            WATCH a
            EXEC
            MULTI
            EXEC
            """);
    }

    [Fact]
    public void WatchAbortsWhenAnotherClientWrites()
    {
        d.Reset();
        foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
        {
            using var a = new RespClient(port);
            using var b = new RespClient(port);
            Assert.Equal("+OK", a.Call("SET", "w", "1").Text);
            Assert.Equal("+OK", a.Call("WATCH", "w").Text);
            Assert.Equal("+OK", b.Call("SET", "w", "2").Text);
            a.Call("MULTI");
            a.Call("SET", "w", "3");
            Assert.True(a.Call("EXEC").IsNull, $"EXEC after a touched WATCH must fail (port {port})");
            Assert.Equal("2", a.Call("GET", "w").Text);

            // Untouched watch: EXEC runs.
            a.Call("WATCH", "w");
            a.Call("MULTI");
            a.Call("SET", "w", "4");
            var ok = a.Call("EXEC");
            Assert.Equal('*', ok.Type);
            Assert.Single(ok.Items!);
            Assert.Equal("4", b.Call("GET", "w").Text);

            // UNWATCH forgets; FLUSHALL touches existing watched keys.
            a.Call("WATCH", "w");
            a.Call("UNWATCH");
            b.Call("SET", "w", "5");
            a.Call("MULTI");
            a.Call("GET", "w");
            Assert.Single(a.Call("EXEC").Items!);
            a.Call("WATCH", "w");
            b.Call("FLUSHALL");
            a.Call("MULTI");
            a.Call("GET", "w");
            Assert.True(a.Call("EXEC").IsNull);

            // Expiry of a watched key counts as a write.
            a.Call("SET", "e", "1");
            a.Call("WATCH", "e");
            a.Call("PEXPIRE", "e", "1");
            Wait.Until(() => b.Call("EXISTS", "e").Integer == 0, "e to expire");
            a.Call("MULTI");
            a.Call("GET", "e");
            Assert.True(a.Call("EXEC").IsNull);
        }
    }

    [Fact]
    public async Task TransactionIsAtomicAcrossShards()
    {
        using var tern = new TernHost();
        using var setup = tern.Connect();
        setup.Call("MSET", "x", "0", "y", "0");
        var writer = Task.Run(() =>
        {
            using var c = tern.Connect();
            for (int i = 1; i <= 2000; i++)
            {
                c.Call("MULTI");
                c.Call("SET", "x", i);
                c.Call("SET", "y", i);
                c.Call("EXEC");
            }
        });
        using var reader = tern.Connect();
        int checks = 0;
        while (!writer.IsCompleted)
        {
            var r = reader.Call("MGET", "x", "y");
            Assert.Equal(r.Items![0].Text, r.Items[1].Text);
            checks++;
        }
        await writer;
        Assert.True(checks > 0);
        Assert.Equal("2000", reader.Call("GET", "x").Text);
    }
}

public sealed class WatchedKeyTouchTests(Differential d) : IClassFixture<Differential>
{
    /// <summary>Reading a watched key as a source of a STORE command does not invalidate the WATCH (as in Redis).</summary>
    [Theory]
    [InlineData("SINTERSTORE", "dst", "w", "o")]
    [InlineData("SUNIONSTORE", "dst", "w", "o")]
    [InlineData("SDIFFSTORE", "dst", "o", "w")]
    [InlineData("BITOP", "OR", "dst", "w")]
    [InlineData("COPY", "w", "dst")]
    [InlineData("ZUNIONSTORE", "dst", "2", "w", "o")]
    [InlineData("ZRANGESTORE", "dst", "w", "0", "-1")]
    public void SourcesOfStoreCommandsStayWatched(params string[] cmd)
    {
        d.Reset();
        foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
        {
            using var a = new RespClient(port);
            using var b = new RespClient(port);
            var isSet = cmd[0].StartsWith('S');
            var isZSet = cmd[0].StartsWith('Z');
            a.Call(isZSet ? ["ZADD", "w", "1", "a"] : isSet ? ["SADD", "w", "1"] : ["SET", "w", "1"]);
            a.Call(isZSet ? ["ZADD", "o", "1", "a", "2", "b"] : isSet ? ["SADD", "o", "1", "2"] : ["SET", "o", "1"]);
            a.Call("WATCH", "w");
            b.Call([.. cmd]);
            a.Call("MULTI");
            a.Call("PING");
            var r = a.Call("EXEC");
            Assert.False(r.IsNull, $"{string.Join(' ', cmd)} invalidated a WATCH on its source (port {port})");
            a.Call("DEL", "dst");
            a.Call("WATCH", "dst");
            b.Call([.. cmd]);
            a.Call("MULTI");
            a.Call("PING");
            Assert.True(a.Call("EXEC").IsNull, $"{string.Join(' ', cmd)} did not invalidate a WATCH on its destination (port {port})");
            a.Call("DEL", "dst");
        }
    }
}

public sealed class StreamWatchTests(Differential d) : IClassFixture<Differential>
{
    /// <summary>Stream writes Redis does not signal (XACK, XREADGROUP, XSETID, XGROUP ...) leave a WATCH valid.</summary>
    [Fact]
    public void GroupWritesDoNotInvalidateWatches()
    {
        d.Reset();
        foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
        {
            using var a = new RespClient(port);
            using var b = new RespClient(port);
            b.Call("XADD", "s", "1-1", "f", "v");
            b.Call("XGROUP", "CREATE", "s", "g", "0");
            a.Call("WATCH", "s");
            b.Call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
            b.Call("XACK", "s", "g", "1-1");
            b.Call("XGROUP", "CREATECONSUMER", "s", "g", "c2");
            b.Call("XSETID", "s", "5-0");
            a.Call("MULTI");
            a.Call("PING");
            Assert.False(a.Call("EXEC").IsNull, $"a group write invalidated the WATCH (port {port})");
            a.Call("WATCH", "s");
            b.Call("XADD", "s", "6-1", "f", "v");
            a.Call("MULTI");
            a.Call("PING");
            Assert.True(a.Call("EXEC").IsNull, $"XADD did not invalidate the WATCH (port {port})");
            b.Call("DEL", "s");
        }
    }
}
