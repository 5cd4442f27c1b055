using System.Globalization;
using Tern.Server.Commands;

namespace Tern.Server.Blocking;

/// <summary>
/// The timeout argument of blocking commands, read as Redis's getTimeoutFromObjectOrReply(UNIT_SECONDS) does:
/// seconds as a C long double (strtold: decimal or hex, "inf" accepted), then ceil(seconds * 1000) cast to a 64-bit
/// integer. A value the cast cannot hold (inf, 1e30, 1e400) becomes LLONG_MIN on x86 and so reads as negative.
/// </summary>
public static class BlockingTimeout
{
    /// <summary>Redis's MAX_LONG_DOUBLE_CHARS: longer arguments are not a number.</summary>
    private const int MaxChars = 5 * 1024;

    /// <summary>
    /// Parses <paramref name="arg"/>; on success <paramref name="deadlineMs"/> is the absolute unix ms deadline, or
    /// 0 to wait forever. On failure the error reply was written.
    /// </summary>
    public static bool TryParse(CommandContext ctx, ReadOnlySpan<byte> arg, out long deadlineMs)
    {
        deadlineMs = 0;
        if (!TryParseLongDouble(arg, out double seconds))
        {
            ctx.Error(Errors.TimeoutNotFloat);
            return false;
        }
        double ms = Math.Ceiling(seconds * 1000.0);
        long t = ms >= -9.2233720368547758E18 && ms < 9.2233720368547758E18 ? (long)ms : long.MinValue;
        if (Math.Abs(ms) >= 9.0E18 && Math.Abs(ms) <= 9.5E18) t = NearLimit(arg, t);
        if (t < 0)
        {
            ctx.Error(Errors.TimeoutNegative);
            return false;
        }
        if (t > 0)
        {
            // Redis adds mstime() without overflow checks; a wrapped deadline sorts after every real time, so it
            // never fires: wait forever.
            t = unchecked(t + ctx.Now);
            if (t < 0) t = 0;
        }
        deadlineMs = t;
        return true;
    }

