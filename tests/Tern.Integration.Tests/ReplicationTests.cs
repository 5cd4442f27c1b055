using System.Text;
using System.Text.RegularExpressions;
using Tern.Server.Replication;
using Tern.TestKit;
using static Tern.Integration.Tests.ReplicationKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Tern as a replica of a real redis-server 7.0 on loopback (replication-spec.md §1, §2, §4): full sync with
/// both framings, the command stream, partial resync, promotion, and the failure cases that must keep the data.
/// </summary>
public sealed class ReplicationTests
{
    private static RedisServerProcess Primary(params string[] extra) =>
        new([.. new[] { "--repl-diskless-sync-delay", "0" }, .. extra]);

    private static void ReplicaOf(RespClient tern, int port) =>
        Assert.Equal("+OK", tern.Call("REPLICAOF", "127.0.0.1", port).Text);

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public void FullSyncOfEveryTypeWithBothFramings(string diskless)
    {
        using var redis = Primary("--repl-diskless-sync", diskless);
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        Populate(p);
        ReplicaOf(t, redis.Port);
        WaitCaughtUp(p, t);
        AssertSameData(p, t);
        // The replica's history is the primary's, and its backlog starts right after the sync's offset.
        var pi = Info(p);
        var ti = Info(t);
        Assert.Equal(pi["master_replid"], ti["master_replid"]);
        Assert.Equal("1", ti["repl_backlog_active"]);
        Assert.Equal(new string('0', 40), ti["master_replid2"]);
        Assert.Equal("1", pi["connected_slaves"]);
        Assert.Contains($"port={tern.Port},state=online", pi["slave0"]);
        Assert.Equal("1", Info(p, "stats")["sync_full"]);
        Assert.True(Num(Info(t, "stats"), "total_net_repl_input_bytes") > 300_000);
    }

    [Fact]
    public void WritesDuringAndAfterTheSyncArrive()
    {
        using var redis = Primary();
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        Populate(p, bigBytes: 50_000);
        using var stop = new CancellationTokenSource();
        int written = 0;
        var writer = new Thread(() =>
        {
            using var w = new RespClient(redis.Port);
            var rnd = new Random(7);
            while (!stop.IsCancellationRequested)
            {
                int i = rnd.Next(1000);
                w.Call("SELECT", i % 16);
                switch (i % 9)
                {
                    case 0: w.Call("SET", "w:s" + i, "v" + written, "EX", 1000); break;
                    case 1: w.Call("INCRBY", "w:n" + (i % 10), i); break;
                    case 2: w.Call("RPUSH", "w:l" + (i % 10), "e" + i); break;
                    case 3: w.Call("HSET", "w:h" + (i % 10), "f" + i, i); break;
                    case 4: w.Call("SADD", "w:set" + (i % 10), i); break;
                    case 5: w.Call("ZADD", "w:z" + (i % 10), i, "m" + i); break;
                    case 6: w.Call("XADD", "w:x", "*", "i", i); break;
                    case 7: w.Call("DEL", "w:s" + (i - 7)); break;
                    default:
                        w.Call("MULTI");
                        w.Call("SET", "w:m1", i);
                        w.Call("SELECT", (i + 1) % 16);
                        w.Call("LPUSH", "w:m2", i);
                        w.Call("EXEC");
                        break;
                }
                Interlocked.Increment(ref written);
            }
        });
        writer.Start();
        try
        {
            Wait.Until(() => Volatile.Read(ref written) > 50, "the writer to start");
            ReplicaOf(t, redis.Port);
            Wait.Until(() => Info(t).GetValueOrDefault("master_link_status") == "up", "the link to come up");
            int at = Volatile.Read(ref written);
            Wait.Until(() => Volatile.Read(ref written) > at + 300, "writes after the sync");
        }
        finally
        {
            stop.Cancel();
            writer.Join();
        }
        WaitCaughtUp(p, t);
        AssertSameData(p, t);
    }

