using System.Diagnostics;
using System.Text;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// RDB files between Tern and a real redis-server 7.0: Redis's files load into Tern with the same dataset, Tern's
/// files pass redis-check-rdb and load into Redis, corrupt files are refused with the data kept, and the
/// commands (SAVE, BGSAVE, LASTSAVE, DEBUG RELOAD, SHUTDOWN, save points) behave as Redis's.
/// </summary>
public sealed class PersistenceTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("tern-rdb-").FullName;

    /// <summary>Redis fills every type, SAVEs, and reloads itself (so encodings are "as loaded"); returns its file.</summary>
    private static (string Path, string Digest, SortedDictionary<string, string> Described) RedisFixture(bool big = true)
    {
        using var redis = new RedisServerProcess();
        using var c = new RespClient(redis.Port);
        PersistenceData.FillAllTypes(c, big);
        Assert.Equal("+OK", c.Call("SAVE").Text);
        Assert.Equal("+OK", c.Call("DEBUG", "RELOAD", "NOSAVE").Text);
        string digest = PersistenceData.Digest(c);
        var described = PersistenceData.Describe(c);
        string dir = TempDir();
        string path = Path.Combine(dir, "redis.rdb");
        File.Copy(Path.Combine(redis.Dir, "dump.rdb"), path);
        return (path, digest, described);
    }

    private static (int Code, string Output) CheckRdb(string path)
    {
        var psi = new ProcessStartInfo("redis-check-rdb", path) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [Fact]
    public void ARedisFileLoadsAtStartWithTheSameDataset()
    {
        var (path, digest, described) = RedisFixture();
        using var tern = new TernHost("--dir", Path.GetDirectoryName(path)!, "--dbfilename", "redis.rdb");
        using var c = tern.Connect();
        Assert.Equal(digest, PersistenceData.Digest(c));
        PersistenceData.AssertSame(described, PersistenceData.Describe(c));
        Assert.Equal("0", SnapshotTests.Info(c, "loading"));
        Assert.True(long.Parse(SnapshotTests.Info(c, "rdb_last_load_keys_loaded")) > 0);
        Assert.Equal("0", SnapshotTests.Info(c, "rdb_changes_since_last_save"));
    }

    [Fact]
    public void TernsFileIsAcceptedByRedisCheckRdbAndLoadsIntoRedis()
    {
        using var tern = new TernHost();
        using var c = tern.Connect();
        PersistenceData.FillAllTypes(c);
        Assert.Equal("+OK", c.Call("SAVE").Text);
        string digest = PersistenceData.Digest(c);
        string file = Path.Combine(tern.Dir, "dump.rdb");
        var (code, output) = CheckRdb(file);
        Assert.True(code == 0, output);
        Assert.Contains("RDB looks OK", output);
        using var redis = new RedisServerProcess("--dir", tern.Dir, "--dbfilename", "dump.rdb");
        using var rc = new RespClient(redis.Port);
        Assert.Equal(digest, PersistenceData.Digest(rc));
        PersistenceData.AssertSame(PersistenceData.Describe(c, encodings: false), PersistenceData.Describe(rc, encodings: false));
    }

    [Fact]
    public void RedisToTernToRedisKeepsTheDigest()
    {
        var (path, digest, _) = RedisFixture();
        string dir = Path.GetDirectoryName(path)!;
        using (var tern = new TernHost("--dir", dir, "--dbfilename", "redis.rdb", "--enable-protected-configs", "yes"))
        using (var c = tern.Connect())
        {
            Assert.Equal("+OK", c.Call("CONFIG", "SET", "dbfilename", "tern.rdb").Text);
            Assert.Equal("+OK", c.Call("SAVE").Text);
        }
        Assert.True(CheckRdb(Path.Combine(dir, "tern.rdb")).Code == 0);
        using var redis = new RedisServerProcess("--dir", dir, "--dbfilename", "tern.rdb");
        using var rc = new RespClient(redis.Port);
        Assert.Equal(digest, PersistenceData.Digest(rc));
    }

    [Fact]
    public void SaveBgsaveLastsaveAndTheirErrors()
    {
        var d = new RedisServerProcess();
        using var tern = new TernHost();
        try
        {
            using var rc = new RespClient(d.Port);
            using var tc = tern.Connect();
            foreach (var args in new[] { new object[] { "BGSAVE", "foo" }, ["BGSAVE", "SCHEDULE", "x"], ["SAVE", "x"], ["LASTSAVE", "x"], ["DEBUG", "RELOAD", "BAD"] })
                Assert.Equal(rc.Call(args).Text, tc.Call(args).Text);
            long before = tc.Call("LASTSAVE").Integer;
            Assert.InRange(before, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            tc.Call("SET", "a", "1");
            Assert.Equal("1", SnapshotTests.Info(tc, "rdb_changes_since_last_save"));
            Assert.Equal("+OK", tc.Call("SAVE").Text);
            Assert.Equal("0", SnapshotTests.Info(tc, "rdb_changes_since_last_save"));
            Assert.Equal("1", SnapshotTests.Info(tc, "rdb_saves"));
            Assert.Equal("+Background saving started", tc.Call("BGSAVE", "schedule").Text);
            Wait.Until(() => SnapshotTests.Info(tc, "rdb_bgsave_in_progress") == "0", "BGSAVE");
            Assert.Equal("ok", SnapshotTests.Info(tc, "rdb_last_bgsave_status"));
            Assert.Equal("2", SnapshotTests.Info(tc, "rdb_saves"));
            Assert.Equal("-1", SnapshotTests.Info(tc, "rdb_current_bgsave_time_sec"));
            Assert.NotEqual("-1", SnapshotTests.Info(tc, "rdb_last_bgsave_time_sec"));
            // Inside MULTI a BGSAVE is scheduled, as in Redis; the cron then runs it.
            Assert.Equal("+OK", tc.Call("MULTI").Text);
            tc.Call("BGSAVE");
            var exec = tc.Call("EXEC");
            rc.Call("MULTI");
            rc.Call("BGSAVE");
            Assert.Equal(rc.Call("EXEC").ToString(), exec.ToString());
            Assert.Equal("+Background saving scheduled", exec.Items![0].Text);
            Wait.Until(() => SnapshotTests.Info(tc, "rdb_saves") == "3" && SnapshotTests.Info(tc, "rdb_bgsave_in_progress") == "0", "scheduled BGSAVE");
            Assert.Equal("0", SnapshotTests.Info(tc, "rdb_changes_since_last_save"));
            Assert.True(File.Exists(Path.Combine(tern.Dir, "dump.rdb")));
            Assert.Empty(Directory.GetFiles(tern.Dir, "temp-*.rdb"));
            // dbfilename is a file name, never a path.
            Assert.Equal(rc.Call("CONFIG", "SET", "dbfilename", "a/b.rdb").Text, tc.Call("CONFIG", "SET", "dbfilename", "a/b.rdb").Text);
            Assert.Equal(rc.Call("CONFIG", "GET", "rdbcompression").ToString(), tc.Call("CONFIG", "GET", "rdbcompression").ToString());
            Assert.Equal(rc.Call("CONFIG", "SET", "rdbchecksum", "no").Text, tc.Call("CONFIG", "SET", "rdbchecksum", "no").Text);
        }
        finally
        {
            d.Dispose();
        }
    }

    [Fact]
    public void InfoPersistenceHasRedissFieldsInRedissOrder()
    {
        using var redis = new RedisServerProcess();
        using var tern = new TernHost();
        using var rc = new RespClient(redis.Port);
        using var tc = tern.Connect();
        static List<string> Names(RespClient c) =>
            [.. c.Call("INFO", "persistence").Text!.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[0])];
        Assert.Equal(Names(rc), Names(tc));
    }

    [Fact]
    public void DebugReloadKeepsTheDatasetAndNosaveReadsTheFile()
    {
        using var tern = new TernHost();
        using var c = tern.Connect();
        PersistenceData.FillAllTypes(c, big: false);
        string digest = PersistenceData.Digest(c);
        Assert.Equal("+OK", c.Call("DEBUG", "RELOAD").Text);
        Assert.Equal(digest, PersistenceData.Digest(c));
        c.Call("SET", "extra", "1");
        Assert.Equal("+OK", c.Call("DEBUG", "RELOAD", "NOSAVE").Text);
        Assert.Equal(digest, PersistenceData.Digest(c));
        // NOFLUSH: a duplicate without MERGE is refused (Redis would die), with MERGE the file's value wins.
        c.Call("SET", "int:small", "changed");
        c.Call("SET", "only-in-memory", "1");
        Assert.Equal("-ERR Error trying to load the RDB dump", c.Call("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH").Text);
        Assert.Equal("changed", c.Call("GET", "int:small").Text);
        Assert.Equal("+OK", c.Call("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE").Text);
        Assert.Equal("12", c.Call("GET", "int:small").Text);
        Assert.Equal("1", c.Call("GET", "only-in-memory").Text);
    }

    [Fact]
    public void CorruptFilesAreRefusedAndTheDataIsKept()
    {
        using var source = new TernHost();
        using (var sc = source.Connect())
        {
            PersistenceData.FillAllTypes(sc, big: false);
            Assert.Equal("+OK", sc.Call("SAVE").Text);
        }
        var good = File.ReadAllBytes(Path.Combine(source.Dir, "dump.rdb"));
        using var tern = new TernHost();
        using var c = tern.Connect();
        c.Call("SET", "mine", "kept");
        c.Call("RPUSH", "list", "a", "b");
        string digest = PersistenceData.Digest(c);
        string file = Path.Combine(tern.Dir, "dump.rdb");

        var cases = new List<(string Name, byte[] Bytes)>();
        // Truncations at section boundaries: in the magic, after it, in the AUX fields, in the middle of the
        // keys, right before the EOF opcode, before and inside the checksum.
        foreach (int cut in new[] { 0, 4, 9, 12, 40, good.Length / 3, good.Length / 2, good.Length - 9, good.Length - 8, good.Length - 1 })
            cases.Add(($"truncated at {cut}", good[..cut]));
        var crc = (byte[])good.Clone();
        crc[^1] ^= 0xFF;
        cases.Add(("wrong CRC", crc));
        var flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x5A;
        cases.Add(("flipped byte", flipped));
        var v13 = (byte[])good.Clone();
        Encoding.ASCII.GetBytes("REDIS0013").CopyTo(v13, 0);
        cases.Add(("version 13", v13));
        cases.Add(("not an RDB", Encoding.ASCII.GetBytes("hello world, not a dump")));
        foreach (var (name, bytes) in cases)
        {
            File.WriteAllBytes(file, bytes);
            var r = c.Call("DEBUG", "RELOAD", "NOSAVE");
            Assert.True(r.Text == "-ERR Error trying to load the RDB dump", $"{name}: {r.Text}");
            Assert.True(digest == PersistenceData.Digest(c), name);
            Assert.Equal("kept", c.Call("GET", "mine").Text);
        }
        // The good file still loads afterwards.
        File.WriteAllBytes(file, good);
        Assert.Equal("+OK", c.Call("DEBUG", "RELOAD", "NOSAVE").Text);
        Assert.Null(c.Call("GET", "mine").Text);
    }

    [Fact]
    public void ADuplicateKeyDeepInTheFileFailsTheLoadWithItsNameAndKeepsTheData()
    {
        // Enough keys of every kind that the duplicate is found by the loader's inserting thread, many batches in.
        var ms = new MemoryStream();
        using (var w = new Tern.Rdb.RdbWriter(ms))
        {
            w.WriteHeader();
            w.WriteSelectDb(0);
            for (int i = 0; i < 5000; i++)
            {
                byte[] key = Encoding.ASCII.GetBytes($"k{i}");
                Tern.Rdb.RdbValue v = (i % 4) switch
                {
                    0 => new Tern.Rdb.RdbString(Encoding.ASCII.GetBytes($"v{i}")),
                    1 => new Tern.Rdb.RdbList([Encoding.ASCII.GetBytes("a"), Encoding.ASCII.GetBytes("b")]),
                    2 => new Tern.Rdb.RdbHash([new(Encoding.ASCII.GetBytes("f"), Encoding.ASCII.GetBytes("1"), 0)]),
                    _ => new Tern.Rdb.RdbZSet([new(Encoding.ASCII.GetBytes("m"), 1.5)]),
                };
                w.WriteKey(key, v);
            }
            w.WriteKey(Encoding.ASCII.GetBytes("k3001"), new Tern.Rdb.RdbString(Encoding.ASCII.GetBytes("again")));
            w.WriteKey(Encoding.ASCII.GetBytes("after"), new Tern.Rdb.RdbString(Encoding.ASCII.GetBytes("x")));
            w.WriteEnd();
        }
        using var tern = new TernHost();
        using var c = tern.Connect();
        c.Call("SET", "mine", "kept");
        var outcome = Tern.Server.Persistence.RdbLoading.LoadReplacing(tern.Server, new MemoryStream(ms.ToArray()), false);
        Assert.False(outcome.Result.Ok);
        Assert.Contains("duplicate key at offset", outcome.Result.Error);
        Assert.Contains("key 'k3001', string", outcome.Result.Error);
        Assert.Equal("kept", c.Call("GET", "mine").Text);
        Assert.Equal("1", c.Call("DBSIZE").Text);
    }

    /// <summary>Serves the first <c>stopAt</c> bytes, then waits until released (a load in progress).</summary>
    private sealed class GatedStream(byte[] data, int stopAt) : Stream
    {
        private int _pos;
        public readonly ManualResetEventSlim Release = new(false);
        public volatile bool Blocked;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_pos >= stopAt && !Release.IsSet)
            {
                Blocked = true;
                Release.Wait();
            }
            int limit = Release.IsSet ? data.Length : stopAt;
            int n = Math.Min(count, limit - _pos);
            if (n <= 0) return 0;
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task WhileLoadingCommandsWaitAndInfoShowsTheProgress()
    {
        using var source = new TernHost();
        using (var sc = source.Connect())
        {
            PersistenceData.FillAllTypes(sc);
            Assert.Equal("+OK", sc.Call("SAVE").Text);
        }
        var bytes = File.ReadAllBytes(Path.Combine(source.Dir, "dump.rdb"));
        using var tern = new TernHost();
        using var c = tern.Connect();
        var gate = new GatedStream(bytes, bytes.Length / 2);
        var load = Task.Run(() => Tern.Server.Persistence.RdbLoading.LoadReplacing(tern.Server, gate, false, bytes.Length));
        Wait.Until(() => gate.Blocked, "the load to be half way");
        Assert.Equal("-LOADING Redis is loading the dataset in memory", c.Call("GET", "x").Text);
        Assert.Equal("1", SnapshotTests.Info(c, "loading"));
        Assert.Equal(bytes.Length.ToString(), SnapshotTests.Info(c, "loading_total_bytes"));
        long loaded = long.Parse(SnapshotTests.Info(c, "loading_loaded_bytes"));
        Assert.InRange(loaded, 1, bytes.Length);
        double perc = double.Parse(SnapshotTests.Info(c, "loading_loaded_perc"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(perc, 0.01, 100);
        Assert.True(long.Parse(SnapshotTests.Info(c, "loading_rdb_used_mem")) > 0);
        Assert.InRange(long.Parse(SnapshotTests.Info(c, "loading_start_time")), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        SnapshotTests.Info(c, "loading_eta_seconds");
        gate.Release.Set();
        var outcome = await load;
        Assert.True(outcome.Result.Ok, outcome.Result.Error);
        Assert.Equal("0", SnapshotTests.Info(c, "loading"));
        Assert.Equal("12", c.Call("GET", "int:small").Text);
    }

    [Fact]
    public void ACorruptFileAtStartStopsTheServerWithAClearError()
    {
        string dir = TempDir();
        File.WriteAllBytes(Path.Combine(dir, "dump.rdb"), Encoding.ASCII.GetBytes("REDIS0013\xff"));
        var e = Assert.Throws<InvalidOperationException>(() => new TernHost("--dir", dir));
        Assert.Contains("Fatal error loading the DB", e.Message);
        Assert.Contains("13", e.Message);
    }

    [Fact]
    public void ShutdownWithSavePointsWritesTheFile()
    {
        string dir = TempDir();
        var tern = new TernHost("--dir", dir, "--save", "3600 1");
        using (var c = tern.Connect())
        {
            c.Call("SET", "k", "v");
            c.Call("HSET", "h", "f", "v");
            c.Send("SHUTDOWN");
            Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(30)));
        }
        tern.Dispose();
        Assert.True(File.Exists(Path.Combine(dir, "dump.rdb")));
        using var again = new TernHost("--dir", dir);
        using var c2 = again.Connect();
        Assert.Equal("v", c2.Call("GET", "k").Text);
        Assert.Equal("v", c2.Call("HGET", "h", "f").Text);
        // NOSAVE skips the save even with save points.
        c2.Call("SET", "k", "changed");
        c2.Send("SHUTDOWN", "NOSAVE");
        Assert.True(c2.IsClosedByServer(TimeSpan.FromSeconds(30)));
        using var third = new TernHost("--dir", dir);
        using var c3 = third.Connect();
        Assert.Equal("v", c3.Call("GET", "k").Text);
    }

    [Fact]
    public void ASavePointTriggersABackgroundSave()
    {
        using var tern = new TernHost("--save", "1 2");
        using var c = tern.Connect();
        c.Call("SET", "a", "1");
        c.Call("SET", "b", "2");
        Wait.Until(() => File.Exists(Path.Combine(tern.Dir, "dump.rdb")) && SnapshotTests.Info(c, "rdb_changes_since_last_save") == "0",
            TimeSpan.FromSeconds(30), "the save point to save");
        Assert.Equal("1", SnapshotTests.Info(c, "rdb_saves"));
    }

    [Fact]
    public void FunctionLibrariesAndLuaAuxAreWrittenBackUnchanged()
    {
        // Redis writes a library with FUNCTION LOAD; Tern loads the file (it has no FUNCTION command yet) and
        // writes the library back; Redis then loads Tern's file and lists the same library.
        const string lib = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)";
        string dir = TempDir();
        using (var redis = new RedisServerProcess())
        using (var rc = new RespClient(redis.Port))
        {
            Assert.Equal("mylib", rc.Call("FUNCTION", "LOAD", lib).Text);
            rc.Call("SET", "k", "v");
            Assert.Equal("+OK", rc.Call("SAVE").Text);
            File.Copy(Path.Combine(redis.Dir, "dump.rdb"), Path.Combine(dir, "dump.rdb"));
        }
        using (var tern = new TernHost("--dir", dir))
        using (var tc = tern.Connect())
        {
            Assert.Single(tern.Server.Persistence.Functions);
            Assert.Equal(lib, Encoding.UTF8.GetString(tern.Server.Persistence.Functions[0]));
            Assert.Equal("+OK", tc.Call("SAVE").Text);
        }
        using var again = new RedisServerProcess("--dir", dir, "--dbfilename", "dump.rdb");
        using var c = new RespClient(again.Port);
        Assert.Equal("v", c.Call("GET", "k").Text);
        Assert.Equal("v1", c.Call("FCALL", "myfunc", "0", "v1").Text);
    }
}

