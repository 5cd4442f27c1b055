using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// HyperLogLog commands (hyperloglog.c). Values are strings in Redis's exact HLL format (see
/// <see cref="HyperLogLog"/>), so GET/SET/DUMP of them interoperate with Redis. Every command that touches an
/// HLL leaves it raw-encoded, as Redis's dbUnshareStringValue does.
/// </summary>
public static class HyperLogLogFamily
{
    [ThreadStatic]
    private static HyperLogLog.Buffer? t_buffer;

    [ThreadStatic]
    private static byte[]? t_max;

    private static HyperLogLog.Buffer Work => t_buffer ??= new HyperLogLog.Buffer();

    /// <summary>16384 one-byte registers, zeroed.</summary>
    private static byte[] MaxRegisters()
    {
        var m = t_max ??= new byte[HyperLogLog.Registers];
        Array.Clear(m);
        return m;
    }

    /// <summary>isHLLObjectOrReply: a string holding a plausible HLL, else the error reply. Null when it replied.</summary>
    private static byte[]? CheckHll(CommandContext ctx, object o)
    {
        if (o is not byte[] a)
        {
            ctx.Error(Errors.WrongType);
            return null;
        }
        if (!HyperLogLog.IsValid(PackedString.Value(a)))
        {
            ctx.Error(Errors.NotHyperLogLog);
            return null;
        }
        return a;
    }

    /// <summary>
    /// Writes a changed value back: in place when the length is the same, else as a new array keeping the TTL.
    /// Returns the stored array.
    /// </summary>
    private static byte[] Store(CommandContext ctx, ReadOnlySpan<byte> key, byte[]? old, ReadOnlySpan<byte> value)
    {
        if (old != null && PackedString.ValueLength(old) == value.Length)
        {
            value.CopyTo(PackedString.MutableValue(old));
            old[0] |= PackedString.FlagRaw;
            return old;
        }
        long exp = old != null ? PackedString.ExpireAt(old) : 0;
        var created = PackedString.Create(key, value, exp, (uint)(ctx.Now / 1000) & LruClock.Max, raw: true);
        ctx.Keyspace.Set(ctx.Db, created);
        return created;
    }

