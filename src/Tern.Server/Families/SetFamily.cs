using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Set commands (t_set.c of Redis 7.0). Values are <see cref="SetValue"/>s. Replies walk a set in its own
/// order: an intset's is ascending as in Redis; a hashtable's differs from Redis's dict order, which clients
/// must not rely on anyway.
/// </summary>
public static class SetFamily
{
    private static long MaxIntset(CommandContext ctx) => ctx.Server.Config.SetMaxIntsetEntries;

    private static SetValue NewSet(CommandContext ctx, ReadOnlySpan<byte> key) =>
        new(key.ToArray()) { Lru = ctx.Keyspace.NewAccessClock(ctx.Now) };

    /// <summary>Replies with the member at <paramref name="index"/> as a bulk string.</summary>
    private static void ReplyMember(ReplyWriter r, SetValue s, int index)
    {
        if (s.IsIntset) r.BulkInteger(s.IntAt(index));
        else r.Bulk(s.Table.At(index));
    }

    /// <summary>Every member, under a set header (RESP3 '~'), in the set's order.</summary>
    private static void ReplyWholeSet(ReplyWriter r, SetValue s)
    {
        int n = s.Count;
        r.SetHeader(n);
        for (int i = 0; i < n; i++) ReplyMember(r, s, i);
    }

    /// <summary>An array header for counts past int (SRANDMEMBER with a huge negative count).</summary>
    private static void LongArrayHeader(ReplyWriter r, long n)
    {
        if (n <= int.MaxValue)
        {
            r.ArrayHeader((int)n);
            return;
        }
        Span<byte> tmp = stackalloc byte[24];
        tmp[0] = (byte)'*';
        int w = 1 + RespNumber.Format(n, tmp[1..]);
        tmp[w++] = (byte)'\r';
        tmp[w++] = (byte)'\n';
        r.Raw(tmp[..w]);
    }

    /// <summary>Adds the member at <paramref name="index"/> of <paramref name="from"/> to <paramref name="to"/>.</summary>
    private static bool AddMemberOf(SetValue to, SetValue from, int index, long maxIntset) =>
        from.IsIntset ? to.AddInteger(from.IntAt(index), maxIntset) : to.AddOwned(from.Table.At(index), maxIntset);

    /// <summary>Whether <paramref name="s"/> holds the member at <paramref name="index"/> of <paramref name="from"/>.</summary>
    private static bool HasMemberOf(SetValue s, SetValue from, int index) =>
        from.IsIntset ? s.ContainsInteger(from.IntAt(index)) : s.Contains(from.Table.At(index));

    private static bool RemoveMemberOf(SetValue s, SetValue from, int index)
    {
        if (!from.IsIntset) return s.Remove(from.Table.At(index));
        Span<byte> tmp = stackalloc byte[24];
        return s.Remove(from.MemberAt(index, tmp));
    }

    // SADD key member [member ...]
    private static void SAdd(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        SetValue set;
        if (o == null)
        {
            set = NewSet(ctx, key);
            ctx.Keyspace.Add(ctx.Db, set);
        }
        else if (o is SetValue s) set = s;
        else
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        long max = MaxIntset(ctx);
        long added = 0;
        for (int j = 2; j < ctx.ArgCount; j++)
            if (set.Add(ctx.Arg(j), max)) added++;
        if (added > 0) ctx.Notify(ServerConfig.Notify.Set, "sadd"u8, key);
        ctx.Dirty += added;
        ctx.Reply.Integer(added);
    }

