using System.Text;
using Tern.Protocol;

namespace Tern.Unit.Tests;

public sealed class RespNumberTests
{
    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("-1", true, -1L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("+1", false, 0L)]
    [InlineData(" 1", false, 0L)]
    [InlineData("1 ", false, 0L)]
    [InlineData("01", false, 0L)]
    [InlineData("-0", false, 0L)]
    [InlineData("", false, 0L)]
    [InlineData("-", false, 0L)]
    [InlineData("1.0", false, 0L)]
    public void Int64LikeRedis(string s, bool ok, long value)
    {
        Assert.Equal(ok, RespNumber.TryParseInt64(Encoding.ASCII.GetBytes(s), out long v));
        if (ok) Assert.Equal(value, v);
    }

    [Theory]
    [InlineData("1.5", true)]
    [InlineData("-inf", true)]
    [InlineData("+inf", true)]
    [InlineData("1e10", true)]
    [InlineData("1e400", false)]
    [InlineData("nan", false)]
    [InlineData(" 1", false)]
    [InlineData("1 ", false)]
    [InlineData("", false)]
    [InlineData(".5", true)]
    [InlineData("5.", true)]
    [InlineData("e5", false)]
    [InlineData("0x10", true)]
    [InlineData("1e-400", false)]
    [InlineData("1e-300", true)]
    public void DoubleLikeStrtod(string s, bool ok) =>
        Assert.Equal(ok, RespNumber.TryParseDouble(Encoding.ASCII.GetBytes(s), out _));

    [Theory]
    [InlineData(1.1, "1.1000000000000001")]
    [InlineData(0.5, "0.5")]
    [InlineData(100, "100")]
    [InlineData(1e20, "1e+20")]
    [InlineData(1.5e-7, "1.4999999999999999e-07")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(0.0001, "0.0001")]
    public void FormatsLikePrintfG17(double d, string expected)
    {
        Span<byte> buf = stackalloc byte[64];
        int n = RespNumber.FormatDouble(d, buf);
        Assert.Equal(expected, Encoding.ASCII.GetString(buf[..n]));
    }
}

public sealed class ReplyWriterTests
{
    [Fact]
    public void ErrorsTrimOuterNewlinesAndMapInnerOnesToSpaces()
    {
        using var w = new ReplyWriter();
        w.Error("\r\nERR a\nb\r\n");
        w.Error("ERR caf\u00e9");
        Assert.Equal("-ERR a b\r\n-ERR caf\u00e9\r\n", System.Text.Encoding.Latin1.GetString(w.WrittenSpan));
    }
}
