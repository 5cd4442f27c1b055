using System.Globalization;
using System.Numerics;

namespace Tern.Protocol;

/// <summary>
/// The C library number conversions that sorted sets and geo replies depend on, as glibc on x86-64 does them:
/// strtod (decimal, hex, inf/nan words, leading spaces, stopping at the first byte it cannot use), Redis's
/// string2d on top of it, printf's "%f" and "%.17Lf", Redis's d2string and fixedpoint_d2string, and the x86
/// double to unsigned 64-bit cast. Redis prints and parses scores with these, so Tern must too.
/// </summary>
public static class CNum
{
    /// <summary>C's isspace in the C locale.</summary>
    public static bool IsSpace(byte c) => c == ' ' || (c >= '\t' && c <= '\r');

    /// <summary>
    /// C's strtod over a C string: <paramref name="s"/> ends at its first NUL byte. Returns the value; sets
    /// <paramref name="consumed"/> to the bytes used (0 when no number was found, as strtod then points back at
    /// the start) and <paramref name="range"/> when the value overflowed to infinity or underflowed to zero
    /// (errno ERANGE).
    /// </summary>
    public static double Strtod(ReadOnlySpan<byte> s, out int consumed, out bool range)
    {
        consumed = 0;
        range = false;
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        int i = 0;
        while (i < s.Length && IsSpace(s[i])) i++;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            neg = s[i] == '-';
            i++;
        }
        var rest = s[i..];
        if (StartsWithWord(rest, "inf"u8))
        {
            consumed = i + (StartsWithWord(rest, "infinity"u8) ? 8 : 3);
            return neg ? double.NegativeInfinity : double.PositiveInfinity;
        }
        if (StartsWithWord(rest, "nan"u8))
        {
            int j = 3;
            if (j < rest.Length && rest[j] == '(')
            {
                int k = j + 1;
                while (k < rest.Length && (IsAlnum(rest[k]) || rest[k] == '_')) k++;
                if (k < rest.Length && rest[k] == ')') j = k + 1;
            }
            consumed = i + j;
            return double.NaN;
        }
        if (rest.Length >= 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x')
        {
            double hv = ParseHex(rest[2..], out int hexUsed, out range);
            if (hexUsed > 0)
            {
                consumed = i + 2 + hexUsed;
                return neg ? -hv : hv;
            }
            // "0x" without hex digits: strtod reads the "0" alone.
            consumed = i + 1;
            return neg ? -0.0 : 0.0;
        }
        return ParseDecimal(s, i, neg, out consumed, out range);
    }

