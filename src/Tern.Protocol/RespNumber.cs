using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace Tern.Protocol;

/// <summary>
/// Number parsing and formatting with Redis's rules. Redis's string2ll rejects a leading '+', spaces,
/// leading zeros and "-0"; .NET's parsers accept some of those, so Tern parses by hand.
/// </summary>
public static class RespNumber
{
    /// <summary>Parses a signed 64-bit integer exactly as Redis's string2ll does.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        int len = s.Length;
        if (len == 0 || len > 20) return false;
        if (len == 1 && s[0] == (byte)'0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == (byte)'-')
        {
            negative = true;
            i = 1;
            if (len == 1) return false;
        }
        // First digit must be 1-9: no leading zeros.
        uint d0 = (uint)(s[i] - '0');
        if (d0 - 1 > 8) return false;
        ulong v = d0;
        i++;
        for (; i < len; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue / 10)) return false;
            v *= 10;
            if (v > ulong.MaxValue - d) return false;
            v += d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    /// <summary>
    /// Parses a double as Redis's getDoubleFromObject does: glibc strtod over the whole string (decimal, hex,
    /// inf/infinity), no leading space, NaN and out-of-range values (1e400, 1e-400) rejected.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value) => CNum.TryParseDouble(s, out value);

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> lower)
    {
        if (a.Length != lower.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if ((a[i] | 0x20) != lower[i]) return false;
        return true;
    }

    /// <summary>Formats an integer; returns the bytes written.</summary>
    public static int Format(long value, Span<byte> dest)
    {
        Utf8Formatter.TryFormat(value, dest, out int written);
        return written;
    }

    /// <summary>Number of decimal characters of <paramref name="value"/>, sign included.</summary>
    public static int DigitCount(long value)
    {
        if (value < 0) return value == long.MinValue ? 20 : 1 + DigitCount(-value);
        int n = 1;
        ulong v = (ulong)value;
        while (v >= 10) { v /= 10; n++; }
        return n;
    }

    /// <summary>
    /// Formats a double the way Redis 7.0 replies with it (printf "%.17g"; "inf", "-inf").
    /// </summary>
    public static int FormatDouble(double d, Span<byte> dest)
    {
        if (double.IsPositiveInfinity(d)) { "inf"u8.CopyTo(dest); return 3; }
        if (double.IsNegativeInfinity(d)) { "-inf"u8.CopyTo(dest); return 4; }
        if (double.IsNaN(d)) { "nan"u8.CopyTo(dest); return 3; }
        return FormatG(d, 17, dest);
    }

    /// <summary>printf("%.{precision}g") for finite doubles.</summary>
    public static int FormatG(double d, int precision, Span<byte> dest)
    {
        if (d == 0)
        {
            if (double.IsNegative(d)) { "-0"u8.CopyTo(dest); return 2; }
            dest[0] = (byte)'0';
            return 1;
        }
        // "E" format gives mantissa digits and exponent exactly rounded; we then lay them out as %g does.
        Span<byte> tmp = stackalloc byte[48];
        Utf8Formatter.TryFormat(d, tmp, out int n, new StandardFormat('E', (byte)(precision - 1)));
        var s = tmp[..n];
        int pos = 0;
        bool neg = s[0] == '-';
        if (neg) { s = s[1..]; }
        int ePos = s.IndexOf((byte)'E');
        var mant = s[..ePos];
        Utf8Parser.TryParse(s[(ePos + 1)..], out int exp, out _);
        Span<byte> digits = stackalloc byte[32];
        int nd = 0;
        foreach (var b in mant) if (b != '.') digits[nd++] = b;
        // %g strips trailing zeros.
        while (nd > 1 && digits[nd - 1] == '0') nd--;
        if (neg) dest[pos++] = (byte)'-';
        if (exp < -4 || exp >= precision)
        {
            dest[pos++] = digits[0];
            if (nd > 1)
            {
                dest[pos++] = (byte)'.';
                for (int k = 1; k < nd; k++) dest[pos++] = digits[k];
            }
            dest[pos++] = (byte)'e';
            dest[pos++] = exp < 0 ? (byte)'-' : (byte)'+';
            int ae = Math.Abs(exp);
            if (ae < 10) dest[pos++] = (byte)'0';
            Utf8Formatter.TryFormat(ae, dest[pos..], out int w);
            pos += w;
        }
        else if (exp < 0)
        {
            dest[pos++] = (byte)'0';
            dest[pos++] = (byte)'.';
            for (int k = -1; k > exp; k--) dest[pos++] = (byte)'0';
            for (int k = 0; k < nd; k++) dest[pos++] = digits[k];
        }
        else
        {
            for (int k = 0; k <= exp; k++) dest[pos++] = k < nd ? digits[k] : (byte)'0';
            if (nd > exp + 1)
            {
                dest[pos++] = (byte)'.';
                for (int k = exp + 1; k < nd; k++) dest[pos++] = digits[k];
            }
        }
        return pos;
    }
}
