using System.Text;
using Tern.Server.Persistence;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// The forkless point-in-time snapshotter: whatever clients change after the cut, the file holds the keyspace as
/// it was at the cut.
/// </summary>
public sealed class SnapshotTests
{
    private static RdbLoadOutcome LoadInto(TernHost host, byte[] rdb)
    {
        var outcome = RdbLoading.LoadReplacing(host.Server, new MemoryStream(rdb), asReplica: false, rdb.Length);
        Assert.True(outcome.Result.Ok, outcome.Result.Error);
        return outcome;
    }

    [Fact]
    public void ChangesAfterTheCutAreNotInTheSnapshot()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        PersistenceData.FillAllTypes(c, big: false);
        for (int i = 0; i < 2000; i++) c.Call("SET", "plain:" + i, "value:" + i);
        string before = PersistenceData.Digest(c);
        var described = PersistenceData.Describe(c, encodings: false);

        var snap = Snapshotter.Begin(host.Server, new SnapshotOptions { OffsetAtCut = () => 4242, ReplId = new string('a', 40) });
        Assert.NotNull(snap);
        Assert.Equal(4242, snap!.Offset);
        // A second snapshot cannot begin while this one runs.
        Assert.Null(Snapshotter.Begin(host.Server, new SnapshotOptions()));
        // Every kind of change, through every locking path: single keys, multi-key commands, MULTI/EXEC,
        // whole-keyspace commands, lazy expiry, in several databases.
        c.Call("SET", "plain:1", "changed");
        c.Call("SET", "str:emb", "same-length");
        c.Call("SETRANGE", "str:raw", "0", "XYZ");
        c.Call("INCR", "int:small");
        c.Call("APPEND", "str:appended", "more");
        c.Call("DEL", "plain:2", "plain:3", "list:small");
        c.Call("RPUSH", "list:big", "new");
        c.Call("LPOP", "list:plain");
        c.Call("HSET", "hash:small", "f1", "other");
        c.Call("SADD", "set:int16", "99");
        c.Call("ZADD", "zset:small", "5", "a");
        c.Call("XADD", "stream:a", "*", "x", "y");
        c.Call("XACK", "stream:a", "g1", "1001-1");
        c.Call("PFADD", "hll:sparse", "zz");
        c.Call("RENAME", "plain:4", "plain:renamed");
        c.Call("MOVE", "plain:5", "3");
        c.Call("COPY", "plain:6", "plain:copy");
        c.Call("EXPIRE", "plain:7", "100");
        c.Call("PERSIST", "str:ttl");
        c.Call("MULTI");
        c.Call("SET", "plain:8", "tx");
        c.Call("DEL", "plain:9");
        c.Call("EXEC");
        var mset = new List<object> { "MSET" };
        for (int i = 100; i < 400; i++)
        {
            mset.Add("plain:" + i);
            mset.Add("mset");
        }
        c.Call([.. mset]);
        c.Call("SELECT", "7");
        c.Call("FLUSHDB");
        c.Call("SELECT", "0");
        c.Call("SWAPDB", "0", "1");
        c.Call("FLUSHALL");
        c.Call("SET", "after", "flushall");

        var ms = new MemoryStream();
        var result = snap.WriteTo(ms);
        Assert.True(result.Ok, result.Error);
        Assert.Equal(4242, result.Offset);
        Assert.True(result.PeakExtraBytes > 0);

