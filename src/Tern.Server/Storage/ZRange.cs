namespace Tern.Server.Storage;

/// <summary>A score interval (Redis's zrangespec): "(" makes an end exclusive.</summary>
public struct ScoreRange
{
    public double Min, Max;
    public bool MinEx, MaxEx;

    /// <summary>zslValueGteMin.</summary>
    public readonly bool GteMin(double v) => MinEx ? v > Min : v >= Min;

    /// <summary>zslValueLteMax.</summary>
    public readonly bool LteMax(double v) => MaxEx ? v < Max : v <= Max;

    /// <summary>The "always empty" test of zslIsInRange.</summary>
    public readonly bool IsEmpty => Min > Max || (Min == Max && (MinEx || MaxEx));
}

/// <summary>What a lex range end is: a string, or Redis's shared minstring ("-") or maxstring ("+").</summary>
public enum LexKind : byte
{
    Value,
    MinString,
    MaxString,
}

/// <summary>
/// A lexicographic interval (Redis's zlexrangespec): "[x" inclusive, "(x" exclusive, "-" and "+" the
/// smallest and greatest strings. Compared bytewise as memcmp then length (sdscmp).
/// </summary>
public ref struct LexRange
{
    public LexKind MinKind, MaxKind;
    public ReadOnlySpan<byte> Min, Max;
    public bool MinEx, MaxEx;

    /// <summary>sdscmplex(value, bound) for a member value against one end.</summary>
    private static int CompareToBound(ReadOnlySpan<byte> value, LexKind kind, ReadOnlySpan<byte> bound) =>
        kind == LexKind.MinString ? 1 : kind == LexKind.MaxString ? -1 : value.SequenceCompareTo(bound);

    /// <summary>zslLexValueGteMin.</summary>
    public readonly bool GteMin(ReadOnlySpan<byte> v)
    {
        int c = CompareToBound(v, MinKind, Min);
        return MinEx ? c > 0 : c >= 0;
    }

    /// <summary>zslLexValueLteMax.</summary>
    public readonly bool LteMax(ReadOnlySpan<byte> v)
    {
        int c = CompareToBound(v, MaxKind, Max);
        return MaxEx ? c < 0 : c <= 0;
    }

    /// <summary>The "always empty" test of zslIsInLexRange: sdscmplex(min, max) &gt; 0, or 0 with an open end.</summary>
    public readonly bool IsEmpty
    {
        get
        {
            int cmp;
            if (MinKind != LexKind.Value && MinKind == MaxKind) cmp = 0;
            else if (MinKind == LexKind.MinString || MaxKind == LexKind.MaxString) cmp = -1;
            else if (MinKind == LexKind.MaxString || MaxKind == LexKind.MinString) cmp = 1;
            else cmp = Min.SequenceCompareTo(Max);
            return cmp > 0 || (cmp == 0 && (MinEx || MaxEx));
        }
    }
}
