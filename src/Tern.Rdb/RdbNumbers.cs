using System.Globalization;
using Tern.Protocol;

namespace Tern.Rdb;

/// <summary>The number rules the RDB writer shares with Redis: string2ll and d2string.</summary>
internal static class RdbNumbers
{
    /// <summary>Redis's string2ll / lpStringToInt64: the one canonical-integer rule of Tern.Protocol.</summary>
    public static bool TryParseCanonicalInt64(ReadOnlySpan<byte> s, out long value) => RespNumber.TryParseInt64(s, out value);

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
    /// Redis's d2string: an integral value within double2ll's range as an integer, everything else ("nan", "inf",
    /// "-0", fractions) as Tern.Protocol's "%.17g". Returns the number of ASCII bytes written (at most 24).
    /// </summary>
    public static int FormatDouble(double d, Span<byte> dest)
    {
        if (d != 0 && TryDoubleToInt64(d, out long l))
        {
            l.TryFormat(dest, out int w, default, CultureInfo.InvariantCulture);
            return w;
        }
        return RespNumber.FormatDouble(d, dest);
    }
}
