using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>Bit commands, replayed against redis-server and Tern, replies (and change counts) compared.</summary>
public sealed class BitmapFamilyTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void SetBitGetBit()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            SETBIT b 7 1
            GET b
            SETBIT b 7 1
            SETBIT b 7 0
            SETBIT b 0 1
            GET b
            GETBIT b 0
            GETBIT b 1
            GETBIT b 7
            GETBIT b 100
            GETBIT missing 5
            SETBIT b 100 0
            STRLEN b
            GET b
            SETBIT b 100 0
            SETBIT z 0 0
            GET z
            SET n 12345
            GETBIT n 2
            SETBIT n 2 1
            GET n
            SETBIT n 1 0
            SETBIT b -1 1
            SETBIT b abc 1
            SETBIT b "" 1
            SETBIT b 01 1
            SETBIT b 4294967296 1
            SETBIT b 9223372036854775807 1
            SETBIT b 1 2
            SETBIT b 1 -1
            SETBIT b 1 a
            SETBIT b 1 ""
            SETBIT b -1 2
            GETBIT b -1
            GETBIT b 4294967296
            GETBIT b x
            SETBIT b 1
            GETBIT b
            """);
    }

    [Fact]
    public void SetBitKeepsTtl()
    {
        d.Reset();
        d.Script("""
            SET k abc EX 1000
            SETBIT k 100 1
            TTL k
            SETBIT k 1 1
            TTL k
            GET k
            """);
    }

    [Fact]
    public void BitCount()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            SET s foobar
            BITCOUNT s
            BITCOUNT s 0 0
            BITCOUNT s 1 1
            BITCOUNT s 1 -1
            BITCOUNT s -2 -1
            BITCOUNT s -1 -2
            BITCOUNT s 5 2
            BITCOUNT s 0 100
            BITCOUNT s -100 -50
            BITCOUNT s -100 100
            BITCOUNT s 0 0 BYTE
            BITCOUNT s 0 0 byte
            BITCOUNT s 0 0 BIT
            BITCOUNT s 1 5 BIT
            BITCOUNT s 5 30 bit
            BITCOUNT s -5 -1 BIT
            BITCOUNT s -1 -5 BIT
            BITCOUNT s 0 47 BIT
            BITCOUNT s 0 1000 BIT
            BITCOUNT s 7 7 BIT
            BITCOUNT s 8 15 BIT
            BITCOUNT s 3 4 BIT
            BITCOUNT s 0 0 FOO
            BITCOUNT s 0
            BITCOUNT s 0 1 BIT x
            BITCOUNT s a 1
            BITCOUNT s 1 a
            BITCOUNT s 0 1.5
            BITCOUNT missing
            BITCOUNT missing 0
            BITCOUNT missing a b
            BITCOUNT missing 0 1 FOO
            SET e ""
            BITCOUNT e
            BITCOUNT e 0 -1
            BITCOUNT e 0 -1 BIT
            SET n 1234567
            BITCOUNT n
            BITCOUNT n 1 2
            SET long "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            BITCOUNT long
            BITCOUNT long 3 60
            BITCOUNT long 3 470 BIT
            """);
    }

    [Fact]
    public void BitPos()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            SET s "\xff\xf0\x00"
            BITPOS s 0
            BITPOS s 1
            BITPOS s 0 0
            BITPOS s 0 1
            BITPOS s 1 2
            BITPOS s 1 2 -1
            BITPOS s 0 0 0
            BITPOS s 0 0 -1
            BITPOS s 0 2 -1 BYTE
            BITPOS s 0 2 -1 byte
            BITPOS s 1 7 15 BIT
            BITPOS s 0 7 15 BIT
            BITPOS s 0 0 7 BIT
            BITPOS s 0 0 11 BIT
            BITPOS s 0 0 12 BIT
            BITPOS s 1 12 23 BIT
            BITPOS s 1 -1 -1 BIT
            BITPOS s 0 -1 -1 BIT
            BITPOS s 1 3 3 BIT
            BITPOS s 0 5 3 BIT
            BITPOS s 0 100 200
            BITPOS s 1 -100 100
            BITPOS s 1 0 1 FOO
            BITPOS s 2
            BITPOS s -1
            BITPOS s a
            BITPOS s 1 a
            BITPOS s 1 0 a
            BITPOS s 1 0 1 BIT x
            BITPOS missing 0
            BITPOS missing 1
            BITPOS missing 1 0 1 FOO x
            BITPOS missing 2
            SET ones "\xff\xff\xff"
            BITPOS ones 0
            BITPOS ones 0 0
            BITPOS ones 0 0 -1
            BITPOS ones 0 1 2 BIT
            BITPOS ones 1
            SET zeros "\x00\x00\x00"
            BITPOS zeros 1
            BITPOS zeros 0
            BITPOS zeros 1 0 -1
            BITPOS zeros 1 3 20 BIT
            SET e ""
            BITPOS e 0
            BITPOS e 1
            BITPOS e 0 0 -1
            SET n 1
            BITPOS n 1
            BITPOS n 0
            """);
    }

    [Fact]
    public void BitPosAndCountRandomized()
    {
        d.Reset();
        var rnd = new Random(4242);
        for (int round = 0; round < 40; round++)
        {
            int len = rnd.Next(0, 40);
            var v = new byte[len];
            for (int i = 0; i < len; i++)
            {
                int kind = rnd.Next(4);
                v[i] = kind == 0 ? (byte)0 : kind == 1 ? (byte)0xFF : (byte)rnd.Next(256);
            }
            d.Same("SET", "r", v);
            for (int q = 0; q < 30; q++)
            {
                long start = rnd.Next(-len * 8 - 10, len * 8 + 10);
                long end = rnd.Next(-len * 8 - 10, len * 8 + 10);
                string unit = rnd.Next(2) == 0 ? "BIT" : "BYTE";
                d.Same("BITCOUNT", "r", start, end, unit);
                d.Same("BITPOS", "r", rnd.Next(2), start, end, unit);
                d.Same("BITPOS", "r", rnd.Next(2), start, end);
                d.Same("BITPOS", "r", rnd.Next(2), start);
            }
        }
    }

    [Fact]
    public void BitOp()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            SET a "\x0f\xf0\xaa"
            SET b "\xff\x00"
            SET c "\x01"
            BITOP AND dest a b
            GET dest
            BITOP or dest a b c
            GET dest
            BITOP XoR dest a b c
            GET dest
            BITOP NOT dest a
            GET dest
            BITOP AND dest a missing
            GET dest
            BITOP OR dest missing a
            GET dest
            BITOP AND dest missing1 missing2
            EXISTS dest
            BITOP AND dest missing1 missing2
            BITOP NOT dest missing
            BITOP NOT dest a b
            BITOP FOO dest a
            BITOP NOTT dest a
            BITOP AND a a b
            GET a
            SET e ""
            BITOP OR dest e
            EXISTS dest
            SET n 255
            BITOP NOT dest n
            GET dest
            BITOP
            BITOP AND dest
            """);
    }

    [Fact]
    public void BitOpLongInputsAndTtl()
    {
        d.Reset();
        var rnd = new Random(7);
        for (int round = 0; round < 10; round++)
        {
            for (int k = 0; k < 5; k++)
            {
                var v = new byte[rnd.Next(0, 200)];
                rnd.NextBytes(v);
                d.Same("SET", "k" + k, v);
            }
            foreach (var op in new[] { "AND", "OR", "XOR" })
            {
                DirtyDelta.Same(d, "BITOP", op, "dest", "k0", "k1", "k2", "k3", "k4");
                d.Same("GET", "dest");
                DirtyDelta.Same(d, "BITOP", op, "dest", "k0", "k1");
                d.Same("GET", "dest");
            }
            DirtyDelta.Same(d, "BITOP", "NOT", "dest", "k3");
            d.Same("GET", "dest");
        }
        d.Script("""
            SET dest x EX 1000
            BITOP OR dest k0 k1
            TTL dest
            """);
    }

    [Fact]
    public void BitField()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            BITFIELD bf
            EXISTS bf
            BITFIELD bf GET u8 0
            EXISTS bf
            BITFIELD bf SET u8 0 255
            GET bf
            BITFIELD bf SET u8 0 255
            BITFIELD bf GET u8 0 GET i8 0 GET u4 4 GET i4 4 GET u1 0 GET i1 0
            BITFIELD bf INCRBY u8 0 10
            BITFIELD bf OVERFLOW SAT INCRBY u8 0 300 OVERFLOW FAIL INCRBY u8 0 1 OVERFLOW WRAP INCRBY u8 0 1
            BITFIELD bf SET i8 #1 -100 GET i8 #1 GET u8 #1 INCRBY i8 #1 -100
            BITFIELD bf OVERFLOW SAT INCRBY i8 #1 -100 OVERFLOW sat INCRBY i8 #1 1000
            BITFIELD bf OVERFLOW fail INCRBY i8 #1 1000 GET i8 #1
            BITFIELD bf SET i64 0 -1 GET i64 0 GET u63 0 GET u63 1
            BITFIELD bf INCRBY i64 0 -9223372036854775807
            BITFIELD bf INCRBY i64 0 -9223372036854775807
            BITFIELD bf OVERFLOW SAT INCRBY i64 0 -9223372036854775807
            BITFIELD bf OVERFLOW SAT SET i64 0 9223372036854775807 INCRBY i64 0 1
            BITFIELD bf OVERFLOW FAIL INCRBY i64 0 1 INCRBY i64 0 -1
            BITFIELD bf SET u63 3 9223372036854775807 GET u63 3
            BITFIELD bf SET u5 100 40 OVERFLOW SAT SET u5 100 40 OVERFLOW FAIL SET u5 100 40 GET u5 100
            BITFIELD bf SET u5 100 -1 OVERFLOW SAT SET u5 105 -1 GET u5 100 GET u5 105
            BITFIELD bf SET i5 120 -17 OVERFLOW SAT SET i5 125 -17 OVERFLOW FAIL SET i5 130 -17 GET i5 120 GET i5 125
            BITFIELD bf OVERFLOW SAT INCRBY u3 200 -5 OVERFLOW WRAP INCRBY u3 203 -5
            BITFIELD bf GET u8 1000 GET i64 990
            BITFIELD bf OVERFLOW FAIL INCRBY u8 5000 1000
            GET bf
            STRLEN bf
            BITFIELD new OVERFLOW FAIL SET u2 0 9
            EXISTS new
            STRLEN new
            BITFIELD bf get u8 0 Set u8 0 1 incrBY u8 0 1 overflow Wrap
            BITFIELD bf GET u64 0
            BITFIELD bf GET i65 0
            BITFIELD bf GET i0 0
            BITFIELD bf GET u0 0
            BITFIELD bf GET I8 0
            BITFIELD bf GET U8 0
            BITFIELD bf GET x8 0
            BITFIELD bf GET "" 0
            BITFIELD bf GET i08 0
            BITFIELD bf GET "i8\x00x" 0
            BITFIELD bf GET i8 -1
            BITFIELD bf GET i8 #-1
            BITFIELD bf GET i8 a
            BITFIELD bf GET i8 ""
            BITFIELD bf GET i8 #
            BITFIELD bf GET i8 ##1
            BITFIELD bf GET i8 4294967296
            BITFIELD bf GET i8 #536870912
            BITFIELD bf GET i8 #1152921504606846976
            BITFIELD bf GET i64 #1152921504606846976
            BITFIELD bf SET i8 0 a
            BITFIELD bf SET i8 0 1.5
            BITFIELD bf INCRBY i8 0 99999999999999999999
            BITFIELD bf SET i8 0
            BITFIELD bf GET i8
            BITFIELD bf GET
            BITFIELD bf OVERFLOW
            BITFIELD bf OVERFLOW FOO
            BITFIELD bf OVERFLOW FOO GET i8 0
            BITFIELD bf FOO
            BITFIELD bf GET i8 0 FOO
            BITFIELD bf SET i8 0 1 OVERFLOW FOO
            BITFIELD bf SET i8 a 1 GET x 1
            """);
    }

    [Fact]
    public void BitFieldReadOnly()
    {
        d.Reset();
        DirtyDelta.Script(d, """
            SET r "\x80\x01\xff"
            BITFIELD_RO r GET u8 0 GET i8 0 GET u16 4 GET i3 22 GET u8 100
            BITFIELD_RO r
            BITFIELD_RO missing GET u8 0
            EXISTS missing
            BITFIELD_RO r SET u8 0 1
            BITFIELD_RO r INCRBY u8 0 1
            BITFIELD_RO r GET u8 0 OVERFLOW SAT
            BITFIELD_RO r OVERFLOW SAT GET u8 0
            BITFIELD_RO r GET u64 0
            BITFIELD_RO r SET u8 0 a
            BITFIELD_RO r FOO
            BITFIELD_RO r GET u8 #2
            GET r
            """);
    }

    [Fact]
    public void BitFieldKeepsTtl()
    {
        d.Reset();
        d.Script("""
            SET k a EX 1000
            BITFIELD k SET u8 80 1
            TTL k
            GET k
            """);
    }

    [Fact]
    public void LookupStatistics()
    {
        d.Reset();
        DirtyDelta.SameLookups(d, """
            SETBIT b 1 1
            SETBIT m 1 1
            GETBIT b 1
            GETBIT nob 1
            BITCOUNT b
            BITCOUNT nob
            BITPOS b 1
            BITPOS nob 1
            BITOP OR dest b nob
            BITOP AND dest2 nob1 nob2
            BITFIELD b GET u8 0
            BITFIELD nob GET u8 0
            BITFIELD b SET u8 0 1
            BITFIELD_RO b GET u8 0
            BITFIELD_RO nob GET u8 0
            """);
    }

    [Fact]
    public void Resp3()
    {
        d.Reset();
        d.Both("HELLO", "3");
        d.Script("""
            SETBIT b 3 1
            GETBIT b 3
            BITCOUNT b
            BITPOS b 1
            BITOP NOT d b
            BITFIELD b OVERFLOW FAIL INCRBY u2 0 9 GET u8 0 SET i8 0 -1
            BITFIELD_RO b GET i8 0
            BITFIELD b GET x 0
            BITFIELD missing GET u8 0
            """);
    }

    [Fact]
    public void BitFieldRandomized()
    {
        d.Reset();
        var rnd = new Random(20240607);
        string[] overflows = ["WRAP", "SAT", "FAIL"];
        for (int round = 0; round < 300; round++)
        {
            var args = new List<object> { round % 10 == 0 ? "BITFIELD_RO" : "BITFIELD", "f" + rnd.Next(3) };
            int ops = rnd.Next(0, 6);
            for (int i = 0; i < ops; i++)
            {
                if (rnd.Next(5) == 0)
                {
                    args.Add("OVERFLOW");
                    args.Add(overflows[rnd.Next(3)]);
                }
                bool signed = rnd.Next(2) == 0;
                int bits = signed ? rnd.Next(1, 65) : rnd.Next(1, 64);
                string type = (signed ? "i" : "u") + bits;
                string offset = rnd.Next(4) == 0 ? "#" + rnd.Next(0, 12) : rnd.Next(0, 300).ToString();
                int kind = rnd.Next(3);
                if (round % 10 == 0) kind = 0;
                long value = rnd.Next(4) switch
                {
                    0 => rnd.Next(-300, 300),
                    1 => rnd.NextInt64(long.MinValue, long.MaxValue),
                    2 => (rnd.Next(2) == 0 ? 1L : -1L) << rnd.Next(0, 63),
                    _ => rnd.Next(2) == 0 ? long.MaxValue : long.MinValue,
                };
                switch (kind)
                {
                    case 0:
                        args.AddRange(["GET", type, offset]);
                        break;
                    case 1:
                        args.AddRange(["SET", type, offset, value]);
                        break;
                    default:
                        args.AddRange(["INCRBY", type, offset, value]);
                        break;
                }
            }
            DirtyDelta.Same(d, [.. args]);
            if (round % 7 == 0) d.Same("GET", args[1]);
        }
        for (int k = 0; k < 3; k++) d.Same("GET", "f" + k);
    }
}
