using Tern.Rdb;
using static Tern.Unit.Tests.Rdb.RecordingSink;

namespace Tern.Unit.Tests.Rdb;

/// <summary>
/// RDB files written by real servers (Fixtures/Rdb/README.md tells their provenance): each loads with the dataset
/// the origin projects' tests expect, or is refused with a clear error.
/// </summary>
public class RdbFixtureTests
{
    internal static (RdbReadResult Result, RecordingSink Sink) Load(string name, RdbReaderOptions? options = null, int chunk = 0)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Rdb", name));
        var sink = new RecordingSink();
        Stream s = chunk > 0 ? new TrickleStream(bytes, chunk) : new MemoryStream(bytes);
        var r = new RdbReader(s, options);
        var res = r.Read(sink);
        return (res, sink);
    }

    private static (RdbReadResult Result, RecordingSink Sink) LoadOk(string name, int version)
    {
        var (res, sink) = Load(name);
        Assert.True(res.Ok, res.Describe());
        Assert.Equal(version, sink.Version);
        Assert.NotNull(sink.EndChecksum);
        // The same file read through a socket-like stream (tiny reads) gives the same records.
        var (res2, sink2) = Load(name, chunk: 7);
        Assert.True(res2.Ok, res2.Describe());
        Assert.Equal(sink.Dump(), sink2.Dump());
        return (res, sink);
    }

    [Fact]
    public void Encodings_v4_all_old_encodings()
    {
        var (_, s) = LoadOk("redis-encodings.rdb", 4);
        Assert.Equal(13, s.Keys.Count);
        Assert.Equal("zset:{a=1,b=2,c=3,aa=10,bb=20,cc=30,aaa=100,bbb=200,ccc=300,aaaa=1000,cccc=123456789,bbbb=5000000000}", Show(s.Get("zset")));
        Assert.Equal("set:{1,2,3,4}", Show(s.Get("set_zipped_1")));
        Assert.Equal("set:{100000,200000,300000,400000}", Show(s.Get("set_zipped_2")));
        Assert.Equal("set:{1000000000,2000000000,3000000000,4000000000,5000000000,6000000000}", Show(s.Get("set_zipped_3")));
        Assert.Equal("set:{1,100000,2,3,6000000000,a,b,c}", Show(s.Get("set")));
        Assert.Equal("list:[1,2,3,a,b,c,100000,6000000000]", Show(s.Get("list_zipped")));
        Assert.Equal("list:[" + string.Join(",", Enumerable.Repeat("1,2,3,a,b,c,100000,6000000000", 3)) + "]", Show(s.Get("list")));
        Assert.Equal("string:Hello World", Show(s.Get("string")));
        Assert.Equal("string:" + new string('a', 137), Show(s.Get("compressible")));
        Assert.Equal("string:10", Show(s.Get("number")));
        Assert.Equal("hash:{a=1,b=2,c=3}", Show(s.Get("hash_zipped")));
        Assert.Equal("zset:{a=1,b=2,c=3}", Show(s.Get("zset_zipped")));
        Assert.Equal("hash:{a=1,aa=10,aaa=100,b=2,bb=20,bbb=200,c=3,cc=30,ccc=300,ddd=400,eee=5000000000}", Show(s.Get("hash")));
        Assert.Equal(0UL, s.EndChecksum); // no checksum before version 5
    }

    [Fact]
    public void Zipmap_hash_v3()
    {
        var (_, s) = LoadOk("redis-hash-zipmap.rdb", 3);
        Assert.Single(s.Keys);
        Assert.Equal("hash:{f1=v1,f2=v2}", Show(s.Get("hash")));
    }

    [Fact]
    public void Ziplist_hash_v9()
    {
        var (_, s) = LoadOk("redis-hash-ziplist.rdb", 9);
        Assert.Single(s.Keys);
        Assert.Equal("hash:{f1=v1,f2=v2}", Show(s.Get("hash")));
    }

    [Fact]
    public void Ziplist_zset_v10()
    {
        var (_, s) = LoadOk("redis-zset-ziplist.rdb", 10);
        Assert.Single(s.Keys);
        Assert.Equal("zset:{one=1,two=2}", Show(s.Get("zset")));
    }

    [Fact]
    public void Quicklist_v8()
    {
        var (_, s) = LoadOk("redis-list-quicklist.rdb", 8);
        Assert.Equal(2, s.Keys.Count);
        Assert.Equal("list:[7]", Show(s.Get("list")));
        Assert.Equal("string:7", Show(s.Get("x")));
    }

    [Fact]
    public void Script_backup_lua_aux()
    {
        var (_, s) = LoadOk("redis-scriptbackup.rdb", 10);
        Assert.Empty(s.Keys);
        Assert.Contains(("lua", "return redis.call('set', 'foo', 'bar')"), s.Aux);
        Assert.Contains(("repl-id", "349eeafec1f98f3f56277e95fc86bc48b30651a2"), s.Aux);
        Assert.Contains(("repl-offset", "0"), s.Aux);
    }

    [Fact]
    public void Corrupt_ziplist_is_refused_naming_the_key()
    {
        var (res, s) = Load("redis-corrupt_ziplist.rdb");
        Assert.False(res.Ok);
        Assert.Contains("Ziplist integrity check failed", res.Error);
        Assert.Equal("key:000000000091", S(res.Key!));
        Assert.Equal(RdbFormat.TypeHashZiplist, res.Type);
        Assert.Equal(0, res.Db);
        Assert.True(res.Offset > 0);
        Assert.Contains("at offset " + res.Offset, res.Describe());
        Assert.Contains("key 'key:000000000091'", res.Describe());
        Assert.Null(s.EndChecksum);
    }

    [Fact]
    public void Corrupt_empty_keys_are_all_skipped()
    {
        // Redis loads it with "empty keys skipped: 9" and an empty dataset.
        var (_, s) = LoadOk("redis-corrupt_empty_keys.rdb", 10);
        Assert.Empty(s.Keys);
    }

    [Fact]
    public void Redis6_small()
    {
        var (_, s) = LoadOk("dragonfly-redis6_small.rdb", 9);
        Assert.Equal(20, s.Keys.Count);
        Assert.Equal(["return 5", "return redis.call('get', 'foo')"], s.Aux.Where(a => a.Name == "lua").Select(a => a.Value));
        Assert.Equal("string:abcdefghjjjjjjjjjj", Show(s.Get("strkey")));
        Assert.Equal("set:{a,b,c}", Show(s.Get("set1")));
        Assert.Equal(1747008000000, s.KeyOf("set1").ExpireAtMs);
        Assert.Equal("zset:{a=1,b=2,c=3,d=4}", Show(s.Get("zset_zl")));
        Assert.Equal("list:[1,2,3]", Show(s.Get("list1")));
        Assert.Equal("hash:{a=1,b=2,c=3,d=4,e=" + new string('a', 20) + "}", Show(s.Get("hset_zl")));
        Assert.Equal("set:{111,1234,222,3333,4444,67899,76554}", Show(s.Get("intset")));
        Assert.Equal("string:1234567", Show(s.Get("intkey")));
        Assert.Equal(1747008000000, s.KeyOf("list2").ExpireAtMs);
        Assert.False(s.KeyOf("intkey").HasExpire);
        for (int i = 0; i < 10; i++)
            Assert.StartsWith("string:value:" + i, Show(s.Get("longggggggggggggggkeyyyyyyyyyyyyy:" + i, db: 1)));
        Assert.Equal([0, 1], s.SelectedDbs);
    }

    [Fact]
    public void Redis6_streams_v1()
    {
        var (_, s) = LoadOk("dragonfly-redis6_stream.rdb", 9);
        Assert.Equal(11, s.Keys.Count);
        foreach (var (_, v) in s.Keys)
        {
            var st = Assert.IsType<RdbStream>(v);
            Assert.Equal(st.Length, (ulong)st.Entries.Count);
            Assert.Equal(st.Length, st.EntriesAdded);
            Assert.Equal(st.Entries[0].Id, st.FirstId);
            Assert.Equal(st.Entries[^1].Id, st.LastId);
            for (int i = 1; i < st.Entries.Count; i++) Assert.True(st.Entries[i - 1].Id.CompareTo(st.Entries[i].Id) < 0);
        }
        var k0 = (RdbStream)s.Get("key:0");
        Assert.Equal(2, k0.Groups.Count);
        Assert.Equal("g1", S(k0.Groups[0].Name));
        Assert.Equal(-1, k0.Groups[0].EntriesRead);
        Assert.Equal("c1", S(k0.Groups[1].Consumers.Single().Name));
        Assert.Equal(-1, k0.Groups[1].Consumers[0].ActiveTimeMs);
    }

    [Fact]
    public void Hll_strings()
    {
        var (_, s) = LoadOk("dragonfly-hll.rdb", 9);
        Assert.Equal(2, s.Keys.Count);
        Assert.StartsWith("HYLL", S(((RdbString)s.Get("key-dense")).Value));
        Assert.Equal(12304, ((RdbString)s.Get("key-dense")).Value.Length); // dense HLL: 16 header + 12288 registers
        Assert.StartsWith("HYLL", S(((RdbString)s.Get("key-sparse")).Value));
    }

    [Fact]
    public void Empty_v9()
    {
        var (_, s) = LoadOk("dragonfly-empty.rdb", 9);
        Assert.Empty(s.Keys);
        Assert.Contains(("redis-ver", "255.255.255"), s.Aux);
    }

    [Fact]
    public void Stream_listpacks_2_and_3()
    {
        foreach (var (file, version) in new[] { ("dragonfly-RDB_TYPE_STREAM_LISTPACKS_2.rdb", 10), ("dragonfly-RDB_TYPE_STREAM_LISTPACKS_3.rdb", 12) })
        {
            var (_, s) = LoadOk(file, version);
            var st = Assert.IsType<RdbStream>(s.Get("mystream"));
            Assert.Equal(2UL, st.Length);
            Assert.Equal(2UL, st.EntriesAdded);
            Assert.Equal(["foo", "bar"], st.Entries[0].FieldsAndValues.Select(S));
            Assert.Equal(["foo", "bar2"], st.Entries[1].FieldsAndValues.Select(S));
            Assert.Equal(st.Entries[0].Id, st.FirstId);
            Assert.Equal(st.Entries[1].Id, st.LastId);
            var g = st.Groups.Single();
            Assert.Equal("mygroup", S(g.Name));
            Assert.Equal(st.Entries[0].Id, g.LastId);
            Assert.Equal(1, g.EntriesRead);
            Assert.Equal(st.Entries[0].Id, g.Pending.Single().Id);
            Assert.Equal(1UL, g.Pending[0].DeliveryCount);
            var c = g.Consumers.Single();
            Assert.Equal("Alice", S(c.Name));
            Assert.Equal([st.Entries[0].Id], c.Pending);
            if (version == 12) Assert.True(c.ActiveTimeMs > 0);
            else Assert.Equal(-1, c.ActiveTimeMs);
        }
    }

    [Fact]
    public void Redis7_small_v11()
    {
        var (_, s) = LoadOk("dragonfly-redis7_small.rdb", 11);
        Assert.Equal(4, s.Keys.Count);
        Assert.Equal("list:[list2,list1]", Show(s.Get("my-list")));
        Assert.Equal("zset:{einstein=0,schrodinger=1}", Show(s.Get("zset")));
        Assert.Equal("set:{acme,redis}", Show(s.Get("my-set")));
        Assert.Equal("hash:{acme=44,field=22}", Show(s.Get("my-hset")));
    }

    [Fact]
    public void Ignore_expiry_v11_delivers_expired_keys_with_their_ttl()
    {
        var (_, s) = LoadOk("dragonfly-ignore_expiry.rdb", 11);
        Assert.Equal(2, s.Keys.Count);
        Assert.Equal(1740544226203, s.KeyOf("test2").ExpireAtMs);
        Assert.Equal(1740547536394, s.KeyOf("test").ExpireAtMs);
        Assert.Equal("string:expkey", Show(s.Get("test")));
    }

    [Fact]
    public void Module_value_is_refused_naming_the_module()
    {
        var (res, _) = Load("dragonfly-redis_json.rdb");
        Assert.False(res.Ok);
        Assert.Contains("'ReJSON-RL'", res.Error);
        Assert.Equal("json-obj", S(res.Key!));
        Assert.Equal(RdbFormat.TypeModule2, res.Type);
    }

    [Fact]
    public void Module_value_is_skipped_when_asked()
    {
        var (res, s) = Load("dragonfly-redis_json.rdb", new RdbReaderOptions { SkipModules = true });
        Assert.True(res.Ok, res.Describe());
        var m = Assert.IsType<RdbSkippedModule>(s.Get("json-obj"));
        Assert.Equal("ReJSON-RL", m.ModuleName);
        Assert.Equal("ReJSON-RL", RdbReader.ModuleName(m.ModuleId));
        Assert.NotNull(s.EndChecksum);
    }

    [Fact]
    public void Version_12_file_is_refused_when_max_version_is_10()
    {
        var (res, s) = Load("dragonfly-RDB_TYPE_STREAM_LISTPACKS_3.rdb", new RdbReaderOptions { MaxVersion = 10 });
        Assert.False(res.Ok);
        Assert.Contains("version 12", res.Error);
        Assert.Empty(s.Keys);
    }

    [Fact]
    public void Every_fixture_truncated_at_every_byte_fails_cleanly()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Rdb"), "*.rdb"))
        {
            var bytes = File.ReadAllBytes(f);
            if (bytes.Length > 2000) continue;
            for (int n = 0; n < bytes.Length; n++)
            {
                var r = new RdbReader(new MemoryStream(bytes, 0, n));
                var res = r.Read(new RecordingSink());
                Assert.False(res.Ok, Path.GetFileName(f) + " cut at " + n);
                Assert.NotNull(res.Error);
            }
        }
    }
}
