using System.Globalization;
using System.Text;
using Tern.Server.Commands;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// BZPOPMIN, BZPOPMAX and BZMPOP: each scenario runs against redis-server and Tern with raw connections (one or
/// more clients block, another writes) and the replies every connection gets are compared byte for byte.
/// </summary>
public sealed class SortedSetBlockingTests(Differential d) : IClassFixture<Differential>
{
    /// <summary>One server under test: its port and how many clients it has blocked right now.</summary>
    private sealed record Side(int Port, Func<int> Blocked);

    private Side RedisSide => new(d.Redis.Port, () =>
    {
        var info = d.RedisClient.Call("INFO", "clients").Text!;
        foreach (var line in info.Split("\r\n"))
            if (line.StartsWith("blocked_clients:", StringComparison.Ordinal)) return int.Parse(line[16..], CultureInfo.InvariantCulture);
        return -1;
    });

    private Side TernSide => new(d.Tern.Port, () => d.Tern.Server.Clients.BlockedCount);

    /// <summary>Runs <paramref name="scenario"/> on both servers and compares the transcripts it records.</summary>
    private void OnBoth(Action<Side, List<string>> scenario)
    {
        d.Reset();
        var redis = new List<string>();
        scenario(RedisSide, redis);
        var tern = new List<string>();
        scenario(TernSide, tern);
        Assert.Equal(redis, tern);
    }

    private static void WaitBlocked(Side s, int n) => Wait.Until(() => s.Blocked() >= n, $"{n} blocked clients");

    private static string Call(RespClient c, params object[] args) => c.Call(args).ToString();

    [Fact]
    public void ServedWhenAKeyGetsElements()
    {
        OnBoth((s, log) =>
        {
            using var b = new RespClient(s.Port);
            using var w = new RespClient(s.Port);
            b.Send("BZPOPMIN", "k1", "k2", "0");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZADD", "k2", "2", "b", "1", "a"));
            log.Add(b.Read().ToString());
            log.Add(Call(w, "ZRANGE", "k2", "0", "-1", "WITHSCORES"));

            b.Send("BZPOPMAX", "k1", "k3", "5");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZADD", "k3", "1", "x", "7", "y"));
            log.Add(b.Read().ToString());

            b.Send("BZMPOP", "0", "2", "k1", "k4", "MAX", "COUNT", "5");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZADD", "k4", "1", "x", "7", "y", "3", "z"));
            log.Add(b.Read().ToString());
            log.Add(Call(w, "EXISTS", "k4"));

            b.Send("BZMPOP", "0", "1", "k5", "MIN");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZADD", "k5", "1", "x", "2", "y"));
            log.Add(b.Read().ToString());
            log.Add(Call(w, "ZRANGE", "k5", "0", "-1"));

            // GEOADD and the STORE commands write sorted sets too.
            b.Send("BZPOPMIN", "g", "0");
            WaitBlocked(s, 1);
            log.Add(Call(w, "GEOADD", "g", "13.361389", "38.115556", "Palermo"));
            log.Add(b.Read().ToString());

            log.Add(Call(w, "ZADD", "src", "1", "a", "2", "b"));
            b.Send("BZPOPMAX", "u", "0");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZUNIONSTORE", "u", "1", "src"));
            log.Add(b.Read().ToString());
            b.Send("BZPOPMIN", "r", "0");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZRANGESTORE", "r", "src", "0", "0"));
            log.Add(b.Read().ToString());
        });
    }

    [Fact]
    public void Resp3Shapes()
    {
        OnBoth((s, log) =>
        {
            using var b = new RespClient(s.Port);
            using var w = new RespClient(s.Port);
            b.Call("HELLO", "3");
            b.Send("BZPOPMIN", "k", "0");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZADD", "k", "1.5", "a"));
            log.Add(b.Read().ToString());
            b.Send("BZMPOP", "0", "1", "k", "MIN", "COUNT", "2");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZADD", "k", "1", "a", "2", "b", "3", "c"));
            log.Add(b.Read().ToString());
            log.Add(Call(b, "BZPOPMIN", "nothing", "0.01"));
            log.Add(Call(b, "BZMPOP", "0.01", "1", "nothing", "MAX"));
        });
    }