        using var target = new TernHost();
        using var tc = target.Connect();
        var outcome = LoadInto(target, ms.ToArray());
        Assert.Equal("4242", Encoding.ASCII.GetString(outcome.Aux["repl-offset"]));
        Assert.Equal(new string('a', 40), Encoding.ASCII.GetString(outcome.Aux["repl-id"]));
        Assert.Equal(before, PersistenceData.Digest(tc));
        PersistenceData.AssertSame(described, PersistenceData.Describe(tc, encodings: false));
        // The live server has its own, changed data; the next snapshot may begin.
        Assert.Equal("flushall", c.Call("GET", "after").Text);
        var next = Snapshotter.Begin(host.Server, new SnapshotOptions());
        Assert.NotNull(next);
        Assert.True(next!.WriteTo(Stream.Null).Ok);
    }

    [Fact]
    public void ActiveExpiryDuringTheSnapshotDoesNotLoseKeys()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        c.Call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        for (int i = 0; i < 300; i++) c.Call("SET", "k" + i, "v", "PX", "300");
        c.Call("SET", "stays", "1");
        var snap = Snapshotter.Begin(host.Server, new SnapshotOptions())!;
        // Not through DEBUG: it locks every shard for writing, which would serialize them all at once.
        host.Server.Keyspace.ActiveExpireEnabled = true;
        // Let the keys expire and the active cycle reap them while the snapshot is pending.
        Wait.Until(() => c.Call("DBSIZE").Integer == 1, TimeSpan.FromSeconds(20), "active expiry");
        var ms = new MemoryStream();
        Assert.True(snap.WriteTo(ms).Ok);
        // The file has all 301 keys (written with their TTLs, as Redis 7.0 writes keys past their TTL).
        using var target = new TernHost();
        var outcome = RdbLoading.LoadReplacing(target.Server, new MemoryStream(ms.ToArray()), asReplica: true);
        Assert.True(outcome.Result.Ok, outcome.Result.Error);
        Assert.Equal(301, outcome.KeysLoaded);
    }

    [Fact]
    public void BgsaveIsAPointInTimeUnderConcurrentTransactions()
    {
        using var host = new TernHost();
        using (var c = host.Connect())
        {
            // Enough data that the background save takes a while.
            c.Call("DEBUG", "POPULATE", "200000", "filler", "64");
            for (int i = 0; i < 500; i++) c.Call("MSET", "a:" + i, "0", "b:" + i, "0");
        }
        using var stop = new CancellationTokenSource();
        long transactions = 0, failures = 0;
        var writers = new List<Thread>();
        for (int w = 0; w < 3; w++)
        {
            int seed = w;
            var t = new Thread(() =>
            {
                using var wc = host.Connect();
                var rng = new Random(seed);
                long n = 0;
                while (!stop.IsCancellationRequested)
                {
                    int i = rng.Next(500);
                    string v = $"{seed}:{n++}";
                    wc.Send("MULTI");
                    wc.Send("SET", "a:" + i, v);
                    wc.Send("SET", "b:" + i, v);
                    wc.Send("EXEC");
                    wc.Read();
                    wc.Read();
                    wc.Read();
                    if (wc.Read().Type != '*') Interlocked.Increment(ref failures);
                    Interlocked.Increment(ref transactions);
                }
            });
            t.Start();
            writers.Add(t);
        }
        using var admin = host.Connect();
        Wait.Until(() => Interlocked.Read(ref transactions) > 200, "writers running");
        long atStart = Interlocked.Read(ref transactions);
        Assert.Equal("+Background saving started", admin.Call("BGSAVE").Text);
        Assert.Equal("-ERR Background save already in progress", admin.Call("BGSAVE").Text);
        Wait.Until(() => Info(admin, "rdb_bgsave_in_progress") == "0", TimeSpan.FromSeconds(120), "BGSAVE to end");
        long atEnd = Interlocked.Read(ref transactions);
        stop.Cancel();
        foreach (var t in writers) t.Join();
        Assert.Equal(0, Interlocked.Read(ref failures));
        Assert.Equal("ok", Info(admin, "rdb_last_bgsave_status"));
        Assert.True(atEnd > atStart, "writers made progress during the save");

        var rdb = File.ReadAllBytes(Path.Combine(host.Dir, "dump.rdb"));
        using var target = new TernHost();
        using var tc = target.Connect();
        var outcome = LoadInto(target, rdb);
        Assert.Equal(201000, outcome.KeysLoaded);
        // No transaction is half in the snapshot.
        for (int i = 0; i < 500; i++)
        {
            var a = tc.Call("GET", "a:" + i).Text;
            var b = tc.Call("GET", "b:" + i).Text;
            Assert.True(a == b, $"pair {i}: a={a} b={b}");
        }
        long cow = long.Parse(Info(admin, "rdb_last_cow_size"));
        Assert.True(cow > 0 && cow < rdb.Length, $"extra memory {cow} for a file of {rdb.Length}");
    }

    [Fact]
    public void DebugReloadDuringABgsaveWaitsForItAndBothSucceed()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        c.Call("DEBUG", "POPULATE", "200000", "k", "32");
        string digest = PersistenceData.Digest(c);
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal("+Background saving started", c.Call("BGSAVE").Text);
            // DEBUG holds every shard lock while it waits for the background save: no deadlock.
            Assert.Equal("+OK", c.Call("DEBUG", "RELOAD").Text);
            Assert.Equal(digest, PersistenceData.Digest(c));
        }
        Wait.Until(() => Info(c, "rdb_bgsave_in_progress") == "0", "BGSAVE");
        Assert.Equal("ok", Info(c, "rdb_last_bgsave_status"));
    }

    internal static string Info(RespClient c, string field)
    {
        var text = c.Call("INFO", "persistence").Text!;
        foreach (var line in text.Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        throw new InvalidOperationException($"no INFO field {field}");
    }
}
