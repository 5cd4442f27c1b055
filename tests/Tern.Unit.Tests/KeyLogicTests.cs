using Tern.Server.Commands;
using System.Security.Cryptography;
using System.Text;
using Tern.Server.Families;
using Tern.Server.Storage;
using Tern.Rdb;

namespace Tern.Unit.Tests;

/// <summary>Pure logic behind the key commands and DEBUG: SCAN cursors, LZF, digests, small integers.</summary>
public sealed class KeyLogicTests
{
    [Theory]
    [InlineData("0", true, 0UL)]
    [InlineData("", true, 0UL)]
    [InlineData("007", true, 7UL)]
    [InlineData("+5", true, 5UL)]
    [InlineData("-1", true, ulong.MaxValue)]
    [InlineData("-0", true, 0UL)]
    [InlineData("18446744073709551615", true, ulong.MaxValue)]
    [InlineData("-18446744073709551615", true, 1UL)]
    [InlineData("18446744073709551616", false, 0UL)]
    [InlineData("-18446744073709551616", false, 0UL)]
    [InlineData(" 1", false, 0UL)]
    [InlineData("1 ", false, 0UL)]
    [InlineData("1x", false, 0UL)]
    [InlineData("+", false, 0UL)]
    [InlineData("-", false, 0UL)]
    [InlineData("0x10", false, 0UL)]
    [InlineData("5\0junk", true, 5UL)]
    [InlineData("\0", true, 0UL)]
    public void ScanCursorFollowsStrtoul(string text, bool ok, ulong value)
    {
        Assert.Equal(ok, ScanArgs.TryParseCursor(Encoding.Latin1.GetBytes(text), out ulong cursor));
        if (ok) Assert.Equal(value, cursor);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("5", 5)]
    [InlineData("9999", 9999)]
    [InlineData("10000", -1)]
    [InlineData("05", -1)]
    [InlineData("-1", -1)]
    [InlineData("+1", -1)]
    [InlineData("", -1)]
    [InlineData("1a", -1)]
    [InlineData("99999999999", -1)]
    public void SmallIntegersAreTheCanonicalOnes(string text, int expected) =>
        Assert.Equal(expected, PackedString.ParseSmallInteger(Encoding.ASCII.GetBytes(text), 10000));

    [Theory]
    [InlineData("12", 12)]
    [InlineData("  -3x", -3)]
    [InlineData("abc", 0)]
    [InlineData("", 0)]
    [InlineData("+7", 7)]
    public void AtoiReadsALeadingInteger(string text, long expected) =>
        Assert.Equal(expected, DebugFamily.Atoi(Encoding.ASCII.GetBytes(text)));

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("abc", 0)]
    [InlineData(" .25s", 0.25)]
    [InlineData("2e1x", 20)]
    [InlineData("-1", -1)]
    public void StrtodReadsALeadingNumber(string text, double expected) =>
        Assert.Equal(expected, DebugFamily.StrtodPrefix(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void LzfMatchesRedisSizes()
    {
        // Sizes observed from redis-server 7.0: DEBUG OBJECT serializedlength 13 and 51, minus 4 header bytes
        // (encoding byte, compressed length, original length in 2 bytes).
        Assert.Equal(9, Compressed(new string('a', 82)));
        Assert.Equal(47, Compressed("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789abcdefghij"));
        // Incompressible: does not fit in len-4 bytes.
        Assert.Equal(0, Compressed("abcdefghijklmnopqrstuvwxyz"));
    }

    private static int Compressed(string s)
    {
        var input = Encoding.ASCII.GetBytes(s);
        return Lzf.Compress(input, new byte[input.Length - 4]);
    }

    [Fact]
    public void LzfOutputDecompressesToTheInput()
    {
        var rng = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            int len = rng.Next(1, 5000);
            var input = new byte[len];
            // Mixtures of runs, repeats and noise exercise literals, short and long back references.
            for (int i = 0; i < len; i++)
                input[i] = rng.Next(4) switch
                {
                    0 => (byte)rng.Next(256),
                    1 => (byte)'a',
                    _ => i >= 300 ? input[i - rng.Next(1, 300)] : (byte)(i % 7),
                };
            var output = new byte[len + 64];
            int n = Lzf.Compress(input, output);
            Assert.True(n > 0);
            Assert.Equal(input, Decompress(output.AsSpan(0, n), len));
            // When the output is too small the compressor says so instead of writing past it.
            if (n > 4) Assert.Equal(0, Lzf.Compress(input, new byte[n - 1]));
        }
    }

    /// <summary>An LZF decoder written from the format description, to check the encoder's output.</summary>
    private static byte[] Decompress(ReadOnlySpan<byte> src, int length)
    {
        var dst = new byte[length];
        int ip = 0, op = 0;
        while (ip < src.Length)
        {
            int ctrl = src[ip++];
            if (ctrl < 32)
            {
                int n = ctrl + 1;
                src.Slice(ip, n).CopyTo(dst.AsSpan(op));
                ip += n;
                op += n;
            }
            else
            {
                int len = ctrl >> 5;
                if (len == 7) len += src[ip++];
                int from = op - ((ctrl & 0x1f) << 8) - src[ip++] - 1;
                len += 2;
                for (int k = 0; k < len; k++) dst[op++] = dst[from++];
            }
        }
        Assert.Equal(length, op);
        return dst;
    }

    [Fact]
    public void DigestOfAStringFollowsRedisSteps()
    {
        var a = PackedString.Create("k"u8, "v"u8, 0, 0);
        var d = new byte[20];
        Assert.True(Digest.DigestValue(a, d));
        // Mix(type 0 as 4 big-endian bytes), Mix(value).
        var e = new byte[20];
        MixManual(e, [0, 0, 0, 0]);
        MixManual(e, "v"u8.ToArray());
        Assert.Equal(e, d);
        // With a TTL: the expiry marker is xored in.
        var withTtl = PackedString.Create("k"u8, "v"u8, 123, 0);
        var d2 = new byte[20];
        Digest.DigestValue(withTtl, d2);
        var marker = SHA1.HashData("!!expire!!"u8.ToArray());
        for (int i = 0; i < 20; i++) e[i] ^= marker[i];
        Assert.Equal(e, d2);
    }

    private static void MixManual(byte[] digest, byte[] data)
    {
        var h = SHA1.HashData(data);
        for (int i = 0; i < 20; i++) digest[i] ^= h[i];
        SHA1.HashData(digest).CopyTo(digest, 0);
    }

    [Fact]
    public void DigestOfOtherTypesIsNotSupportedYet()
    {
        var d = new byte[20];
        Assert.False(Digest.DigestValue(new FakeList("l"u8.ToArray()), d));
        Assert.All(d, b => Assert.Equal(0, b));
    }

    private sealed class FakeList(byte[] key) : StoredObject(key)
    {
        public override ValueKind Kind => ValueKind.List;
        public override ReadOnlySpan<byte> Encoding => "quicklist"u8;
        public override StoredObject CloneWithKey(byte[] key) => new FakeList(key);
        public override long MemoryUsage => 0;
    }
}