    [Fact]
    public void WaitersAreServedInTheOrderTheyBlocked()
    {
        OnBoth((s, log) =>
        {
            using var c1 = new RespClient(s.Port);
            using var c2 = new RespClient(s.Port);
            using var c3 = new RespClient(s.Port);
            using var w = new RespClient(s.Port);
            c1.Send("BZPOPMIN", "k", "0");
            WaitBlocked(s, 1);
            c2.Send("BZPOPMAX", "other", "k", "0");
            WaitBlocked(s, 2);
            c3.Send("BZMPOP", "0", "1", "k", "MIN", "COUNT", "2");
            WaitBlocked(s, 3);
            // One element: only the first waiter gets it.
            log.Add(Call(w, "ZADD", "k", "1", "a"));
            log.Add(c1.Read().ToString());
            WaitBlocked(s, 2);
            log.Add(s.Blocked().ToString(CultureInfo.InvariantCulture));
            // Three elements: the second waiter takes the greatest, the third the two smallest.
            log.Add(Call(w, "ZADD", "k", "1", "a", "2", "b", "3", "c"));
            log.Add(c2.Read().ToString());
            log.Add(c3.Read().ToString());
            log.Add(Call(w, "EXISTS", "k"));

            // All three on one key, one write with enough for everyone.
            c1.Send("BZPOPMIN", "q", "0");
            WaitBlocked(s, 1);
            c2.Send("BZPOPMIN", "q", "0");
            WaitBlocked(s, 2);
            c3.Send("BZPOPMIN", "q", "0");
            WaitBlocked(s, 3);
            log.Add(Call(w, "ZADD", "q", "3", "c", "1", "a", "2", "b", "4", "d"));
            log.Add(c1.Read().ToString());
            log.Add(c2.Read().ToString());
            log.Add(c3.Read().ToString());
            log.Add(Call(w, "ZRANGE", "q", "0", "-1"));
        });
    }

    [Fact]
    public void TimeoutsAnswerNull()
    {
        OnBoth((s, log) =>
        {
            using var b = new RespClient(s.Port);
            b.Send("BZPOPMIN", "k", "0.1");
            // The reply arrives once the timeout passes (Read waits for it).
            log.Add(b.Read().ToString());
            b.Send("BZMPOP", "0.05", "2", "k", "j", "MIN");
            log.Add(b.Read().ToString());
            b.Call("HELLO", "3");
            b.Send("BZPOPMAX", "k", "0.05");
            log.Add(b.Read().ToString());
            // Served before its timeout.
            using var w = new RespClient(s.Port);
            b.Send("BZPOPMAX", "k", "30");
            WaitBlocked(s, 1);
            log.Add(Call(w, "ZADD", "k", "1", "a"));
            log.Add(b.Read().ToString());
            log.Add(Call(b, "BZPOPMIN", "k", "-1"));
            log.Add(Call(b, "BZPOPMIN", "k", "abc"));
            log.Add(Call(b, "BZPOPMIN", "k", "inf"));
            log.Add(Call(b, "BZPOPMIN", "k", "1e20"));
            log.Add(Call(b, "BZPOPMIN", "k", "1e400"));
            log.Add(Call(b, "BZPOPMIN", "k", "1e5000"));
            log.Add(Call(b, "BZPOPMIN", "k", " 1"));
            log.Add(Call(b, "BZPOPMIN", "k", "nan"));
            log.Add(Call(b, "BZMPOP", "abc", "1", "k", "MIN"));
            log.Add(Call(b, "BZMPOP", "abc", "0", "k", "MIN"));
            log.Add(Call(b, "BZMPOP", "abc", "1", "k", "FOO"));
            log.Add(Call(b, "BZMPOP", "-1", "1", "k", "MIN", "COUNT", "0"));
        });
    }

