using System.Text;
using Tern.Rdb;

namespace Tern.Unit.Tests.Rdb;

/// <summary>
/// The RDB writer's bytes against vectors taken from redis-server 7.0.15 (replication-spec.md §5.3, §6) and
/// the listpack/intset/length encodings at their boundaries (listpack.c, intset.c, rdb.c).
/// </summary>
public sealed class RdbWriterTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    private static byte[] Hex(string h) => Convert.FromHexString(h.Replace(" ", ""));

    private static byte[] File(Action<RdbWriter> body, RdbWriterOptions? o = null)
    {
        var ms = new MemoryStream();
        using (var w = new RdbWriter(ms, o))
        {
            body(w);
        }
        return ms.ToArray();
    }

    [Fact]
    public void TinyFileMatchesTheVectorRedisCheckRdbAccepts()
    {
        var bytes = File(w =>
        {
            w.WriteHeader();
            w.WriteSelectDb(0);
            w.WriteResizeDb(1, 0);
            w.WriteStringKey(B("foo"), B("bar"));
            w.WriteEnd();
        });
        Assert.Equal(B("REDIS0010").Concat(Hex("FE00 FB0100 00 03666f6f 03626172 FF a125e41c1ad07c4c")).ToArray(), bytes);
    }

    [Fact]
    public void EmptyFile()
    {
        var bytes = File(w =>
        {
            w.WriteHeader();
            w.WriteEnd();
        });
        Assert.Equal(B("REDIS0010").Concat(Hex("FF a9fd37fe89a77eeb")).ToArray(), bytes);
    }

    [Fact]
    public void WriteKeyOfAStringEqualsWriteStringKey()
    {
        var a = File(w =>
        {
            w.WriteStringKey(B("k"), B("v"), expireAtMs: 1700000000000, idleSeconds: 5, freq: 3);
            w.WriteEnd();
        });
        var b = File(w =>
        {
            w.WriteKey(B("k"), new RdbString(B("v")), expireAtMs: 1700000000000, idleSeconds: 5, freq: 3);
            w.WriteEnd();
        });
        Assert.Equal(a, b);
        // FC + int64 LE, F8 + len, F9 + byte, type, key, value.
        Assert.Equal(Hex("FC 00 68 E5 CF 8B 01 00 00 F8 05 F9 03 00 01 6B 01 76 FF"), a.AsSpan(0, 19).ToArray());
    }

    [Fact]
    public void RawBytesEnterTheChecksum()
    {
        var chunk = new MemoryStream();
        using (var cw = new RdbWriter(chunk, checksum: false))
        {
            cw.WriteSelectDb(0);
            cw.WriteResizeDb(1, 0);
            cw.WriteStringKey(B("foo"), B("bar"));
        }
        var bytes = File(w =>
        {
            w.WriteHeader();
            w.WriteRaw(chunk.ToArray());
            w.WriteEnd();
        });
        Assert.Equal(Hex("a125e41c1ad07c4c"), bytes[^8..]);
    }

    [Fact]
    public void ChecksumOffWritesZeros()
    {
        var ms = new MemoryStream();
        using (var w = new RdbWriter(ms, checksum: false))
        {
            w.WriteHeader();
            w.WriteEnd();
        }
        Assert.Equal(new byte[8], ms.ToArray()[^8..]);
    }

    [Fact]
    public void DumpVectors()
    {
        Assert.Equal(Hex("00 03 62 61 72 0a 00 e6 be 49 60 ee 66 fd 17"), RdbWriter.CreateDumpPayload(B("bar")));
        Assert.Equal(Hex("00 c0 7b 0a 00 48 e2 53 e1 00 7a 67 b9"), RdbWriter.CreateDumpPayload(B("123")));
        Assert.Equal(RdbWriter.CreateDumpPayload(B("bar")), RdbWriter.CreateDumpPayload(new RdbString(B("bar"))));
    }

    [Theory]
    [InlineData("0", "C000")]
    [InlineData("-1", "C0FF")]
    [InlineData("127", "C07F")]
    [InlineData("-128", "C080")]
    [InlineData("128", "C18000")]
    [InlineData("-32768", "C10080")]
    [InlineData("32768", "C200800000")]
    [InlineData("2147483647", "C2FFFFFF7F")]
    [InlineData("-2147483648", "C200000080")]
    [InlineData("2147483648", "0A32313437343833363438")]
    [InlineData("12345678901", "0B3132333435363738393031")]
    [InlineData("007", "03303037")]
    [InlineData("-0", "022D30")]
    [InlineData("+1", "022B31")]
    [InlineData(" 1", "022031")]
    public void StringIntegerEncoding(string value, string expected)
    {
        var bytes = File(w => w.WriteStringKey([], B(value)));
        Assert.Equal(Hex("00 00" + expected), bytes);
    }

    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(63UL, "3F")]
    [InlineData(64UL, "4040")]
    [InlineData(16383UL, "7FFF")]
    [InlineData(16384UL, "8000004000")]
    [InlineData(4294967295UL, "80FFFFFFFF")]
    [InlineData(4294967296UL, "810000000100000000")]
    public void LengthEncoding(ulong len, string expected)
    {
        var bytes = File(w => w.WriteResizeDb(len, 0));
        Assert.Equal(Hex("FB" + expected + "00"), bytes);
    }

    [Fact]
    public void LzfOnlyPastTwentyBytesAndWhenItSavesFour()
    {
        // 20 bytes: never compressed.
        var twenty = File(w => w.WriteStringKey([], B(new string('a', 20))));
        Assert.Equal(0x14, twenty[2]);
        // 100 repeated bytes: LZF (0xC3, compressed length, original length).
        var hundred = File(w => w.WriteStringKey([], B(new string('a', 100))));
        Assert.Equal(0xC3, hundred[2]);
        Assert.Equal(Hex("4064"), hundred[4..6]); // original length 100 in 14 bits
        // Incompressible: verbatim.
        var rnd = new byte[64];
        new Random(1).NextBytes(rnd);
        var raw = File(w => w.WriteStringKey([], rnd));
        Assert.Equal(64 | 0x40, raw[2] | 0x40);
        Assert.Equal(2 + 2 + 64, raw.Length);
        // Compression off.
        var off = File(w => w.WriteStringKey([], B(new string('a', 100))), new RdbWriterOptions { Compress = false });
        Assert.Equal(2 + 2 + 100, off.Length);
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(127L, "7F")]
    [InlineData(128L, "C080")]
    [InlineData(-1L, "DFFF")]
    [InlineData(4095L, "CFFF")]
    [InlineData(-4096L, "D000")]
    [InlineData(4096L, "F10010")]
    [InlineData(-4097L, "F1FFEF")]
    [InlineData(32767L, "F1FF7F")]
    [InlineData(-32768L, "F10080")]
    [InlineData(32768L, "F2008000")]
    [InlineData(-32769L, "F2FF7FFF")]
    [InlineData(8388607L, "F2FFFF7F")]
    [InlineData(-8388608L, "F2000080")]
    [InlineData(8388608L, "F300008000")]
    [InlineData(2147483647L, "F3FFFFFF7F")]
    [InlineData(-2147483648L, "F300000080")]
    [InlineData(2147483648L, "F40000008000000000")]
    [InlineData(long.MaxValue, "F4FFFFFFFFFFFFFF7F")]
    [InlineData(long.MinValue, "F40000000000000080")]
    public void ListpackIntegerEncodings(long v, string expected)
    {
        using var lp = new ListpackBuilder();
        lp.Append(B(v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var enc = Hex(expected);
        var total = 6 + enc.Length + 1 + 1;
        var want = new byte[total];
        want[0] = (byte)total;
        want[4] = 1;
        enc.CopyTo(want, 6);
        want[6 + enc.Length] = (byte)enc.Length;
        want[^1] = 0xFF;
        Assert.Equal(want, lp.Finish().ToArray());
    }

    [Fact]
    public void ListpackStringsAndBacklens()
    {
        using var lp = new ListpackBuilder();
        lp.Append(B("a"));                       // 81 61 | 02
        lp.Append(B("9223372036854775808"));     // out of int64: a string
        lp.Append(B(new string('x', 63)));        // 6-bit length, backlen 64
        lp.Append(B(new string('y', 64)));        // 12-bit length E0 40, entry 66, backlen 1 byte
        lp.Append(B(new string('z', 200)));       // entry 202: backlen 2 bytes 01 CA
        lp.Append(B(new string('w', 4096)));      // 32-bit length F0
        var b = lp.Finish().ToArray();
        int p = 6;
        Assert.Equal(Hex("816102"), b[p..(p + 3)]);
        p += 3;
        Assert.Equal(0x80 | 19, b[p]);
        Assert.Equal(20, b[p + 20]);
        p += 21;
        Assert.Equal(0x80 | 63, b[p]);
        Assert.Equal(64, b[p + 64]);
        p += 65;
        Assert.Equal(Hex("E040"), b[p..(p + 2)]);
        Assert.Equal(66, b[p + 66]);
        p += 67;
        Assert.Equal(Hex("E0C8"), b[p..(p + 2)]);
        Assert.Equal(Hex("01CA"), b[(p + 202)..(p + 204)]);
        p += 204;
        Assert.Equal(Hex("F000100000"), b[p..(p + 5)]);
        p += 5 + 4096;
        Assert.Equal(Hex("2085"), b[p..(p + 2)]); // 4101 = 32*128 + 5
    }

    [Theory]
    [InlineData(127UL, "7F")]
    [InlineData(128UL, "0180")]
    [InlineData(16382UL, "7FFE")]
    [InlineData(16383UL, "00FFFF")]
    [InlineData(2097150UL, "7FFFFE")]
    [InlineData(2097151UL, "00FFFFFF")]
    [InlineData(268435454UL, "7FFFFFFE")]
    [InlineData(268435455UL, "00FFFFFFFF")]
    public void ListpackBacklen(ulong l, string expected)
    {
        var buf = new byte[5];
        int n = ListpackBuilder.EncodeBacklen(buf, l);
        Assert.Equal(Hex(expected), buf[..n]);
    }

    [Fact]
    public void IntsetPicksTheSmallestWidthAndSorts()
    {
        static byte[] Dump(params string[] m) => RdbWriter.CreateDumpPayload(new RdbSet(m.Select(B).ToList()));
        // type 11, string of 8 + 2*3 bytes: enc 2, count 3, -5 1 300
        Assert.Equal(Hex("0B 0E 02000000 03000000 FBFF 0100 2C01"), Dump("300", "-5", "1")[..16]);
        Assert.Equal(Hex("0B 0C 04000000 01000000 00800000"), Dump("32768")[..14]);
        Assert.Equal(Hex("0B 10 08000000 01000000 0000008000000000"), Dump("2147483648")[..18]);
        // A non-canonical integer makes it a plain set.
        Assert.Equal(RdbFormat.TypeSet, Dump("1", "01")[0]);
        // Over set-max-intset-entries: plain set.
        Assert.Equal(RdbFormat.TypeSet, RdbWriter.CreateDumpPayload(new RdbSet(Enumerable.Range(0, 513).Select(i => B(i.ToString())).ToList()))[0]);
        Assert.Equal(RdbFormat.TypeSetIntset, RdbWriter.CreateDumpPayload(new RdbSet(Enumerable.Range(0, 512).Select(i => B(i.ToString())).ToList()))[0]);
    }

    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(0.1, "0.10000000000000001")]
    [InlineData(1e-5, "1.0000000000000001e-05")]
    [InlineData(1e300, "1.0000000000000001e+300")]
    [InlineData(1e19, "1e+19")]
    [InlineData(9.3e18, "9.3e+18")]
    [InlineData(-2.5e-300, "-2.5e-300")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(123456789012345.6, "123456789012345.59")]
    public void ScoresFormatLikeD2String(double d, string expected)
    {
        var buf = new byte[40];
        int n = RdbNumbers.FormatDouble(d, buf);
        Assert.Equal(expected, Encoding.ASCII.GetString(buf, 0, n));
    }

    [Fact]
    public void ZSetListpackSortsByScoreThenMember()
    {
        var z = new RdbZSet([new(B("b"), 2), new(B("c"), 1.5), new(B("a"), 2), new(B("d"), -0.0)]);
        var p = RdbWriter.CreateDumpPayload(z);
        Assert.Equal(RdbFormat.TypeZSetListpack, p[0]);
        // d 0, c "1.5", a 2, b 2
        var lp = p[2..(2 + p[1])];
        Assert.Equal(Hex("816402 0001 816302 83312E3504 816102 0201 816202 0201 FF"), lp[6..]);
    }

    [Fact]
    public void HashWithFieldTtlsUsesRedis74Types()
    {
        // Listpack form (25): int64 LE min expire, then (field, value, expire-at or 0) by expiry, no-TTL fields last.
        var small = new RdbHash([new(B("a"), B("1"), 0), new(B("b"), B("x"), 2000), new(B("c"), B("y"), 1000)]);
        var p = RdbWriter.CreateDumpPayload(small);
        Assert.Equal(RdbFormat.TypeHashListpackEx, p[0]);
        Assert.Equal(1000L, BitConverter.ToInt64(p, 1));
        var lp = p[10..(10 + p[9])];
        Assert.Equal(Hex("816302 817902 C3E802 816202 817802 C7D002 816102 0101 0001 FF"), lp[6..]);
        Assert.Equal(9, lp[4]); // elements

        // Table form (24): int64 LE min expire, count, then per field len(0 or expire - min + 1), field, value.
        var fields = new List<RdbHashField> { new(B("t"), B("v"), 5000) };
        for (int i = 0; i < 600; i++) fields.Add(new(B("f" + i), B("v"), i == 7 ? 4000 : 0));
        var t = RdbWriter.CreateDumpPayload(new RdbHash(fields));
        Assert.Equal(RdbFormat.TypeHashMetadata, t[0]);
        Assert.Equal(4000L, BitConverter.ToInt64(t, 1));
        Assert.Equal(Hex("4259"), t[9..11]); // 601 fields
        Assert.Equal(Hex("43E9 0174 0176"), t[11..17]); // ttl 5000 - 4000 + 1 = 1001, "t", "v"
    }

    [Fact]
    public void StringKeysDoNotAllocate()
    {
        var ms = new MemoryStream(1 << 20);
        using var w = new RdbWriter(ms);
        var key = B("some:key:1");
        var small = B("hello");
        var number = B("12345");
        var compressible = B(new string('a', 300));
        void Run()
        {
            ms.Position = 0;
            for (int i = 0; i < 100; i++)
            {
                w.WriteStringKey(key, small);
                w.WriteStringKey(key, number, expireAtMs: 1, idleSeconds: 2, freq: 3);
                w.WriteStringKey(key, compressible);
            }
            w.Flush();
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void EmptyAggregatesAreNotWritten()
    {
        var bytes = File(w => w.WriteKey(B("k"), new RdbList([])));
        Assert.Empty(bytes);
        Assert.Throws<ArgumentException>(() => RdbWriter.CreateDumpPayload(new RdbHash([])));
    }

    [Fact]
    public void FormatConstantsArePinned()
    {
        var expected = new Dictionary<string, int>
        {
            ["WriteVersion"] = 10, ["MaxReadVersion"] = 12,
            ["OpSlotInfo"] = 244, ["OpFunction2"] = 245, ["OpFunctionPreGa"] = 246, ["OpModuleAux"] = 247,
            ["OpIdle"] = 248, ["OpFreq"] = 249, ["OpAux"] = 250, ["OpResizeDb"] = 251, ["OpExpireTimeMs"] = 252,
            ["OpExpireTime"] = 253, ["OpSelectDb"] = 254, ["OpEof"] = 255,
            ["TypeString"] = 0, ["TypeList"] = 1, ["TypeSet"] = 2, ["TypeZSet"] = 3, ["TypeHash"] = 4,
            ["TypeZSet2"] = 5, ["TypeModulePreGa"] = 6, ["TypeModule2"] = 7, ["TypeHashZipmap"] = 9,
            ["TypeListZiplist"] = 10, ["TypeSetIntset"] = 11, ["TypeZSetZiplist"] = 12, ["TypeHashZiplist"] = 13,
            ["TypeListQuicklist"] = 14, ["TypeStreamListpacks"] = 15, ["TypeHashListpack"] = 16,
            ["TypeZSetListpack"] = 17, ["TypeListQuicklist2"] = 18, ["TypeStreamListpacks2"] = 19,
            ["TypeSetListpack"] = 20, ["TypeStreamListpacks3"] = 21, ["TypeHashMetadataPreGa"] = 22,
            ["TypeHashListpackExPreGa"] = 23, ["TypeHashMetadata"] = 24, ["TypeHashListpackEx"] = 25,
            ["Len6Bit"] = 0, ["Len14Bit"] = 1, ["Len32Bit"] = 0x80, ["Len64Bit"] = 0x81, ["LenEncodedValue"] = 3,
            ["EncInt8"] = 0, ["EncInt16"] = 1, ["EncInt32"] = 2, ["EncLzf"] = 3,
            ["QuicklistNodePlain"] = 1, ["QuicklistNodePacked"] = 2,
            ["ModuleOpEof"] = 0, ["ModuleOpSInt"] = 1, ["ModuleOpUInt"] = 2, ["ModuleOpFloat"] = 3,
            ["ModuleOpDouble"] = 4, ["ModuleOpString"] = 5,
        };
        var fields = typeof(RdbFormat).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static);
        Assert.Equal(expected.Count, fields.Length);
        foreach (var f in fields)
        {
            Assert.True(expected.ContainsKey(f.Name), f.Name);
            Assert.Equal(expected[f.Name], Convert.ToInt32(f.GetValue(null)));
        }
    }
}
