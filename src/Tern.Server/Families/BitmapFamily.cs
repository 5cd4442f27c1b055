using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Bit commands (bitops.c): bitmaps are plain strings. Bit 0 is the most significant bit of the first byte.
/// A write that needs a longer string allocates a new zero-padded packed string; one that fits changes the
/// value in place.
/// </summary>
public static class BitmapFamily
{
    private enum Overflow : byte { Wrap, Sat, Fail }

    private enum BitOpKind { And, Or, Xor, Not }

    private struct FieldOp
    {
        public ulong Offset;
        public long Value;
        public byte Opcode; // 0 GET, 1 SET, 2 INCRBY
        public Overflow Overflow;
        public byte Bits;
        public bool Signed;
    }

    private const byte OpGet = 0, OpSet = 1, OpIncrBy = 2;

    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => System.Text.Ascii.EqualsIgnoreCase(a, word);

    /// <summary>
    /// getBitOffsetFromArgument: a non-negative integer below 8 * proto-max-bulk-len (not enforced for the
    /// primary's link). With <paramref name="hash"/> (BITFIELD) "#n" means n * <paramref name="bits"/>.
    /// </summary>
    private static bool ParseBitOffset(CommandContext ctx, ReadOnlySpan<byte> arg, bool hash, int bits, out ulong offset)
    {
        offset = 0;
        bool useHash = hash && bits > 0 && arg.Length > 0 && arg[0] == '#';
        if (!RespNumber.TryParseInt64(useHash ? arg[1..] : arg, out long v))
        {
            ctx.Error(Errors.BitOffset);
            return false;
        }
        // Redis multiplies in C and lets it wrap; a wrapped negative offset is then refused like any other.
        if (useHash) v = unchecked(v * bits);
        if (v < 0 || (!ctx.Client.IsPrimaryLink && (v >> 3) >= ctx.Server.Config.ProtoMaxBulkLen))
        {
            ctx.Error(Errors.BitOffset);
            return false;
        }
        offset = (ulong)v;
        return true;
    }

