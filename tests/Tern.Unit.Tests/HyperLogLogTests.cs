using System.Text;
using Tern.Server.Storage;

namespace Tern.Unit.Tests;

/// <summary>The HLL building blocks; whole values are compared with redis-server in the integration tests.</summary>
public sealed class HyperLogLogTests
{
    /// <summary>Vectors from MurmurHash64A compiled from its reference description with gcc, seed 0xadc83b19.</summary>
    [Theory]
    [InlineData("", 0xD8DFEA6585BC9732UL)]
    [InlineData("a", 0x53D2470A9B43B1A7UL)]
    [InlineData("foo", 0xE64609B8B0141CB4UL)]
    [InlineData("hello world", 0xA919BC3051F624B7UL)]
    [InlineData("0123456789abcdef", 0x9F8565428EAA573DUL)]
    [InlineData("0123456789abcdefg", 0xF6C82F549ACEB6E9UL)]
    public void MurmurHash64A(string input, ulong expected)
    {
        Assert.Equal(expected, HyperLogLog.MurmurHash64A(Encoding.ASCII.GetBytes(input), 0xadc83b19));
    }

    [Fact]
    public void DenseRegistersDoNotDisturbNeighbours()
    {
        var regs = new byte[HyperLogLog.DenseSize - HyperLogLog.HeaderSize];
        var rnd = new Random(3);
        var expected = new int[HyperLogLog.Registers];
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                expected[i] = rnd.Next(64);
                HyperLogLog.DenseSet(regs, i, expected[i]);
            }
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], HyperLogLog.DenseGet(regs, i));
        }
    }

    [Fact]
    public void EmptyValueIsValidSparseWithZeroCount()
    {
        var empty = HyperLogLog.Empty;
        Assert.True(HyperLogLog.IsValid(empty));
        Assert.Equal(18, empty.Length);
        Assert.Equal(0UL, HyperLogLog.Count(empty, out bool invalid));
        Assert.False(invalid);
        Assert.Equal(0UL, HyperLogLog.CountRaw(new byte[HyperLogLog.Registers]));
    }

    [Fact]
    public void SparseAndDenseAgree()
    {
        var sparse = new HyperLogLog.Buffer();
        sparse.Load(HyperLogLog.Empty);
        var dense = new HyperLogLog.Buffer();
        dense.Load(HyperLogLog.Empty);
        Assert.True(dense.ToDense());
        Assert.Equal(HyperLogLog.DenseSize, dense.Length);
        for (int i = 0; i < 2000; i++)
        {
            var e = Encoding.ASCII.GetBytes("e" + i);
            Assert.True(sparse.Add(e, 3000) >= 0);
            dense.Add(e, 3000);
            if (i % 250 == 0)
                Assert.Equal(HyperLogLog.Count(dense.Span, out _), HyperLogLog.Count(sparse.Span, out _));
        }
        Assert.True(sparse.IsDense);
        Assert.True(sparse.Span[16..].SequenceEqual(dense.Span[16..]));
        ulong n = HyperLogLog.Count(dense.Span, out _);
        Assert.InRange(n, 1900UL, 2100UL);
    }

    [Fact]
    public void CorruptSparseIsReported()
    {
        byte[] v = [.. "HYLL"u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x7F, 0xFF, 0x80];
        HyperLogLog.Count(v, out bool invalid);
        Assert.True(invalid);
        Assert.False(HyperLogLog.Merge(new byte[HyperLogLog.Registers], v));
        var b = new HyperLogLog.Buffer();
        b.Load(v);
        Assert.False(b.ToDense());
    }
}
