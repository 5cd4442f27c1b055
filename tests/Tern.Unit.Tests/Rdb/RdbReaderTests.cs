using System.Buffers.Binary;
using Tern.Rdb;
using static Tern.Unit.Tests.Rdb.HandRdb;
using static Tern.Unit.Tests.Rdb.RecordingSink;

namespace Tern.Unit.Tests.Rdb;

/// <summary>Hand-built RDB bytes (spec §5) for what no fixture file covers.</summary>
public class RdbReaderTests
{
    private static (RdbReadResult Result, RecordingSink Sink, RdbReader Reader) Run(byte[] bytes, RdbReaderOptions? options = null, int chunk = 0)
    {
        var sink = new RecordingSink();
        Stream s = chunk > 0 ? new TrickleStream(bytes, chunk) : new MemoryStream(bytes);
        var r = new RdbReader(s, options);
        return (r.Read(sink), sink, r);
    }

    private static RecordingSink Ok(byte[] bytes)
    {
        var (res, sink, _) = Run(bytes);
        Assert.True(res.Ok, res.Describe());
        var (res2, sink2, _) = Run(bytes, chunk: 3);
        Assert.True(res2.Ok, res2.Describe());
        Assert.Equal(sink.Dump(), sink2.Dump());
        return sink;
    }

    private static RdbReadResult Bad(byte[] bytes, string expected, RdbReaderOptions? options = null)
    {
        var (res, _, _) = Run(bytes, options);
        Assert.False(res.Ok);
        Assert.Contains(expected, res.Error);
        return res;
    }