/// <summary>
/// The shared fixtures written by Redis 2.6 to 7.4 (../shared/fixtures/rdb): each loads into the server (or is
/// refused with a clear error, the data kept), and Tern's rewrite of it passes redis-check-rdb and loads into
/// redis-server 7.0 with the same digest.
/// </summary>
public sealed class RdbFixtureTests
{
    private static readonly string FixtureDir = Path.Combine(FindShared(), "fixtures", "rdb");

    private static string FindShared()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "fixtures"))) return candidate;
        }
        return "/work/shared";
    }

    [Theory]
    [InlineData("redis-encodings.rdb")]
    [InlineData("redis-hash-zipmap.rdb")]
    [InlineData("redis-hash-ziplist.rdb")]
    [InlineData("redis-zset-ziplist.rdb")]
    [InlineData("redis-list-quicklist.rdb")]
    [InlineData("redis-scriptbackup.rdb")]
    [InlineData("redis-corrupt_empty_keys.rdb")]
    [InlineData("dragonfly-redis6_small.rdb")]
    [InlineData("dragonfly-redis6_stream.rdb")]
    [InlineData("dragonfly-hll.rdb")]
    [InlineData("dragonfly-empty.rdb")]
    [InlineData("dragonfly-RDB_TYPE_STREAM_LISTPACKS_2.rdb")]
    [InlineData("dragonfly-redis7_small.rdb")]
    [InlineData("dragonfly-ignore_expiry.rdb")]
    [InlineData("dragonfly-RDB_TYPE_STREAM_LISTPACKS_3.rdb")]
    public void LoadsAndRoundTripsThroughRedis(string fixture)
    {
        using var tern = new TernHost();
        using var c = tern.Connect();
        File.Copy(Path.Combine(FixtureDir, fixture), Path.Combine(tern.Dir, "dump.rdb"));
        Assert.Equal("+OK", c.Call("DEBUG", "RELOAD", "NOSAVE").Text);
        string digest = PersistenceData.Digest(c);
        Assert.Equal("+OK", c.Call("SAVE").Text);
        var psi = new ProcessStartInfo("redis-check-rdb", Path.Combine(tern.Dir, "dump.rdb")) { RedirectStandardOutput = true };
        using (var p = Process.Start(psi)!)
        {
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, output);
        }
        using var redis = new RedisServerProcess("--dir", tern.Dir, "--dbfilename", "dump.rdb");
        using var rc = new RespClient(redis.Port);
        Assert.Equal(digest, PersistenceData.Digest(rc));
        Assert.Equal(PersistenceData.Describe(c, encodings: false).Count, PersistenceData.Describe(rc, encodings: false).Count);
    }

    [Theory]
    [InlineData("redis-corrupt_ziplist.rdb")]
    [InlineData("dragonfly-redis_json.rdb")]
    public void RefusedWithTheDataKept(string fixture)
    {
        using var tern = new TernHost();
        using var c = tern.Connect();
        c.Call("SET", "mine", "kept");
        File.Copy(Path.Combine(FixtureDir, fixture), Path.Combine(tern.Dir, "dump.rdb"));
        Assert.Equal("-ERR Error trying to load the RDB dump", c.Call("DEBUG", "RELOAD", "NOSAVE").Text);
        Assert.Equal("kept", c.Call("GET", "mine").Text);
        // At start-up the same file stops the server with the reason.
        var e = Assert.Throws<InvalidOperationException>(() => new TernHost("--dir", tern.Dir));
        Assert.Contains("Fatal error loading the DB", e.Message);
    }
}
