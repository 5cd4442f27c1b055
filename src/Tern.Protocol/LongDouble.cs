using System.Numerics;

namespace Tern.Protocol;

/// <summary>
/// An exact model of C's <c>long double</c> on x86-64 (the x87 80-bit extended format: 64-bit mantissa with an
/// explicit integer bit, exponents down to the subnormal 2^-16445, largest value just below 2^16384), with the
/// three operations Redis's INCRBYFLOAT and HINCRBYFLOAT use: <c>strtold</c> parsing under util.c string2ld's
/// rules, addition, and util.c ld2string's human format (<c>"%.17Lf"</c> without trailing zeros). Every
/// result is correctly rounded (round half to even), as glibc's strtold, the x87 adder and glibc's printf are,
/// so the digits are the ones Redis prints.
/// </summary>
public readonly struct LongDouble
{
    /// <summary>Exponent of the smallest subnormal: a finite value is Mantissa * 2^Exponent with Exponent at least this.</summary>
    public const int MinExponent = -16445;

    /// <summary>Largest exponent of a finite value (with a 64-bit mantissa the value stays below 2^16384).</summary>
    public const int MaxExponent = 16320;

    /// <summary>Redis's MAX_LONG_DOUBLE_CHARS: inputs this long or longer are rejected; formatted values fit.</summary>
    public const int MaxChars = 5 * 1024;

    private const byte Finite = 0, Inf = 1, NaNKind = 2;

    private readonly ulong _mant;
    private readonly int _exp;
    private readonly bool _neg;
    private readonly byte _kind;

    private LongDouble(bool neg, ulong mant, int exp, byte kind)
    {
        _neg = neg;
        _mant = mant;
        _exp = exp;
        _kind = kind;
    }

    public static LongDouble Zero => default;
    public static LongDouble PositiveInfinity => new(false, 0, 0, Inf);
    public static LongDouble NegativeInfinity => new(true, 0, 0, Inf);
    public static LongDouble NaN => new(false, 0, 0, NaNKind);

    public bool IsNaN => _kind == NaNKind;
    public bool IsInfinity => _kind == Inf;
    public bool IsFinite => _kind == Finite;
    public bool IsZero => _kind == Finite && _mant == 0;
    public bool IsNegative => _neg;

    /// <summary>The 64-bit mantissa of a finite value (top bit set unless subnormal or zero).</summary>
    public ulong Mantissa => _mant;

    /// <summary>The binary exponent of a finite value: the value is Mantissa * 2^Exponent.</summary>
    public int Exponent => _exp;

    /// <summary>A 64-bit integer, exactly (every long fits the 64-bit mantissa).</summary>
    public static LongDouble FromInt64(long v)
    {
        ulong m = v < 0 ? (ulong)-(v + 1) + 1 : (ulong)v;
        return Round(v < 0, m, 0, false);
    }

    /// <summary>A double, exactly (long double holds every double).</summary>
    public static LongDouble FromDouble(double d)
    {
        if (double.IsNaN(d)) return NaN;
        if (double.IsInfinity(d)) return d > 0 ? PositiveInfinity : NegativeInfinity;
        long bits = BitConverter.DoubleToInt64Bits(d);
        bool neg = bits < 0;
        int be = (int)((bits >> 52) & 0x7FF);
        ulong frac = (ulong)bits & 0xFFFFFFFFFFFFFUL;
        if (be == 0) return Round(neg, frac, -1074, false);
        return Round(neg, frac | (1UL << 52), be - 1075, false);
    }

    /// <summary>
    /// Parses as Redis's string2ld: the whole input must be what glibc strtold reads (decimal or hexadecimal
    /// floating point, "inf"/"infinity" in any case, an optional sign), no leading white space, no NaN, shorter
    /// than <see cref="MaxChars"/>, and neither overflowing to infinity nor underflowing to zero.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
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
        if (rest.Length > 0 && (rest[0] | 0x20) == 'i')
        {
            if (!System.Text.Ascii.EqualsIgnoreCase(rest, "inf"u8) && !System.Text.Ascii.EqualsIgnoreCase(rest, "infinity"u8)) return false;
            value = neg ? NegativeInfinity : PositiveInfinity;
            return true;
        }
        // "nan" and "nan(...)" parse as NaN, which string2ld rejects; anything else starting with 'n' is no number.
        if (rest.Length > 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x' && StartsHexMantissa(rest[2..]))
            return TryParseHex(neg, rest[2..], out value);
        return TryParseDecimal(neg, rest, out value);
    }

    private static bool StartsHexMantissa(ReadOnlySpan<byte> s) =>
        HexValue(s[0]) >= 0 || (s[0] == '.' && s.Length > 1 && HexValue(s[1]) >= 0);

    private static int HexValue(byte c) =>
        (uint)(c - '0') <= 9 ? c - '0' : (uint)((c | 0x20) - 'a') <= 5 ? (c | 0x20) - 'a' + 10 : -1;

    /// <summary>Reads "[+-]digits" to the end of <paramref name="s"/>, saturating far beyond any useful range.</summary>
    private static bool TryParseExponent(ReadOnlySpan<byte> s, out int exp)
    {
        exp = 0;
        int i = 0;
        bool neg = false;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            neg = s[0] == '-';
            i = 1;
        }
        if (i == s.Length) return false;
        long e = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (e < 1_000_000_000) e = e * 10 + d;
        }
        exp = (int)Math.Min(e, 1_000_000_000) * (neg ? -1 : 1);
        return true;
    }

    private static bool TryParseDecimal(bool neg, ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        int i = 0;
        bool anyDigit = false;
        int significant = 0;        // digits after leading zeros
        int pointShift = 0;         // decimal exponent correction from digits after the point
        UInt128 small = 0;          // the significant digits while there are at most 38
        BigInteger big = BigInteger.Zero;
        ulong chunk = 0;
        int chunkDigits = 0;
        bool seenPoint = false;
        for (; i < s.Length; i++)
        {
            byte c = s[i];
            if (c == '.')
            {
                if (seenPoint) break;
                seenPoint = true;
                continue;
            }
            uint d = (uint)(c - '0');
            if (d > 9) break;
            anyDigit = true;
            if (seenPoint) pointShift--;
            if (significant == 0 && d == 0) continue;
            significant++;
            if (significant <= 38) small = small * 10 + d;
            chunk = chunk * 10 + d;
            if (++chunkDigits == 18)
            {
                big = big * 1_000_000_000_000_000_000UL + chunk;
                chunk = 0;
                chunkDigits = 0;
            }
        }
        if (!anyDigit) return false;
        int exp = 0;
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'e' || !TryParseExponent(s[(i + 1)..], out exp)) return false;
        }
        if (significant == 0)
        {
            value = new LongDouble(neg, 0, MinExponent, Finite);
            return true;
        }
        long p = (long)exp + pointShift;
        // Decided by magnitude alone: 10^4933 is above the largest value; 10^-4951 below half the smallest.
        if (significant - 1 + p >= 4933 || significant + p <= -4951) return false;
        int p10 = (int)p;
        if (significant <= 38 && p10 >= -17 && p10 <= 38)
        {
            // Fast paths without BigInteger: the digits fit 128 bits, and so does the product or a quotient
            // with enough bits to round (at least 70: a 127-bit numerator over a divisor below 2^57).
            if (p10 == 0)
            {
                value = Round(neg, small, 0, false);
                return value.IsFinite && !value.IsZero;
            }
            if (p10 > 0)
            {
                UInt128 pow = Pow10(p10);
                if (small <= UInt128.MaxValue / pow)
                {
                    value = Round(neg, small * pow, 0, false);
                    return value.IsFinite && !value.IsZero;
                }
            }
            else
            {
                UInt128 den = Pow10(-p10);
                int shift = (int)UInt128.LeadingZeroCount(small);
                if (shift > 0) shift--;
                UInt128 num = small << shift;
                UInt128 q = num / den;
                value = Round(neg, q, -shift, q * den != num);
                return value.IsFinite && !value.IsZero;
            }
        }
        if (chunkDigits > 0) big = big * BigInteger.Pow(10, chunkDigits) + chunk;
        value = RoundRational(neg, big, p10);
        return value.IsFinite && !value.IsZero;
    }

    /// <summary>n * 10^p rounded, for any size.</summary>
    private static LongDouble RoundRational(bool neg, BigInteger n, int p)
    {
        if (p >= 0) return RoundBig(neg, n * BigInteger.Pow(10, p), 0, false);
        var den = BigInteger.Pow(10, -p);
        // A quotient of at least 66 bits leaves a guard bit below the 64 kept ones; the remainder is the sticky bit.
        int shift = (int)Math.Max(0, 68 + den.GetBitLength() - n.GetBitLength());
        var q = BigInteger.DivRem(n << shift, den, out var rem);
        return RoundBig(neg, q, -shift, !rem.IsZero);
    }

    private static bool TryParseHex(bool neg, ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = default;
        int i = 0;
        BigInteger big = BigInteger.Zero;
        ulong chunk = 0;
        int chunkDigits = 0;
        long binExp = 0;
        bool seenPoint = false, nonZero = false;
        for (; i < s.Length; i++)
        {
            byte c = s[i];
            if (c == '.')
            {
                if (seenPoint) break;
                seenPoint = true;
                continue;
            }
            int d = HexValue(c);
            if (d < 0) break;
            if (seenPoint) binExp -= 4;
            if (!nonZero && d == 0) continue;
            nonZero = true;
            chunk = (chunk << 4) | (uint)d;
            if (++chunkDigits == 15)
            {
                big = (big << 60) | chunk;
                chunk = 0;
                chunkDigits = 0;
            }
        }
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'p' || !TryParseExponent(s[(i + 1)..], out int pexp)) return false;
            binExp += pexp;
        }
        if (!nonZero)
        {
            value = new LongDouble(neg, 0, MinExponent, Finite);
            return true;
        }
        big = (big << (4 * chunkDigits)) | chunk;
        long top = binExp + (long)big.GetBitLength();
        if (top > 16385 || top < MinExponent - 2) return false;
        value = RoundBig(neg, big, (int)binExp, false);
        return value.IsFinite && !value.IsZero;
    }

    private static readonly UInt128[] Pow10Table = MakePow10();

    private static UInt128[] MakePow10()
    {
        var p = new UInt128[39];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
        return p;
    }

    private static UInt128 Pow10(int n) => Pow10Table[n];

    /// <summary>Rounds (q + sticky fraction) * 2^e, reducing a long q to 100 bits first (the rest folds into sticky).</summary>
    private static LongDouble RoundBig(bool neg, BigInteger q, int e, bool sticky)
    {
        long n = q.GetBitLength();
        if (n > 100)
        {
            int t = (int)(n - 100);
            var low = q & ((BigInteger.One << t) - 1);
            if (!low.IsZero) sticky = true;
            q >>= t;
            e += t;
        }
        return Round(neg, (UInt128)q, e, sticky);
    }

    /// <summary>
    /// Rounds (q + f) * 2^e to the nearest long double, ties to even, where f is 0 when <paramref name="sticky"/>
    /// is false and strictly between 0 and 1 otherwise. With sticky set, q must have at least 66 bits.
    /// </summary>
    private static LongDouble Round(bool neg, UInt128 q, int e, bool sticky)
    {
        int n = 128 - (int)UInt128.LeadingZeroCount(q);
        long shiftL = n - 64;
        if (e + shiftL < MinExponent) shiftL = (long)MinExponent - e;
        int shift = (int)Math.Clamp(shiftL, -200, 1 << 20);
        ulong mant;
        if (shift <= 0)
        {
            mant = (ulong)(q << -shift);
        }
        else if (shift > n)
        {
            mant = 0;
        }
        else if (shift == 128)
        {
            // n == 128: q is at least half of 2^128, so this rounds to one unit or to zero on an exact tie.
            mant = q > (UInt128.One << 127) || sticky ? 1UL : 0UL;
        }
        else
        {
            mant = (ulong)(q >> shift);
            UInt128 rem = q & ((UInt128.One << shift) - 1);
            UInt128 half = UInt128.One << (shift - 1);
            if (rem > half || (rem == half && (sticky || (mant & 1) != 0)))
            {
                mant++;
                if (mant == 0)
                {
                    mant = 1UL << 63;
                    shift++;
                }
            }
        }
        long exp = (long)e + shift;
        if (mant == 0) return new LongDouble(neg, 0, MinExponent, Finite);
        if (exp > MaxExponent) return neg ? NegativeInfinity : PositiveInfinity;
        return new LongDouble(neg, mant, (int)exp, Finite);
    }

    public static LongDouble operator +(LongDouble a, LongDouble b)
    {
        if (a.IsNaN || b.IsNaN) return NaN;
        if (a.IsInfinity)
        {
            if (b.IsInfinity && b._neg != a._neg) return NaN;
            return a;
        }
        if (b.IsInfinity) return b;
        if (a._mant == 0 && b._mant == 0) return new LongDouble(a._neg && b._neg, 0, MinExponent, Finite);
        if (a._mant == 0) return b;
        if (b._mant == 0) return a;
        if (a._exp < b._exp) (a, b) = (b, a);
        int d = a._exp - b._exp;
        UInt128 x, y;
        int e;
        bool sticky = false;
        if (d <= 63)
        {
            x = (UInt128)a._mant << d;
            y = b._mant;
            e = b._exp;
        }
        else
        {
            // b lies entirely below a's rounding bit: keep a wide, b shifted with its lost bits as sticky.
            x = (UInt128)a._mant << 62;
            e = a._exp - 62;
            int sh = d - 62;
            if (sh >= 64)
            {
                y = 0;
                sticky = true;
            }
            else
            {
                y = b._mant >> sh;
                sticky = (b._mant & ((1UL << sh) - 1)) != 0;
            }
        }
        if (a._neg == b._neg) return Round(a._neg, x + y, e, sticky);
        if (x == y && !sticky) return Zero;
        if (x > y || sticky)
        {
            UInt128 r = x - y;
            if (sticky) r -= 1;
            return Round(a._neg, r, e, sticky);
        }
        return Round(b._neg, y - x, e, false);
    }

    public static LongDouble operator -(LongDouble a) => new(!a._neg, a._mant, a._exp, a._kind);

    /// <summary>
    /// Formats as Redis's ld2string in LD_STR_HUMAN mode: "inf"/"-inf", otherwise printf "%.17Lf" with
    /// trailing zeros (and then a trailing point) removed, and "-0" written as "0". NaN writes "nan" (Redis
    /// never formats one). <paramref name="dest"/> needs <see cref="MaxChars"/> bytes in the worst case.
    /// </summary>
    public int FormatHuman(Span<byte> dest)
    {
        if (_kind == Inf)
        {
            var t = _neg ? "-inf"u8 : "inf"u8;
            t.CopyTo(dest);
            return t.Length;
        }
        if (_kind == NaNKind)
        {
            "nan"u8.CopyTo(dest);
            return 3;
        }
        int l = FormatFixed17(dest);
        // There is always a point: strip zeros after it, then the point itself.
        while (dest[l - 1] == '0') l--;
        if (dest[l - 1] == '.') l--;
        if (l == 2 && dest[0] == '-' && dest[1] == '0')
        {
            dest[0] = (byte)'0';
            l = 1;
        }
        return l;
    }

    /// <summary>
    /// Bytes <see cref="FormatHuman"/> may write for this value: 64 unless the value is at least 2^128
    /// (then up to <see cref="MaxChars"/>), so callers can format ordinary values into a small stack buffer.
    /// </summary>
    public int FormatLengthBound => _kind == Finite && _exp > 64 ? MaxChars : 64;

    /// <summary>Formats as Redis's ld2string human mode into a new array (tests, admin paths).</summary>
    public byte[] ToHumanBytes()
    {
        Span<byte> buf = stackalloc byte[MaxChars];
        int n = FormatHuman(buf);
        return buf[..n].ToArray();
    }

    public override string ToString() => System.Text.Encoding.ASCII.GetString(ToHumanBytes());

    /// <summary>printf("%.17Lf") of a finite value, exactly, ties to even.</summary>
    private int FormatFixed17(Span<byte> dest)
    {
        int pos = 0;
        if (_neg) dest[pos++] = (byte)'-';
        if (_exp >= 0)
        {
            if (_exp <= 64)
            {
                UInt128 v = (UInt128)_mant << _exp;
                v.TryFormat(dest[pos..], out int w, default, System.Globalization.CultureInfo.InvariantCulture);
                pos += w;
            }
            else
            {
                var v = (BigInteger)_mant << _exp;
                Span<char> chars = stackalloc char[MaxChars];
                v.TryFormat(chars, out int w, default, System.Globalization.CultureInfo.InvariantCulture);
                for (int k = 0; k < w; k++) dest[pos + k] = (byte)chars[k];
                pos += w;
            }
            dest[pos++] = (byte)'.';
            dest.Slice(pos, 17).Fill((byte)'0');
            return pos + 17;
        }
        int k2 = -_exp;
        // mant * 10^17 < 2^121: at 2^-122 or finer every digit is zero (the value is below half a unit).
        UInt128 r = 0;
        if (k2 < 122)
        {
            UInt128 nn = (UInt128)_mant * 100_000_000_000_000_000UL;
            r = nn >> k2;
            UInt128 rem = nn & ((UInt128.One << k2) - 1);
            UInt128 half = UInt128.One << (k2 - 1);
            if (rem > half || (rem == half && (r & 1) != 0)) r++;
        }
        Span<byte> digits = stackalloc byte[48];
        r.TryFormat(digits, out int nd, default, System.Globalization.CultureInfo.InvariantCulture);
        // At least one integer digit: pad to 18 digits.
        int pad = nd < 18 ? 18 - nd : 0;
        int intDigits = nd + pad - 17;
        int src = 0;
        for (int k = 0; k < intDigits; k++) dest[pos++] = k < pad ? (byte)'0' : digits[src++];
        dest[pos++] = (byte)'.';
        for (int k = intDigits; k < nd + pad; k++) dest[pos++] = k < pad ? (byte)'0' : digits[src++];
        return pos;
    }
}
