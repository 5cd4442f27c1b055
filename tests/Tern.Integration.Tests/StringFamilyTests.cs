using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>String commands, replayed against redis-server and Tern, replies compared byte for byte.</summary>
public sealed class StringFamilyTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void GetSetBasics()
    {
        d.Reset();
        d.Script("""
            GET missing
            SET k v
            GET k
            SET k ""
            GET k
            SET "bin\x00key" "val\r\nue"
            GET "bin\x00key"
            SET k v extra
            SET k
            GET
            get k
            sEt k V2
            """);
    }

    /// <summary>Every string command against a list key: WRONGTYPE (or what Redis answers) byte for byte.</summary>
    [Fact]
    public void StringCommandsAgainstAList()
    {
        d.Reset();
        d.Script("""
            LPUSH list a
            GET list
            INCR list
            DECR list
            INCRBY list 5
            INCRBY list x
            DECRBY list 5
            INCRBYFLOAT list 1.5
            INCRBYFLOAT list x
            APPEND list x
            STRLEN list
            GETRANGE list 0 -1
            GETRANGE list x y
            SUBSTR list 0 -1
            SETRANGE list 0 x
            SETRANGE list 0 ""
            SETRANGE list -1 x
            MGET list nope list
            GETSET list v
            GETDEL list
            GETEX list
            GETEX list EX 10
            GETEX list PERSIST
            SET list v GET
            SET list v NX GET
            SET list v XX GET
            SET list v GET EX 10
            SETNX list v
            MSETNX list v other w
            EXISTS other
            LRANGE list 0 -1
            SET list v XX
            TYPE list
            GET list
            LPUSH list2 a
            SET list2 v
            GET list2
            LPUSH list3 a
            MSET list3 v
            GET list3
            LPUSH list4 a
            SETEX list4 10 v
            TYPE list4
            LPUSH list5 a
            PSETEX list5 10000 v
            TYPE list5
            """);
    }

    [Theory]
    [InlineData("SET k v NX")]
    [InlineData("SET k v XX")]
    [InlineData("SET k v NX XX")]
    [InlineData("SET k v XX NX")]
    [InlineData("SET k v GET")]
    [InlineData("SET k v NX GET")]
    [InlineData("SET k v EX 10")]
    [InlineData("SET k v PX 100000")]
    [InlineData("SET k v EX 0")]
    [InlineData("SET k v EX -5")]
    [InlineData("SET k v EX abc")]
    [InlineData("SET k v EX 10 PX 10")]
    [InlineData("SET k v EX")]
    [InlineData("SET k v KEEPTTL")]
    [InlineData("SET k v KEEPTTL EX 10")]
    [InlineData("SET k v EX 10 KEEPTTL")]
    [InlineData("SET k v EXAT 1")]
    [InlineData("SET k v PXAT 99999999999999")]
    [InlineData("SET k v EX 9223372036854775807")]
    [InlineData("SET k v EX 9223372036854775")]
    [InlineData("SET k v PX 9223372036854775807")]
    [InlineData("SET k v PERSIST")]
    [InlineData("SET k v FOO")]
    public void SetOptions(string line)
    {
        d.Reset();
        d.Same(Differential.SplitLine(line));
        d.Same("GET", "k");
        d.Same("SET", "k", "old");
        d.Same(Differential.SplitLine(line));
        d.Same("GET", "k");
    }

    [Fact]
    public void Counters()
    {
        d.Reset();
        d.Script("""
            INCR n
            INCR n
            INCRBY n 10
            INCRBY n -100
            DECR n
            DECRBY n 5
            DECRBY n -9223372036854775808
            SET big 9223372036854775807
            INCR big
            SET small -9223372036854775808
            DECR small
            INCRBY n +1
            INCRBY n " 1"
            INCRBY n 01
            INCRBY n 1.5
            INCRBY n 99999999999999999999
            SET s abc
            INCR s
            SET sp " 1"
            INCR sp
            SET z 0
            INCR z
            SET neg -0
            INCR neg
            INCRBYFLOAT f 1.5
            INCRBYFLOAT f 0.1
            INCRBYFLOAT f -1.6
            INCRBYFLOAT f 1e400
            INCRBYFLOAT f abc
            INCRBYFLOAT f inf
            SET f2 10.5
            INCRBYFLOAT f2 0.1
            INCRBYFLOAT f2 3e5
            """);
    }

    [Fact]
    public void IncrByFloatExact()
    {
        d.Reset();
        d.Script("""
            INCRBYFLOAT a 0.1
            INCRBYFLOAT a 0.2
            INCRBYFLOAT a 0.3
            INCRBYFLOAT a -0.6
            INCRBYFLOAT a 1e-17
            INCRBYFLOAT a 5e-18
            INCRBYFLOAT a 1e-30
            INCRBYFLOAT a -1e-30
            INCRBYFLOAT b -0
            INCRBYFLOAT b -0.0
            INCRBYFLOAT c -1e-20
            GET c
            INCRBYFLOAT d 0.000003814697265625
            INCRBYFLOAT d2 0.000003814697265625e1
            INCRBYFLOAT e 12345678901234567890
            INCRBYFLOAT e 0.5
            INCRBYFLOAT e 18446744073709551616
            INCRBYFLOAT g 1e4000
            INCRBYFLOAT g 1
            INCRBYFLOAT h 1.18973149535723176502e4932
            INCRBYFLOAT h 1e4932
            INCRBYFLOAT h -1.18973149535723176502e4932
            INCRBYFLOAT i 1e4933
            INCRBYFLOAT i 1e-4951
            INCRBYFLOAT i 4e-4951
            INCRBYFLOAT i 1e-5000
            INCRBYFLOAT j 0x10
            INCRBYFLOAT j 0x1.8p1
            INCRBYFLOAT j 0X.8P-1
            INCRBYFLOAT j 0x
            INCRBYFLOAT j 0x1p
            INCRBYFLOAT k 1.5e+2
            INCRBYFLOAT k 2E-1
            INCRBYFLOAT k .5
            INCRBYFLOAT k 5.
            INCRBYFLOAT k +3
            INCRBYFLOAT k 1e
            INCRBYFLOAT k .
            INCRBYFLOAT k "1 "
            INCRBYFLOAT k " 1"
            INCRBYFLOAT k nan
            INCRBYFLOAT k NaN
            INCRBYFLOAT k -inf
            INCRBYFLOAT k Infinity
            INCRBYFLOAT k infinit
            INCRBYFLOAT k ""
            INCRBYFLOAT k "1\x002"
            INCRBYFLOAT k 00001.5000
            INCRBYFLOAT k 0.99999999999999999999
            INCRBYFLOAT k 123456789.123456789123456789
            GET k
            SET inf inf
            INCRBYFLOAT inf 1
            SET negzero -0
            INCRBYFLOAT negzero 0
            SET sp " 1.5"
            INCRBYFLOAT sp 1
            SET hex 0x1p3
            INCRBYFLOAT hex 1
            SET int 9223372036854775807
            INCRBYFLOAT int 1
            INCRBYFLOAT int 0.5
            SET third 0.333333333333333333333333333333
            INCRBYFLOAT third 0.333333333333333333333333333333
            INCRBYFLOAT third 0.333333333333333333333333333333
            SET t 1 EX 1000
            INCRBYFLOAT t 1.5
            TTL t
            INCRBYFLOAT t
            """);
        // Long inputs: up to Redis's 5119-character limit.
        d.Same("INCRBYFLOAT", "l", "1." + new string('1', 5000));
        d.Same("INCRBYFLOAT", "l", "0." + new string('0', 5116) + "1");
        d.Same("INCRBYFLOAT", "l", "0." + new string('0', 5117) + "1");
        d.Same("INCRBYFLOAT", "l", new string('9', 4000));
        d.Same("GET", "l");
    }

    [Fact]
    public void IncrByFloatRandomized()
    {
        d.Reset();
        var rnd = new Random(31337);
        for (int i = 0; i < 300; i++)
        {
            string by = rnd.Next(5) switch
            {
                0 => (rnd.NextDouble() * 1000 - 500).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                1 => rnd.Next(-1000, 1000) + "." + rnd.Next(0, 1000000).ToString("D6"),
                2 => rnd.Next(1, 10) + "e" + rnd.Next(-30, 30),
                3 => "-" + rnd.Next(1, 10) + "." + rnd.Next(0, 100) + "e" + rnd.Next(-20, 20),
                _ => rnd.NextInt64(long.MinValue, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            d.Same("INCRBYFLOAT", "r" + rnd.Next(3), by);
        }
    }

    [Fact]
    public void RangesAndLengths()
    {
        d.Reset();
        d.Script("""
            SET s "Hello World"
            GETRANGE s 0 4
            GETRANGE s -5 -1
            GETRANGE s 5 2
            GETRANGE s -1 -5
            GETRANGE s 0 100
            GETRANGE s -100 2
            GETRANGE missing 0 10
            GETRANGE s a 1
            SUBSTR s 1 3
            STRLEN s
            STRLEN missing
            APPEND s "!!"
            APPEND new abc
            GET s
            SETRANGE s 6 Redis
            SETRANGE s 20 x
            GET s
            SETRANGE s -1 x
            SETRANGE empty 0 ""
            EXISTS empty
            SETRANGE s 0 ""
            SETRANGE pad 3 x
            GET pad
            SETRANGE s 536870912 x
            """);
    }

    [Fact]
    public void MultiKey()
    {
        d.Reset();
        d.Script("""
            MSET a 1 b 2 c 3
            MGET a b c missing
            MSET a 1 b
            MSETNX a 1 x 2
            MSETNX x 1 y 2
            MGET x y
            GETSET a new
            GETSET nokey v
            GETDEL a
            GETDEL a
            SETNX a 1
            SETNX a 2
            GET a
            """);
    }

    [Fact]
    public void ExpiryVariants()
    {
        d.Reset();
        d.Script("""
            SETEX k 100 v
            TTL k
            SETEX k 0 v
            SETEX k -1 v
            SETEX k abc v
            PSETEX k 100000 v
            GETEX k
            GETEX k PERSIST
            TTL k
            GETEX k EX 100
            TTL k
            GETEX k PX 0
            GETEX k EXAT 1
            EXISTS k
            GETEX missing EX 10
            SET k v
            GETEX k PERSIST EX 10
            GETEX k FOO
            """);
    }
}