    // PFADD key [element [element ...]]
    private static void PfAdd(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        long updated = 0;
        byte[]? a = null;
        if (o != null)
        {
            a = CheckHll(ctx, o);
            if (a == null) return;
            a[0] |= PackedString.FlagRaw;
            var value = PackedString.MutableValue(a);
            if (value[4] == HyperLogLog.Dense)
            {
                // Dense values keep their size: update the registers in place.
                var regs = value[HyperLogLog.HeaderSize..];
                for (int j = 2; j < ctx.ArgCount; j++)
                    if (HyperLogLog.DenseAdd(regs, ctx.Arg(j))) updated++;
                if (updated != 0) HyperLogLog.InvalidateCache(value);
                if (updated != 0) ctx.Notify(ServerConfig.Notify.String, "pfadd"u8, key);
                ctx.Dirty += updated;
                ctx.Reply.Integer(updated != 0 ? 1 : 0);
                return;
            }
        }
        var buf = Work;
        if (a == null)
        {
            buf.Load(HyperLogLog.Empty);
            updated++;
        }
        else
        {
            buf.Load(PackedString.Value(a));
        }
        long maxBytes = ctx.Server.Config.HllSparseMaxBytes;
        bool corrupt = false;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            int r = buf.Add(ctx.Arg(j), maxBytes);
            if (r == 1) updated++;
            else if (r < 0)
            {
                corrupt = true;
                break;
            }
        }
        if (!corrupt && updated != 0) HyperLogLog.InvalidateCache(buf.Span);
        // Redis edits the value as it goes: what changed before a corrupt opcode was found stays changed.
        Store(ctx, key, a, buf.Span);
        if (corrupt)
        {
            ctx.Error(Errors.CorruptedHll);
            return;
        }
        if (updated != 0) ctx.Notify(ServerConfig.Notify.String, "pfadd"u8, key);
        ctx.Dirty += updated;
        ctx.Reply.Integer(updated != 0 ? 1 : 0);
    }

    // PFCOUNT key [key ...]
    private static void PfCount(CommandContext ctx)
    {
        if (ctx.ArgCount > 2)
        {
            // The cardinality of the union, computed on one-byte registers; nothing is cached.
            var max = MaxRegisters();
            for (int j = 1; j < ctx.ArgCount; j++)
            {
                var o = ctx.LookupRead(ctx.Arg(j));
                if (o == null) continue;
                var hll = CheckHll(ctx, o);
                if (hll == null) return;
                if (!HyperLogLog.Merge(max, PackedString.Value(hll)))
                {
                    ctx.Error(Errors.CorruptedHll);
                    return;
                }
            }
            ctx.Reply.Integer((long)HyperLogLog.CountRaw(max));
            return;
        }
        var one = ctx.LookupRead(ctx.Arg(1));
        if (one == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var a = CheckHll(ctx, one);
        if (a == null) return;
        a[0] |= PackedString.FlagRaw;
        var value = PackedString.MutableValue(a);
        ulong card;
        if (HyperLogLog.IsCacheValid(value))
        {
            card = HyperLogLog.CachedCardinality(value);
        }
        else
        {
            card = HyperLogLog.Count(value, out bool invalid);
            if (invalid)
            {
                ctx.Error(Errors.CorruptedHll);
                return;
            }
            // Caching the estimate changes the string, so it is propagated like a write (Redis does the same).
            HyperLogLog.SetCachedCardinality(value, card);
            ctx.Dirty++;
        }
        ctx.Reply.Integer((long)card);
    }

    // PFMERGE destkey [sourcekey [sourcekey ...]]
    private static void PfMerge(CommandContext ctx)
    {
        // Only the destination is written (signalModifiedKey in Redis); the sources are read.
        ctx.Modified(1);
        var max = MaxRegisters();
        bool useDense = false;
        // The destination is the first input (argument 1), as in Redis.
        for (int j = 1; j < ctx.ArgCount; j++)
        {
            var o = ctx.LookupRead(ctx.Arg(j));
            if (o == null) continue;
            var hll = CheckHll(ctx, o);
            if (hll == null) return;
            var v = PackedString.Value(hll);
            if (v[4] == HyperLogLog.Dense) useDense = true;
            if (!HyperLogLog.Merge(max, v))
            {
                ctx.Error(Errors.CorruptedHll);
                return;
            }
        }
        var key = ctx.Arg(1);
        var dest = ctx.LookupWrite(key) as byte[];
        var buf = Work;
        buf.Load(dest != null ? PackedString.Value(dest) : HyperLogLog.Empty);
        if (useDense && !buf.ToDense())
        {
            ctx.Error(Errors.CorruptedHll);
            return;
        }
        long maxBytes = ctx.Server.Config.HllSparseMaxBytes;
        for (int j = 0; j < HyperLogLog.Registers; j++)
            if (max[j] != 0) buf.Set(j, max[j], maxBytes);
        HyperLogLog.InvalidateCache(buf.Span);
        Store(ctx, key, dest, buf.Span);
        ctx.Notify(ServerConfig.Notify.String, "pfadd"u8, key);
        ctx.Dirty++;
        ctx.Reply.Ok();
    }

    // PFDEBUG subcommand key
    private static void PfDebug(CommandContext ctx)
    {
        var sub = ctx.Arg(1);
        var key = ctx.Arg(2);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Error(Errors.PfDebugNoKey);
            return;
        }
        var a = CheckHll(ctx, o);
        if (a == null) return;
        a[0] |= PackedString.FlagRaw;
        var value = PackedString.Value(a);
        bool sparse = value[4] == HyperLogLog.Sparse;
        if (System.Text.Ascii.EqualsIgnoreCase(sub, "getreg"u8))
        {
            if (sparse)
            {
                var converted = ToDense(ctx, key, a);
                if (converted == null) return;
                value = PackedString.Value(converted);
            }
            var regs = value[HyperLogLog.HeaderSize..];
            ctx.Reply.ArrayHeader(HyperLogLog.Registers);
            for (int j = 0; j < HyperLogLog.Registers; j++) ctx.Reply.Integer(HyperLogLog.DenseGet(regs, j));
        }
        else if (System.Text.Ascii.EqualsIgnoreCase(sub, "decode"u8))
        {
            if (!sparse)
            {
                ctx.Error(Errors.HllNotSparse);
                return;
            }
            ctx.Reply.Bulk(HyperLogLog.Decode(value));
        }
        else if (System.Text.Ascii.EqualsIgnoreCase(sub, "encoding"u8))
        {
            ctx.Reply.Simple(sparse ? "sparse"u8 : "dense"u8);
        }
        else if (System.Text.Ascii.EqualsIgnoreCase(sub, "todense"u8))
        {
            if (sparse && ToDense(ctx, key, a) == null) return;
            ctx.Reply.Integer(sparse ? 1 : 0);
        }
        else
        {
            // "%s" of the subcommand: a C string, cut at a NUL byte.
            int nul = sub.IndexOf((byte)0);
            if (nul >= 0) sub = sub[..nul];
            var prefix = Errors.PfDebugUnknownPrefix;
            var text = new byte[prefix.Length + sub.Length + 1];
            prefix.CopyTo(text);
            sub.CopyTo(text.AsSpan(prefix.Length));
            text[^1] = (byte)'\'';
            ctx.Error(text);
        }
    }

    /// <summary>
    /// Converts a sparse key to dense (counted as a change, so it is propagated). Returns the stored array, or
    /// null after an error reply.
    /// </summary>
    private static byte[]? ToDense(CommandContext ctx, ReadOnlySpan<byte> key, byte[] a)
    {
        var buf = Work;
        buf.Load(PackedString.Value(a));
        if (!buf.ToDense())
        {
            ctx.Error(Errors.CorruptedHll);
            return null;
        }
        var stored = Store(ctx, key, a, buf.Span);
        ctx.Dirty++;
        return stored;
    }

    // PFSELFTEST
    private static void PfSelfTest(CommandContext ctx)
    {
        string? failure = SelfTest(ctx.Server.Config.HllSparseMaxBytes);
        if (failure == null) ctx.Reply.Ok();
        else ctx.Error(failure);
    }

    /// <summary>
    /// pfselftestCommand's two tests: dense registers keep random values without disturbing neighbours, and
    /// 10 million distinct elements added to a dense and a sparse HLL give equal estimates within six standard
    /// errors at every power of ten (sparse still in use while small).
    /// </summary>
    private static string? SelfTest(long sparseMaxBytes)
    {
        var rng = new Random();
        var dense = new byte[HyperLogLog.DenseSize];
        var regs = dense.AsSpan(HyperLogLog.HeaderSize);
        var bytes = new byte[HyperLogLog.Registers];
        for (int cycle = 0; cycle < 1000; cycle++)
        {
            for (int i = 0; i < HyperLogLog.Registers; i++)
            {
                int r = rng.Next() & HyperLogLog.RegisterMax;
                bytes[i] = (byte)r;
                HyperLogLog.DenseSet(regs, i, r);
            }
            for (int i = 0; i < HyperLogLog.Registers; i++)
            {
                int val = HyperLogLog.DenseGet(regs, i);
                if (val != bytes[i]) return $"ERR TESTFAILED Register {i} should be {bytes[i]} but is {val}";
            }
        }

        regs.Clear();
        dense[4] = HyperLogLog.Dense;
        var sparse = new HyperLogLog.Buffer();
        sparse.Load(HyperLogLog.Empty);
        double relErr = 1.04 / Math.Sqrt(HyperLogLog.Registers);
        long checkpoint = 1;
        ulong seed = (ulong)rng.NextInt64();
        Span<byte> ele = stackalloc byte[8];
        for (long j = 1; j <= 10_000_000; j++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(ele, (ulong)j ^ seed);
            HyperLogLog.DenseAdd(regs, ele);
            sparse.Add(ele, sparseMaxBytes);
            if (j != checkpoint) continue;
            if (j < sparseMaxBytes / 2 && sparse.IsDense) return "ERR TESTFAILED sparse encoding not used";
            ulong denseCount = HyperLogLog.Count(dense, out _);
            if (denseCount != HyperLogLog.Count(sparse.Span, out _)) return "ERR TESTFAILED dense/sparse disagree";
            long absErr = Math.Abs(checkpoint - (long)denseCount);
            long maxErr = (long)Math.Ceiling(relErr * 6 * checkpoint);
            if (j == 10) maxErr = 1;
            if (absErr > maxErr) return $"ERR TESTFAILED Too big error. card:{checkpoint} abserr:{absErr}";
            checkpoint *= 10;
        }
        return null;
    }

    public static void Register(CommandTable t)
    {
        t.Add("pfadd", PfAdd);
        t.Add("pfcount", PfCount);
        t.Add("pfmerge", PfMerge);
        t.Add("pfdebug", PfDebug);
        t.Add("pfselftest", PfSelfTest);
    }
}
