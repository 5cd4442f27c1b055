using System.Globalization;

namespace Tern.Rdb;

/// <summary>The number rules the RDB writer shares with Redis: string2ll and d2string.</summary>
internal static class RdbNumbers
{
    /// <summary>
    /// Redis's string2ll / lpStringToInt64: 1..20 characters, an optional '-', no leading zeros (only "0" itself),
    /// no '+', no spaces, within int64. "-0" is not canonical.
    /// </summary>
    public static bool TryParseCanonicalInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        int n = s.Length;
        if (n == 0 || n >= 21) return false;
        if (n == 1 && s[0] == '0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == '-')
        {
            negative = true;
            i = 1;
            if (n == 1) return false;
        }
        if (s[i] < '1' || s[i] > '9') return false;
        ulong v = (ulong)(s[i] - '0');
        for (i++; i < n; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > ulong.MaxValue / 10) return false;
            v *= 10;
            if (v > ulong.MaxValue - d) return false;
            v += d;
        }
        if (negative)
        {
            if (v > 9223372036854775808UL) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    /// <summary>Redis's double2ll: an integral double within ±LLONG_MAX/2.</summary>
    public static bool TryDoubleToInt64(double d, out long value)
    {
        value = 0;
        const double limit = (double)(long.MaxValue / 2);
        if (!(d >= -limit && d <= limit)) return false;
        long ll = (long)d;
        if (ll != d) return false;
        value = ll;
        return true;
    }

    /// <summary>
    /// Redis's d2string for values double2ll refuses: "nan", "inf", "-inf", "-0"/"0", otherwise printf's "%.17g".
    /// Returns the number of ASCII bytes written (at most 24).
    /// </summary>
    public static int FormatDouble(double d, Span<byte> dest)
    {
        if (double.IsNaN(d)) return Ascii("nan", dest);
        if (double.IsPositiveInfinity(d)) return Ascii("inf", dest);
        if (double.IsNegativeInfinity(d)) return Ascii("-inf", dest);
        if (d == 0) return Ascii(double.IsNegative(d) ? "-0" : "0", dest);
        if (TryDoubleToInt64(d, out long l))
        {
            l.TryFormat(dest, out int w, default, CultureInfo.InvariantCulture);
            return w;
        }
        // .NET's "G17" picks fixed or scientific notation by the same rule as %.17g (exponent < -4 or >= 17) and
        // drops trailing zeros the same way; only the exponent is spelled differently: E+17 / E-05 -> e+17 / e-05.
        Span<char> tmp = stackalloc char[40];
        d.TryFormat(tmp, out int n, "G17", CultureInfo.InvariantCulture);
        int o = 0;
        for (int i = 0; i < n; i++)
        {
            char c = tmp[i];
            if (c == 'E')
            {
                dest[o++] = (byte)'e';
                i++;
                char sign = '+';
                if (i < n && (tmp[i] == '+' || tmp[i] == '-')) sign = tmp[i++];
                dest[o++] = (byte)sign;
                int digits = n - i;
                if (digits < 2) dest[o++] = (byte)'0';
                for (; i < n; i++) dest[o++] = (byte)tmp[i];
                break;
            }
            dest[o++] = (byte)c;
        }
        return o;
    }

    private static int Ascii(string s, Span<byte> dest)
    {
        for (int i = 0; i < s.Length; i++) dest[i] = (byte)s[i];
        return s.Length;
    }
}