    [Fact]
    public void StreamOfTransactionsExpiryScriptsFlushAndSwap()
    {
        using var redis = Primary();
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        p.Call("SELECT", 3);
        p.Call("SET", "before", "1");
        ReplicaOf(t, redis.Port);
        WaitCaughtUp(p, t);
        // The primary client starts in repl-stream-db: the next write needs no SELECT.
        p.Call("SET", "k3", "1");
        // MULTI/EXEC spanning databases: Redis 7.0 sends the SELECT inside the transaction.
        p.Call("MULTI");
        p.Call("SET", "d3", "y");
        p.Call("SELECT", 4);
        p.Call("SET", "d4", "z");
        p.Call("INCR", "d4n");
        Assert.Equal(4, p.Call("EXEC").Items!.Count);
        // A script's effects.
        p.Call("EVAL", "redis.call('set', KEYS[1], 'e'); redis.call('rpush', KEYS[2], 'a', 'b'); return 1", 2, "ev1", "ev2");
        WaitCaughtUp(p, t);
        t.Call("SELECT", 3);
        Assert.Equal("1", t.Call("GET", "k3").Text);
        Assert.Equal("y", t.Call("GET", "d3").Text);
        t.Call("SELECT", 4);
        Assert.Equal("z", t.Call("GET", "d4").Text);
        Assert.Equal("e", t.Call("GET", "ev1").Text);
        Assert.Equal("2", t.Call("LLEN", "ev2").Text);

        // Expiry belongs to the primary: a logically expired key is hidden on the replica but stays until the DEL.
        p.Call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        p.Call("SET", "soon", "x", "PX", 100);
        WaitCaughtUp(p, t);
        Wait.Until(() => t.Call("GET", "soon").IsNull, "the key to be logically expired on the replica");
        Assert.Equal("-2", t.Call("PTTL", "soon").Text);
        long before = t.Call("DBSIZE").Integer;
        Assert.Equal(before, p.Call("DBSIZE").Integer);
        Assert.True(p.Call("GET", "soon").IsNull); // lazy expiry on the primary propagates DEL
        WaitCaughtUp(p, t);
        Assert.Equal(before - 1, t.Call("DBSIZE").Integer);

        // A big value in the stream (the link's buffer grows for it).
        var huge = Incompressible(5_000_000, 42);
        p.Call("SET", "huge", huge);
        p.Call("APPEND", "huge", "!");
        WaitCaughtUp(p, t);
        Assert.Equal(p.Call("DEBUG", "DIGEST-VALUE", "huge").ToString(), t.Call("DEBUG", "DIGEST-VALUE", "huge").ToString());
        Assert.Equal("5000001", t.Call("STRLEN", "huge").Text);

        // PUBLISH reaches the replica's subscribers.
        using var sub = tern.Connect();
        sub.Call("SUBSCRIBE", "news");
        p.Call("PUBLISH", "news", "hello");
        var msg = sub.Read();
        Assert.Equal("hello", msg.Items![2].Text);

        // WAIT on the primary: answered through REPLCONF GETACK / ACK.
        p.Call("SET", "acked", "1");
        Assert.Equal(1, p.Call("WAIT", 1, 5000).Integer);

        p.Call("SWAPDB", 3, 4);
        WaitCaughtUp(p, t);
        AssertSameData(p, t);
        p.Call("FLUSHALL");
        WaitCaughtUp(p, t);
        Assert.Equal(0, t.Call("DBSIZE").Integer);
        AssertSameData(p, t);
    }

    [Fact]
    public void LinkCutResumesWithContinue()
    {
        using var redis = Primary();
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        Populate(p, bigBytes: 10_000);
        ReplicaOf(t, redis.Port);
        WaitCaughtUp(p, t);
        var stats = Info(p, "stats");
        for (int round = 0; round < 2; round++)
        {
            Assert.Equal(1, p.Call("CLIENT", "KILL", "TYPE", round == 0 ? "replica" : "slave").Integer);
            for (int i = 0; i < 50; i++) p.Call("SET", "after-cut-" + i, i);
            WaitCaughtUp(p, t, "the replica to resume");
        }
        var after = Info(p, "stats");
        Assert.Equal(stats["sync_full"], after["sync_full"]);
        Assert.Equal(Num(stats, "sync_partial_ok") + 2, Num(after, "sync_partial_ok"));
        AssertSameData(p, t);
    }

