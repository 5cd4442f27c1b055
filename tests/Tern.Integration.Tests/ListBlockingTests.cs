using System.Text.RegularExpressions;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Blocking list commands with several raw connections. Each scenario runs against redis-server and then Tern;
/// the sequences of raw replies must be identical. Waits poll the number of blocked clients, never sleep.
/// </summary>
public sealed partial class ListBlockingTests(Differential d) : IClassFixture<Differential>
{
    /// <summary>One server under test: how to connect and how many clients are blocked right now.</summary>
    private sealed class Side(int port, Func<int> blocked)
    {
        public readonly List<string> Replies = [];

        public RespClient Connect() => new(port);

        public void WaitBlocked(int n) => Wait.Until(() => blocked() == n, $"{n} blocked clients (now {blocked()})");

        /// <summary>Sends a command and records its reply.</summary>
        public void Call(RespClient c, params object[] args) => Replies.Add(c.Call(args).ToString());

        /// <summary>Records the next reply of a client that was blocked.</summary>
        public void Read(RespClient c) => Replies.Add(c.Read().ToString());
    }

    [GeneratedRegex(@"blocked_clients:(\d+)")]
    private static partial Regex BlockedClients();

    private int RedisBlocked()
    {
        var info = d.RedisClient.Call("INFO", "clients").Text!;
        return int.Parse(BlockedClients().Match(info).Groups[1].Value);
    }

    private void Compare(Action<Side> scenario)
    {
        d.Reset();
        var redis = new Side(d.Redis.Port, RedisBlocked);
        scenario(redis);
        var tern = new Side(d.Tern.Port, () => d.Tern.Server.Clients.BlockedCount);
        scenario(tern);
        Assert.Equal(redis.Replies, tern.Replies);
        Assert.NotEmpty(tern.Replies);
    }

