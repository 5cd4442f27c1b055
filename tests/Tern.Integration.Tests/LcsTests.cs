using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>LCS against redis-server: the subsequence, LEN, IDX ranges with MINMATCHLEN and WITHMATCHLEN.</summary>
public sealed class LcsTests(Differential d) : IClassFixture<Differential>
{
    private const string Options = """
        LCS a b
        LCS a b LEN
        LCS a b len
        LCS a b IDX
        LCS a b IDX WITHMATCHLEN
        LCS a b IDX MINMATCHLEN 2
        LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN
        LCS a b IDX MINMATCHLEN 0
        LCS a b IDX MINMATCHLEN -5
        LCS a b IDX MINMATCHLEN 100
        LCS a b MINMATCHLEN 3 IDX
        LCS a b WITHMATCHLEN
        LCS a b MINMATCHLEN 2
        LCS a b LEN MINMATCHLEN 2 WITHMATCHLEN
        LCS b a IDX WITHMATCHLEN
        LCS a a IDX WITHMATCHLEN
        LCS a missing
        LCS missing a IDX
        LCS missing1 missing2
        LCS missing1 missing2 LEN
        LCS missing1 missing2 IDX WITHMATCHLEN
        LCS a b LEN IDX
        LCS a b IDX LEN
        LCS a b IDX MINMATCHLEN
        LCS a b IDX MINMATCHLEN x
        LCS a b IDX MINMATCHLEN 1.5
        LCS a b FOO
        LCS a b IDX FOO
        LCS a
        """;

    [Fact]
    public void Basics()
    {
        d.Reset();
        d.Script("""
            MSET a ohmytext b mynewtext
            """ + "\n" + Options);
    }

    [Fact]
    public void EdgeStrings()
    {
        d.Reset();
        d.Script("""
            SET a ""
            SET b abc
            LCS a b
            LCS a b IDX
            LCS b a IDX WITHMATCHLEN
            SET a abc
            LCS a b IDX WITHMATCHLEN
            SET a xyz
            LCS a b
            LCS a b IDX
            SET a 1234567
            SET b 99345
            LCS a b IDX WITHMATCHLEN
            SET a "a\x00b\xffc"
            SET b "\x00\xff"
            LCS a b
            LCS a b IDX
            SET a aaaaaaaaaa
            SET b aaa
            LCS a b IDX WITHMATCHLEN
            SET a abcabcabc
            SET b cbacbacba
            LCS a b IDX WITHMATCHLEN
            """);
    }

    [Fact]
    public void Randomized()
    {
        d.Reset();
        var rnd = new Random(99);
        for (int round = 0; round < 60; round++)
        {
            var a = new byte[rnd.Next(0, 60)];
            var b = new byte[rnd.Next(0, 60)];
            int alphabet = rnd.Next(1, 6);
            for (int i = 0; i < a.Length; i++) a[i] = (byte)('a' + rnd.Next(alphabet));
            for (int i = 0; i < b.Length; i++) b[i] = (byte)('a' + rnd.Next(alphabet));
            d.Same("MSET", "a", a, "b", b);
            d.Same("LCS", "a", "b");
            d.Same("LCS", "a", "b", "LEN");
            d.Same("LCS", "a", "b", "IDX", "WITHMATCHLEN");
            d.Same("LCS", "a", "b", "IDX", "MINMATCHLEN", rnd.Next(0, 5));
        }
    }

    [Fact]
    public void LongStrings()
    {
        d.Reset();
        var rnd = new Random(5);
        var a = new byte[3000];
        var b = new byte[2500];
        for (int i = 0; i < a.Length; i++) a[i] = (byte)('a' + rnd.Next(4));
        for (int i = 0; i < b.Length; i++) b[i] = (byte)('a' + rnd.Next(4));
        d.Same("MSET", "a", a, "b", b);
        d.Same("LCS", "a", "b");
        d.Same("LCS", "a", "b", "IDX", "MINMATCHLEN", 4, "WITHMATCHLEN");
    }

    [Fact]
    public void TableLimitFollowsProtoMaxBulkLen()
    {
        d.Reset();
        try
        {
            d.Same("CONFIG", "SET", "proto-max-bulk-len", "1mb");
            d.Same("MSET", "a", new string('x', 600), "b", new string('y', 600));
            d.Same("LCS", "a", "b", "LEN");
            d.Same("SET", "b", new string('y', 300));
            d.Same("LCS", "a", "b", "LEN");
        }
        finally
        {
            d.Both("CONFIG", "SET", "proto-max-bulk-len", "512mb");
        }
    }

    [Fact]
    public void LookupStatistics()
    {
        d.Reset();
        DirtyDelta.SameLookups(d, """
            SET a abc
            LCS a missing
            LCS a a
            LCS missing1 missing2 LEN
            INCRBYFLOAT f 1
            INCRBYFLOAT f 1
            """);
    }

    [Fact]
    public void Resp3()
    {
        d.Reset();
        d.Both("HELLO", "3");
        d.Script("""
            MSET a ohmytext b mynewtext
            """ + "\n" + Options);
    }
}