    [Fact]
    public void SwitchingToAnotherReplicaOfTheSamePrimaryContinues()
    {
        using var redis = Primary();
        using var other = Primary();
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var o = new RespClient(other.Port);
        using var t = tern.Connect();
        Populate(p, bigBytes: 10_000);
        o.Call("REPLICAOF", "127.0.0.1", redis.Port);
        ReplicaOf(t, redis.Port);
        WaitCaughtUp(p, t);
        WaitCaughtUp(p, o);
        for (int i = 0; i < 30; i++) p.Call("SET", "more" + i, i);
        WaitCaughtUp(p, t);
        WaitCaughtUp(p, o);
        // Same history, same offsets: the other replica accepts Tern's PSYNC and sends nothing it already has.
        ReplicaOf(t, other.Port);
        WaitCaughtUp(o, t);
        Assert.Equal("1", Info(o, "stats")["sync_partial_ok"]);
        Assert.Equal("0", Info(o, "stats")["sync_full"]);
        p.Call("SET", "via-chain", "1");
        WaitCaughtUp(p, o);
        WaitCaughtUp(o, t);
        Assert.Equal("1", t.Call("GET", "via-chain").Text);
        AssertSameData(p, t);
    }

    [Fact]
    public void ReplicaOfInsideMultiExecWhileTheStreamFlows()
    {
        // Sentinel promotes and re-points with MULTI; SLAVEOF ...; EXEC.
        using var redis = Primary();
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        ReplicaOf(t, redis.Port);
        WaitCaughtUp(p, t);
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            using var w = new RespClient(redis.Port);
            for (int i = 0; !stop.IsCancellationRequested; i++) w.Call("SET", "flow" + (i % 100), i);
        });
        writer.Start();
        try
        {
            Wait.Until(() => t.Call("EXISTS", "flow5").Integer == 1, "the stream to flow");
            for (int round = 0; round < 3; round++)
            {
                t.Call("MULTI");
                t.Call("REPLICAOF", "NO", "ONE");
                var r = t.Call("EXEC");
                Assert.Equal("+OK", r.Items![0].Text);
                Assert.Equal("master", Info(t)["role"]);
                t.Call("MULTI");
                t.Call("REPLICAOF", "127.0.0.1", redis.Port);
                Assert.Equal("+OK", t.Call("EXEC").Items![0].Text);
                Wait.Until(() => Info(t)["master_link_status"] == "up", "the link to come back");
            }
        }
        finally
        {
            stop.Cancel();
            writer.Join();
        }
        WaitCaughtUp(p, t);
        AssertSameData(p, t);
    }

    [Fact]
    public void SilentPrimaryTimesOutThenContinues()
    {
        // repl-timeout: a connected link that receives nothing (not even the primary's pings) is dropped, and the
        // reconnection continues with PSYNC.
        using var redis = Primary("--repl-ping-replica-period", "1");
        using var proxy = new TcpProxy(redis.Port);
        using var tern = new TernHost("--repl-timeout", "2");
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        p.Call("SET", "a", "1");
        ReplicaOf(t, proxy.Port);
        WaitCaughtUp(p, t);
        var stats = Info(p, "stats");
        proxy.HoldAfterDownstream = proxy.DownstreamBytes;
        Wait.Until(() => tern.Server.Replication.Link?.LastError?.Contains("timeout") == true, "the link to time out");
        proxy.HoldAfterDownstream = -1;
        p.Call("SET", "b", "2");
        WaitCaughtUp(p, t);
        Assert.Equal("2", t.Call("GET", "b").Text);
        var after = Info(p, "stats");
        Assert.Equal(stats["sync_full"], after["sync_full"]);
        Assert.True(Num(after, "sync_partial_ok") > Num(stats, "sync_partial_ok"));
        Assert.True(Num(Info(t), "master_last_io_seconds_ago") <= 2);
    }

    [Fact]
    public void CutMidTransferKeepsOldDataThenSyncs()
    {
        using var redis = Primary("--repl-diskless-sync", "no");
        using var proxy = new TcpProxy(redis.Port);
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        Populate(p, bigBytes: 2_000_000);
        t.Call("SET", "old", "data");
        proxy.CutAfterDownstream = 200_000;
        ReplicaOf(t, proxy.Port);
        Wait.Until(() => tern.Server.Replication.Link?.LastError != null, "the cut transfer to fail");
        Assert.Equal("data", t.Call("GET", "old").Text);
        Assert.Contains("old data is kept", tern.Server.Replication.Link!.LastError);
        // The next attempt goes through.
        WaitCaughtUp(p, t, seconds: 40);
        Assert.True(t.Call("GET", "old").IsNull);
        AssertSameData(p, t);
    }

    [Fact]
    public void DuringTheTransferOldDataServesReadsAndInfoShowsProgress()
    {
        using var redis = Primary("--repl-diskless-sync", "no");
        using var proxy = new TcpProxy(redis.Port);
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        Populate(p, bigBytes: 1_000_000);
        t.Call("SET", "old", "data");
        proxy.HoldAfterDownstream = 300_000;
        ReplicaOf(t, proxy.Port);
        Wait.Until(() => Info(t).GetValueOrDefault("master_sync_in_progress") == "1" && Num(Info(t), "master_sync_read_bytes") > 100_000,
            "the transfer to be under way");
        var info = Info(t);
        long total = Num(info, "master_sync_total_bytes");
        long read = Num(info, "master_sync_read_bytes");
        Assert.True(total > 1_000_000, $"total {total}");
        Assert.Equal(total - read, Num(info, "master_sync_left_bytes"));
        Assert.Matches(@"^\d+\.\d\d$", info["master_sync_perc"]);
        Assert.True(info.ContainsKey("master_sync_last_io_seconds_ago"));
        Assert.Equal("down", info["master_link_status"]);
        Assert.Equal("sync", t.Call("ROLE").Items![3].Text);
        // The old dataset keeps serving reads while the new one loads.
        Assert.Equal("data", t.Call("GET", "old").Text);
        var persistence = Info(t, "persistence");
        Assert.Equal("0", persistence["loading"]);
        Assert.Equal("1", persistence["async_loading"]);
        Assert.True(persistence.ContainsKey("loading_start_time"));
        // As in Redis, commands flagged no_async_loading wait for the end of the load.
        Assert.Equal("-LOADING Redis is loading the dataset in memory", t.Call("REPLICAOF", "NO", "ONE").Text);
        proxy.HoldAfterDownstream = -1;
        WaitCaughtUp(p, t);
        Assert.Equal("0", Info(t, "persistence")["async_loading"]);
        AssertSameData(p, t);
    }

    [Theory]
    [InlineData("version")]
    [InlineData("corrupt")]
    public void BadRdbKeepsOldDataAndSaysWhy(string how)
    {
        using var redis = Primary();
        using var proxy = new TcpProxy(redis.Port);
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        p.Call("SET", "payload", "q8Zr2LxW5vN0kT7yB3mC9dF1gH4jP6sQ-marker");
        t.Call("SET", "old", "data");
        if (how == "version") proxy.Replace("REDIS0010"u8.ToArray(), "REDIS0013"u8.ToArray());
        else proxy.Replace("-marker"u8.ToArray(), "-MARKER"u8.ToArray());
        ReplicaOf(t, proxy.Port);
        Wait.Until(() => tern.Server.Replication.Link?.LastError != null, "the load to fail");
        var why = tern.Server.Replication.Link!.LastError!;
        if (how == "version") Assert.Contains("13", why);
        Assert.Equal("data", t.Call("GET", "old").Text);
        var info = Info(t);
        Assert.Equal("down", info["master_link_status"]);
        Assert.Equal("slave", info["role"]);
        // Once the bytes are intact again the retry succeeds.
        proxy.ClearReplacements();
        WaitCaughtUp(p, t, seconds: 40);
        Assert.True(t.Call("GET", "old").IsNull);
        Assert.Equal(p.Call("GET", "payload").Text, t.Call("GET", "payload").Text);
        // After a failed full sync the next attempt asks for a full sync again, never a +CONTINUE into the old data.
        var stats = Info(p, "stats");
        Assert.True(Num(stats, "sync_full") >= 2);
        Assert.Equal("0", stats["sync_partial_ok"]);
    }

    [Fact]
    public void WrongMasterAuthThenRightOne()
    {
        using var redis = Primary("--requirepass", "secret");
        using var tern = new TernHost("--masterauth", "wrong");
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        p.Call("AUTH", "secret");
        p.Call("SET", "k", "v");
        t.Call("SET", "old", "data");
        ReplicaOf(t, redis.Port);
        Wait.Until(() => tern.Server.Replication.Link?.LastError?.Contains("AUTH") == true, "the AUTH failure");
        Assert.Equal("down", Info(t)["master_link_status"]);
        Assert.Equal("data", t.Call("GET", "old").Text);
        Assert.Equal("+OK", t.Call("CONFIG", "SET", "masterauth", "secret").Text);
        WaitCaughtUp(p, t, seconds: 40);
        Assert.Equal("v", t.Call("GET", "k").Text);
    }

    [Fact]
    public void MasterUserWithAclRights()
    {
        using var redis = Primary();
        using var p = new RespClient(redis.Port);
        p.Call("ACL", "SETUSER", "repl", "on", ">replpw", "+psync", "+replconf", "+ping");
        p.Call("ACL", "SETUSER", "default", "off");
        using var tern = new TernHost("--masteruser", "repl", "--masterauth", "replpw");
        using var t = tern.Connect();
        ReplicaOf(t, redis.Port);
        Wait.Until(() => Info(t)["master_link_status"] == "up", "the link with an ACL user");
        Assert.Null(tern.Server.Replication.Link!.LastError);
    }

    [Fact]
    public void UnreachablePrimary()
    {
        using var tern = new TernHost();
        using var t = tern.Connect();
        t.Call("SET", "old", "data");
        int port = RedisServerProcess.FreePort();
        ReplicaOf(t, port);
        Wait.Until(() => tern.Server.Replication.Link?.LastError != null, "the connection to fail");
        var info = Info(t);
        Assert.Equal("slave", info["role"]);
        Assert.Equal("down", info["master_link_status"]);
        Assert.Equal("-1", info["master_last_io_seconds_ago"]);
        Assert.Equal("-1", info["master_link_down_since_seconds"]);
        Assert.Equal("0", info["master_sync_in_progress"]);
        Assert.Equal("0", info["slave_repl_offset"]);
        var role = t.Call("ROLE");
        Assert.Equal("slave", role.Items![0].Text);
        Assert.Equal(port.ToString(), role.Items[2].Text);
        Assert.Contains(role.Items[3].Text, new[] { "connect", "connecting" });
        Assert.Equal("-1", role.Items[4].Text);
        Assert.Equal("data", t.Call("GET", "old").Text);
        Assert.Equal("-READONLY You can't write against a read only replica.", t.Call("SET", "x", "1").Text);
        Assert.StartsWith("-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0", t.Call("WAIT", 1, 0).Text);
        // replica-serve-stale-data no: only "stale" commands run while the link is down.
        t.Call("CONFIG", "SET", "replica-serve-stale-data", "no");
        Assert.Equal("-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", t.Call("GET", "old").Text);
        Assert.StartsWith("-MASTERDOWN", t.Call("PING").Text);
        Assert.Equal("slave", Info(t)["role"]);
        Assert.Equal("+OK", t.Call("REPLICAOF", "NO", "ONE").Text);
        Assert.Equal("data", t.Call("GET", "old").Text);
    }

    [Fact]
    public void PrimaryRestartedEmptyGivesAFullSyncWithItsNewId()
    {
        using var redis = Primary();
        using var tern = new TernHost();
        using var t = tern.Connect();
        string firstId;
        using (var p = new RespClient(redis.Port))
        {
            p.Call("SET", "k", "v");
            ReplicaOf(t, redis.Port);
            WaitCaughtUp(p, t);
            firstId = Info(p)["master_replid"];
        }
        redis.Restart();
        using var p2 = new RespClient(redis.Port);
        p2.Call("SET", "new", "1");
        Wait.Until(() => Info(t)["master_replid"] != firstId && Info(t)["master_link_status"] == "up", "a full sync with the restarted primary");
        WaitCaughtUp(p2, t);
        Assert.Equal(Info(p2)["master_replid"], Info(t)["master_replid"]);
        Assert.True(t.Call("GET", "k").IsNull);
        Assert.Equal("1", t.Call("GET", "new").Text);
    }

    [Fact]
    public void SeedWalkthroughReplicatePromoteWrite()
    {
        using var redis = Primary();
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        Populate(p, bigBytes: 10_000);
        ReplicaOf(t, redis.Port);
        Assert.Equal("+OK Already connected to specified master", t.Call("REPLICAOF", "127.0.0.1", redis.Port).Text);
        WaitCaughtUp(p, t);
        for (int i = 0; i < 20; i++) p.Call("SET", "live" + i, i);
        WaitCaughtUp(p, t);

        var pi = Info(p);
        Assert.Equal("master", pi["role"]);
        Assert.Equal("1", pi["connected_slaves"]);
        Assert.Matches($"^ip=127.0.0.1,port={tern.Port},state=online,offset=\\d+,lag=\\d+$", pi["slave0"]);
        var ti = Info(t);
        Assert.Equal("slave", ti["role"]);
        Assert.Equal("127.0.0.1", ti["master_host"]);
        Assert.Equal(redis.Port.ToString(), ti["master_port"]);
        Assert.Equal("up", ti["master_link_status"]);
        Assert.Equal("0", ti["master_sync_in_progress"]);
        Assert.False(ti.ContainsKey("master_link_down_since_seconds"));
        Assert.Equal(ti["slave_repl_offset"], ti["master_repl_offset"]);
        Assert.Equal("100", ti["slave_priority"]);
        Assert.Equal("1", ti["slave_read_only"]);
        Assert.Equal("1", ti["replica_announced"]);
        Assert.Equal("0", ti["connected_slaves"]);
        Assert.Equal("no-failover", ti["master_failover_state"]);
        Assert.Equal(pi["master_replid"], ti["master_replid"]);
        string[] order = ["role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
            "master_sync_in_progress", "slave_read_repl_offset", "slave_repl_offset", "slave_priority", "slave_read_only",
            "replica_announced", "connected_slaves", "master_failover_state", "master_replid", "master_replid2",
            "master_repl_offset", "second_repl_offset", "repl_backlog_active", "repl_backlog_size",
            "repl_backlog_first_byte_offset", "repl_backlog_histlen"];
        Assert.Equal(order, ti.Keys.ToArray());

        var pr = p.Call("ROLE");
        Assert.Equal("master", pr.Items![0].Text);
        Assert.Equal(tern.Port.ToString(), pr.Items[2].Items![0].Items![1].Text);
        var tr = t.Call("ROLE");
        Assert.Equal($"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{redis.Port}\r\n$9\r\nconnected\r\n:{ti["slave_repl_offset"]}\r\n", tr.ToString());

        Assert.Equal("-READONLY You can't write against a read only replica.", t.Call("SET", "x", "1").Text);

        // Promotion: the primary's id becomes replid2, valid up to offset+1; a new id; the backlog stays.
        long offset = Num(ti, "master_repl_offset");
        Assert.Equal("+OK", t.Call("REPLICAOF", "NO", "ONE").Text);
        var promoted = Info(t);
        Assert.Equal("master", promoted["role"]);
        Assert.Equal(pi["master_replid"], promoted["master_replid2"]);
        Assert.Equal((offset + 1).ToString(), promoted["second_repl_offset"]);
        Assert.Equal(offset.ToString(), promoted["master_repl_offset"]);
        Assert.NotEqual(pi["master_replid"], promoted["master_replid"]);
        Assert.Matches("^[0-9a-f]{40}$", promoted["master_replid"]);
        Assert.Equal("1", promoted["repl_backlog_active"]);
        Assert.Equal($"*3\r\n$6\r\nmaster\r\n:{offset}\r\n*0\r\n", t.Call("ROLE").ToString());
        Assert.Equal("+OK", t.Call("REPLICAOF", "NO", "ONE").Text);
        Assert.Equal(promoted["master_replid"], Info(t)["master_replid"]);

        // Writes are accepted and counted in the offset, with a SELECT first.
        Assert.Equal("+OK", t.Call("SET", "x", "1").Text);
        Assert.Equal("1", t.Call("GET", "x").Text);
        Assert.Equal("3", t.Call("GET", "live3").Text);
        Assert.Equal(offset + 23 + 27, Num(Info(t), "master_repl_offset"));
        AssertSameData(p, DropKey(t, "x"));
    }

    private static RespClient DropKey(RespClient t, string key)
    {
        t.Call("DEL", key);
        return t;
    }

    [Fact]
    public void ReplicaOfArgumentsConfigAndSelf()
    {
        using var tern = new TernHost();
        using var t = tern.Connect();
        Assert.Equal("-ERR Invalid master port", t.Call("REPLICAOF", "127.0.0.1", "65536").Text);
        Assert.Equal("-ERR Invalid master port", t.Call("SLAVEOF", "127.0.0.1", "x").Text);
        Assert.Equal("-ERR Invalid master port", t.Call("REPLICAOF", "127.0.0.1", "-1").Text);
        Assert.StartsWith("-ERR Can't replicate from myself", t.Call("REPLICAOF", "127.0.0.1", tern.Port).Text);
        Assert.StartsWith("-ERR Can't replicate from myself", t.Call("REPLICAOF", "localhost", tern.Port).Text);
        Assert.Equal("+OK", t.Call("REPLICAOF", "no", "one").Text);
        var info = Info(t);
        Assert.Equal("master", info["role"]);
        Assert.Equal("0", info["master_repl_offset"]);
        Assert.Equal("-1", info["second_repl_offset"]);
        Assert.Equal("0", info["repl_backlog_active"]);
        Assert.Equal("0", info["repl_backlog_first_byte_offset"]);
        Assert.Equal($"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", t.Call("ROLE").ToString());
        Assert.Equal("*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n", t.Call("CONFIG", "GET", "replicaof").ToString());
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config",
            t.Call("CONFIG", "SET", "replicaof", "127.0.0.1 1").Text);
        t.Call("CONFIG", "SET", "repl-backlog-size", "1");
        Assert.Equal("16384", t.Call("CONFIG", "GET", "repl-backlog-size").Items![1].Text);
        Assert.Equal("+OK", t.Call("CONFIG", "SET", "repl-diskless-load", "swapdb").Text);
        Assert.Equal("10", t.Call("CONFIG", "GET", "repl-ping-slave-period").Items![1].Text);

        // replicaof at start-up, as --replicaof "host port" (the port is closed: the link just keeps trying).
        int closed = RedisServerProcess.FreePort();
        using var started = new TernHost("--replicaof", $"127.0.0.1 {closed}");
        using var s = started.Connect();
        Assert.Equal("slave", Info(s)["role"]);
        Assert.Equal($"127.0.0.1 {closed}", s.Call("CONFIG", "GET", "replicaof").Items![1].Text);
        // Started as a replica there is no cached history to offer: offsets show 1 (as Redis).
        Assert.Equal("1", Info(s)["slave_repl_offset"]);
    }

    [Fact]
    public void TransactionsReachTheBacklogContiguously()
    {
        // A promoted replica's backlog: concurrent MULTI/EXEC blocks and plain writes never interleave.
        using var redis = Primary();
        using var tern = new TernHost();
        using var p = new RespClient(redis.Port);
        using var t = tern.Connect();
        ReplicaOf(t, redis.Port);
        WaitCaughtUp(p, t);
        t.Call("REPLICAOF", "NO", "ONE");
        long start = Num(Info(t), "master_repl_offset") + 1;
        var threads = new List<Thread>();
        for (int n = 0; n < 4; n++)
        {
            int id = n;
            threads.Add(new Thread(() =>
            {
                using var c = tern.Connect();
                for (int i = 0; i < 100; i++)
                {
                    if (id % 2 == 0)
                    {
                        c.Call("MULTI");
                        c.Call("SET", $"a{id}:{i}", i);
                        c.Call("SELECT", 5);
                        c.Call("SET", $"b{id}:{i}", i);
                        c.Call("SELECT", 0);
                        c.Call("EXEC");
                    }
                    else
                    {
                        c.Call("SET", $"p{id}:{i}", i);
                    }
                }
            }));
        }
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        var bytes = tern.Server.Replication.Log.ReadFrom(start)!;
        var text = Encoding.Latin1.GetString(bytes);
        // Split into commands; inside MULTI .. EXEC only the transaction's own commands appear.
        var commands = Regex.Matches(text, @"\*(\d+)\r\n((?:\$\d+\r\n[^\r]*\r\n)+?)(?=\*|$)");
        bool inMulti = false;
        int blocks = 0;
        foreach (Match m in commands)
        {
            var name = m.Groups[2].Value.Split("\r\n")[1];
            var arg1 = m.Groups[2].Value.Split("\r\n").Length > 3 ? m.Groups[2].Value.Split("\r\n")[3] : "";
            if (name == "MULTI") { Assert.False(inMulti); inMulti = true; blocks++; }
            else if (name == "EXEC") { Assert.True(inMulti); inMulti = false; }
            else if (inMulti && name == "SET") Assert.Matches("^[ab][02]:", arg1);
        }
        Assert.Equal(200, blocks);
        Assert.Equal(Num(Info(t), "master_repl_offset") - start + 1, bytes.Length);
    }
}