    /// <summary>
    /// Near 2^63 milliseconds a double cannot tell whether the product fits a 64-bit integer; a long double (64-bit
    /// mantissa) can. Decide with the exact decimal value when the argument is plain decimal.
    /// </summary>
    private static long NearLimit(ReadOnlySpan<byte> arg, long fallback)
    {
        if (!decimal.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal secs)) return fallback;
        decimal ms = decimal.Ceiling(secs * 1000m);
        return ms >= long.MinValue && ms <= long.MaxValue ? (long)ms : long.MinValue;
    }

    /// <summary>
    /// Redis's string2ld: the whole argument must be a number strtold accepts (no leading space, no NUL, not NaN);
    /// out of long double range (beyond about 1.19e4932, or below about 3.6e-4951 but not zero) is an error.
    /// Values beyond double range come back as ±infinity or the smallest double of the right sign, which lead to
    /// the same outcome as the long double would.
    /// </summary>
    public static bool TryParseLongDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || s.Length >= MaxChars) return false;
        byte c0 = s[0];
        if (c0 == ' ' || (c0 >= '\t' && c0 <= '\r')) return false;
        int i = 0;
        bool neg = false;
        if (c0 == '+' || c0 == '-')
        {
            neg = c0 == '-';
            i = 1;
        }
        var rest = s[i..];
        if (IsWord(rest, "inf"u8) || IsWord(rest, "infinity"u8))
        {
            value = neg ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (rest.Length >= 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x') return TryParseHex(rest[2..], neg, out value);
        return TryParseDecimal(s, rest, neg, out value);
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> whole, ReadOnlySpan<byte> s, bool neg, out double value)
    {
        value = 0;
        int j = 0;
        while (j < s.Length && IsDigit(s[j])) j++;
        int intDigits = j;
        int fracStart = j, fracDigits = 0;
        if (j < s.Length && s[j] == '.')
        {
            j++;
            fracStart = j;
            while (j < s.Length && IsDigit(s[j])) j++;
            fracDigits = j - fracStart;
        }
        if (intDigits + fracDigits == 0) return false;
        long exp = 0;
        if (j < s.Length && (s[j] | 0x20) == 'e')
        {
            j++;
            bool eneg = false;
            if (j < s.Length && (s[j] == '+' || s[j] == '-'))
            {
                eneg = s[j] == '-';
                j++;
            }
            int expStart = j;
            while (j < s.Length && IsDigit(s[j]))
            {
                if (exp < 1_000_000_000) exp = exp * 10 + (s[j] - '0');
                j++;
            }
            if (j == expStart) return false;
            if (eneg) exp = -exp;
        }
        if (j != s.Length) return false;
        if (!double.TryParse(whole, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        if (!double.IsInfinity(value) && value != 0) return true;

        // Out of double range: decide with the decimal exponent of the leading digit whether a long double holds it.
        int lead = -1;
        for (int k = 0; k < intDigits + fracDigits; k++)
        {
            byte d = k < intDigits ? s[k] : s[fracStart + (k - intDigits)];
            if (d != '0')
            {
                lead = k;
                break;
            }
        }
        if (lead < 0)
        {
            value = neg ? -0.0 : 0.0;
            return true;
        }
        long e10 = intDigits - 1 - lead + exp;
        double mant = 0, scale = 1;
        for (int k = lead; k < intDigits + fracDigits && k < lead + 17; k++)
        {
            byte d = k < intDigits ? s[k] : s[fracStart + (k - intDigits)];
            mant += (d - '0') * scale;
            scale /= 10;
        }
        if (double.IsInfinity(value))
        {
            if (e10 > 4932 || (e10 == 4932 && mant > 1.18973149535723176502)) return false;
            return true;
        }
        if (e10 < -4951 || (e10 == -4951 && mant < 3.64519953188247460253)) return false;
        value = neg ? -double.Epsilon : double.Epsilon;
        return true;
    }

    private static bool TryParseHex(ReadOnlySpan<byte> s, bool neg, out double value)
    {
        value = 0;
        double mant = 0;
        long exp2 = 0;
        int j = 0, digits = 0, significant = 0;
        bool afterPoint = false;
        for (; j < s.Length; j++)
        {
            int h = HexValue(s[j]);
            if (h < 0)
            {
                if (s[j] == '.' && !afterPoint)
                {
                    afterPoint = true;
                    continue;
                }
                break;
            }
            digits++;
            if (significant == 0 && h == 0)
            {
                if (afterPoint) exp2 -= 4;
                continue;
            }
            if (significant < 15)
            {
                mant = mant * 16 + h;
                significant++;
                if (afterPoint) exp2 -= 4;
            }
            else if (!afterPoint)
            {
                exp2 += 4;
            }
        }
        if (digits == 0) return false;
        long pexp = 0;
        if (j < s.Length && (s[j] | 0x20) == 'p')
        {
            j++;
            bool eneg = false;
            if (j < s.Length && (s[j] == '+' || s[j] == '-'))
            {
                eneg = s[j] == '-';
                j++;
            }
            int expStart = j;
            while (j < s.Length && IsDigit(s[j]))
            {
                if (pexp < 1_000_000_000) pexp = pexp * 10 + (s[j] - '0');
                j++;
            }
            if (j == expStart) return false;
            if (eneg) pexp = -pexp;
        }
        if (j != s.Length) return false;
        if (mant == 0)
        {
            value = neg ? -0.0 : 0.0;
            return true;
        }
        // mant * 2^(exp2 + pexp); the leading bit's exponent decides long double range (max 2^16383, min 2^-16445).
        long scale = exp2 + pexp;
        long lead = scale + (long)Math.Floor(Math.Log2(mant));
        if (lead > 16383 || lead < -16445) return false;
        double v = Math.ScaleB(mant, (int)Math.Clamp(scale, -100_000, 100_000));
        if (v == 0) v = double.Epsilon;
        value = neg ? -v : v;
        return true;
    }

    private static int HexValue(byte c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        c |= 0x20;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static bool IsWord(ReadOnlySpan<byte> a, ReadOnlySpan<byte> lower)
    {
        if (a.Length != lower.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if ((a[i] | 0x20) != lower[i]) return false;
        return true;
    }
}
