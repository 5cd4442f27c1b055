namespace Tern.Server;

/// <summary>
/// Glob-style matching with Redis's rules (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE): '*', '?', '[abc]',
/// '[^a-z]', and '\' escaping the next character. Binary-safe and allocation-free.
/// </summary>
public static class Glob
{
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> s, bool ignoreCase = false) =>
        MatchAt(pattern, s, ignoreCase, 0);

    private static byte Fold(byte c, bool ignoreCase) => ignoreCase && (uint)(c - 'A') <= 25 ? (byte)(c | 0x20) : c;

    private static bool MatchAt(ReadOnlySpan<byte> p, ReadOnlySpan<byte> s, bool nocase, int depth)
    {
        // Deeply nested stars are cut off, as Redis does, so a hostile pattern cannot exhaust the stack.
        if (depth > 1000) return false;
        int pi = 0, si = 0;
        while (pi < p.Length && si < s.Length)
        {
            byte pc = p[pi];
            switch (pc)
            {
                case (byte)'*':
                    while (pi + 1 < p.Length && p[pi + 1] == '*') pi++;
                    if (pi + 1 == p.Length) return true;
                    for (int k = si; k < s.Length; k++)
                        if (MatchAt(p[(pi + 1)..], s[k..], nocase, depth + 1)) return true;
                    return false;
                case (byte)'?':
                    si++;
                    pi++;
                    break;
                case (byte)'[':
                {
                    pi++;
                    bool not = pi < p.Length && p[pi] == '^';
                    if (not) pi++;
                    bool match = false;
                    byte c = Fold(s[si], nocase);
                    while (true)
                    {
                        if (pi >= p.Length)
                        {
                            // Unterminated class: Redis treats the end of pattern as the closing bracket.
                            pi--;
                            break;
                        }
                        if (p[pi] == '\\' && pi + 1 < p.Length)
                        {
                            pi++;
                            if (Fold(p[pi], nocase) == c) match = true;
                        }
                        else if (p[pi] == ']')
                        {
                            break;
                        }
                        else if (pi + 2 < p.Length && p[pi + 1] == '-')
                        {
                            byte lo = Fold(p[pi], nocase), hi = Fold(p[pi + 2], nocase);
                            if (lo > hi) (lo, hi) = (hi, lo);
                            if (c >= lo && c <= hi) match = true;
                            pi += 2;
                        }
                        else if (Fold(p[pi], nocase) == c)
                        {
                            match = true;
                        }
                        pi++;
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    si++;
                    pi++;
                    break;
                }
                case (byte)'\\':
                    if (pi + 1 < p.Length) pi++;
                    goto default;
                default:
                    if (Fold(p[pi], nocase) != Fold(s[si], nocase)) return false;
                    si++;
                    pi++;
                    break;
            }
        }
        if (si < s.Length) return false;
        while (pi < p.Length && p[pi] == '*') pi++;
        return pi == p.Length;
    }
}
