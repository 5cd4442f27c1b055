using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// HyperLogLog commands against redis-server: replies, change counts and the stored bytes (GET of the key)
/// must be identical, including the sparse-to-dense promotion and the cached cardinality in the header.
/// </summary>
public sealed class HyperLogLogFamilyTests(Differential d) : IClassFixture<Differential>
{
    private static object[] Cmd(string name, string key, IEnumerable<string> elements) => [name, key, .. elements];

    private static IEnumerable<string> Range(int from, int count, string prefix = "e") =>
        Enumerable.Range(from, count).Select(i => prefix + i);

    [Fact]
    public void AddCountGet()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            PFADD h
            GET h
            PFCOUNT h
            GET h
            PFADD h
            PFADD h a b c
            GET h
            PFADD h a b c
            PFCOUNT h
            PFCOUNT h
            GET h
            PFADD h ""
            PFADD h "\x00\x01\x02"
            PFADD h 0123456789abcdef 0123456789abcdefg 0123456789abcde
            GET h
            PFCOUNT h
            PFCOUNT missing
            PFADD
            PFCOUNT
            """);
    }

    [Fact]
    public void GrowsFromSparseToDenseLikeRedis()
    {
        d.Reset();
        int added = 0;
        foreach (int batch in new[] { 1, 5, 20, 50, 100, 200, 400, 800, 1500, 3000, 5000 })
        {
            DirtyDelta.Same(d, Cmd("PFADD", "g", Range(added, batch)));
            added += batch;
            d.Same("GET", "g");
            DirtyDelta.Same(d, "PFCOUNT", "g");
            d.Same("GET", "g");
            d.Same("PFDEBUG", "ENCODING", "g");
            DirtyDelta.Same(d, Cmd("PFADD", "g", Range(0, 10)));
        }
        // One element at a time through the sparse range: every opcode split and merge is exercised.
        for (int i = 0; i < 1200; i++)
        {
            if (i % 100 == 0) d.Same("GET", "one");
            d.Same("PFADD", "one", "x" + i);
        }
        d.Same("GET", "one");
        d.Same("PFCOUNT", "one");
    }

    [Fact]
    public void ManyElementsAndLargeCardinalities()
    {
        d.Reset();
        for (int i = 0; i < 20; i++)
        {
            d.Same(Cmd("PFADD", "big", Range(i * 5000, 5000, "big")));
            d.Same("PFCOUNT", "big");
        }
        d.Same("GET", "big");
    }

    [Fact]
    public void Merge()
    {
        d.Reset();
        d.Same(Cmd("PFADD", "s1", Range(0, 100)));
        d.Same(Cmd("PFADD", "s2", Range(50, 100)));
        d.Same(Cmd("PFADD", "dense", Range(1000, 4000)));
        DirtyDelta.Script(d, """
            PFMERGE m1 s1 s2
            GET m1
            PFCOUNT m1
            PFCOUNT s1 s2
            PFCOUNT s1 s2 missing
            PFMERGE m2 s1 dense
            GET m2
            PFCOUNT m2
            PFMERGE s1 s2
            GET s1
            PFMERGE s1
            GET s1
            PFMERGE newdest
            GET newdest
            PFMERGE newdest2 missing1 missing2
            GET newdest2
            PFMERGE dense s1
            GET dense
            PFMERGE s2 dense
            GET s2
            PFCOUNT s1 s2 dense m1 m2
            PFMERGE m1 m1 m1
            GET m1
            PFMERGE
            """);
    }

    [Fact]
    public void MergeOfSparseInputsPromotesLikeRedis()
    {
        d.Reset();
        for (int k = 0; k < 6; k++) d.Same(Cmd("PFADD", "p" + k, Range(k * 300, 300)));
        for (int k = 0; k < 6; k++) d.Same("GET", "p" + k);
        d.Same("PFMERGE", "all", "p0", "p1", "p2", "p3", "p4", "p5");
        d.Same("GET", "all");
        d.Same("PFCOUNT", "all");
        d.Same("PFCOUNT", "p0", "p1", "p2", "p3", "p4", "p5");
        d.Same("PFMERGE", "p0", "p1");
        d.Same("GET", "p0");
    }

    [Fact]
    public void InvalidValues()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            SET str hello
            PFADD str a
            PFCOUNT str
            PFCOUNT str missing
            PFMERGE str
            PFMERGE dst str
            EXISTS dst
            PFDEBUG GETREG str
            SET short HYLL
            PFADD short a
            SET badmagic "HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
            PFADD badmagic a
            SET badenc "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
            PFCOUNT badenc
            SET shortdense "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
            PFCOUNT shortdense
            SET n 1234567890123456789
            PFCOUNT n
            SET headeronly "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
            PFCOUNT headeronly
            PFADD headeronly a
            PFMERGE dst2 headeronly
            PFCOUNT headeronly missing
            PFDEBUG GETREG headeronly
            PFDEBUG TODENSE headeronly
            PFDEBUG DECODE headeronly
            PFDEBUG ENCODING headeronly
            SET tooshort "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"
            PFCOUNT tooshort
            PFADD tooshort a b c
            GET tooshort
            PFDEBUG DECODE tooshort
            SET toolong "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x00"
            PFCOUNT toolong
            PFCOUNT toolong toolong
            PFMERGE dst3 toolong
            SET truncated "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"
            PFCOUNT truncated
            PFDEBUG DECODE truncated
            PFADD truncated a
            GET truncated
            SET overflowval "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x83"
            PFCOUNT overflowval
            PFCOUNT overflowval missing
            PFDEBUG TODENSE overflowval
            """);
    }

    /// <summary>Sparse values whose opcodes cover too few or too many registers, in every position.</summary>
    [Theory]
    [InlineData(new byte[] { 0x7F, 0xFF, 0x83 })]
    [InlineData(new byte[] { 0x7F, 0xFF, 0x00 })]
    [InlineData(new byte[] { 0x7F, 0xFF, 0x40, 0x00 })]
    [InlineData(new byte[] { 0x7F, 0xFE, 0x80, 0x80 })]
    [InlineData(new byte[] { 0x7F, 0xFE, 0x81 })]
    [InlineData(new byte[] { 0x7F, 0xFF })]
    [InlineData(new byte[] { 0x40, 0x00, 0x7F, 0xFE })]
    [InlineData(new byte[] { 0x40, 0x00, 0x7F, 0xFE, 0x80 })]
    [InlineData(new byte[] { 0x3F, 0x3F, 0x7F, 0x7F })]
    [InlineData(new byte[] { 0x7F, 0x7F, 0x7F, 0x7F })]
    [InlineData(new byte[] { 0x80, 0x7F, 0xFE })]
    [InlineData(new byte[] { 0xFF, 0x7F, 0xFB })]
    [InlineData(new byte[] { 0x7F, 0xFB, 0xFF })]
    [InlineData(new byte[] { 0x7F, 0xFB, 0x83, 0x83 })]
    [InlineData(new byte[] { 0x00, 0x00, 0x00 })]
    [InlineData(new byte[] { })]
    public void CorruptSparseRuns(byte[] opcodes)
    {
        d.Reset();
        byte[] v = [.. "HYLL"u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, .. opcodes];
        foreach (var key in new[] { "k", "k2", "k3", "k4" }) d.Same("SET", key, v);
        DirtyDelta.Same(d, "PFCOUNT", "k");
        DirtyDelta.Same(d, "PFCOUNT", "k", "missing");
        DirtyDelta.Same(d, "PFDEBUG", "TODENSE", "k2");
        d.Same("GET", "k2");
        DirtyDelta.Same(d, "PFDEBUG", "DECODE", "k");
        DirtyDelta.Same(d, "PFMERGE", "dst", "k");
        d.Same("GET", "dst");
        DirtyDelta.Same(d, "PFMERGE", "k3", "missing");
        d.Same("GET", "k3");
        DirtyDelta.Same(d, Cmd("PFADD", "k4", Range(0, 40)));
        d.Same("GET", "k4");
        DirtyDelta.Same(d, Cmd("PFADD", "k", Range(0, 1)));
        d.Same("GET", "k");
    }

    [Fact]
    public void PartialUpdateBeforeCorruption()
    {
        d.Reset();
        // Registers 0..99 as zeros, one VAL, then a run that ends short of 16384 registers: elements hashing
        // before the gap update the value, the first one past it finds the corruption.
        var v = new List<byte>("HYLL"u8.ToArray()) { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 };
        v.AddRange([0x40, 99, 0x84, 0x7F, 0x00]);
        d.Same("SET", "c", v.ToArray());
        DirtyDelta.Same(d, Cmd("PFADD", "c", Range(0, 50)));
        d.Same("GET", "c");
        d.Same("PFDEBUG", "DECODE", "c");
    }

    [Fact]
    public void CachedCardinality()
    {
        d.Reset();
        // A valid cache (top bit clear) is returned as stored, even when it is nonsense.
        var v = new List<byte>("HYLL"u8.ToArray()) { 1, 0, 0, 0, 0x39, 0x30, 0, 0, 0, 0, 0, 0 };
        v.AddRange([0x7F, 0xFF]);
        d.Same("SET", "cached", v.ToArray());
        DirtyDelta.Same(d, "PFCOUNT", "cached");
        var neg = new List<byte>("HYLL"u8.ToArray()) { 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x70 };
        neg.AddRange([0x7F, 0xFF]);
        d.Same("SET", "bigcache", neg.ToArray());
        DirtyDelta.Same(d, "PFCOUNT", "bigcache");
        DirtyDelta.Same(d, "PFADD", "cached", "x");
        d.Same("GET", "cached");
        DirtyDelta.Same(d, "PFCOUNT", "cached");
        d.Same("GET", "cached");
        DirtyDelta.Same(d, "PFCOUNT", "cached");
    }

    [Fact]
    public void KeepsTtl()
    {
        d.Reset();
        d.Script("""
            PFADD t a
            EXPIRE t 1000
            PFADD t b c d e f g
            TTL t
            PFCOUNT t
            TTL t
            PFDEBUG TODENSE t
            TTL t
            PFMERGE t missing
            TTL t
            """);
    }

    [Fact]
    public void PfDebug()
    {
        d.Reset();
        d.Same(Cmd("PFADD", "h", Range(0, 30)));
        DirtyDelta.Script(d, """
            PFDEBUG ENCODING h
            PFDEBUG DECODE h
            PFDEBUG decode h
            PFDEBUG FOO h
            PFDEBUG "FOO\x00BAR" h
            PFDEBUG "\xffx\r\ny" h
            PFDEBUG FOO missing
            PFDEBUG GETREG missing
            PFDEBUG TODENSE h
            GET h
            PFDEBUG TODENSE h
            PFDEBUG ENCODING h
            PFDEBUG DECODE h
            PFCOUNT h
            PFDEBUG GETREG h
            PFDEBUG GETREG h extra
            PFDEBUG GETREG
            PFADD sp a b c
            PFDEBUG GETREG sp
            GET sp
            PFADD e
            PFDEBUG DECODE e
            """);
    }

    [Fact]
    public void SelfTest()
    {
        d.Reset();
        d.Same("PFSELFTEST");
        d.Same("PFSELFTEST", "x");
    }

    [Fact]
    public void SparseMaxBytesConfig()
    {
        d.Reset();
        try
        {
            d.Script("""
                CONFIG GET hll-sparse-max-bytes
                CONFIG SET hll-sparse-max-bytes 100
                CONFIG GET hll-sparse-max-bytes
                CONFIG SET hll-sparse-max-bytes abc
                """);
            for (int i = 0; i < 60; i++) d.Same("PFADD", "c", "m" + i);
            d.Same("GET", "c");
            d.Same("PFDEBUG", "ENCODING", "c");
            d.Same("CONFIG", "SET", "hll-sparse-max-bytes", "0");
            d.Same("PFADD", "z", "a");
            d.Same("GET", "z");
            d.Same("PFADD", "z", "b", "c");
            d.Same("GET", "z");
            d.Same("CONFIG", "SET", "hll-sparse-max-bytes", "1kb");
            d.Same("CONFIG", "GET", "hll-sparse-max-bytes");
        }
        finally
        {
            d.Both("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
        }
    }

    [Fact]
    public void LookupStatistics()
    {
        d.Reset();
        DirtyDelta.SameLookups(d, """
            PFADD h a
            PFADD h2 b
            PFCOUNT h
            PFCOUNT h
            PFCOUNT missing
            PFCOUNT h h2 missing
            PFMERGE h3 h h2 missing
            PFMERGE h h2
            PFDEBUG ENCODING h
            PFDEBUG ENCODING missing
            """);
    }

    [Fact]
    public void Resp3()
    {
        d.Reset();
        d.Both("HELLO", "3");
        d.Script("""
            PFADD h a b c
            PFCOUNT h
            PFCOUNT h missing
            PFMERGE m h
            PFDEBUG ENCODING h
            PFDEBUG DECODE h
            PFDEBUG FOO h
            SET s x
            PFCOUNT s
            """);
    }

    [Fact]
    public void Randomized()
    {
        d.Reset();
        var rnd = new Random(1337);
        string[] keys = ["r0", "r1", "r2", "r3"];
        for (int round = 0; round < 400; round++)
        {
            int op = rnd.Next(10);
            string key = keys[rnd.Next(keys.Length)];
            if (op < 6)
            {
                int n = rnd.Next(0, rnd.Next(2) == 0 ? 5 : 300);
                var args = new List<object> { "PFADD", key };
                for (int i = 0; i < n; i++) args.Add("v" + rnd.Next(0, 20000));
                DirtyDelta.Same(d, [.. args]);
            }
            else if (op < 8)
            {
                var args = new List<object> { "PFCOUNT", key };
                int extra = rnd.Next(0, 3);
                for (int i = 0; i < extra; i++) args.Add(keys[rnd.Next(keys.Length)]);
                DirtyDelta.Same(d, [.. args]);
            }
            else
            {
                var args = new List<object> { "PFMERGE", key };
                int extra = rnd.Next(0, 3);
                for (int i = 0; i < extra; i++) args.Add(keys[rnd.Next(keys.Length)]);
                DirtyDelta.Same(d, [.. args]);
            }
            if (round % 5 == 0) d.Same("GET", key);
        }
        foreach (var k in keys) d.Same("GET", k);
    }
}