    [Fact]
    public void Crc64_vector() => Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64.Compute("123456789"u8));

    [Fact]
    public void Spec_vectors()
    {
        var file = new HandRdb().Header(10).Raw(0xFE, 0x00, 0xFB, 0x01, 0x00, 0x00).Str("foo").Str("bar").Byte(0xFF)
            .Raw(Convert.FromHexString("a125e41c1ad07c4c")).ToArray();
        var s = Ok(file);
        Assert.Equal("string:bar", Show(s.Get("foo")));
        Assert.Equal([(1UL, 0UL)], s.Resizes);
        Assert.Equal(0x4c7cd01a1ce425a1UL, s.EndChecksum);

        var empty = new HandRdb().Header(10).Byte(0xFF).Raw(Convert.FromHexString("a9fd37fe89a77eeb")).ToArray();
        var e = Ok(empty);
        Assert.Equal(10, e.Version);
        Assert.Empty(e.Keys);
    }

    [Fact]
    public void Zero_checksum_is_accepted_and_flipped_checksum_refused()
    {
        var body = new HandRdb().Header(10).Key(0, "k").Str("v");
        var zero = body.End(checksum: false);
        Assert.Equal("string:v", Show(Ok(zero).Get("k")));

        var good = new HandRdb().Header(10).Key(0, "k").Str("v").End();
        Ok(good);
        var flipped = (byte[])good.Clone();
        flipped[^3] ^= 0x10;
        var res = Bad(flipped, "Wrong RDB checksum");
        Assert.Contains("offset", res.Describe());
        var (ok, _, _) = Run(flipped, new RdbReaderOptions { VerifyChecksum = false });
        Assert.True(ok.Ok);

        // A flipped data byte is caught by the checksum too.
        var data = (byte[])good.Clone();
        data[^10] ^= 0x01; // the value byte 'v'
        Bad(data, "Wrong RDB checksum");
    }

    [Fact]
    public void Version_13_and_bad_signature_are_refused()
    {
        var res = Bad(new HandRdb().Header(13).End(), "Can't handle RDB format version 13");
        Assert.Equal(0, res.Offset);
        Bad(B("REDIX0010\xff"), "Wrong signature");
        Bad(new HandRdb().Header(0).End(), "version 0");
        Ok(new HandRdb().Header(1).Key(0, "a").Str("b").Byte(0xFF).ToArray());
    }

    [Fact]
    public void Unknown_type_names_offset_db_and_type()
    {
        var bytes = new HandRdb().Header(10).Raw(0xFE, 0x03).Key(0, "a").Str("b").Byte(30).Str("foo").End();
        var res = Bad(bytes, "Unknown RDB value type or opcode 30");
        Assert.Equal(3, res.Db);
        Assert.Equal(9 + 2 + 5, res.Offset);
        Assert.Equal("Unknown RDB value type or opcode 30 at offset 16 (db 3)", res.Describe());
    }

    [Fact]
    public void Selectdb_beyond_databases_is_refused()
    {
        var bytes = new HandRdb().Header(10).Raw(0xFE, 0x10).End();
        Bad(bytes, "SELECTDB 16 is out of range");
        Assert.True(Run(bytes, new RdbReaderOptions { Databases = 17 }).Result.Ok);
    }

    [Fact]
    public void Opcodes_expire_idle_freq_aux_resize_slotinfo_moduleaux()
    {
        var bytes = new HandRdb().Header(12)
            .Byte(0xFA).Str("redis-ver").Str("7.4.1")
            .Byte(0xFA).Str("ctime").Raw(0xC2, 0x10, 0x20, 0x30, 0x40) // int32-encoded aux value
            .Byte(0xF7).Len(0x1234567890ABC00UL).Len(2).Len(1) // module id, when opcode, when
            .Len(1).Len(5).Len(5).Str("xyz").Len(2).Len(7).Len(3).Raw(1, 2, 3, 4).Len(4).Double(1.5).Len(0)
            .Byte(0xFE).Len(2)
            .Byte(0xFB).Len(3).Len(2)
            .Byte(0xF4).Len(100).Len(3).Len(2)
            .Byte(0xFD).Raw(0x10, 0x00, 0x00, 0x00).Key(0, "s").Str("1")
            .Byte(0xFC).I64(1700000000123).Byte(0xF8).Len(77).Key(0, "ms").Str("2")
            .Byte(0xF9).Byte(200).Key(0, "f").Str("3")
            .Key(0, "plain").Str("4")
            .End();
        var s = Ok(bytes);
        Assert.Contains(("ctime", (0x40302010).ToString()), s.Aux);
        Assert.Equal(16000, s.KeyOf("s", 2).ExpireAtMs);
        var ms = s.KeyOf("ms", 2);
        Assert.Equal(1700000000123, ms.ExpireAtMs);
        Assert.Equal(77, ms.IdleSeconds);
        Assert.Equal(-1, ms.Freq);
        var f = s.KeyOf("f", 2);
        Assert.Equal(200, f.Freq);
        Assert.False(f.HasExpire);
        var p = s.KeyOf("plain", 2);
        Assert.Equal(RdbKey.NoExpire, p.ExpireAtMs);
        Assert.Equal(-1, p.IdleSeconds);
        Assert.Equal(-1, p.Freq);
        Assert.Equal([(3UL, 2UL)], s.Resizes);
    }

    [Fact]
    public void Int_and_lzf_strings()
    {
        var text = B(string.Concat(Enumerable.Repeat("hello world ", 40)));
        var comp = new byte[text.Length];
        int clen = Lzf.Compress(text, comp);
        Assert.True(clen > 0);
        var bytes = new HandRdb().Header(10)
            .Key(0, "i8").Raw(0xC0, 0xFB)
            .Key(0, "i16").Raw(0xC1, 0x00, 0x80)
            .Key(0, "i32").Raw(0xC2, 0xFF, 0xFF, 0xFF, 0x7F)
            .Key(0, "lzf").Raw(0xC3).Len((ulong)clen).Len((ulong)text.Length).Raw(comp[..clen])
            .End();
        var s = Ok(bytes);
        Assert.Equal("string:-5", Show(s.Get("i8")));
        Assert.Equal("string:-32768", Show(s.Get("i16")));
        Assert.Equal("string:2147483647", Show(s.Get("i32")));
        Assert.Equal(text, ((RdbString)s.Get("lzf")).Value);

        var badLzf = new HandRdb().Header(10).Key(0, "x").Raw(0xC3).Len(3).Len(10).Raw(0x20, 0x00, 0x00).End();
        Bad(badLzf, "LZF");
    }

    [Fact]
    public void Lzf_round_trip_with_overlapping_references()
    {
        var rnd = new Random(7);
        foreach (int size in new[] { 1, 5, 33, 300, 70000 })
        {
            var data = new byte[size];
            for (int i = 0; i < size; i++) data[i] = (byte)(i % 97 < 50 ? 'a' : rnd.Next(4));
            var comp = new byte[size + 64];
            int c = Lzf.Compress(data, comp);
            if (c == 0) continue;
            var back = new byte[size];
            Assert.Equal(size, Lzf.Decompress(comp.AsSpan(0, c), back));
            Assert.Equal(data, back);
            Assert.Equal(-1, Lzf.Decompress(comp.AsSpan(0, c), new byte[size - 1]));
        }
        Assert.Equal(-1, Lzf.Decompress([0x20, 0x05], new byte[10])); // reference before the start
    }

    [Fact]
    public void Big_string_read_across_chunks_keeps_the_checksum()
    {
        var big = new byte[300_000];
        new Random(3).NextBytes(big);
        var bytes = new HandRdb().Header(10).Key(0, "big").Str(big).Key(0, "after").Str("x").End();
        var s = Ok(bytes);
        Assert.Equal(big, ((RdbString)s.Get("big")).Value);
        var (res, s2, _) = Run(bytes, chunk: 50_000);
        Assert.True(res.Ok, res.Describe());
        Assert.Equal(big, ((RdbString)s2.Get("big")).Value);
    }

    [Fact]
    public void Intset_encodings_and_negative_values()
    {
        var bytes = new HandRdb().Header(10)
            .Key(11, "i16").Str(Intset(2, -32768, -1, 0, 5, 32767))
            .Key(11, "i32").Str(Intset(4, int.MinValue, -70000, 70000, int.MaxValue))
            .Key(11, "i64").Str(Intset(8, long.MinValue, -5000000000, 1, long.MaxValue))
            .End();
        var s = Ok(bytes);
        Assert.Equal(["-32768", "-1", "0", "5", "32767"], ((RdbSet)s.Get("i16")).Members.Select(S));
        Assert.Equal(["-2147483648", "-70000", "70000", "2147483647"], ((RdbSet)s.Get("i32")).Members.Select(S));
        Assert.Equal(["-9223372036854775808", "-5000000000", "1", "9223372036854775807"], ((RdbSet)s.Get("i64")).Members.Select(S));

        Bad(new HandRdb().Header(10).Key(11, "e").Str(Intset(2)).End(), "Intset integrity check failed");
        var w3 = Intset(4, 1);
        w3[0] = 3;
        Bad(new HandRdb().Header(10).Key(11, "w").Str(w3).End(), "Intset integrity check failed");
        Bad(new HandRdb().Header(10).Key(11, "o").Str(Intset(2, 5, 1)).End(), "Intset integrity check failed");
        var shortBlob = Intset(4, 1, 2);
        Bad(new HandRdb().Header(10).Key(11, "s").Str(shortBlob[..^1]).End(), "Intset integrity check failed");
    }

    [Fact]
    public void Set_listpack_type_20()
    {
        var bytes = new HandRdb().Header(11)
            .Key(20, "s").Str(Listpack("a", 1, -100, "bb", 100000, long.MaxValue, 5000, -2000000))
            .Key(20, "empty").Str(Listpack())
            .End();
        var s = Ok(bytes);
        Assert.Equal(["a", "1", "-100", "bb", "100000", "9223372036854775807", "5000", "-2000000"], ((RdbSet)s.Get("s")).Members.Select(S));
        Assert.Single(s.Keys); // the empty listpack set is skipped, as Redis does
        Bad(new HandRdb().Header(11).Key(20, "d").Str(Listpack("a", "a")).End(), "Duplicate set members");
        var lp = Listpack("a", "b");
        lp[0]++; // header size no longer matches
        Bad(new HandRdb().Header(11).Key(20, "h").Str(lp).End(), "Listpack integrity check failed");
        var badBack = Listpack("abc", "d");
        badBack[6 + 4]++; // back-length of the first entry
        Bad(new HandRdb().Header(11).Key(20, "b").Str(badBack).End(), "back-length");
        var badCount = Listpack("abc", "d");
        badCount[4] = 3;
        Bad(new HandRdb().Header(11).Key(20, "c").Str(badCount).End(), "entry count");
    }

    [Fact]
    public void Listpack_and_ziplist_hashes_zsets_lists()
    {
        var bytes = new HandRdb().Header(10)
            .Key(16, "h").Str(Listpack("f1", "v1", "f2", 7))
            .Key(17, "z").Str(Listpack("m1", "1.5", "m2", 3, "m3", "-inf"))
            .Key(12, "zz").Str(Ziplist("a", "2.25", "b", 10))
            .Key(13, "hz").Str(Ziplist("f", -1000, "g", "x"))
            .Key(10, "lz").Str(Ziplist(1, "two", 300, -5, 1L << 40))
            .Key(14, "ql").Len(3).Str(Ziplist("a", "b")).Str(Ziplist()).Str(Ziplist("c"))
            .Key(18, "ql2").Len(3).Len(2).Str(Listpack("x", 1)).Len(1).Str(new byte[5000]).Len(2).Str(Listpack("y"))
            .Key(5, "z2").Len(2).Str("p").Double(2.5).Str("q").Double(double.NegativeInfinity)
            .Key(3, "z1").Len(3).Str("p").Byte(3).Raw(B("1.5")).Str("q").Byte(254).Str("r").Byte(255)
            .Key(1, "l").Len(2).Str("a").Str("b")
            .Key(2, "s").Len(2).Str("a").Str("b")
            .Key(4, "hh").Len(1).Str("k").Str("v")
            .End();
        var s = Ok(bytes);
        Assert.Equal("hash:{f1=v1,f2=7}", Show(s.Get("h")));
        Assert.Equal("zset:{m3=-Infinity,m1=1.5,m2=3}", Show(s.Get("z")));
        Assert.Equal("zset:{a=2.25,b=10}", Show(s.Get("zz")));
        Assert.Equal("hash:{f=-1000,g=x}", Show(s.Get("hz")));
        Assert.Equal("list:[1,two,300,-5,1099511627776]", Show(s.Get("lz")));
        Assert.Equal("list:[a,b,c]", Show(s.Get("ql")));
        var ql2 = (RdbList)s.Get("ql2");
        Assert.Equal(4, ql2.Items.Count);
        Assert.Equal(["x", "1"], ql2.Items.Take(2).Select(S));
        Assert.Equal(5000, ql2.Items[2].Length);
        Assert.Equal("y", S(ql2.Items[3]));
        Assert.Equal("zset:{q=-Infinity,p=2.5}", Show(s.Get("z2")));
        Assert.Equal("zset:{r=-Infinity,p=1.5,q=Infinity}", Show(s.Get("z1")));
        Assert.Equal("list:[a,b]", Show(s.Get("l")));
        Assert.Equal("set:{a,b}", Show(s.Get("s")));
        Assert.Equal("hash:{k=v}", Show(s.Get("hh")));

        Bad(new HandRdb().Header(10).Key(18, "q").Len(1).Len(3).Str("x").End(), "Quicklist integrity check failed");
        Bad(new HandRdb().Header(10).Key(16, "o").Str(Listpack("a", "b", "c")).End(), "odd number");
        Bad(new HandRdb().Header(10).Key(5, "n").Len(1).Str("p").Double(double.NaN).End(), "NAN score");
        Bad(new HandRdb().Header(10).Key(4, "d").Len(2).Str("k").Str("v").Str("k").Str("w").End(), "Duplicate hash fields");
    }

    [Fact]
    public void Empty_aggregates_are_skipped_like_redis()
    {
        var bytes = new HandRdb().Header(10)
            .Key(1, "l").Len(0).Key(2, "s").Len(0).Key(3, "z").Len(0).Key(4, "h").Len(0).Key(5, "z2").Len(0)
            .Key(10, "lz").Str(Ziplist()).Key(12, "zz").Str(Ziplist()).Key(13, "hz").Str(Ziplist())
            .Key(14, "ql").Len(0).Key(14, "ql1").Len(1).Str(Ziplist()).Key(18, "ql2").Len(1).Len(2).Str(Listpack())
            .Key(16, "hl").Str(Listpack()).Key(17, "zl").Str(Listpack())
            .Key(0, "kept").Str("")
            .End();
        var s = Ok(bytes);
        Assert.Equal("string:", Show(s.Get("kept")));
        Assert.Single(s.Keys);
    }

    [Fact]
    public void Hash_field_ttl_types_24_25_and_pre_ga_22_23()
    {
        long min = 1_800_000_000_000;
        var bytes = new HandRdb().Header(12)
            .Key(24, "hm").I64(min).Len(3)
            .Len(0).Str("a").Str("1")
            .Len(1).Str("b").Str("2")
            .Len(5001).Str("c").Str("3")
            .Key(25, "hx").I64(min).Str(Listpack("f", "v", min, "g", "w", 0, "h", 1, min + 10))
            .Key(22, "hm0").Len(2).Len(0).Str("a").Str("1").Len((ulong)min).Str("b").Str("2")
            .Key(23, "hx0").Str(Listpack("f", "v", min, "g", "w", 0))
            .Key(24, "empty").I64(min).Len(0)
            .End();
        var s = Ok(bytes);
        Assert.Equal($"hash:{{a=1,b=2@{min},c=3@{min + 5000}}}", Show(s.Get("hm")));
        Assert.True(((RdbHash)s.Get("hm")).HasFieldTtls);
        Assert.Equal($"hash:{{f=v@{min},g=w,h=1@{min + 10}}}", Show(s.Get("hx")));
        Assert.Equal($"hash:{{a=1,b=2@{min}}}", Show(s.Get("hm0")));
        Assert.Equal($"hash:{{f=v@{min},g=w}}", Show(s.Get("hx0")));
        Assert.Equal(4, s.Keys.Count);
        Bad(new HandRdb().Header(12).Key(25, "t").I64(min).Str(Listpack("f", "v")).End(), "triples");
    }

    [Fact]
    public void Function_opcodes()
    {
        var lib = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)";
        var bytes = new HandRdb().Header(10)
            .Byte(0xF5).Str(lib)
            .Byte(0xF6).Str("oldf").Str("LUA").Len(1).Str("a description").Str("return 2")
            .Byte(0xF6).Str("oldg").Str("LUA").Len(0).Str("return 3")
            .End();
        var s = Ok(bytes);
        Assert.Equal([lib, "return 2", "return 3"], s.Functions.Select(S));
    }

    [Fact]
    public void Module_value_skipped_or_refused()
    {
        // Module id: "mymodule1" in 9 x 6 bits, encoding version 3 in the low 10 bits.
        const string cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        ulong id = 0;
        foreach (char c in "my-mod_01") id = (id << 6) | (uint)cs.IndexOf(c);
        id = (id << 10) | 3;
        var bytes = new HandRdb().Header(10)
            .Key(7, "m").Len(id).Len(1).Len(5).Len(2).Len(1000).Len(3).Raw(0, 0, 0, 0).Len(4).Double(1).Len(5).Str("blob").Len(0)
            .Key(0, "after").Str("ok")
            .End();
        var res = Bad(bytes, "'my-mod_01'");
        Assert.Equal("m", S(res.Key!));
        var (ok, s, _) = Run(bytes, new RdbReaderOptions { SkipModules = true });
        Assert.True(ok.Ok, ok.Describe());
        var m = Assert.IsType<RdbSkippedModule>(s.Get("m"));
        Assert.Equal("my-mod_01", m.ModuleName);
        Assert.Equal(id, m.ModuleId);
        Assert.Equal("string:ok", Show(s.Get("after")));
        Bad(new HandRdb().Header(10).Key(6, "old").Len(id).End(), "'my-mod_01'", new RdbReaderOptions { SkipModules = true });
    }

    [Fact]
    public void Stream_with_deleted_entries_and_own_fields()
    {
        var master = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(master, 1000);
        BinaryPrimitives.WriteUInt64BigEndian(master.AsSpan(8), 0);
        var lp = Listpack(
            2, 1, 2, "a", "b", 0,              // master: 2 live, 1 deleted, fields a b
            2, 0, 0, "1", "2", 6,              // 1000-0 same fields a=1 b=2
            3, 0, 1, "x", "y", 6,              // 1000-1 deleted (flags 1|2)
            0, 5, 0, 1, "c", "3", 7);          // 1005-0 own fields c=3
        var bytes = new HandRdb().Header(10)
            .Key(19, "st").Len(1).Str(master).Str(lp)
            .Len(2).Len(1005).Len(0).Len(1000).Len(0).Len(1000).Len(1).Len(3)
            .Len(1).Str("g").Len(1005).Len(0).Len(2)
            .Len(1).Raw(master).I64(123456).Len(4)
            .Len(1).Str("alice").I64(999).Len(1).Raw(master)
            .End();
        var s = Ok(bytes);
        Assert.Equal("stream:len=2,last=1005-0,first=1000-0,maxdel=1000-1,added=3,entries=[1000-0 a 1 b 2;1005-0 c 3],groups=[g last=1005-0 read=2 pel=1000-0x4 consumers=alice:1000-0;]",
            Show(s.Get("st")));
        var g = ((RdbStream)s.Get("st")).Groups[0];
        Assert.Equal(123456, g.Pending[0].DeliveryTimeMs);
        Assert.Equal(999, g.Consumers[0].SeenTimeMs);

        var emptyNode = new HandRdb().Header(10).Key(19, "st").Len(1).Str(master).Str(Listpack())
            .Len(0).Len(0).Len(0).Len(0).Len(0).Len(0).Len(0).Len(0).Len(0).End();
        Bad(emptyNode, "Empty listpack inside stream");
        var orphan = new HandRdb().Header(10).Key(15, "st").Len(0).Len(0).Len(0).Len(0)
            .Len(1).Str("g").Len(0).Len(0).Len(0).Len(1).Str("bob").I64(1).Len(1).Raw(master).End();
        Bad(orphan, "not found in group global PEL");
        var unowned = new HandRdb().Header(10).Key(15, "st").Len(0).Len(0).Len(0).Len(0)
            .Len(1).Str("g").Len(0).Len(0).Len(1).Raw(master).I64(1).Len(1).Len(0).End();
        Bad(unowned, "PEL entry without consumer");
        var dupGroup = new HandRdb().Header(10).Key(15, "st").Len(0).Len(0).Len(0).Len(0)
            .Len(2).Str("g").Len(0).Len(0).Len(0).Len(0).Str("g").Len(0).Len(0).Len(0).Len(0).End();
        Bad(dupGroup, "Duplicated consumer group name g");
        var dupConsumer = new HandRdb().Header(10).Key(15, "st").Len(0).Len(0).Len(0).Len(0)
            .Len(1).Str("g").Len(0).Len(0).Len(0).Len(2).Str("c").I64(1).Len(0).Str("c").I64(1).Len(0).End();
        Bad(dupConsumer, "Duplicate stream consumer");
        // An empty stream (no nodes) is a valid key.
        var empty = new HandRdb().Header(10).Key(15, "st").Len(0).Len(0).Len(0).Len(0).Len(0).End();
        Assert.Equal("stream:len=0,last=0-0,first=0-0,maxdel=0-0,added=0,entries=[],groups=[]", Show(Ok(empty).Get("st")));
    }

    [Fact]
    public void Unconsumed_bytes_after_the_checksum_are_exposed()
    {
        var rdb = new HandRdb().Header(10).Key(0, "k").Str("v").End();
        var tail = B("*1\r\n$4\r\nPING\r\n");
        var all = rdb.Concat(tail).ToArray();
        foreach (int chunk in new[] { 1, 5, 4096 })
        {
            var stream = new TrickleStream(all, chunk);
            var r = new RdbReader(stream);
            var res = r.Read(new RecordingSink());
            Assert.True(res.Ok, res.Describe());
            Assert.Equal(rdb.Length, r.Position);
            var rest = r.Unconsumed.ToArray().Concat(ReadRest(stream)).ToArray();
            Assert.Equal(tail, rest);
        }
        // Version 4: nothing follows EOF, no checksum.
        var v4 = new HandRdb().Header(4).Key(0, "k").Str("v").Byte(0xFF).ToArray();
        var r4 = new RdbReader(new MemoryStream(v4.Concat(tail).ToArray()));
        Assert.True(r4.Read(new RecordingSink()).Ok);
        Assert.Equal(v4.Length, r4.Position);
        Assert.Equal(tail, r4.Unconsumed.ToArray());
    }

    private static byte[] ReadRest(Stream s)
    {
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Read_twice_is_refused()
    {
        var r = new RdbReader(new MemoryStream(new HandRdb().Header(10).End()));
        Assert.True(r.Read(new RecordingSink()).Ok);
        Assert.False(r.Read(new RecordingSink()).Ok);
    }

    [Fact]
    public void Sink_exception_becomes_a_failed_result()
    {
        var bytes = new HandRdb().Header(10).Key(0, "k").Str("v").End();
        var res = new RdbReader(new MemoryStream(bytes)).Read(new ThrowingSink());
        Assert.False(res.Ok);
        Assert.Contains("sink", res.Error);
        Assert.Contains("boom", res.Error);
        Assert.Equal("k", S(res.Key!));
    }

    private sealed class ThrowingSink : IRdbSink
    {
        public void OnHeader(int version) { }
        public void OnAux(byte[] name, byte[] value) { }
        public void OnSelectDb(int db) { }
        public void OnResizeDb(ulong keys, ulong expires) { }
        public void OnFunction(byte[] librarySource) { }
        public void OnKey(in RdbKey key, RdbValue value) => throw new InvalidOperationException("boom");
        public void OnEnd(ulong checksum) { }
    }

    [Fact]
    public void Truncated_or_corrupted_at_every_byte_never_throws()
    {
        var bytes = new HandRdb().Header(12)
            .Byte(0xFA).Str("redis-ver").Str("7.4.1").Byte(0xFE).Len(1).Byte(0xFB).Len(5).Len(1)
            .Byte(0xFC).I64(1700000000000).Key(0, "s").Str("value")
            .Key(11, "is").Str(Intset(2, 1, 2, 3))
            .Key(20, "sl").Str(Listpack("a", 1))
            .Key(25, "hx").I64(5).Str(Listpack("f", "v", 5))
            .Key(18, "q").Len(2).Len(2).Str(Listpack("x", 1)).Len(1).Str("plain")
            .Byte(0xF5).Str("#!lua name=x\n")
            .End();
        Ok(bytes);
        for (int n = 0; n < bytes.Length; n++)
        {
            var res = new RdbReader(new MemoryStream(bytes, 0, n)).Read(new RecordingSink());
            Assert.False(res.Ok, "cut at " + n);
            Assert.NotNull(res.Error);
            Assert.False(string.IsNullOrEmpty(res.Describe()));
        }
        for (int i = 9; i < bytes.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                var c = (byte[])bytes.Clone();
                c[i] ^= (byte)(1 << bit);
                var res = new RdbReader(new MemoryStream(c)).Read(new RecordingSink());
                Assert.False(res.Ok, $"flip {i}/{bit}");
            }
        }
    }

    [Fact]
    public void Dump_payload_vectors()
    {
        var bar = Convert.FromHexString("000362617" + "20a00e6be4960ee66fd17");
        var r = RdbReader.ReadDumpPayload(bar, out var v);
        Assert.True(r.Ok, r.Describe());
        Assert.Equal("string:bar", Show(v!));
        var n = Convert.FromHexString("00c07b0a0048e253e1007a67b9");
        Assert.True(RdbReader.ReadDumpPayload(n, out v).Ok);
        Assert.Equal("string:123", Show(v!));

        var wrong = (byte[])bar.Clone();
        wrong[^1] ^= 1;
        Assert.Equal("DUMP payload version or checksum are wrong", RdbReader.ReadDumpPayload(wrong, out v).Error);
        Assert.Null(v);
        Assert.Equal("DUMP payload version or checksum are wrong", RdbReader.ReadDumpPayload(bar, out _, maxVersion: 9).Error);
        Assert.False(RdbReader.ReadDumpPayload(bar.AsSpan(0, 9), out _).Ok);

        // A parse failure and an empty aggregate are "Bad data format".
        Assert.StartsWith("Bad data format", RdbReader.ReadDumpPayload(Payload([30, 0]), out _).Error);
        Assert.StartsWith("Bad data format", RdbReader.ReadDumpPayload(Payload([1, 0]), out _).Error);
        Assert.StartsWith("Bad data format", RdbReader.ReadDumpPayload(Payload([1, 2, 1, (byte)'a']), out _).Error);
        var set = RdbReader.ReadDumpPayload(Payload(new HandRdb().Byte(11).Str(Intset(2, -3, 4)).ToArray()), out v);
        Assert.True(set.Ok, set.Describe());
        Assert.Equal("set:{-3,4}", Show(v!));
    }

    private static byte[] Payload(byte[] body, int version = 10)
    {
        var p = new byte[body.Length + 10];
        body.CopyTo(p, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(body.Length), (ushort)version);
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(body.Length + 2), Crc64.Compute(p.AsSpan(0, body.Length + 2)));
        return p;
    }
}
