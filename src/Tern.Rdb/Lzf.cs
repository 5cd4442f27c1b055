using System.Buffers;

namespace Tern.Rdb;

/// <summary>
/// LZF compression making the same choices as the liblzf build inside Redis (HLOG 16, VERY_FAST, a clean hash
/// table), so compressed sizes match Redis's: DEBUG OBJECT's serializedlength and, later, RDB strings.
/// <code>
/// 000LLLLL &lt;L+1 bytes&gt;        literal run of 1..32 bytes
/// LLLooooo oooooooo            back reference of L+2 (3..8) bytes at offset o+1 (1..8192)
/// 111ooooo LLLLLLLL oooooooo   back reference of L+9 bytes
/// </code>
/// </summary>
public static class Lzf
{
    private const int HLog = 16;
    private const int HSize = 1 << HLog;
    private const int MaxLit = 1 << 5;
    private const int MaxOff = 1 << 13;
    private const int MaxRef = (1 << 8) + (1 << 3);

    private static uint First(ReadOnlySpan<byte> s, int p) => (uint)((s[p] << 8) | s[p + 1]);

    private static uint Next(uint v, ReadOnlySpan<byte> s, int p) => (v << 8) | s[p + 2];

    private static int Index(uint h) => (int)(((h >> (3 * 8 - HLog)) - h * 5) & (HSize - 1));

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="output"/>; returns the compressed length, or 0
    /// when it does not fit in the output (Redis gives up on compression then).
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int inLen = input.Length, outEnd = output.Length;
        if (inLen == 0 || outEnd == 0) return 0;
        // A clean table without clearing 64K slots per call (which cost more than compressing a small listpack):
        // each slot carries the generation that wrote it, and a slot of an older generation reads as empty.
        var table = t_table ??= new long[HSize];
        if (++t_generation == 0)
        {
            Array.Clear(table);
            t_generation = 1;
        }
        return Run(input, output, table, (long)t_generation << 32);
    }

    [ThreadStatic]
    private static long[]? t_table;

    [ThreadStatic]
    private static uint t_generation;

    private static int Run(ReadOnlySpan<byte> s, Span<byte> o, long[] table, long gen)
    {
        int inLen = s.Length, outEnd = o.Length;
        int ip = 0, op = 1, lit = 0; // op starts past the header of the first literal run
        uint hval = inLen >= 2 ? First(s, 0) : 0;
        while (ip < inLen - 2)
        {
            hval = Next(hval, s, ip);
            int slot = Index(hval);
            long e = table[slot];
            int r = (e & unchecked((long)0xFFFFFFFF00000000)) == gen ? (int)e : -1;
            table[slot] = gen | (uint)ip;
            // A candidate must lie within the window and after the first byte (liblzf tests ref > in_data).
            if (r > 0 && ip - r - 1 < MaxOff && s[r + 2] == s[ip + 2] && s[r] == s[ip] && s[r + 1] == s[ip + 1])
            {
                int off = ip - r - 1;
                int len = 2;
                int maxlen = Math.Min(inLen - ip - len, MaxRef);
                if (op + 3 + 1 >= outEnd && op - (lit == 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
                o[op - lit - 1] = (byte)(lit - 1); // close the literal run
                if (lit == 0) op--;                // or drop its empty header
                bool done = false;
                if (maxlen > 16)
                {
                    // liblzf compares 16 bytes unchecked first (maxlen > 16 keeps them in bounds).
                    for (int k = 0; k < 16; k++)
                    {
                        len++;
                        if (s[r + len] != s[ip + len])
                        {
                            done = true;
                            break;
                        }
                    }
                }
                if (!done)
                {
                    do len++;
                    while (len < maxlen && s[r + len] == s[ip + len]);
                }
                len -= 2; // bytes - 1... as the format counts
                ip++;
                if (len < 7) o[op++] = (byte)((off >> 8) + (len << 5));
                else
                {
                    o[op++] = (byte)((off >> 8) + (7 << 5));
                    o[op++] = (byte)(len - 7);
                }
                o[op++] = (byte)off;
                lit = 0;
                op++; // header of the next literal run
                ip += len + 1;
                if (ip >= inLen - 2) break;
                // VERY_FAST: hash the last two positions of the match so later data can refer to them.
                ip -= 2;
                hval = First(s, ip);
                hval = Next(hval, s, ip);
                table[Index(hval)] = gen | (uint)ip;
                ip++;
                hval = Next(hval, s, ip);
                table[Index(hval)] = gen | (uint)ip;
                ip++;
            }
            else
            {
                if (op >= outEnd) return 0;
                lit++;
                o[op++] = s[ip++];
                if (lit == MaxLit)
                {
                    o[op - lit - 1] = (byte)(lit - 1);
                    lit = 0;
                    op++;
                }
            }
        }
        if (op + 3 > outEnd) return 0;
        while (ip < inLen)
        {
            lit++;
            o[op++] = s[ip++];
            if (lit == MaxLit)
            {
                o[op - lit - 1] = (byte)(lit - 1);
                lit = 0;
                op++;
            }
        }
        o[op - lit - 1] = (byte)(lit - 1);
        if (lit == 0) op--;
        return op;
    }
    /// <summary>
    /// Decompresses <paramref name="input"/> into <paramref name="output"/>; returns the decompressed length, or -1
    /// when the data is malformed (a back reference before the start, a run past either end).
    /// </summary>
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                int run = ctrl + 1;
                if (run > input.Length - ip || run > output.Length - op) return -1;
                input.Slice(ip, run).CopyTo(output.Slice(op));
                ip += run;
                op += run;
                continue;
            }
            int len = ctrl >> 5;
            if (len == 7)
            {
                if (ip >= input.Length) return -1;
                len += input[ip++];
            }
            if (ip >= input.Length) return -1;
            int back = ((ctrl & 0x1f) << 8) + input[ip++] + 1;
            len += 2;
            if (back > op || len > output.Length - op) return -1;
            int from = op - back;
            if (back >= len) output.Slice(from, len).CopyTo(output.Slice(op));
            else for (int k = 0; k < len; k++) output[op + k] = output[from + k]; // overlapping run
            op += len;
        }
        return op;
    }
}