    [Fact]
    public void PushWakesBlockedPop()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            c.Send("BLPOP", "k", "0");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "k", "a", "b");
            s.Read(c);
            s.WaitBlocked(0);
            s.Call(w, "LRANGE", "k", "0", "-1");
            c.Send("BRPOP", "k2", "k", "0");
            s.Read(c);
        });
    }

    [Fact]
    public void ClientsAreServedInTheOrderTheyBlocked()
    {
        Compare(s =>
        {
            using var c1 = s.Connect();
            using var c2 = s.Connect();
            using var c3 = s.Connect();
            using var w = s.Connect();
            c1.Send("BLPOP", "k", "0");
            s.WaitBlocked(1);
            c2.Send("BRPOP", "k", "0");
            s.WaitBlocked(2);
            c3.Send("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "5");
            s.WaitBlocked(3);
            s.Call(w, "RPUSH", "k", "a");
            s.Read(c1);
            s.WaitBlocked(2);
            s.Call(w, "LPUSH", "k", "b", "c", "d", "e");
            s.Read(c2);
            s.Read(c3);
            s.WaitBlocked(0);
            s.Call(w, "EXISTS", "k");
        });
    }

    [Fact]
    public void OnePushServesOneElementPerClient()
    {
        Compare(s =>
        {
            using var c1 = s.Connect();
            using var c2 = s.Connect();
            using var w = s.Connect();
            c1.Send("BLPOP", "k", "0");
            s.WaitBlocked(1);
            c2.Send("BLPOP", "k", "0");
            s.WaitBlocked(2);
            s.Call(w, "LPUSH", "k", "a", "b", "c");
            s.Read(c1);
            s.Read(c2);
            s.Call(w, "LRANGE", "k", "0", "-1");
        });
    }

    [Fact]
    public void ServedFromTheKeyThatWasWritten()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            c.Send("BRPOP", "a", "b", "0");
            s.WaitBlocked(1);
            s.Call(w, "MULTI");
            s.Call(w, "RPUSH", "b", "x");
            s.Call(w, "RPUSH", "a", "y");
            s.Call(w, "EXEC");
            s.Read(c);
            s.Call(w, "LRANGE", "a", "0", "-1");
            s.Call(w, "LRANGE", "b", "0", "-1");
        });
    }

    [Fact]
    public void TimeoutsAnswerNull()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            s.Call(c, "BLPOP", "k", "0.05");
            s.Call(c, "BRPOP", "k", "k2", "0.01");
            s.Call(c, "BLMOVE", "k", "d", "LEFT", "LEFT", "0.05");
            s.Call(c, "BRPOPLPUSH", "k", "d", "0.001");
            s.Call(c, "BLMPOP", "0.05", "2", "k", "k2", "LEFT");
            c.Call("HELLO", "3");
            s.Call(c, "BLPOP", "k", "0.05");
            s.Call(c, "BLMOVE", "k", "d", "LEFT", "LEFT", "0.05");
            s.Call(c, "BLMPOP", "0.05", "1", "k", "RIGHT", "COUNT", "2");
            s.Call(c, "EXISTS", "k", "d");
        });
    }

    [Fact]
    public void Resp3ServedReplies()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            c.Call("HELLO", "3");
            c.Send("BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "2");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "k", "1", "2", "3");
            s.Read(c);
            c.Send("BLMOVE", "e", "k", "RIGHT", "LEFT", "0");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "e", "z");
            s.Read(c);
            s.Call(w, "LRANGE", "k", "0", "-1");
        });
    }

    [Fact]
    public void KeyOfAnotherTypeKeepsTheClientBlocked()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            c.Send("BLPOP", "k", "0");
            s.WaitBlocked(1);
            s.Call(w, "SET", "k", "str");
            s.Call(w, "GET", "k");
            s.WaitBlocked(1);
            s.Call(w, "DEL", "k");
            s.Call(w, "RPUSH", "k", "v");
            s.Read(c);
        });
    }

    [Fact]
    public void BlockedMoveFeedsAnotherBlockedClient()
    {
        Compare(s =>
        {
            using var c1 = s.Connect();
            using var c2 = s.Connect();
            using var w = s.Connect();
            c1.Send("BLMOVE", "src", "mid", "LEFT", "RIGHT", "0");
            s.WaitBlocked(1);
            c2.Send("BLPOP", "mid", "0");
            s.WaitBlocked(2);
            s.Call(w, "RPUSH", "src", "v", "w");
            s.Read(c1);
            s.Read(c2);
            s.WaitBlocked(0);
            s.Call(w, "LRANGE", "src", "0", "-1");
            s.Call(w, "EXISTS", "mid");
            // A plain LMOVE into a key a client waits on serves it too.
            c1.Send("BLPOP", "dst", "0");
            s.WaitBlocked(1);
            s.Call(w, "LMOVE", "src", "dst", "LEFT", "LEFT");
            s.Read(c1);
        });
    }

    [Fact]
    public void BlockedMoveToWrongTypeGetsAnError()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            s.Call(w, "SET", "dst", "str");
            c.Send("BLMOVE", "src", "dst", "LEFT", "LEFT", "0");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "src", "v");
            s.Read(c);
            s.WaitBlocked(0);
            s.Call(w, "LRANGE", "src", "0", "-1");
            s.Call(w, "GET", "dst");
        });
    }

    [Fact]
    public void SameKeyTwiceAndRotation()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            c.Send("BLPOP", "k", "k", "0");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "k", "a", "b");
            s.Read(c);
            s.WaitBlocked(0);
            c.Send("BRPOPLPUSH", "r", "r", "0");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "r", "x");
            s.Read(c);
            s.Call(w, "LRANGE", "r", "0", "-1");
            s.Call(w, "LRANGE", "k", "0", "-1");
        });
    }

    [Fact]
    public void TransactionThatEmptiesTheKeyServesNobody()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            c.Send("BLPOP", "k", "0");
            s.WaitBlocked(1);
            s.Call(w, "MULTI");
            s.Call(w, "RPUSH", "k", "a");
            s.Call(w, "LPOP", "k");
            s.Call(w, "EXEC");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "k", "b");
            s.Read(c);
        });
    }

    [Fact]
    public void DisconnectedClientIsForgotten()
    {
        Compare(s =>
        {
            using var w = s.Connect();
            var c = s.Connect();
            c.Send("BLPOP", "k", "0");
            s.WaitBlocked(1);
            c.Dispose();
            s.WaitBlocked(0);
            s.Call(w, "RPUSH", "k", "a");
            s.Call(w, "LLEN", "k");
        });
    }

    [Fact]
    public void CommandsSentWhileBlockedRunAfterwards()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            using var w = s.Connect();
            c.Send("BLPOP", "k", "0");
            s.WaitBlocked(1);
            c.Send("PING");
            c.Send("RPUSH", "big", new string('x', 20000));
            c.Send("LLEN", "k");
            s.Call(w, "ECHO", "still blocked");
            s.WaitBlocked(1);
            s.Call(w, "RPUSH", "k", "a", "b");
            s.Read(c);
            s.Read(c);
            s.Read(c);
            s.Read(c);
            s.Call(w, "STRLEN", "big");
            s.Call(w, "LINDEX", "big", "0");
        });
    }

    [Fact]
    public void MultiNeverBlocks()
    {
        Compare(s =>
        {
            using var c = s.Connect();
            s.Call(c, "MULTI");
            s.Call(c, "BLPOP", "k", "0");
            s.Call(c, "BLMOVE", "k", "d", "LEFT", "RIGHT", "0");
            s.Call(c, "BRPOPLPUSH", "k", "d", "0");
            s.Call(c, "BLMPOP", "0", "1", "k", "LEFT");
            s.Call(c, "EXEC");
        });
    }
}
