using System.Text;
using Tern.TestKit;
using static Tern.Integration.Tests.ReplicationKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Tern as a primary of real redis-server 7.0 replicas on loopback (replication-spec.md §2, §3, §4): full sync with
/// both framings, the stream, WAIT, partial resync after a link loss, the role swap, chained replication.
/// </summary>
public sealed class ReplicationPrimaryTests
{
    private static void ReplicaOf(RespClient c, int port) =>
        Assert.Equal("+OK", c.Call("REPLICAOF", "127.0.0.1", port).Text);

    /// <summary>Waits for the Redis replica's link to be up and its applied offset to equal Tern's.</summary>
    private static void WaitReplicaCaughtUp(RespClient primary, RespClient replica, string what = "the Redis replica to catch up")
    {
        Wait.Until(() =>
        {
            var r = Info(replica);
            if (!r.TryGetValue("master_link_status", out var s) || s != "up") return false;
            return r["slave_repl_offset"] == Info(primary)["master_repl_offset"];
        }, TimeSpan.FromSeconds(30), what);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public void RedisReplicaFullSyncOfEveryTypeWithBothFramings(string diskless)
    {
        using var tern = new TernHost("--repl-diskless-sync", diskless);
        using var redis = new RedisServerProcess();
        using var t = tern.Connect();
        using var r = new RespClient(redis.Port);
        Populate(t);
        ReplicaOf(r, tern.Port);
        WaitReplicaCaughtUp(t, r);
        AssertSameData(t, r);
        var ti = Info(t);
        Assert.Equal("1", ti["connected_slaves"]);
        Assert.Matches($"^ip=127\\.0\\.0\\.1,port={redis.Port},state=online,offset=\\d+,lag=\\d+$", ti["slave0"]);
        Assert.Equal(ti["master_replid"], Info(r)["master_replid"]);
        Assert.Equal("1", Info(t, "stats")["sync_full"]);
        Assert.Contains("MASTER <-> REPLICA sync: Finished with success", redis.LogText);
        // The framing Tern chose: EOF marker when diskless (Redis replicas announce capa eof), else $len.
        Assert.Contains(diskless == "yes" ? "receiving streamed RDB from master with EOF" : "MASTER <-> REPLICA sync: receiving ", redis.LogText);
        if (diskless == "no") Assert.DoesNotContain("with EOF", redis.LogText);
        // The replica is a feed, not a client: flags=S, not in connected_clients.
        var list = t.Call("CLIENT", "LIST", "TYPE", "replica").Text!;
        Assert.Contains("flags=S", list);
        Assert.Equal("1", Info(t, "clients")["connected_clients"]);
        // ROLE lists it with ip, port and offset as bulk strings.
        var role = t.Call("ROLE");
        Assert.Equal("master", role.Items![0].Text);
        var entry = role.Items[2].Items![0];
        Assert.Equal('$', entry.Items![1].Type);
        Assert.Equal(redis.Port.ToString(), entry.Items[1].Text);
        // Writes after the sync, in several databases.
        t.Call("SELECT", 5);
        t.Call("SET", "after", "1");
        t.Call("INCR", "after");
        t.Call("SELECT", 0);
        t.Call("LPUSH", "after-list", "x");
        Assert.Equal(1, t.Call("WAIT", 1, 0).Integer);
        WaitReplicaCaughtUp(t, r);
        AssertSameData(t, r);
    }

    [Fact]
    public void WritesDuringAndAfterTheSyncThenWaitAndContinue()
    {
        using var tern = new TernHost();
        using var redis = new RedisServerProcess();
        using var t = tern.Connect();
        using var r = new RespClient(redis.Port);
        Populate(t, bigBytes: 50_000);
        using var stop = new CancellationTokenSource();
        int written = 0;
        var writer = new Thread(() =>
        {
            using var w = tern.Connect();
            var rnd = new Random(3);
            while (!stop.IsCancellationRequested)
            {
                int db = rnd.Next(3);
                w.Call("SELECT", db);
                w.Call("INCR", "counter");
                w.Call("RPUSH", "log", rnd.Next(1000));
                w.Call("HINCRBY", "h", "f" + rnd.Next(10), 1);
                w.Call("SET", "tmp" + rnd.Next(50), "v", "PX", 100_000);
                Interlocked.Increment(ref written);
            }
        });
        writer.Start();
        ReplicaOf(r, tern.Port);
        Wait.Until(() => Info(r).GetValueOrDefault("master_link_status") == "up" && Volatile.Read(ref written) > 300,
            TimeSpan.FromSeconds(30), "the link up while writes go on");
        stop.Cancel();
        writer.Join();
        WaitReplicaCaughtUp(t, r);
        AssertSameData(t, r);
        // A fresh client that wrote nothing is answered at once; one that wrote waits for the ACK.
        Assert.Equal(1, t.Call("WAIT", 1, 0).Integer);
        t.Call("SET", "w", "1");
        Assert.Equal(1, t.Call("WAIT", 1, 0).Integer);
        Assert.Equal(1, t.Call("WAIT", 2, 300).Integer);

        // The replica loses its link: it comes back with PSYNC and gets +CONTINUE.
        long okBefore = Num(Info(t, "stats"), "sync_partial_ok");
        r.Call("CLIENT", "KILL", "TYPE", "master");
        t.Call("SET", "while-away", "1");
        Wait.Until(() => Num(Info(t, "stats"), "sync_partial_ok") == okBefore + 1, TimeSpan.FromSeconds(30), "a partial resync");
        Assert.Equal("1", Info(t, "stats")["sync_full"]);
        t.Call("SET", "after-continue", "2");
        WaitReplicaCaughtUp(t, r);
        AssertSameData(t, r);
        Assert.Equal("2", r.Call("GET", "after-continue").Text);
    }

    [Fact]
    public void RoleSwapTheOldPrimaryContinuesFromTern()
    {
        using var redis = new RedisServerProcess("--repl-diskless-sync-delay", "0");
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        Populate(p, bigBytes: 20_000);
        ReplicaOf(t, redis.Port);
        WaitCaughtUp(p, t);
        p.Call("SET", "k", "1");
        p.Call("SELECT", 2);
        p.Call("INCR", "n");
        p.Call("SELECT", 0);
        WaitCaughtUp(p, t);
        string oldId = Info(p)["master_replid"];
        // Promote Tern, write to it, then make the old primary its replica: PSYNC <old id> <offset+1> → +CONTINUE.
        Assert.Equal("+OK", t.Call("REPLICAOF", "NO", "ONE").Text);
        var ti = Info(t);
        Assert.Equal(oldId, ti["master_replid2"]);
        t.Call("SET", "from-tern", "x");
        ReplicaOf(p, tern.Port);
        Wait.Until(() => Num(Info(t, "stats"), "sync_partial_ok") == 1, TimeSpan.FromSeconds(30), "the old primary's partial resync");
        Assert.Equal("0", Info(t, "stats")["sync_full"]);
        WaitReplicaCaughtUp(t, p);
        AssertSameData(t, p);
        Assert.Equal("x", p.Call("GET", "from-tern").Text);
        Assert.Equal(Info(t)["master_replid"], Info(p)["master_replid"]);
        // REPLICAOF NO ONE on a primary is a no-op; a second promotion path: Tern becomes a replica again and the
        // Redis replica is disconnected, as Redis disconnects sub-replicas when its history changes.
    }

    [Fact]
    public void ChainedRedisPrimaryTernRedisReplica()
    {
        using var top = new RedisServerProcess("--repl-diskless-sync-delay", "0");
        using var tern = new TernHost();
        using var bottom = new RedisServerProcess();
        using var p = new RespClient(top.Port);
        using var t = tern.Connect();
        using var b = new RespClient(bottom.Port);
        Populate(p, bigBytes: 20_000);
        ReplicaOf(t, top.Port);
        WaitCaughtUp(p, t);
        ReplicaOf(b, tern.Port);
        p.Call("SET", "during", "1");
        Wait.Until(() => Info(b).GetValueOrDefault("master_link_status") == "up", TimeSpan.FromSeconds(30), "the bottom replica's link");
        p.Call("SELECT", 3);
        p.Call("SADD", "s", "a", "b");
        p.Call("SELECT", 0);
        p.Call("SET", "after", "2");
        WaitCaughtUp(p, t);
        Wait.Until(() => Info(b)["slave_repl_offset"] == Info(p)["master_repl_offset"], TimeSpan.FromSeconds(30), "the bottom replica at the top's offset");
        AssertSameData(p, b);
        Assert.Equal(Info(p)["master_replid"], Info(b)["master_replid"]);
        // Promoting Tern disconnects its replica, which continues with PSYNC across the id change.
        Assert.Equal("+OK", t.Call("REPLICAOF", "NO", "ONE").Text);
        t.Call("SET", "promoted", "1");
        Wait.Until(() => Info(b)["master_replid"] == Info(t)["master_replid"] && Info(b).GetValueOrDefault("master_link_status") == "up",
            TimeSpan.FromSeconds(30), "the bottom replica following the new id");
        WaitReplicaCaughtUp(t, b);
        AssertSameData(t, b);
        Assert.Equal(1, Num(Info(t, "stats"), "sync_partial_ok"));
    }

    [Fact]
    public void ReplconfAndSyncCommandsOnTheWire()
    {
        using var tern = new TernHost();
        using var c = tern.Connect();
        Assert.Equal("-ERR syntax error", c.Call("REPLCONF", "listening-port").Text);
        Assert.Equal("-ERR Unrecognized REPLCONF option: foo", c.Call("REPLCONF", "foo", "bar").Text);
        Assert.Equal("+OK", c.Call("REPLCONF", "listening-port", "1234", "capa", "eof", "capa", "psync2", "capa", "dragonfly").Text);
        Assert.Equal("+OK", c.Call("REPLCONF", "rdb-only", "0").Text);
        Assert.Equal("-ERR value is out of range, value must between 0 and 1", c.Call("REPLCONF", "rdb-only", "5").Text);
        Assert.Equal("-ERR value is not an integer or out of range", c.Call("REPLCONF", "listening-port", "x").Text);
        Assert.Equal("-ERR Unsupported rdb-filter-only option: foo", c.Call("REPLCONF", "rdb-filter-only", "foo bar").Text);
        Assert.Equal("-ERR REPLCONF ip-address provided by replica instance is too long: 300 bytes",
            c.Call("REPLCONF", "ip-address", new string('a', 300)).Text);
        Assert.Equal("+OK", c.Call("REPLCONF").Text);
        // ACK from a non-replica and GETACK to a primary: no reply at all.
        c.Send("REPLCONF", "ACK", "10");
        c.Send("REPLCONF", "GETACK", "*");
        Assert.Equal("+PONG", c.Call("PING").Text);
        // Pipelined PSYNC behind another command: pending output.
        c.SendRaw(Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n"));
        Assert.Equal("+PONG", c.Read().Text);
        Assert.Equal("-ERR SYNC and PSYNC are invalid with pending output", c.Read().Text);

        // A raw replica: full sync with disk framing (no capa eof), then the stream starts with SELECT.
        using var w = tern.Connect();
        w.Call("SET", "a", "1");
        using var rep = tern.Connect();
        Assert.Equal("+OK", rep.Call("REPLCONF", "listening-port", "4321").Text);
        rep.Send("PSYNC", "?", "-1");
        var line = ReadLine(rep);
        Assert.StartsWith("+FULLRESYNC ", line);
        var parts = line.Split(' ');
        Assert.Equal(40, parts[1].Length);
        long cut = long.Parse(parts[2]);
        string bulk;
        do bulk = ReadLine(rep); while (bulk.Length == 0);
        Assert.StartsWith("$", bulk);
        int len = int.Parse(bulk[1..]);
        var rdb = ReadBytes(rep, len);
        Assert.Equal("REDIS0010", Encoding.ASCII.GetString(rdb, 0, 9));
        w.Call("SET", "b", "2");
        var select = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
        var set = "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n";
        Assert.Equal(select + set, Encoding.ASCII.GetString(ReadBytes(rep, select.Length + set.Length)));
        Assert.Equal(cut + select.Length + set.Length, Num(Info(w), "master_repl_offset"));
        Assert.Contains("state=online", Info(w)["slave0"]);
        // A PSYNC at the current offset + 1 continues with nothing to send; too far ahead is a full sync.
        string id = Info(w)["master_replid"];
        long off = Num(Info(w), "master_repl_offset");
        using var rep2 = tern.Connect();
        Assert.Equal("+OK", rep2.Call("REPLCONF", "capa", "psync2").Text);
        rep2.Send("PSYNC", id, off - 9);
        Assert.Equal($"+CONTINUE {id}", ReadLine(rep2));
        Assert.Equal(set[^10..], Encoding.ASCII.GetString(ReadBytes(rep2, 10)));
        Assert.Equal(1, Num(Info(w, "stats"), "sync_partial_ok"));
        Assert.Equal("2", Info(w)["connected_slaves"]);
        // Disconnecting a replica removes it.
        rep2.Dispose();
        Wait.Until(() => Info(w)["connected_slaves"] == "1", TimeSpan.FromSeconds(10), "the replica removed");
    }

    [Fact]
    public void TernReplicaOfTernWithBothFramings()
    {
        using var primary = new TernHost();
        using var disk = new TernHost();
        using var p = primary.Connect();
        using var d = disk.Connect();
        Populate(p, bigBytes: 20_000);
        ReplicaOf(d, primary.Port);
        WaitCaughtUp(p, d, "the Tern replica (EOF framing)");
        AssertSameData(p, d);
        Assert.Equal("+OK", p.Call("CONFIG", "SET", "repl-diskless-sync", "no").Text);
        using var second = new TernHost();
        using var s2 = second.Connect();
        ReplicaOf(s2, primary.Port);
        p.Call("SELECT", 7);
        p.Call("HSET", "late", "f", "v");
        p.Call("SELECT", 0);
        WaitCaughtUp(p, s2, "the Tern replica ($len framing)");
        WaitCaughtUp(p, d);
        AssertSameData(p, s2);
        AssertSameData(p, d);
        Assert.Equal(2, p.Call("WAIT", 2, 0).Integer);
        Assert.Equal("2", Info(p, "stats")["sync_full"]);
    }

    [Fact]
    public void PingsAreCountedAndSilentReplicasTimeOut()
    {
        using var tern = new TernHost("--repl-ping-replica-period", "1", "--repl-timeout", "2");
        using var w = tern.Connect();
        using var rep = tern.Connect();
        rep.Call("REPLCONF", "listening-port", "1");
        rep.Send("SYNC");
        string bulk;
        do bulk = ReadLine(rep); while (bulk.Length == 0);
        Assert.StartsWith("$", bulk);
        rep.ReadExactly(int.Parse(bulk[1..]));
        // The periodic lowercase "ping" is in the stream and in the offset.
        Assert.Equal("*1\r\n$4\r\nping\r\n", Encoding.ASCII.GetString(rep.ReadExactly(14)));
        Assert.True(Num(Info(w), "master_repl_offset") >= 14);
        // It never acknowledges: dropped after repl-timeout.
        Wait.Until(() => Info(w)["connected_slaves"] == "0", TimeSpan.FromSeconds(15), "the silent replica dropped");
    }

    [Fact]
    public void ReplicaOverItsOutputLimitIsDropped()
    {
        using var tern = new TernHost();
        using var w = tern.Connect();
        Assert.Equal("+OK", w.Call("CONFIG", "SET", "client-output-buffer-limit", "replica 1mb 0 0").Text);
        // A replica that completes its sync, then never reads again.
        using var rep = tern.Connect();
        rep.Call("REPLCONF", "listening-port", "1");
        rep.Send("PSYNC", "?", "-1");
        Assert.StartsWith("+FULLRESYNC", ReadLine(rep));
        string bulk;
        do bulk = ReadLine(rep); while (bulk.Length == 0);
        rep.ReadExactly(int.Parse(bulk[1..]));
        Wait.Until(() => Info(w).GetValueOrDefault("slave0", "").Contains("state=online"), TimeSpan.FromSeconds(10), "the replica online");
        var big = Incompressible(1 << 20, 1);
        for (int i = 0; i < 64 && Info(w)["connected_slaves"] != "0"; i++) w.Call("SET", "big" + i, big);
        Wait.Until(() => Info(w)["connected_slaves"] == "0", TimeSpan.FromSeconds(15), "the slow replica dropped");
    }

    [Fact]
    public void MinReplicasToWrite()
    {
        using var tern = new TernHost();
        using var t = tern.Connect();
        Assert.Equal("+OK", t.Call("CONFIG", "SET", "min-replicas-to-write", "1").Text);
        Assert.Equal("-NOREPLICAS Not enough good replicas to write.", t.Call("SET", "k", "v").Text);
        Assert.Equal("0", Info(t)["min_slaves_good_slaves"]);
        Assert.Equal("$-1\r\n", t.Call("GET", "k").ToString());
        using var redis = new RedisServerProcess();
        using var r = new RespClient(redis.Port);
        ReplicaOf(r, tern.Port);
        Wait.Until(() => Info(t).GetValueOrDefault("min_slaves_good_slaves") == "1", TimeSpan.FromSeconds(30), "a good replica");
        Assert.Equal("+OK", t.Call("SET", "k", "v").Text);
        WaitReplicaCaughtUp(t, r);
        Assert.Equal("v", r.Call("GET", "k").Text);
    }

    private static string ReadLine(RespClient c)
    {
        var sb = new StringBuilder();
        while (true)
        {
            var b = ReadBytes(c, 1)[0];
            if (b == '\n') break;
            sb.Append((char)b);
        }
        return sb.ToString().TrimEnd('\r');
    }

    private static byte[] ReadBytes(RespClient c, int n) => c.ReadExactly(n);
}
