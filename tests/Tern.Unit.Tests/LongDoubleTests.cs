using System.Text;
using Tern.Protocol;

namespace Tern.Unit.Tests;

/// <summary>
/// LongDouble against values produced by glibc's strtold, the x87 adder and printf("%.17Lf") on x86-64 (the
/// expected bit patterns and digits were produced by a small C program compiled with gcc on this machine).
/// </summary>
public sealed class LongDoubleTests
{
    private static LongDouble Parse(string s)
    {
        Assert.True(LongDouble.TryParse(Encoding.Latin1.GetBytes(s), out var v), $"'{s}' should parse");
        return v;
    }

    private static string Human(LongDouble v) => Encoding.ASCII.GetString(v.ToHumanBytes());

    /// <summary>Exact results: sign, 64-bit mantissa and exponent (value = mantissa * 2^exponent).</summary>
    [Theory]
    [InlineData("0.1", null, false, 0xCCCCCCCCCCCCCCCDUL, -67)]
    [InlineData("0.3", null, false, 0x999999999999999AUL, -65)]
    [InlineData("1e-4950", null, false, 0x0000000000000003UL, -16445)]
    [InlineData("0x1p-16445", null, false, 0x0000000000000001UL, -16445)]
    [InlineData("1.8226e-4951", null, false, 0x0000000000000001UL, -16445)]
    [InlineData("18446744073709551617", null, false, 0x8000000000000000UL, 1)]
    [InlineData("18446744073709551617.0000000001", null, false, 0x8000000000000001UL, 1)]
    [InlineData("1.000000000000000000054210108624275221700372640043497085571289062", null, false, 0x8000000000000000UL, -63)]
    [InlineData("1.0000000000000000000542101086242752217003726400434970855712890625", null, false, 0x8000000000000000UL, -63)]
    [InlineData("1.0000000000000000000542101086242752217003726400434970855712890626", null, false, 0x8000000000000001UL, -63)]
    [InlineData("1.0000000000000000001626303258728256651011179201304912567138671875", null, false, 0x8000000000000002UL, -63)]
    [InlineData("1e4932", null, false, 0xD72CB2A95C7EF6CDUL, 16320)]
    [InlineData("3.3621031431120935063e-4932", null, false, 0x8000000000000000UL, -16445)]
    [InlineData("3.3621031431120935062e-4932", null, false, 0x8000000000000000UL, -16445)]
    [InlineData("10.6", "3e5", false, 0x927D533333333333UL, -45)]
    [InlineData("0.1", "0.2", false, 0x999999999999999AUL, -65)]
    [InlineData("1", "5.42101086242752217e-20", false, 0x8000000000000000UL, -63)]
    [InlineData("1", "5.42101086242752218e-20", false, 0x8000000000000001UL, -63)]
    [InlineData("1", "-2.710505431213761085e-20", false, 0x8000000000000000UL, -63)]
    [InlineData("1", "-2.710505431213761086e-20", false, 0xFFFFFFFFFFFFFFFFUL, -64)]
    [InlineData("1e30", "-1e-30", false, 0xC9F2C9CD04674EDFUL, 36)]
    [InlineData("-5", "3", true, 0x8000000000000000UL, -62)]
    public void RoundsLikeX87(string a, string? b, bool negative, ulong mantissa, int exponent)
    {
        var v = Parse(a);
        if (b != null) v += Parse(b);
        Assert.True(v.IsFinite);
        Assert.Equal(negative, v.IsNegative);
        Assert.Equal(mantissa, v.Mantissa);
        Assert.Equal(exponent, v.Exponent);
    }