    private static double ParseDecimal(ReadOnlySpan<byte> s, int start, bool neg, out int consumed, out bool range)
    {
        consumed = 0;
        range = false;
        int j = start;
        bool nonZero = false;
        int digits = 0;
        while (j < s.Length && IsDigit(s[j]))
        {
            nonZero |= s[j] != '0';
            j++;
            digits++;
        }
        if (j < s.Length && s[j] == '.')
        {
            j++;
            while (j < s.Length && IsDigit(s[j]))
            {
                nonZero |= s[j] != '0';
                j++;
                digits++;
            }
        }
        if (digits == 0) return 0;
        int mantissaEnd = j;
        long exp = 0;
        bool hasExp = false;
        if (j < s.Length && (s[j] | 0x20) == 'e')
        {
            int k = j + 1;
            bool eneg = false;
            if (k < s.Length && (s[k] == '+' || s[k] == '-'))
            {
                eneg = s[k] == '-';
                k++;
            }
            if (k < s.Length && IsDigit(s[k]))
            {
                while (k < s.Length && IsDigit(s[k]))
                {
                    if (exp < 1_000_000) exp = exp * 10 + (s[k] - '0');
                    k++;
                }
                if (eneg) exp = -exp;
                hasExp = true;
                j = k;
            }
        }
        consumed = j;
        double v;
        if (!nonZero) v = 0;
        else if (exp >= 1_000_000) v = double.PositiveInfinity;
        else if (exp <= -1_000_000) v = 0;
        else
        {
            // The .NET parser is correctly rounded like glibc's; it gets the unsigned number part only.
            int numStart = start;
            var text = s[numStart..(hasExp ? j : mantissaEnd)];
            if (!double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out v))
                v = 0;
        }
        if (nonZero && (v == 0 || double.IsInfinity(v))) range = true;
        if (double.IsInfinity(v)) v = double.PositiveInfinity;
        return neg ? -v : v;
    }

    private static double ParseHex(ReadOnlySpan<byte> s, out int used, out bool range)
    {
        used = 0;
        range = false;
        ulong mant = 0;
        int significant = 0;
        bool sticky = false, any = false, point = false;
        long exp2 = 0;
        int j = 0;
        for (; j < s.Length; j++)
        {
            byte c = s[j];
            int h = HexValue(c);
            if (h < 0)
            {
                if (c == '.' && !point)
                {
                    point = true;
                    continue;
                }
                break;
            }
            any = true;
            if (significant == 0 && h == 0)
            {
                if (point) exp2 -= 4;
                continue;
            }
            if (significant < 16)
            {
                // Up to 16 significant hex digits (at least 61 bits) are kept exactly.
                mant = (mant << 4) | (uint)h;
                significant++;
                if (point) exp2 -= 4;
            }
            else
            {
                sticky |= h != 0;
                if (!point) exp2 += 4;
            }
        }
        if (!any) return 0;
        used = j;
        if (j < s.Length && (s[j] | 0x20) == 'p')
        {
            int k = j + 1;
            bool eneg = false;
            if (k < s.Length && (s[k] == '+' || s[k] == '-'))
            {
                eneg = s[k] == '-';
                k++;
            }
            if (k < s.Length && IsDigit(s[k]))
            {
                long pe = 0;
                while (k < s.Length && IsDigit(s[k]))
                {
                    if (pe < 100_000_000) pe = pe * 10 + (s[k] - '0');
                    k++;
                }
                exp2 += eneg ? -pe : pe;
                used = k;
            }
        }
        if (mant == 0) return 0;
        // Normalize to the top bit; the dropped digits only matter as a sticky bit below the rounding point.
        int lz = BitOperations.LeadingZeroCount(mant);
        mant <<= lz;
        exp2 -= lz;
        if (sticky) mant |= 1;
        long topExp = exp2 + 63;
        if (topExp > 1023)
        {
            range = true;
            return double.PositiveInfinity;
        }
        if (topExp < -1075)
        {
            range = true;
            return 0;
        }
        if (topExp >= -1022) return Math.ScaleB((double)mant, (int)exp2);
        // Subnormal: round once, at the precision a subnormal has there.
        int keep = (int)(topExp + 1075);
        ulong q;
        if (keep == 0) q = mant > 1UL << 63 ? 1UL : 0;
        else
        {
            int drop = 64 - keep;
            q = mant >> drop;
            ulong rem = mant & ((1UL << drop) - 1);
            ulong half = 1UL << (drop - 1);
            if (rem > half || (rem == half && (q & 1) == 1)) q++;
        }
        double v = Math.ScaleB((double)q, -1074);
        if (v == 0) range = true;
        return v;
    }

    /// <summary>
    /// Redis's string2d: the whole argument is a number strtod reads, without leading space, not NaN, and not
    /// out of range (overflow or underflow to zero); a NUL byte inside makes it invalid.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || IsSpace(s[0])) return false;
        double v = Strtod(s, out int used, out bool range);
        if (used != s.Length) return false;
        if (range && (double.IsInfinity(v) || v == 0)) return false;
        if (double.IsNaN(v)) return false;
        value = v;
        return true;
    }

    private static bool StartsWithWord(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length < lower.Length) return false;
        for (int i = 0; i < lower.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static bool IsAlnum(byte c) => IsDigit(c) || (uint)((c | 0x20) - 'a') <= 25;

    private static int HexValue(byte c)
    {
        if (IsDigit(c)) return c - '0';
        int l = c | 0x20;
        return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
    }

    // ---- formatting ----

    /// <summary>
    /// Redis's double2ll: true when <paramref name="d"/> is an integer within ±LLONG_MAX/2 (listpacks store such
    /// scores as integers).
    /// </summary>
    public static bool Double2LL(double d, out long value)
    {
        value = 0;
        const double lim = 4611686018427387903.0; // (double)(LLONG_MAX/2) rounds to 2^62
        if (d < -lim || d > lim || double.IsNaN(d)) return false;
        long l = (long)d;
        if (l != d) return false;
        value = l;
        return true;
    }

    /// <summary>
    /// Redis's d2string: "nan", "inf", "-inf", "0" or "-0", an integer when double2ll allows, else "%.17g".
    /// </summary>
    public static int D2String(double d, Span<byte> dest)
    {
        if (double.IsNaN(d)) { "nan"u8.CopyTo(dest); return 3; }
        if (double.IsInfinity(d)) return RespNumber.FormatDouble(d, dest);
        if (d == 0)
        {
            if (double.IsNegative(d)) { "-0"u8.CopyTo(dest); return 2; }
            dest[0] = (byte)'0';
            return 1;
        }
        if (Double2LL(d, out long l)) return RespNumber.Format(l, dest);
        return RespNumber.FormatG(d, 17, dest);
    }

    /// <summary>
    /// Redis's fixedpoint_d2string(d, 4) (GEODIST, WITHDIST): llrint(d * 10000) printed with four decimals.
    /// </summary>
    public static int FixedPoint4(double d, Span<byte> dest)
    {
        if (d == 0)
        {
            "0.0000"u8.CopyTo(dest);
            return 6;
        }
        double scaled = Math.Round(d * 10000.0, MidpointRounding.ToEven);
        long sv = scaled >= -9.2233720368547758E18 && scaled < 9.2233720368547758E18 ? (long)scaled : long.MinValue;
        int pos = 0;
        ulong v;
        if (sv < 0)
        {
            dest[pos++] = (byte)'-';
            v = sv == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)(-sv);
        }
        else v = (ulong)sv;
        ulong ip = v / 10000, fp = v % 10000;
        System.Buffers.Text.Utf8Formatter.TryFormat(ip, dest[pos..], out int w);
        pos += w;
        dest[pos++] = (byte)'.';
        for (int k = 3; k >= 0; k--)
        {
            dest[pos + k] = (byte)('0' + (int)(fp % 10));
            fp /= 10;
        }
        return pos + 4;
    }

    /// <summary>
    /// Redis's ld2string(LD_STR_HUMAN) of a double: printf "%.17Lf" (exact value, 17 decimals, ties to even),
    /// trailing zeros and a trailing point removed, "-0" printed as "0" (GEOPOS, WITHCOORD).
    /// </summary>
    public static int HumanLongDouble(double d, Span<byte> dest)
    {
        if (double.IsInfinity(d)) return RespNumber.FormatDouble(d, dest);
        int n = FixedDecimals(d, 17, dest);
        int dot = dest[..n].IndexOf((byte)'.');
        if (dot >= 0)
        {
            while (dest[n - 1] == '0') n--;
            if (dest[n - 1] == '.') n--;
        }
        if (n == 2 && dest[0] == '-' && dest[1] == '0')
        {
            dest[0] = (byte)'0';
            n = 1;
        }
        return n;
    }

    /// <summary>printf "%f" (six decimals) as a string, for error texts.</summary>
    public static string FormatF(double d)
    {
        Span<byte> buf = stackalloc byte[400];
        if (double.IsNaN(d)) return double.IsNegative(d) ? "-nan" : "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        int n = FixedDecimals(d, 6, buf);
        return System.Text.Encoding.ASCII.GetString(buf[..n]);
    }

    /// <summary>
    /// printf "%.{decimals}f" of a finite double: the exact binary value rounded to <paramref name="decimals"/>
    /// places, ties to even, a '-' for negative values including -0.
    /// </summary>
    public static int FixedDecimals(double d, int decimals, Span<byte> dest)
    {
        long bits = BitConverter.DoubleToInt64Bits(d);
        bool neg = bits < 0;
        int be = (int)((bits >> 52) & 0x7FF);
        ulong mant = (ulong)bits & 0xFFFFFFFFFFFFFUL;
        int e2;
        if (be == 0) e2 = -1074;
        else
        {
            mant |= 1UL << 52;
            e2 = be - 1075;
        }
        // value = mant * 2^e2; q = round(value * 10^decimals).
        BigInteger q;
        var pow = BigInteger.Pow(10, decimals);
        if (e2 >= 0) q = (new BigInteger(mant) << e2) * pow;
        else
        {
            var num = new BigInteger(mant) * pow;
            int sh = -e2;
            q = num >> sh;
            var rem = num - (q << sh);
            var half = BigInteger.One << (sh - 1);
            int c = rem.CompareTo(half);
            if (c > 0 || (c == 0 && !q.IsEven)) q += 1;
        }
        var text = q.ToString(CultureInfo.InvariantCulture);
        int pos = 0;
        if (neg) dest[pos++] = (byte)'-';
        if (text.Length <= decimals) text = new string('0', decimals - text.Length + 1) + text;
        int intLen = text.Length - decimals;
        for (int k = 0; k < intLen; k++) dest[pos++] = (byte)text[k];
        if (decimals > 0)
        {
            dest[pos++] = (byte)'.';
            for (int k = intLen; k < text.Length; k++) dest[pos++] = (byte)text[k];
        }
        return pos;
    }

    /// <summary>
    /// The C cast <c>(uint64_t)d</c> as gcc compiles it for x86-64 (cvttsd2si, with 2^63 subtracted first for
    /// large values): out-of-range values give what the instructions give, not .NET's saturation.
    /// </summary>
    public static ulong ToUInt64(double d)
    {
        const double two63 = 9223372036854775808.0;
        if (d < two63) return (ulong)Cvtt(d);
        return (ulong)Cvtt(d - two63) ^ 0x8000000000000000UL;
    }

    /// <summary>cvttsd2si: truncation, or 0x8000000000000000 when the value does not fit (or is NaN).</summary>
    public static long Cvtt(double d) =>
        d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (long)d : long.MinValue;
}