    [Fact]
    public void InsideMultiTheyDoNotBlock()
    {
        OnBoth((s, log) =>
        {
            using var c = new RespClient(s.Port);
            log.Add(Call(c, "MULTI"));
            log.Add(Call(c, "BZPOPMIN", "k", "0"));
            log.Add(Call(c, "BZMPOP", "0", "1", "k", "MIN"));
            log.Add(Call(c, "ZADD", "k", "1", "a"));
            log.Add(Call(c, "BZPOPMAX", "k", "0"));
            log.Add(Call(c, "EXEC"));
            c.Call("HELLO", "3");
            log.Add(Call(c, "MULTI"));
            log.Add(Call(c, "BZPOPMIN", "k", "0"));
            log.Add(Call(c, "EXEC"));
        });
    }

    [Fact]
    public void WaitersIgnoreOtherTypesAndEmptiedKeys()
    {
        OnBoth((s, log) =>
        {
            using var b = new RespClient(s.Port);
            using var w = new RespClient(s.Port);
            b.Send("BZPOPMIN", "k", "0");
            WaitBlocked(s, 1);
            // A string under the key does not serve a sorted set waiter.
            log.Add(Call(w, "SET", "k", "x"));
            log.Add(Call(w, "DEL", "k"));
            // Added and removed in one transaction: nothing left to serve.
            log.Add(Call(w, "MULTI"));
            log.Add(Call(w, "ZADD", "k", "1", "a"));
            log.Add(Call(w, "ZREM", "k", "a"));
            log.Add(Call(w, "EXEC"));
            log.Add(s.Blocked().ToString(CultureInfo.InvariantCulture));
            log.Add(Call(w, "ZADD", "k", "5", "served"));
            log.Add(b.Read().ToString());

            // Two keys written in one transaction: the first written is served first.
            b.Send("BZPOPMIN", "k1", "k2", "0");
            WaitBlocked(s, 1);
            log.Add(Call(w, "MULTI"));
            log.Add(Call(w, "ZADD", "k2", "2", "second"));
            log.Add(Call(w, "ZADD", "k1", "1", "first"));
            log.Add(Call(w, "EXEC"));
            log.Add(b.Read().ToString());
        });
    }


    /// <summary>A waiter served later propagates its pop as ZPOPMIN/ZPOPMAX, as Redis's blocked.c does.</summary>
    [Fact]
    public void ServedWaitersPropagatePops()
    {
        d.Reset();
        var server = d.Tern.Server;
        var rec = new PropagationRecorder();
        server.PropagationSink = rec;
        try
        {
            var side = TernSide;
            using var b = d.Tern.Connect();
            using var w = d.Tern.Connect();
            void Served(object[] blocking, object[] write)
            {
                b.Send(blocking);
                WaitBlocked(side, 1);
                w.Call(write);
                var reply = b.Read();
                Assert.False(reply.IsNull || reply.IsError, reply.ToString());
            }
            Served(["BZPOPMIN", "a", "b", "0"], ["ZADD", "b", "1", "x"]);
            Served(["BZPOPMAX", "a", "0"], ["ZADD", "a", "1", "x", "2", "y"]);
            Served(["BZMPOP", "0", "1", "c", "MIN", "COUNT", "5"], ["ZADD", "c", "1", "x", "2", "y"]);
            Served(["BZMPOP", "0", "1", "c", "MAX"], ["ZADD", "c", "1", "x"]);
            Assert.Equal(new[]
            {
                "ZADD b 1 x", "ZPOPMIN b",
                "ZADD a 1 x 2 y", "ZPOPMAX a",
                "ZADD c 1 x 2 y", "ZPOPMIN c 2",
                "ZADD c 1 x", "ZPOPMAX c 1",
            }, rec.Commands);
        }
        finally
        {
            server.PropagationSink = null;
        }
    }
}