    /// <summary>Parse then format as Redis's ld2string human mode.</summary>
    [Theory]
    [InlineData("0.1", "0.1")]
    [InlineData("1.5", "1.5")]
    [InlineData("-0", "0")]
    [InlineData("0", "0")]
    [InlineData("1e-20", "0")]
    [InlineData("-1e-20", "0")]
    [InlineData("0.000003814697265625", "0.00000381469726562")] // an exact tie: to even
    [InlineData("0.000003814697265627", "0.00000381469726563")]
    [InlineData("0.00000000000000001", "0.00000000000000001")]
    [InlineData("0.000000000000000005", "0")]
    [InlineData("0.000000000000000015", "0.00000000000000002")]
    [InlineData("123456789012345678901234567890", "123456789012345678899921813504")]
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("18446744073709551617", "18446744073709551616")]
    [InlineData("0x1p63", "9223372036854775808")]
    [InlineData("3.6e-4951", "0")]
    [InlineData("inf", "inf")]
    [InlineData("-Infinity", "-inf")]
    [InlineData("+.5", "0.5")]
    [InlineData("5.", "5")]
    [InlineData("0x.8", "0.5")]
    [InlineData("00012", "12")]
    [InlineData("1.5e+2", "150")]
    [InlineData("0X1.8P1", "3")]
    [InlineData("-0.99999999999999999999", "-1")]
    public void ParsesAndFormats(string input, string expected)
    {
        Assert.Equal(expected, Human(Parse(input)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("\t1")]
    [InlineData("1 ")]
    [InlineData("nan")]
    [InlineData("-NaN")]
    [InlineData("nan(123)")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("0x")]
    [InlineData("0x1p")]
    [InlineData("0xg")]
    [InlineData("1.2.3")]
    [InlineData("--1")]
    [InlineData("+-1")]
    [InlineData("infinit")]
    [InlineData("infx")]
    [InlineData("1\u00002")]
    [InlineData("1.8e-4951")] // underflows to zero
    [InlineData("0x1p-16446")] // exactly half the smallest subnormal: ties to even, zero
    [InlineData("1e-99999999999")]
    [InlineData("1.18973149535723176503e4933")] // overflows
    [InlineData("1e99999999999")]
    [InlineData("0x1p16384")]
    public void Rejects(string input)
    {
        Assert.False(LongDouble.TryParse(Encoding.Latin1.GetBytes(input), out _));
    }

    [Fact]
    public void ZeroWithHugeExponentIsZero()
    {
        Assert.Equal("0", Human(Parse("0e99999999999")));
        Assert.Equal("0", Human(Parse("-0.000e-99999")));
        Assert.True(Parse("-0").IsNegative);
    }

    [Fact]
    public void LengthLimitIsRedisMaxLongDoubleChars()
    {
        var ok = "1." + new string('0', LongDouble.MaxChars - 3);
        Assert.Equal(LongDouble.MaxChars - 1, ok.Length);
        Assert.Equal("1", Human(Parse(ok)));
        Assert.False(LongDouble.TryParse(Encoding.ASCII.GetBytes(ok + "0"), out _));
    }

    [Theory]
    [InlineData("10.6", "3e5", "300010.59999999999999432")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("-0", "-0", "0")]
    [InlineData("1", "-1", "0")]
    [InlineData("1e20", "1", "100000000000000000000")]
    [InlineData("1e19", "1", "10000000000000000001")]
    [InlineData("18446744073709551615", "1", "18446744073709551616")]
    [InlineData("9223372036854775807", "0.5", "9223372036854775807.5")]
    [InlineData("1e-4950", "-1e-4950", "0")]
    [InlineData("0.333333333333333333", "0.333333333333333333", "0.66666666666666667")]
    [InlineData("1", "1e-20", "1")]
    public void Adds(string a, string b, string expected)
    {
        Assert.Equal(expected, Human(Parse(a) + Parse(b)));
    }

    [Fact]
    public void SpecialSums()
    {
        Assert.True((Parse("inf") + Parse("-inf")).IsNaN);
        Assert.True((Parse("inf") + Parse("1")).IsInfinity);
        Assert.True((Parse("1.18973149535723176502e4932") + Parse("1e4932")).IsInfinity);
        Assert.True((Parse("-0") + Parse("-0")).IsNegative);
        Assert.False((Parse("-0") + Parse("0")).IsNegative);
    }

    [Fact]
    public void HugeValuesPrintEveryDigit()
    {
        var v = Parse("1.5") + Parse("1e400");
        var s = Human(v);
        Assert.Equal(401, s.Length);
        Assert.StartsWith("10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880", s);
        var max = Human(Parse("0x1.fffffffffffffffep16383"));
        Assert.Equal(4933, max.Length);
        Assert.StartsWith("11897314953572317650", max);
    }

    [Fact]
    public void ConvertsIntegersAndDoublesExactly()
    {
        Assert.Equal("-9223372036854775808", Human(LongDouble.FromInt64(long.MinValue)));
        Assert.Equal("9223372036854775807", Human(LongDouble.FromInt64(long.MaxValue)));
        Assert.Equal("0.10000000000000001", Human(LongDouble.FromDouble(0.1)));
        Assert.Equal("0", Human(LongDouble.FromDouble(double.Epsilon)));
        Assert.True(LongDouble.FromDouble(double.NaN).IsNaN);
        Assert.True(LongDouble.FromDouble(double.NegativeInfinity).IsInfinity);
    }
}