    // SREM key member [member ...]
    private static void SRem(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (o is not SetValue set)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        long deleted = 0;
        bool removed = false;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (!set.Remove(ctx.Arg(j))) continue;
            deleted++;
            if (set.Count == 0)
            {
                ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
                removed = true;
                break;
            }
        }
        if (deleted > 0)
        {
            ctx.Notify(ServerConfig.Notify.Set, "srem"u8, key);
            if (removed) ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
            ctx.Dirty += deleted;
        }
        ctx.Reply.Integer(deleted);
    }

    // SMOVE source destination member
    private static void SMove(CommandContext ctx)
    {
        var srcKey = ctx.Arg(1);
        var dstKey = ctx.Arg(2);
        var member = ctx.Arg(3);
        var srcObj = ctx.LookupWrite(srcKey);
        var dstObj = ctx.LookupWrite(dstKey);
        // A missing source answers 0 before the destination's type is looked at, as Redis does.
        if (srcObj == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (srcObj is not SetValue src || (dstObj != null && dstObj is not SetValue))
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        var dst = dstObj as SetValue;
        if (ReferenceEquals(src, dst))
        {
            ctx.Reply.Integer(src.Contains(member) ? 1 : 0);
            return;
        }
        if (!src.Remove(member))
        {
            ctx.Reply.Integer(0);
            return;
        }
        ctx.Notify(ServerConfig.Notify.Set, "srem"u8, srcKey);
        if (src.Count == 0)
        {
            ctx.Keyspace.Delete(ctx.Db, srcKey, ctx.Now);
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, srcKey);
        }
        if (dst == null)
        {
            dst = NewSet(ctx, dstKey);
            ctx.Keyspace.Add(ctx.Db, dst);
        }
        ctx.Dirty++;
        if (dst.Add(member, MaxIntset(ctx)))
        {
            ctx.Dirty++;
            ctx.Notify(ServerConfig.Notify.Set, "sadd"u8, dstKey);
        }
        ctx.Reply.Integer(1);
    }

    // SISMEMBER key member
    private static void SIsMember(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null) ctx.Reply.Integer(0);
        else if (o is SetValue s) ctx.Reply.Integer(s.Contains(ctx.Arg(2)) ? 1 : 0);
        else ctx.Error(Errors.WrongType);
    }

    // SMISMEMBER key member [member ...]
    private static void SMIsMember(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        var set = o as SetValue;
        if (o != null && set == null)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int j = 2; j < ctx.ArgCount; j++)
            ctx.Reply.Integer(set != null && set.Contains(ctx.Arg(j)) ? 1 : 0);
    }

    // SCARD key
    private static void SCard(CommandContext ctx)
    {
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null) ctx.Reply.Integer(0);
        else if (o is SetValue s) ctx.Reply.Integer(s.Count);
        else ctx.Error(Errors.WrongType);
    }

    /// <summary>An empty set reply (shared.emptyset: "*0" in RESP2, "~0" in RESP3).</summary>
    private static void EmptySet(CommandContext ctx) => ctx.Reply.SetHeader(0);

    // SPOP key [count]
    private static void SPop(CommandContext ctx)
    {
        if (ctx.ArgCount == 3)
        {
            SPopWithCount(ctx);
            return;
        }
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Reply.Null();
            return;
        }
        if (o is not SetValue set)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        int i = Random.Shared.Next(set.Count);
        var member = set.MemberArray(i);
        set.RemoveAt(i);
        ctx.Notify(ServerConfig.Notify.Set, "spop"u8, key);
        // Replicated as the SREM of the member it popped.
        ctx.Propagation.Begin(3);
        ctx.Propagation.Arg("SREM"u8);
        ctx.Propagation.Arg(key);
        ctx.Propagation.Arg(member);
        ctx.Reply.Bulk(member);
        if (set.Count == 0)
        {
            ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
        }
        ctx.Dirty++;
    }

    /// <summary>SPOP_MOVE_STRATEGY_MUL: past this ratio SPOP builds the remaining set anew instead.</summary>
    private const long SPopMoveStrategyMul = 5;

    // SPOP key count
    private static void SPopWithCount(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long count) || count < 0)
        {
            ctx.Error(Errors.ValueOutOfRange);
            return;
        }
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            EmptySet(ctx);
            return;
        }
        if (o is not SetValue set)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        if (count == 0)
        {
            EmptySet(ctx);
            return;
        }
        long size = set.Count;
        ctx.Notify(ServerConfig.Notify.Set, "spop"u8, key);
        ctx.Dirty += count >= size ? size : count;
        var p = ctx.Propagation;

        if (count >= size)
        {
            // The whole set, answered as SUNION of the key would (so a hashtable of small integers comes
            // out ascending, as Redis's union rebuilds it as an intset), then the key goes: propagated as DEL.
            ReplyWholeSet(ctx.Reply, UnionOf(ctx, [set], default));
            ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
            p.Begin(2);
            p.Arg("DEL"u8);
            p.Arg(key);
            return;
        }

        ctx.Reply.SetHeader((int)count);
        long remaining = size - count;
        if (remaining * SPopMoveStrategyMul > count)
        {
            // Few to pop: pick, answer, remove, one SREM each.
            for (long n = 0; n < count; n++)
            {
                int i = Random.Shared.Next(set.Count);
                var member = set.MemberArray(i);
                ctx.Reply.Bulk(member);
                set.RemoveAt(i);
                PropagateSRem(p, key, member);
            }
        }
        else
        {
            // Most of the set goes: move the few that stay into a new set, answer with what is left of the old
            // one, and keep the new one. Its encoding is decided afresh (an all-integer rest is an intset again).
            var keep = new SetValue(set.Key);
            long max = MaxIntset(ctx);
            for (long n = 0; n < remaining; n++)
            {
                int i = Random.Shared.Next(set.Count);
                AddMemberOf(keep, set, i, max);
                set.RemoveAt(i);
            }
            for (int i = 0; i < set.Count; i++)
            {
                var member = set.MemberArray(i);
                ctx.Reply.Bulk(member);
                PropagateSRem(p, key, member);
            }
            set.TakeContents(keep);
        }
    }

    private static void PropagateSRem(PropagationBuffer p, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member)
    {
        p.Begin(3);
        p.Arg("SREM"u8);
        p.Arg(key);
        p.Arg(member);
    }

    /// <summary>SRANDMEMBER_SUB_STRATEGY_MUL.</summary>
    private const long SRandSubStrategyMul = 3;

    // SRANDMEMBER key [count]
    private static void SRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount == 3)
        {
            SRandMemberWithCount(ctx);
            return;
        }
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.Null();
            return;
        }
        if (o is not SetValue set)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        ReplyMember(ctx.Reply, set, Random.Shared.Next(set.Count));
    }

    // SRANDMEMBER key count
    private static void SRandMemberWithCount(CommandContext ctx)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long l))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (l == long.MinValue)
        {
            ctx.Error(Errors.SRandMemberCountRange);
            return;
        }
        bool unique = l >= 0;
        long count = unique ? l : -l;
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (o is not SetValue set)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        if (count == 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        var r = ctx.Reply;
        int size = set.Count;
        if (!unique || count == 1)
        {
            // Repetitions allowed: each pick samples the whole set.
            LongArrayHeader(r, count);
            for (long n = 0; n < count; n++) ReplyMember(r, set, Random.Shared.Next(size));
            return;
        }
        if (count >= size)
        {
            r.ArrayHeader(size);
            for (int i = 0; i < size; i++) ReplyMember(r, set, i);
            return;
        }
        r.ArrayHeader((int)count);
        if (count * SRandSubStrategyMul > size)
        {
            // Most of the set: drop random members from a full index list until count remain.
            var idx = new int[size];
            for (int i = 0; i < size; i++) idx[i] = i;
            int left = size;
            while (left > count)
            {
                int k = Random.Shared.Next(left);
                idx[k] = idx[--left];
            }
            for (int i = 0; i < left; i++) ReplyMember(r, set, idx[i]);
        }
        else
        {
            // A small sample of a big set: draw until count distinct members are picked.
            var picked = new HashSet<int>((int)count);
            while (picked.Count < count)
            {
                int i = Random.Shared.Next(size);
                if (picked.Add(i)) ReplyMember(r, set, i);
            }
        }
    }

    /// <summary>
    /// Looks the source keys up (lookupKeyRead, in order). A missing key leaves null; false (after the
    /// WRONGTYPE reply) when one holds another type.
    /// </summary>
    private static bool LookupSets(CommandContext ctx, int first, int count, SetValue?[] sets, out bool anyMissing)
    {
        anyMissing = false;
        for (int j = 0; j < count; j++)
        {
            var o = ctx.LookupRead(ctx.Arg(first + j));
            if (o == null)
            {
                anyMissing = true;
                continue;
            }
            if (o is not SetValue s)
            {
                ctx.Error(Errors.WrongType);
                return false;
            }
            sets[j] = s;
        }
        return true;
    }

    /// <summary>
    /// Stores a STORE command's result as Redis's setKey (replacing any value and its TTL), or deletes the
    /// destination when the result is empty; replies with the result's size.
    /// </summary>
    private static void StoreResult(CommandContext ctx, ReadOnlySpan<byte> dstKey, SetValue result, ReadOnlySpan<byte> evt)
    {
        if (result.Count > 0)
        {
            // setKey looks the destination up for writing first: one past its TTL goes as an expiry.
            ctx.LookupWrite(dstKey);
            ctx.Keyspace.Set(ctx.Db, result);
            ctx.Reply.Integer(result.Count);
            ctx.Notify(ServerConfig.Notify.Set, evt, dstKey);
            ctx.Dirty++;
            return;
        }
        ctx.Reply.Integer(0);
        DeleteDestination(ctx, dstKey);
    }

    private static void DeleteDestination(CommandContext ctx, ReadOnlySpan<byte> dstKey)
    {
        if (ctx.Keyspace.Delete(ctx.Db, dstKey, ctx.Now))
        {
            ctx.Dirty++;
            ctx.Notify(ServerConfig.Notify.Generic, "del"u8, dstKey);
        }
    }

    /// <summary>
    /// sinterGenericCommand: SINTER, SMEMBERS, SINTERSTORE (<paramref name="dstArg"/> &gt; 0) and SINTERCARD
    /// (<paramref name="cardinalityOnly"/>, stopping at <paramref name="limit"/> when not 0).
    /// </summary>
    private static void InterGeneric(CommandContext ctx, int first, int count, int dstArg, bool cardinalityOnly, long limit)
    {
        var sets = new SetValue?[count];
        if (!LookupSets(ctx, first, count, sets, out bool anyMissing)) return;
        if (anyMissing)
        {
            // Intersecting with an empty set is empty.
            if (dstArg > 0)
            {
                DeleteDestination(ctx, ctx.Arg(dstArg));
                ctx.Reply.Integer(0);
            }
            else if (cardinalityOnly) ctx.Reply.Integer(0);
            else EmptySet(ctx);
            return;
        }
        // Smallest first (a stable sort, as glibc's qsort is for small arrays: equal sizes keep key order).
        for (int i = 1; i < count; i++)
        {
            var s = sets[i]!;
            int j = i - 1;
            for (; j >= 0 && sets[j]!.Count > s.Count; j--) sets[j + 1] = sets[j];
            sets[j + 1] = s;
        }
        var first0 = sets[0]!;
        List<int>? hits = cardinalityOnly ? null : new List<int>();
        long cardinality = 0;
        int n0 = first0.Count;
        for (int i = 0; i < n0; i++)
        {
            int j = 1;
            for (; j < count; j++)
            {
                if (ReferenceEquals(sets[j], first0)) continue;
                if (!HasMemberOf(sets[j]!, first0, i)) break;
            }
            if (j < count) continue;
            if (cardinalityOnly)
            {
                cardinality++;
                if (limit != 0 && cardinality >= limit) break;
            }
            else hits!.Add(i);
        }
        if (cardinalityOnly)
        {
            ctx.Reply.Integer(cardinality);
            return;
        }
        if (dstArg > 0)
        {
            var dstKey = ctx.Arg(dstArg);
            var result = NewSet(ctx, dstKey);
            long max = MaxIntset(ctx);
            foreach (int i in hits!) AddMemberOf(result, first0, i, max);
            StoreResult(ctx, dstKey, result, "sinterstore"u8);
            return;
        }
        ctx.Reply.SetHeader(hits!.Count);
        foreach (int i in hits) ReplyMember(ctx.Reply, first0, i);
    }

    // SMEMBERS key
    private static void SMembers(CommandContext ctx) => InterGeneric(ctx, 1, 1, 0, false, 0);

    // SINTER key [key ...]
    private static void SInter(CommandContext ctx) => InterGeneric(ctx, 1, ctx.ArgCount - 1, 0, false, 0);

    // SINTERSTORE destination key [key ...]
    private static void SInterStore(CommandContext ctx)
    {
        ctx.Modified(1);
        InterGeneric(ctx, 2, ctx.ArgCount - 2, 1, false, 0);
    }

    // SINTERCARD numkeys key [key ...] [LIMIT limit]
    private static void SInterCard(CommandContext ctx)
    {
        if (!RespNumber.TryParseInt64(ctx.Arg(1), out long numkeys) || numkeys < 1)
        {
            ctx.Error(Errors.NumKeysPositive);
            return;
        }
        if (numkeys > ctx.ArgCount - 2)
        {
            ctx.Error(Errors.NumKeysTooMany);
            return;
        }
        long limit = 0;
        for (long j = 2 + numkeys; j < ctx.ArgCount; j++)
        {
            bool more = ctx.ArgCount - 1 - j > 0;
            if (more && Ascii.EqualsIgnoreCase(ctx.Arg((int)j), "LIMIT"u8))
            {
                j++;
                if (!RespNumber.TryParseInt64(ctx.Arg((int)j), out limit) || limit < 0)
                {
                    ctx.Error(Errors.LimitNegative);
                    return;
                }
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        InterGeneric(ctx, 2, (int)numkeys, 0, true, limit);
    }

    /// <summary>SINTERCARD's keys: numkeys of them from argument 2 (none when numkeys is bad: the handler errors).</summary>
    private static int SInterCardKeys(CommandArgs args, Span<int> positions)
    {
        if (!RespNumber.TryParseInt64(args[1], out long numkeys) || numkeys < 1 || numkeys > args.Count - 2) return -1;
        if (numkeys > positions.Length) return (int)numkeys;
        for (int i = 0; i < numkeys; i++) positions[i] = 2 + i;
        return (int)numkeys;
    }

    /// <summary>The union of <paramref name="sets"/> built as Redis builds it: into a new intset, adding each member.</summary>
    private static SetValue UnionOf(CommandContext ctx, SetValue?[] sets, ReadOnlySpan<byte> dstKey)
    {
        var result = NewSet(ctx, dstKey);
        long max = MaxIntset(ctx);
        foreach (var s in sets)
        {
            if (s == null) continue;
            int n = s.Count;
            for (int i = 0; i < n; i++) AddMemberOf(result, s, i, max);
        }
        return result;
    }

    /// <summary>sunionDiffGenericCommand: SUNION, SDIFF and their STORE forms (<paramref name="dstArg"/> &gt; 0).</summary>
    private static void UnionDiffGeneric(CommandContext ctx, int first, int count, int dstArg, bool diff)
    {
        var sets = new SetValue?[count];
        if (!LookupSets(ctx, first, count, sets, out _)) return;
        var dstKey = dstArg > 0 ? ctx.Arg(dstArg) : default;
        bool sameSet = false;
        for (int j = 1; j < count; j++)
            if (sets[j] != null && ReferenceEquals(sets[j], sets[0])) sameSet = true;

        SetValue result;
        if (!diff) result = UnionOf(ctx, sets, dstKey);
        else
        {
            result = NewSet(ctx, dstKey);
            var s0 = sets[0];
            if (s0 != null && !sameSet)
            {
                // Redis picks the algorithm by the work each would do. Which one runs shows in the result's
                // encoding: the second adds the whole first set and then removes, so it can end as a
                // hashtable where the first would have kept an intset.
                long one = 0, two = 0;
                foreach (var s in sets)
                {
                    if (s == null) continue;
                    one += s0.Count;
                    two += s.Count;
                }
                one /= 2;
                long max = MaxIntset(ctx);
                if (one <= two) DiffByLookup(result, sets, max);
                else DiffByRemoval(result, sets, max);
            }
        }

        if (dstArg > 0)
        {
            StoreResult(ctx, dstKey, result, diff ? "sdiffstore"u8 : "sunionstore"u8);
            return;
        }
        ReplyWholeSet(ctx.Reply, result);
    }

    /// <summary>SDIFF algorithm 1: each member of the first set that no other set has.</summary>
    private static void DiffByLookup(SetValue result, SetValue?[] sets, long max)
    {
        var s0 = sets[0]!;
        int n = s0.Count;
        for (int i = 0; i < n; i++)
        {
            int j = 1;
            for (; j < sets.Length; j++)
            {
                var s = sets[j];
                if (s == null) continue;
                if (HasMemberOf(s, s0, i)) break;
            }
            if (j == sets.Length) AddMemberOf(result, s0, i, max);
        }
    }

    /// <summary>SDIFF algorithm 2: the first set, minus every member of the others, stopping once empty.</summary>
    private static void DiffByRemoval(SetValue result, SetValue?[] sets, long max)
    {
        for (int j = 0; j < sets.Length; j++)
        {
            var s = sets[j];
            if (s == null) continue;
            int n = s.Count;
            for (int i = 0; i < n; i++)
            {
                if (j == 0) AddMemberOf(result, s, i, max);
                else RemoveMemberOf(result, s, i);
            }
            if (result.Count == 0) break;
        }
    }

    // SUNION key [key ...]
    private static void SUnion(CommandContext ctx) => UnionDiffGeneric(ctx, 1, ctx.ArgCount - 1, 0, false);

    // SUNIONSTORE destination key [key ...]
    private static void SUnionStore(CommandContext ctx)
    {
        ctx.Modified(1);
        UnionDiffGeneric(ctx, 2, ctx.ArgCount - 2, 1, false);
    }

    // SDIFF key [key ...]
    private static void SDiff(CommandContext ctx) => UnionDiffGeneric(ctx, 1, ctx.ArgCount - 1, 0, true);

    // SDIFFSTORE destination key [key ...]
    private static void SDiffStore(CommandContext ctx)
    {
        ctx.Modified(1);
        UnionDiffGeneric(ctx, 2, ctx.ArgCount - 2, 1, true);
    }

    // SSCAN key cursor [MATCH pattern] [COUNT count]
    private static void SScan(CommandContext ctx)
    {
        if (!ScanArgs.TryBeginKeyScan<SetValue>(ctx, out var set, out ulong cursor, out var scan)) return;
        long count = scan.Count;
        ReadOnlySpan<byte> pattern = scan.Pattern;
        bool usePattern = scan.UsePattern;

        var r = ctx.Reply;
        Span<byte> scratch = stackalloc byte[24];
        if (set.IsIntset)
        {
            // Not a hash table: everything in one call, cursor 0, as Redis does for compact encodings.
            int n = set.Count, matched = 0;
            if (usePattern)
                for (int i = 0; i < n; i++)
                    if (Glob.Match(pattern, set.MemberAt(i, scratch))) matched++;
            r.ArrayHeader(2);
            r.Bulk("0"u8);
            r.ArrayHeader(usePattern ? matched : n);
            for (int i = 0; i < n; i++)
            {
                var m = set.MemberAt(i, scratch);
                if (!usePattern || Glob.Match(pattern, m)) r.Bulk(m);
            }
            return;
        }
        var found = new List<byte[]>();
        long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
        do
        {
            cursor = set.Table.Scan(cursor, found);
        } while (cursor != 0 && maxIterations-- > 0 && found.Count < count);
        int kept = found.Count;
        if (usePattern)
        {
            kept = 0;
            for (int i = 0; i < found.Count; i++)
                if (Glob.Match(pattern, found[i])) found[kept++] = found[i];
        }
        r.ArrayHeader(2);
        r.BulkInteger((long)cursor);
        r.ArrayHeader(kept);
        for (int i = 0; i < kept; i++) r.Bulk(found[i]);
    }

    public static void Register(CommandTable t)
    {
        t.Add("sadd", SAdd);
        t.Add("srem", SRem);
        t.Add("smove", SMove);
        t.Add("sismember", SIsMember);
        t.Add("smismember", SMIsMember);
        t.Add("scard", SCard);
        t.Add("spop", SPop);
        t.Add("srandmember", SRandMember);
        t.Add("smembers", SMembers);
        t.Add("sinter", SInter);
        t.Add("sinterstore", SInterStore);
        t.Add("sintercard", SInterCard, keys: SInterCardKeys);
        t.Add("sunion", SUnion);
        t.Add("sunionstore", SUnionStore);
        t.Add("sdiff", SDiff);
        t.Add("sdiffstore", SDiffStore);
        t.Add("sscan", SScan);
    }
}