    /// <summary>
    /// lookupStringForBitCommand: the key's string made long enough to address bit <paramref name="maxBit"/>
    /// (created, or zero-padded into a new array). <paramref name="dirty"/> tells whether it was created or
    /// grown. Null after an error reply.
    /// </summary>
    private static byte[]? StringForBits(CommandContext ctx, ulong maxBit, out bool dirty)
    {
        dirty = false;
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o != null && o is not byte[])
        {
            ctx.Error(Errors.WrongType);
            return null;
        }
        ulong need = (maxBit >> 3) + 1;
        var a = o as byte[];
        if (a != null && (ulong)PackedString.ValueLength(a) >= need)
        {
            // dbUnshareStringValue: the value is raw-encoded from now on.
            a[0] |= PackedString.FlagRaw;
            return a;
        }
        if (need > (ulong)(Array.MaxLength - 64 - key.Length))
        {
            ctx.Error(Errors.StringTooLong);
            return null;
        }
        var cur = a != null ? PackedString.Value(a) : default;
        long exp = a != null ? PackedString.ExpireAt(a) : 0;
        var grown = NewString(key, cur, (int)need, exp, ctx.Now);
        ctx.Keyspace.Set(ctx.Db, grown);
        dirty = true;
        return grown;
    }

    /// <summary>A raw packed string holding <paramref name="prefix"/> followed by zeros up to <paramref name="length"/> bytes.</summary>
    private static byte[] NewString(ReadOnlySpan<byte> key, ReadOnlySpan<byte> prefix, int length, long expireAt, long now)
    {
        // A zeroed array of the final size: the value is whatever follows the key, so writing an empty value
        // leaves it all zeros, and the old bytes are copied once.
        var a = new byte[PackedString.SizeFor(key.Length, length, expireAt != 0)];
        PackedString.Write(a, key, default, expireAt, (uint)(now / 1000) & LruClock.Max, raw: true);
        prefix.CopyTo(PackedString.MutableValue(a));
        return a;
    }

    // SETBIT key offset value
    private static void SetBit(CommandContext ctx)
    {
        if (!ParseBitOffset(ctx, ctx.Arg(2), false, 0, out ulong offset)) return;
        if (!RespNumber.TryParseInt64(ctx.Arg(3), out long on) || (on & ~1L) != 0)
        {
            ctx.Error(Errors.BitValue);
            return;
        }
        var a = StringForBits(ctx, offset, out bool dirty);
        if (a == null) return;
        var v = PackedString.MutableValue(a);
        int byteIndex = (int)(offset >> 3);
        int bit = 7 - (int)(offset & 7);
        int old = (v[byteIndex] >> bit) & 1;
        if (dirty || old != on)
        {
            v[byteIndex] = (byte)((v[byteIndex] & ~(1 << bit)) | ((int)on << bit));
            ctx.Notify(ServerConfig.Notify.String, "setbit"u8, ctx.Arg(1));
            ctx.Dirty++;
        }
        ctx.Reply.Integer(old);
    }

    // GETBIT key offset
    private static void GetBit(CommandContext ctx)
    {
        if (!ParseBitOffset(ctx, ctx.Arg(2), false, 0, out ulong offset)) return;
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var v = PackedString.Value(a);
        ulong byteIndex = offset >> 3;
        int bit = 0;
        if (byteIndex < (ulong)v.Length) bit = (v[(int)byteIndex] >> (7 - (int)(offset & 7))) & 1;
        ctx.Reply.Integer(bit);
    }

    // BITCOUNT key [start end [BYTE | BIT]]
    private static void BitCount(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var p = PackedString.Value(a);
        long start, end;
        int firstMask = 0, lastMask = 0;
        int argc = ctx.ArgCount;
        if (argc == 4 || argc == 5)
        {
            long totlen = p.Length;
            if (!RespNumber.TryParseInt64(ctx.Arg(2), out start) || !RespNumber.TryParseInt64(ctx.Arg(3), out end))
            {
                ctx.Error(Errors.NotInteger);
                return;
            }
            if (start < 0 && end < 0 && start > end)
            {
                ctx.Reply.Integer(0);
                return;
            }
            bool isBit = false;
            if (argc == 5)
            {
                if (Is(ctx.Arg(4), "bit"u8)) isBit = true;
                else if (!Is(ctx.Arg(4), "byte"u8))
                {
                    ctx.SyntaxError();
                    return;
                }
            }
            NormalizeRange(ref start, ref end, totlen, isBit, out firstMask, out lastMask);
        }
        else if (argc == 2)
        {
            start = 0;
            end = p.Length - 1;
        }
        else
        {
            ctx.SyntaxError();
            return;
        }
        if (start > end)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long count = PopCount(p.Slice((int)start, (int)(end - start + 1)));
        if (firstMask != 0) count -= BitOperations.PopCount((uint)(p[(int)start] & firstMask));
        if (lastMask != 0) count -= BitOperations.PopCount((uint)(p[(int)end] & lastMask));
        ctx.Reply.Integer(count);
    }

    private static long PopCount(ReadOnlySpan<byte> s)
    {
        long n = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(s);
        foreach (ulong w in words) n += BitOperations.PopCount(w);
        for (int i = words.Length * 8; i < s.Length; i++) n += BitOperations.PopCount((uint)s[i]);
        return n;
    }

    /// <summary>
    /// redisBitpos: the position of the first <paramref name="bit"/> in <paramref name="s"/>. Looking for 0 in
    /// all-ones bytes gives s.Length * 8 (the string is taken as zero-padded); looking for 1 in zeros gives -1.
    /// </summary>
    private static long FindBit(ReadOnlySpan<byte> s, int bit)
    {
        int i = bit == 1 ? s.IndexOfAnyExcept((byte)0) : s.IndexOfAnyExcept((byte)0xFF);
        if (i < 0) return bit == 1 ? -1 : (long)s.Length * 8;
        int b = bit == 1 ? s[i] : (byte)~s[i];
        return (long)i * 8 + BitOperations.LeadingZeroCount((uint)b) - 24;
    }

    // BITPOS key bit [start [end [BYTE | BIT]]]
    private static void BitPos(CommandContext ctx)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long bitArg))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (bitArg != 0 && bitArg != 1)
        {
            ctx.Error(Errors.BitArgument);
            return;
        }
        int bit = (int)bitArg;
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            // A missing key is an infinite run of zeros.
            ctx.Reply.Integer(bit == 1 ? -1 : 0);
            return;
        }
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var p = PackedString.Value(a);
        long start, end;
        bool endGiven = false;
        int firstMask = 0, lastMask = 0;
        int argc = ctx.ArgCount;
        if (argc >= 4 && argc <= 6)
        {
            long totlen = p.Length;
            if (!RespNumber.TryParseInt64(ctx.Arg(3), out start))
            {
                ctx.Error(Errors.NotInteger);
                return;
            }
            bool isBit = false;
            if (argc == 6)
            {
                if (Is(ctx.Arg(5), "bit"u8)) isBit = true;
                else if (!Is(ctx.Arg(5), "byte"u8))
                {
                    ctx.SyntaxError();
                    return;
                }
            }
            if (argc >= 5)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(4), out end))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                endGiven = true;
            }
            else
            {
                end = totlen - 1;
            }
            NormalizeRange(ref start, ref end, totlen, isBit, out firstMask, out lastMask);
        }
        else if (argc == 3)
        {
            start = 0;
            end = p.Length - 1;
        }
        else
        {
            ctx.SyntaxError();
            return;
        }
        if (start > end)
        {
            ctx.Reply.Integer(-1);
            return;
        }
        // The same steps as bitposCommand: a masked first byte, the whole bytes, a masked last byte; each step
        // stops the search when it found the bit, and the position is relative to the bytes not yet skipped.
        long bytes = end - start + 1;
        long pos = 0;
        Span<byte> one = stackalloc byte[1];
        bool done = false;
        if (firstMask != 0)
        {
            int t = bit == 1 ? p[(int)start] & ~firstMask : p[(int)start] | firstMask;
            if (lastMask != 0 && bytes == 1) t = bit == 1 ? t & ~lastMask : t | lastMask;
            one[0] = (byte)t;
            pos = FindBit(one, bit);
            if (bytes == 1 || (pos != -1 && pos != 8)) done = true;
            else
            {
                start++;
                bytes--;
            }
        }
        if (!done)
        {
            long curBytes = bytes - (lastMask != 0 ? 1 : 0);
            if (curBytes > 0)
            {
                pos = FindBit(p.Slice((int)start, (int)curBytes), bit);
                if (bytes == curBytes || (pos != -1 && pos != curBytes << 3)) done = true;
                else
                {
                    start += curBytes;
                    bytes -= curBytes;
                }
            }
        }
        if (!done)
        {
            int t = bit == 1 ? p[(int)end] & ~lastMask : p[(int)end] | lastMask;
            one[0] = (byte)t;
            pos = FindBit(one, bit);
        }
        // With an explicit end, clear bits past the range do not count (no zero padding inside a range).
        if (endGiven && bit == 0 && pos == bytes << 3)
        {
            ctx.Reply.Integer(-1);
            return;
        }
        if (pos != -1) pos += start << 3;
        ctx.Reply.Integer(pos);
    }

    // BITOP <AND | OR | XOR | NOT> destkey key [key ...]
    private static void BitOp(CommandContext ctx)
    {
        // Only the destination is written (signalModifiedKey in Redis); the sources are read.
        ctx.Modified(2);
        var opName = ctx.Arg(1);
        BitOpKind op;
        if (Is(opName, "and"u8)) op = BitOpKind.And;
        else if (Is(opName, "or"u8)) op = BitOpKind.Or;
        else if (Is(opName, "xor"u8)) op = BitOpKind.Xor;
        else if (Is(opName, "not"u8)) op = BitOpKind.Not;
        else
        {
            ctx.SyntaxError();
            return;
        }
        if (op == BitOpKind.Not && ctx.ArgCount != 4)
        {
            ctx.Error(Errors.BitOpNotSingleKey);
            return;
        }
        int numKeys = ctx.ArgCount - 3;
        byte[]?[] sources = numKeys <= 64 ? (t_sources ??= new byte[]?[64]) : new byte[]?[numKeys];
        long maxLen = 0;
        try
        {
            for (int j = 0; j < numKeys; j++)
            {
                var o = ctx.LookupRead(ctx.Arg(j + 3));
                if (o == null)
                {
                    sources[j] = null;
                    continue;
                }
                if (o is not byte[] a)
                {
                    ctx.Error(Errors.WrongType);
                    return;
                }
                sources[j] = a;
                maxLen = Math.Max(maxLen, PackedString.ValueLength(a));
            }
            var dest = ctx.Arg(2);
            if (maxLen == 0)
            {
                if (ctx.Keyspace.Delete(ctx.Db, dest, ctx.Now))
                {
                    ctx.Notify(ServerConfig.Notify.Generic, "del"u8, dest);
                    ctx.Dirty++;
                }
                ctx.Reply.Integer(0);
                return;
            }
            var result = NewString(dest, default, (int)maxLen, 0, ctx.Now);
            var res = PackedString.MutableValue(result);
            var first = sources[0] is byte[] f ? PackedString.Value(f) : default;
            first.CopyTo(res);
            if (op == BitOpKind.Not) Invert(res);
            for (int j = 1; j < numKeys; j++)
            {
                var s = sources[j] is byte[] sa ? PackedString.Value(sa) : default;
                switch (op)
                {
                    case BitOpKind.And:
                        And(res[..s.Length], s);
                        res[s.Length..].Clear();
                        break;
                    case BitOpKind.Or:
                        Or(res[..s.Length], s);
                        break;
                    case BitOpKind.Xor:
                        Xor(res[..s.Length], s);
                        break;
                }
            }
            // setKey: the destination loses any TTL.
            ctx.Keyspace.Set(ctx.Db, result);
            ctx.Notify(ServerConfig.Notify.String, "set"u8, dest);
            ctx.Dirty++;
            ctx.Reply.Integer(maxLen);
        }
        finally
        {
            if (numKeys <= 64) Array.Clear(sources, 0, numKeys);
        }
    }

    [ThreadStatic]
    private static byte[]?[]? t_sources;

    private static void Invert(Span<byte> d)
    {
        var w = MemoryMarshal.Cast<byte, ulong>(d);
        for (int i = 0; i < w.Length; i++) w[i] = ~w[i];
        for (int i = w.Length * 8; i < d.Length; i++) d[i] = (byte)~d[i];
    }

    private static void And(Span<byte> d, ReadOnlySpan<byte> s)
    {
        var w = MemoryMarshal.Cast<byte, ulong>(d);
        var sw = MemoryMarshal.Cast<byte, ulong>(s);
        for (int i = 0; i < w.Length; i++) w[i] &= sw[i];
        for (int i = w.Length * 8; i < d.Length; i++) d[i] &= s[i];
    }

    private static void Or(Span<byte> d, ReadOnlySpan<byte> s)
    {
        var w = MemoryMarshal.Cast<byte, ulong>(d);
        var sw = MemoryMarshal.Cast<byte, ulong>(s);
        for (int i = 0; i < w.Length; i++) w[i] |= sw[i];
        for (int i = w.Length * 8; i < d.Length; i++) d[i] |= s[i];
    }

    private static void Xor(Span<byte> d, ReadOnlySpan<byte> s)
    {
        var w = MemoryMarshal.Cast<byte, ulong>(d);
        var sw = MemoryMarshal.Cast<byte, ulong>(s);
        for (int i = 0; i < w.Length; i++) w[i] ^= sw[i];
        for (int i = w.Length * 8; i < d.Length; i++) d[i] ^= s[i];
    }

    // ---- BITFIELD ----

    /// <summary>getBitfieldTypeFromArgument: i1..i64 or u1..u63 (read as a C string, so up to a NUL byte).</summary>
    private static bool ParseFieldType(ReadOnlySpan<byte> arg, out bool signed, out int bits)
    {
        signed = false;
        bits = 0;
        int nul = arg.IndexOf((byte)0);
        if (nul >= 0) arg = arg[..nul];
        if (arg.Length == 0) return false;
        if (arg[0] == 'i') signed = true;
        else if (arg[0] != 'u') return false;
        if (!RespNumber.TryParseInt64(arg[1..], out long n) || n < 1 || (signed && n > 64) || (!signed && n > 63)) return false;
        bits = (int)n;
        return true;
    }

    private static ulong GetUnsigned(ReadOnlySpan<byte> p, ulong offset, int bits)
    {
        ulong value = 0;
        for (int j = 0; j < bits; j++)
        {
            ulong byteIndex = offset >> 3;
            int bit = 7 - (int)(offset & 7);
            // Bytes past the end read as zero (BITFIELD GET on a short string).
            uint b = byteIndex < (ulong)p.Length ? p[(int)byteIndex] : 0u;
            value = (value << 1) | ((b >> bit) & 1);
            offset++;
        }
        return value;
    }

    private static long GetSigned(ReadOnlySpan<byte> p, ulong offset, int bits)
    {
        long value = (long)GetUnsigned(p, offset, bits);
        if (bits < 64 && (value & (1L << (bits - 1))) != 0) value |= -1L << bits;
        return value;
    }

    private static void SetUnsigned(Span<byte> p, ulong offset, int bits, ulong value)
    {
        for (int j = 0; j < bits; j++)
        {
            int bitval = (value & (1UL << (bits - 1 - j))) != 0 ? 1 : 0;
            int byteIndex = (int)(offset >> 3);
            int bit = 7 - (int)(offset & 7);
            p[byteIndex] = (byte)((p[byteIndex] & ~(1 << bit)) | (bitval << bit));
            offset++;
        }
    }

    /// <summary>checkUnsignedBitfieldOverflow: 0, 1 (overflow) or -1 (underflow); <paramref name="limit"/> per policy.</summary>
    private static int CheckUnsigned(ulong value, long incr, int bits, Overflow ow, out ulong limit)
    {
        limit = 0;
        ulong max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        long maxIncr = unchecked((long)(max - value));
        long minIncr = unchecked(-(long)value);
        if (value > max || (incr > 0 && incr > maxIncr))
        {
            if (ow == Overflow.Wrap) limit = WrapUnsigned(value, incr, bits);
            else if (ow == Overflow.Sat) limit = max;
            return 1;
        }
        if (incr < 0 && incr < minIncr)
        {
            if (ow == Overflow.Wrap)
            {
                limit = WrapUnsigned(value, incr, bits);
                return 1;
            }
            if (ow == Overflow.Sat) limit = 0;
            return -1;
        }
        return 0;
    }

    private static ulong WrapUnsigned(ulong value, long incr, int bits)
    {
        ulong mask = bits == 64 ? 0 : ulong.MaxValue << bits;
        return unchecked(value + (ulong)incr) & ~mask;
    }

    /// <summary>checkSignedBitfieldOverflow, with C's wrapping arithmetic.</summary>
    private static int CheckSigned(long value, long incr, int bits, Overflow ow, out long limit)
    {
        limit = 0;
        long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncr = unchecked((long)((ulong)max - (ulong)value));
        long minIncr = unchecked(min - value);
        if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr))
        {
            if (ow == Overflow.Wrap) limit = WrapSigned(value, incr, bits);
            else if (ow == Overflow.Sat) limit = max;
            return 1;
        }
        if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr))
        {
            if (ow == Overflow.Wrap)
            {
                limit = WrapSigned(value, incr, bits);
                return 1;
            }
            if (ow == Overflow.Sat) limit = min;
            return -1;
        }
        return 0;
    }

    private static long WrapSigned(long value, long incr, int bits)
    {
        ulong c = unchecked((ulong)value + (ulong)incr);
        if (bits < 64)
        {
            ulong msb = 1UL << (bits - 1);
            ulong mask = ulong.MaxValue << bits;
            c = (c & msb) != 0 ? c | mask : c & ~mask;
        }
        return (long)c;
    }

    // BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]
    private static void BitField(CommandContext ctx) => BitFieldGeneric(ctx, false);

    // BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
    private static void BitFieldRo(CommandContext ctx) => BitFieldGeneric(ctx, true);

    private static void BitFieldGeneric(CommandContext ctx, bool readOnlyCommand)
    {
        int argc = ctx.ArgCount;
        int maxOps = (argc - 2) / 3;
        FieldOp[]? rented = null;
        Span<FieldOp> ops = maxOps <= 32 ? stackalloc FieldOp[32] : (rented = ArrayPool<FieldOp>.Shared.Rent(maxOps));
        try
        {
            int numOps = 0;
            var ow = Overflow.Wrap;
            bool readOnly = true;
            ulong highestWrite = 0;
            for (int j = 2; j < argc; j++)
            {
                int remaining = argc - j - 1;
                var sub = ctx.Arg(j);
                byte opcode;
                if (Is(sub, "get"u8) && remaining >= 2) opcode = OpGet;
                else if (Is(sub, "set"u8) && remaining >= 3) opcode = OpSet;
                else if (Is(sub, "incrby"u8) && remaining >= 3) opcode = OpIncrBy;
                else if (Is(sub, "overflow"u8) && remaining >= 1)
                {
                    var name = ctx.Arg(++j);
                    if (Is(name, "wrap"u8)) ow = Overflow.Wrap;
                    else if (Is(name, "sat"u8)) ow = Overflow.Sat;
                    else if (Is(name, "fail"u8)) ow = Overflow.Fail;
                    else
                    {
                        ctx.Error(Errors.BitfieldOverflowType);
                        return;
                    }
                    continue;
                }
                else
                {
                    ctx.SyntaxError();
                    return;
                }
                if (!ParseFieldType(ctx.Arg(j + 1), out bool signed, out int bits))
                {
                    ctx.Error(Errors.BitfieldType);
                    return;
                }
                if (!ParseBitOffset(ctx, ctx.Arg(j + 2), true, bits, out ulong offset)) return;
                long value = 0;
                if (opcode != OpGet)
                {
                    readOnly = false;
                    if (highestWrite < offset + (ulong)bits - 1) highestWrite = offset + (ulong)bits - 1;
                    if (!RespNumber.TryParseInt64(ctx.Arg(j + 3), out value))
                    {
                        ctx.Error(Errors.NotInteger);
                        return;
                    }
                }
                ops[numOps++] = new FieldOp { Offset = offset, Value = value, Opcode = opcode, Overflow = ow, Bits = (byte)bits, Signed = signed };
                j += opcode == OpGet ? 2 : 3;
            }

            byte[]? str;
            bool dirty = false;
            if (readOnly)
            {
                var o = ctx.LookupRead(ctx.Arg(1));
                if (o != null && o is not byte[])
                {
                    ctx.Error(Errors.WrongType);
                    return;
                }
                str = o as byte[];
            }
            else
            {
                if (readOnlyCommand)
                {
                    ctx.Error(Errors.BitfieldRoGetOnly);
                    return;
                }
                str = StringForBits(ctx, highestWrite, out dirty);
                if (str == null) return;
            }

            ctx.Reply.ArrayHeader(numOps);
            long changes = 0;
            for (int i = 0; i < numOps; i++)
            {
                ref FieldOp op = ref ops[i];
                if (op.Opcode == OpGet)
                {
                    var src = str != null ? PackedString.Value(str) : default;
                    if (op.Signed) ctx.Reply.Integer(GetSigned(src, op.Offset, op.Bits));
                    else ctx.Reply.Integer((long)GetUnsigned(src, op.Offset, op.Bits));
                    continue;
                }
                var p = PackedString.MutableValue(str!);
                if (op.Signed)
                {
                    long oldVal = GetSigned(p, op.Offset, op.Bits), newVal, retVal;
                    int overflow;
                    if (op.Opcode == OpIncrBy)
                    {
                        overflow = CheckSigned(oldVal, op.Value, op.Bits, op.Overflow, out long wrapped);
                        newVal = overflow != 0 ? wrapped : unchecked(oldVal + op.Value);
                        retVal = newVal;
                    }
                    else
                    {
                        newVal = op.Value;
                        overflow = CheckSigned(newVal, 0, op.Bits, op.Overflow, out long wrapped);
                        if (overflow != 0) newVal = wrapped;
                        retVal = oldVal;
                    }
                    if (overflow != 0 && op.Overflow == Overflow.Fail)
                    {
                        ctx.Reply.Null();
                        continue;
                    }
                    ctx.Reply.Integer(retVal);
                    SetUnsigned(p, op.Offset, op.Bits, (ulong)newVal);
                    if (dirty || oldVal != newVal) changes++;
                }
                else
                {
                    ulong oldVal = GetUnsigned(p, op.Offset, op.Bits), newVal, retVal;
                    int overflow;
                    if (op.Opcode == OpIncrBy)
                    {
                        newVal = unchecked(oldVal + (ulong)op.Value);
                        overflow = CheckUnsigned(oldVal, op.Value, op.Bits, op.Overflow, out ulong wrapped);
                        if (overflow != 0) newVal = wrapped;
                        retVal = newVal;
                    }
                    else
                    {
                        newVal = (ulong)op.Value;
                        overflow = CheckUnsigned(newVal, 0, op.Bits, op.Overflow, out ulong wrapped);
                        if (overflow != 0) newVal = wrapped;
                        retVal = oldVal;
                    }
                    if (overflow != 0 && op.Overflow == Overflow.Fail)
                    {
                        ctx.Reply.Null();
                        continue;
                    }
                    ctx.Reply.Integer((long)retVal);
                    SetUnsigned(p, op.Offset, op.Bits, newVal);
                    if (dirty || oldVal != newVal) changes++;
                }
            }
            // Like Redis, a key created or padded by operations that all failed is not counted as a change.
            if (changes != 0) ctx.Notify(ServerConfig.Notify.String, "setbit"u8, ctx.Arg(1));
            ctx.Dirty += changes;
        }
        finally
        {
            if (rented != null) ArrayPool<FieldOp>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// BITCOUNT/BITPOS range rules: negative indexes count from the end, the range is clamped to the string, and in
    /// BIT mode it becomes byte offsets plus masks of the bits outside the range in the first and last bytes.
    /// </summary>
    private static void NormalizeRange(ref long start, ref long end, long totlen, bool isBit, out int firstMask, out int lastMask)
    {
        firstMask = lastMask = 0;
        if (isBit) totlen <<= 3;
        if (start < 0) start = totlen + start;
        if (end < 0) end = totlen + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= totlen) end = totlen - 1;
        if (isBit && start <= end)
        {
            firstMask = ~((1 << (8 - (int)(start & 7))) - 1) & 0xFF;
            lastMask = (1 << (7 - (int)(end & 7))) - 1;
            start >>= 3;
            end >>= 3;
        }
    }

    public static void Register(CommandTable t)
    {
        t.Add("setbit", SetBit);
        t.Add("getbit", GetBit);
        t.Add("bitcount", BitCount);
        t.Add("bitpos", BitPos);
        t.Add("bitop", BitOp);
        t.Add("bitfield", BitField);
        t.Add("bitfield_ro", BitFieldRo);
    }
}
