using System.Buffers;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>LCS (t_string.c lcsCommand): longest common subsequence of two strings, by dynamic programming.</summary>
public static partial class StringFamily
{
    private struct LcsRange
    {
        public uint AStart, AEnd, BStart, BEnd;
    }

    // LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
    private static void Lcs(CommandContext ctx)
    {
        var oa = ctx.LookupRead(ctx.Arg(1));
        var ob = ctx.LookupRead(ctx.Arg(2));
        if ((oa != null && oa is not byte[]) || (ob != null && ob is not byte[]))
        {
            ctx.Error(Errors.LcsNotStrings);
            return;
        }
        bool getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        int argc = ctx.ArgCount;
        for (int j = 3; j < argc; j++)
        {
            var opt = ctx.Arg(j);
            bool more = j < argc - 1;
            if (Is(opt, "IDX"u8)) getIdx = true;
            else if (Is(opt, "LEN"u8)) getLen = true;
            else if (Is(opt, "WITHMATCHLEN"u8)) withMatchLen = true;
            else if (Is(opt, "MINMATCHLEN"u8) && more)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(j + 1), out minMatchLen))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (minMatchLen < 0) minMatchLen = 0;
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (getLen && getIdx)
        {
            ctx.Error(Errors.LcsLenAndIdx);
            return;
        }
        var a = oa is byte[] pa ? PackedString.Value(pa) : default;
        var b = ob is byte[] pb ? PackedString.Value(pb) : default;
        int alen = a.Length, blen = b.Length;
        long cells = (long)(alen + 1) * (blen + 1);
        if (cells * sizeof(uint) > ctx.Server.Config.ProtoMaxBulkLen)
        {
            ctx.Error(Errors.LcsTooBig);
            return;
        }
        if (cells > Array.MaxLength)
        {
            ctx.Error(Errors.LcsAllocFailed);
            return;
        }
        uint[] lcs;
        bool pooled = cells <= 1 << 20;
        try
        {
            lcs = pooled ? ArrayPool<uint>.Shared.Rent((int)cells) : GC.AllocateUninitializedArray<uint>((int)cells);
        }
        catch (OutOfMemoryException)
        {
            ctx.Error(Errors.LcsAllocFailed);
            return;
        }
        try
        {
            LcsReply(ctx, a, b, lcs, getLen, getIdx, withMatchLen, minMatchLen);
        }
        finally
        {
            if (pooled) ArrayPool<uint>.Shared.Return(lcs);
        }
    }

    private static void LcsReply(CommandContext ctx, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, uint[] lcs,
        bool getLen, bool getIdx, bool withMatchLen, long minMatchLen)
    {
        int alen = a.Length, blen = b.Length;
        int w = blen + 1;
        // lcs[i * w + j] is the LCS length of a[..i] and b[..j].
        for (int j = 0; j <= blen; j++) lcs[j] = 0;
        for (int i = 1; i <= alen; i++)
        {
            int row = i * w;
            byte ai = a[i - 1];
            lcs[row] = 0;
            for (int j = 1; j <= blen; j++)
            {
                if (ai == b[j - 1]) lcs[row + j] = lcs[row - w + j - 1] + 1;
                else
                {
                    uint l1 = lcs[row - w + j], l2 = lcs[row + j - 1];
                    lcs[row + j] = l1 > l2 ? l1 : l2;
                }
            }
        }
        uint total = lcs[alen * w + blen];
        if (getLen && !getIdx)
        {
            ctx.Reply.Integer(total);
            return;
        }

        // Walk back from the end, building the subsequence and the ranges of contiguous matches.
        byte[] result = total == 0 ? [] : new byte[total];
        LcsRange[]? ranges = getIdx ? ArrayPool<LcsRange>.Shared.Rent(16) : null;
        int rangeCount = 0;
        try
        {
            uint idx = total;
            uint aStart = (uint)alen, aEnd = 0, bStart = 0, bEnd = 0; // aStart == alen: no open range
            int i = alen, j = blen;
            while (i > 0 && j > 0)
            {
                bool emit = false;
                if (a[i - 1] == b[j - 1])
                {
                    result[idx - 1] = a[i - 1];
                    if (aStart == (uint)alen)
                    {
                        aStart = (uint)(i - 1);
                        aEnd = (uint)(i - 1);
                        bStart = (uint)(j - 1);
                        bEnd = (uint)(j - 1);
                    }
                    else if (aStart == (uint)i && bStart == (uint)j)
                    {
                        aStart--;
                        bStart--;
                    }
                    else
                    {
                        emit = true;
                    }
                    if (aStart == 0 || bStart == 0) emit = true;
                    idx--;
                    i--;
                    j--;
                }
                else
                {
                    uint l1 = lcs[(i - 1) * w + j], l2 = lcs[i * w + j - 1];
                    if (l1 > l2) i--;
                    else j--;
                    if (aStart != (uint)alen) emit = true;
                }
                if (emit)
                {
                    uint matchLen = aEnd - aStart + 1;
                    if (ranges != null && (minMatchLen == 0 || matchLen >= minMatchLen))
                    {
                        if (rangeCount == ranges.Length)
                        {
                            var bigger = ArrayPool<LcsRange>.Shared.Rent(ranges.Length * 2);
                            ranges.AsSpan(0, rangeCount).CopyTo(bigger);
                            ArrayPool<LcsRange>.Shared.Return(ranges);
                            ranges = bigger;
                        }
                        ranges[rangeCount++] = new LcsRange { AStart = aStart, AEnd = aEnd, BStart = bStart, BEnd = bEnd };
                    }
                    aStart = (uint)alen;
                }
            }
            if (ranges == null)
            {
                ctx.Reply.Bulk(result);
                return;
            }
            var r = ctx.Reply;
            r.MapHeader(2);
            r.Bulk("matches"u8);
            r.ArrayHeader(rangeCount);
            for (int k = 0; k < rangeCount; k++)
            {
                ref LcsRange m = ref ranges[k];
                r.ArrayHeader(withMatchLen ? 3 : 2);
                r.ArrayHeader(2);
                r.Integer(m.AStart);
                r.Integer(m.AEnd);
                r.ArrayHeader(2);
                r.Integer(m.BStart);
                r.Integer(m.BEnd);
                if (withMatchLen) r.Integer(m.AEnd - m.AStart + 1);
            }
            r.Bulk("len"u8);
            r.Integer(total);
        }
        finally
        {
            if (ranges != null) ArrayPool<LcsRange>.Shared.Return(ranges);
        }
    }

    private static void RegisterLcs(CommandTable t)
    {
        t.Add("lcs", Lcs);
    }
}
