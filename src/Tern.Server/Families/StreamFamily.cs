using System.Runtime.CompilerServices;
using System.Text;
using Tern.Protocol;
using Tern.Server.Blocking;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Stream commands (t_stream.c of Redis 7.0): XADD, XRANGE, XREAD, consumer groups, XCLAIM/XAUTOCLAIM, XINFO,
/// XSETID. Values are <see cref="StreamValue"/>s. Writes that Redis propagates in another form (XADD with a
/// generated ID or approximate trimming, XREADGROUP, XCLAIM, XAUTOCLAIM) write that form into ctx.Propagation.
/// </summary>
public static class StreamFamily
{
    /// <summary>Count used when a blocked XREAD without COUNT is served (XREAD_BLOCKED_DEFAULT_COUNT).</summary>
    private const long BlockedDefaultCount = 1000;

    /// <summary>
    /// What a blocked XREAD/XREADGROUP saw when it blocked: the IDs it resolved ("$" is the last ID at that time)
    /// and each stream with its signal count, to tell signaled keys from other writes.
    /// </summary>
    private sealed class BlockState(StreamId[] ids, StreamValue?[] streams, long[] signals)
    {
        public readonly StreamId[] Ids = ids;
        public readonly StreamValue?[] Streams = streams;
        public readonly long[] Signals = signals;

        public bool Signaled(int k, StreamValue? now) =>
            now != null && (k >= Streams.Length || now != Streams[k] || now.Signals != Signals[k]);
    }

    private static readonly ConditionalWeakTable<CommandContext, BlockState> BlockedIds = [];

    // ---- ID parsing -------------------------------------------------------------------------------------

    /// <summary>Redis's string2ull: string2ll when it can, else strtoull's lenient rules.</summary>
    private static bool ParseU64(ReadOnlySpan<byte> s, out ulong v)
    {
        v = 0;
        if (RespNumber.TryParseInt64(s, out long ll))
        {
            if (ll < 0) return false;
            v = (ulong)ll;
            return true;
        }
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= 9 && s[i] <= 13))) i++;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            neg = s[i] == '-';
            i++;
        }
        int start = i;
        ulong acc = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (acc > (ulong.MaxValue - d) / 10) return false;
            acc = acc * 10 + d;
        }
        if (i == start || s.Length == 0) return false;
        v = neg ? unchecked(0UL - acc) : acc;
        return true;
    }

    /// <summary>
    /// streamGenericParseIDOrReply: "-", "+", "ms", "ms-seq" and, when <paramref name="allowSeqStar"/>, "ms-*"
    /// (then <paramref name="seqGiven"/> is false). Strict refuses "-" and "+".
    /// </summary>
    private static bool ParseId(ReadOnlySpan<byte> s, ulong missingSeq, bool strict, bool allowSeqStar, out StreamId id, out bool seqGiven)
    {
        id = default;
        seqGiven = true;
        if (s.Length > 127) return false;
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        if (s.Length == 1 && (s[0] == '-' || s[0] == '+'))
        {
            if (strict) return false;
            id = s[0] == '-' ? StreamId.Min : StreamId.Max;
            return true;
        }
        int dash = s.IndexOf((byte)'-');
        var msPart = dash >= 0 ? s[..dash] : s;
        if (!ParseU64(msPart, out ulong ms)) return false;
        ulong seq;
        if (dash >= 0)
        {
            var rest = s[(dash + 1)..];
            if (allowSeqStar && rest.Length == 1 && rest[0] == '*')
            {
                seq = 0;
                seqGiven = false;
            }
            else if (!ParseU64(rest, out seq)) return false;
        }
        else seq = missingSeq;
        id = new StreamId(ms, seq);
        return true;
    }

    private static bool ParseIdOrReply(CommandContext ctx, ReadOnlySpan<byte> s, ulong missingSeq, bool strict, out StreamId id)
    {
        if (ParseId(s, missingSeq, strict, false, out id, out _)) return true;
        ctx.Error(Errors.StreamInvalidId);
        return false;
    }

    /// <summary>streamParseIntervalIDOrReply with the exclusive "(" prefix.</summary>
    private static bool ParseIntervalOrReply(CommandContext ctx, ReadOnlySpan<byte> s, ulong missingSeq, out StreamId id, out bool exclusive)
    {
        exclusive = s.Length > 1 && s[0] == '(';
        if (exclusive) return ParseIdOrReply(ctx, s[1..], missingSeq, true, out id);
        return ParseIdOrReply(ctx, s, missingSeq, false, out id);
    }

    // ---- replies ----------------------------------------------------------------------------------------

    private static void ReplyId(ReplyWriter r, StreamId id)
    {
        Span<byte> tmp = stackalloc byte[44];
        r.Bulk(tmp[..id.Format(tmp)]);
    }

    private static void ReplyEntry(ReplyWriter r, StreamEntry e)
    {
        r.ArrayHeader(2);
        ReplyId(r, e.Id);
        r.ArrayHeader(e.Items);
        var items = e.GetReader();
        while (items.Next(out var x)) r.Bulk(x);
    }

    private static void PropId(CommandContext ctx, StreamId id)
    {
        Span<byte> tmp = stackalloc byte[44];
        ctx.Propagation.Arg(tmp[..id.Format(tmp)]);
    }

    private static StreamValue NewStream(CommandContext ctx, ReadOnlySpan<byte> key) =>
        new(key.ToArray()) { Lru = ctx.Keyspace.NewAccessClock(ctx.Now) };

    /// <summary>Looks a stream up for reading; false (with the error written) on a wrong type.</summary>
    private static bool Read(CommandContext ctx, ReadOnlySpan<byte> key, out StreamValue? s)
    {
        var o = ctx.LookupRead(key);
        s = o as StreamValue;
        if (o != null && s == null)
        {
            ctx.Error(Errors.WrongType);
            return false;
        }
        return true;
    }

    private static bool Write(CommandContext ctx, ReadOnlySpan<byte> key, out StreamValue? s)
    {
        var o = ctx.LookupWrite(key);
        s = o as StreamValue;
        if (o != null && s == null)
        {
            ctx.Error(Errors.WrongType);
            return false;
        }
        return true;
    }

    // ---- XADD / XTRIM -----------------------------------------------------------------------------------

    private struct TrimArgs
    {
        public int Strategy; // 0 none, 1 maxlen, 2 minid
        public bool Approx;
        public long MaxLen;
        public StreamId MinId;
        public long Limit;
        public int StrategyArgIdx;
        public bool NoMkStream;
        public bool IdGiven;
        public bool SeqGiven;
        public StreamId Id;
    }

    /// <summary>streamParseAddOrTrimArgsOrReply: returns the ID's position for XADD, -1 after an error reply.</summary>
    private static int ParseAddOrTrim(CommandContext ctx, ref TrimArgs a, bool xadd)
    {
        int i = 2;
        bool limitGiven = false;
        int argc = ctx.ArgCount;
        for (; i < argc; i++)
        {
            int more = argc - 1 - i;
            var opt = ctx.Arg(i);
            if (xadd && opt.Length == 1 && opt[0] == '*') break;
            if (Ascii.EqualsIgnoreCase(opt, "maxlen"u8) && more > 0)
            {
                if (a.Strategy != 0)
                {
                    ctx.Error(Errors.StreamMaxLenMinId);
                    return -1;
                }
                a.Approx = false;
                var next = ctx.Arg(i + 1);
                if (more >= 2 && next.Length == 1 && next[0] == '~')
                {
                    a.Approx = true;
                    i++;
                }
                else if (more >= 2 && next.Length == 1 && next[0] == '=') i++;
                if (!RespNumber.TryParseInt64(ctx.Arg(i + 1), out a.MaxLen))
                {
                    ctx.Error(Errors.NotInteger);
                    return -1;
                }
                if (a.MaxLen < 0)
                {
                    ctx.Error(Errors.StreamMaxLenNegative);
                    return -1;
                }
                i++;
                a.Strategy = 1;
                a.StrategyArgIdx = i;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "minid"u8) && more > 0)
            {
                if (a.Strategy != 0)
                {
                    ctx.Error(Errors.StreamMaxLenMinId);
                    return -1;
                }
                a.Approx = false;
                var next = ctx.Arg(i + 1);
                if (more >= 2 && next.Length == 1 && next[0] == '~')
                {
                    a.Approx = true;
                    i++;
                }
                else if (more >= 2 && next.Length == 1 && next[0] == '=') i++;
                if (!ParseIdOrReply(ctx, ctx.Arg(i + 1), 0, true, out a.MinId)) return -1;
                i++;
                a.Strategy = 2;
                a.StrategyArgIdx = i;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "limit"u8) && more > 0)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(i + 1), out a.Limit))
                {
                    ctx.Error(Errors.NotInteger);
                    return -1;
                }
                if (a.Limit < 0)
                {
                    ctx.Error(Errors.StreamLimitNegative);
                    return -1;
                }
                limitGiven = true;
                i++;
            }
            else if (xadd && Ascii.EqualsIgnoreCase(opt, "nomkstream"u8)) a.NoMkStream = true;
            else if (xadd)
            {
                if (!ParseId(opt, 0, true, true, out a.Id, out a.SeqGiven))
                {
                    ctx.Error(Errors.StreamInvalidId);
                    return -1;
                }
                a.IdGiven = true;
                break;
            }
            else
            {
                ctx.SyntaxError();
                return -1;
            }
        }
        if (a.Limit != 0 && a.Strategy == 0)
        {
            ctx.Error(Errors.StreamLimitNoStrategy);
            return -1;
        }
        if (!xadd && a.Strategy == 0)
        {
            ctx.Error(Errors.StreamXTrimNoStrategy);
            return -1;
        }
        if (ctx.Client.IsPrimaryLink) a.Limit = 0;
        else if (limitGiven)
        {
            if (!a.Approx)
            {
                ctx.Error(Errors.StreamLimitNoApprox);
                return -1;
            }
        }
        else if (a.Approx)
        {
            long l = 100 * ctx.Server.Config.StreamNodeMaxEntries;
            if (l <= 0) l = 10000;
            if (l > 1000000) l = 1000000;
            a.Limit = l;
        }
        else a.Limit = 0;
        return i;
    }

    /// <summary>Writes the command into ctx.Propagation with some arguments replaced.</summary>
    private static void PropagateRewritten(CommandContext ctx, int approxIdx, int trimIdx, StreamValue? s, int trimStrategy, int idIdx, StreamId id)
    {
        ctx.Propagation.Begin(ctx.ArgCount);
        for (int j = 0; j < ctx.ArgCount; j++)
        {
            if (j == approxIdx) ctx.Propagation.Arg("="u8);
            else if (j == trimIdx && s != null)
            {
                if (trimStrategy == 1) ctx.Propagation.Arg(s.Length);
                else PropId(ctx, s.EdgeId(true));
            }
            else if (j == idIdx) PropId(ctx, id);
            else ctx.Propagation.Arg(ctx.Arg(j));
        }
    }

    private static long Trim(StreamValue s, in TrimArgs a) =>
        s.Trim(a.Strategy == 1, a.MaxLen, a.MinId, a.Approx, a.Limit);

    // XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
    private static void XAdd(CommandContext ctx)
    {
        var a = new TrimArgs();
        int idPos = ParseAddOrTrim(ctx, ref a, true);
        if (idPos < 0) return;
        int fieldPos = idPos + 1;
        int nfv = ctx.ArgCount - fieldPos;
        if (nfv < 2 || (nfv % 2) == 1)
        {
            ctx.WrongArgs();
            return;
        }
        if (a.IdGiven && a.SeqGiven && a.Id.IsZero)
        {
            ctx.Error(Errors.StreamIdZero);
            return;
        }
        var key = ctx.Arg(1);
        if (!Write(ctx, key, out var s)) return;
        if (s == null)
        {
            if (a.NoMkStream)
            {
                ctx.Reply.Null();
                return;
            }
            s = NewStream(ctx, key);
            ctx.Keyspace.Add(ctx.Db, s);
        }
        if (s.LastId == StreamId.Max)
        {
            ctx.Error(Errors.StreamExhausted);
            return;
        }
        StreamId id;
        var last = s.LastId;
        if (a.IdGiven)
        {
            if (a.SeqGiven)
            {
                if (a.Id <= last)
                {
                    ctx.Error(Errors.StreamIdTooSmall);
                    return;
                }
                id = a.Id;
            }
            else if (a.Id.Ms == last.Ms)
            {
                if (last.Seq == ulong.MaxValue)
                {
                    ctx.Error(Errors.StreamIdTooSmall);
                    return;
                }
                id = new StreamId(last.Ms, last.Seq + 1);
            }
            else if (a.Id.Ms > last.Ms) id = new StreamId(a.Id.Ms, 0);
            else
            {
                ctx.Error(Errors.StreamIdTooSmall);
                return;
            }
        }
        else
        {
            ulong ms = (ulong)Clock.UnixMs();
            if (ms > last.Ms) id = new StreamId(ms, 0);
            else last.TryIncrement(out id);
        }
        var fv = new byte[nfv][];
        for (int j = 0; j < nfv; j++) fv[j] = ctx.Arg(fieldPos + j).ToArray();
        var cfg = ctx.Server.Config;
        s.Append(id, fv, cfg.StreamNodeMaxBytes, cfg.StreamNodeMaxEntries);
        s.Signals++;
        ReplyId(ctx.Reply, id);
        ctx.Notify(ServerConfig.Notify.Stream, "xadd"u8, key);
        ctx.Dirty++;
        if (a.Strategy != 0)
        {
            if (Trim(s, a) > 0) ctx.Notify(ServerConfig.Notify.Stream, "xtrim"u8, key);
        }
        bool rewriteId = !a.IdGiven || !a.SeqGiven;
        if (a.Approx || rewriteId)
            PropagateRewritten(ctx, a.Approx ? a.StrategyArgIdx - 1 : -1, a.Approx ? a.StrategyArgIdx : -1, s, a.Strategy, rewriteId ? idPos : -1, id);
    }

    // XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
    private static void XTrim(CommandContext ctx)
    {
        var a = new TrimArgs();
        if (ParseAddOrTrim(ctx, ref a, false) < 0) return;
        var key = ctx.Arg(1);
        if (!Write(ctx, key, out var s)) return;
        if (s == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long deleted = Trim(s, a);
        if (deleted > 0)
        {
            ctx.Notify(ServerConfig.Notify.Stream, "xtrim"u8, key);
            if (a.Approx) PropagateRewritten(ctx, a.StrategyArgIdx - 1, a.StrategyArgIdx, s, a.Strategy, -1, default);
            ctx.Dirty += deleted;
        }
        ctx.Reply.Integer(deleted);
    }

    // XLEN key
    private static void XLen(CommandContext ctx)
    {
        if (!Read(ctx, ctx.Arg(1), out var s)) return;
        ctx.Reply.Integer(s?.Length ?? 0);
    }

    // XDEL key id [id ...]
    private static void XDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!Write(ctx, key, out var s)) return;
        if (s == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        int n = ctx.ArgCount - 2;
        var ids = new StreamId[n];
        for (int j = 0; j < n; j++)
            if (!ParseIdOrReply(ctx, ctx.Arg(j + 2), 0, true, out ids[j])) return;
        long deleted = 0;
        bool firstEntry = false;
        foreach (var id in ids)
        {
            if (!s.Delete(id)) continue;
            if (id == s.FirstId) firstEntry = true;
            if (id > s.MaxDeletedId) s.MaxDeletedId = id;
            deleted++;
        }
        if (deleted > 0)
        {
            if (s.Length == 0) s.FirstId = StreamId.Min;
            else if (firstEntry) s.FirstId = s.EdgeId(true);
            ctx.Notify(ServerConfig.Notify.Stream, "xdel"u8, key);
            ctx.Dirty += deleted;
        }
        ctx.Reply.Integer(deleted);
    }

    // ---- XRANGE / XREVRANGE -----------------------------------------------------------------------------

    // XRANGE key start end [COUNT count]
    private static void XRange(CommandContext ctx) => RangeGeneric(ctx, false);

    // XREVRANGE key end start [COUNT count]
    private static void XRevRange(CommandContext ctx) => RangeGeneric(ctx, true);

    private static void RangeGeneric(CommandContext ctx, bool rev)
    {
        var startArg = rev ? ctx.Arg(3) : ctx.Arg(2);
        var endArg = rev ? ctx.Arg(2) : ctx.Arg(3);
        if (!ParseIntervalOrReply(ctx, startArg, 0, out var start, out bool startEx)) return;
        if (startEx && !start.TryIncrement(out start))
        {
            ctx.Error(Errors.StreamInvalidStart);
            return;
        }
        if (!ParseIntervalOrReply(ctx, endArg, ulong.MaxValue, out var end, out bool endEx)) return;
        if (endEx && !end.TryDecrement(out end))
        {
            ctx.Error(Errors.StreamInvalidEnd);
            return;
        }
        long count = -1;
        for (int j = 4; j < ctx.ArgCount; j++)
        {
            int additional = ctx.ArgCount - j - 1;
            if (Ascii.EqualsIgnoreCase(ctx.Arg(j), "count"u8) && additional >= 1)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(j + 1), out count))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (count < 0) count = 0;
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (!Read(ctx, ctx.Arg(1), out var s)) return;
        if (s == null)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (count == 0)
        {
            ctx.Reply.NullArray();
            return;
        }
        if (count == -1) count = 0;
        ReplyRange(ctx.Reply, s, start, end, count, rev);
    }

    private static int ReplyRange(ReplyWriter r, StreamValue s, StreamId start, StreamId end, long count, bool rev)
    {
        int n = 0;
        foreach (var e in s.Range(start, end, rev))
        {
            n++;
            if (count != 0 && n == count) break;
        }
        r.ArrayHeader(n);
        int k = 0;
        foreach (var e in s.Range(start, end, rev))
        {
            if (k++ == n) break;
            ReplyEntry(r, e);
        }
        return n;
    }

    // ---- XREAD / XREADGROUP -----------------------------------------------------------------------------

    private static int XReadKeys(CommandArgs args, Span<int> positions)
    {
        bool group = args[0].Length == 10;
        int streamsArg = 0;
        for (int i = 1; i < args.Count; i++)
        {
            var o = args[i];
            int more = args.Count - i - 1;
            if ((Ascii.EqualsIgnoreCase(o, "block"u8) || Ascii.EqualsIgnoreCase(o, "count"u8)) && more > 0) i++;
            else if (group && Ascii.EqualsIgnoreCase(o, "group"u8) && more >= 2) i += 2;
            else if (Ascii.EqualsIgnoreCase(o, "streams"u8) && more > 0)
            {
                streamsArg = i + 1;
                break;
            }
        }
        if (streamsArg == 0) return 0;
        int total = args.Count - streamsArg;
        if (total % 2 != 0) return 0;
        int n = total / 2;
        if (n > positions.Length) return n;
        for (int k = 0; k < n; k++) positions[k] = streamsArg + k;
        return n;
    }

    // XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
    private static void XRead(CommandContext ctx) => XReadGeneric(ctx, false);

    // XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
    private static void XReadGroup(CommandContext ctx)
    {
        // Redis's xreadCommand never calls signalModifiedKey: reading through a group leaves WATCHes alone.
        ctx.KeepWatches = true;
        XReadGeneric(ctx, true);
    }

    private static void XReadGeneric(CommandContext ctx, bool xreadgroup)
    {
        long timeout = -1;
        long count = 0;
        int streamsArg = 0, streamsCount = 0;
        bool noack = false;
        int groupArg = 0;
        int argc = ctx.ArgCount;
        for (int i = 1; i < argc; i++)
        {
            int more = argc - i - 1;
            var o = ctx.Arg(i);
            if (Ascii.EqualsIgnoreCase(o, "block"u8) && more > 0)
            {
                i++;
                if (!RespNumber.TryParseInt64(ctx.Arg(i), out timeout))
                {
                    ctx.Error(Errors.TimeoutNotInteger);
                    return;
                }
                if (timeout < 0)
                {
                    ctx.Error(Errors.TimeoutNegative);
                    return;
                }
                if (timeout > 0)
                {
                    if (timeout > long.MaxValue - ctx.Now)
                    {
                        ctx.Error(Errors.StreamTimeoutOutOfRange);
                        return;
                    }
                }
            }
            else if (Ascii.EqualsIgnoreCase(o, "count"u8) && more > 0)
            {
                i++;
                if (!RespNumber.TryParseInt64(ctx.Arg(i), out count))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (count < 0) count = 0;
            }
            else if (Ascii.EqualsIgnoreCase(o, "streams"u8) && more > 0)
            {
                streamsArg = i + 1;
                streamsCount = argc - streamsArg;
                if (streamsCount % 2 != 0)
                {
                    ctx.Error(Errors.StreamUnbalanced);
                    return;
                }
                streamsCount /= 2;
                break;
            }
            else if (Ascii.EqualsIgnoreCase(o, "group"u8) && more >= 2)
            {
                if (!xreadgroup)
                {
                    ctx.Error(Errors.StreamGroupOnlyXReadGroup);
                    return;
                }
                groupArg = i + 1;
                i += 2;
            }
            else if (Ascii.EqualsIgnoreCase(o, "noack"u8))
            {
                if (!xreadgroup)
                {
                    ctx.Error(Errors.StreamNoAckOnlyXReadGroup);
                    return;
                }
                noack = true;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (streamsArg == 0)
        {
            ctx.SyntaxError();
            return;
        }
        if (xreadgroup && groupArg == 0)
        {
            ctx.Error(Errors.StreamMissingGroup);
            return;
        }
        bool retry = ctx.RetryingBlocked;
        var ids = new StreamId[streamsCount];
        var groups = groupArg != 0 ? new StreamGroup[streamsCount] : null;
        var streams = new StreamValue?[streamsCount];
        ReadOnlySpan<byte> groupName = groupArg != 0 ? ctx.Arg(groupArg) : default;
        for (int k = 0; k < streamsCount; k++)
        {
            var key = ctx.Arg(streamsArg + k);
            var idArg = ctx.Arg(streamsArg + streamsCount + k);
            var obj = ctx.LookupRead(key);
            var s = obj as StreamValue;
            if (retry && xreadgroup && s == null)
            {
                // The key was deleted or overwritten with another type while XREADGROUP waited on it.
                ctx.Error(Errors.StreamKeyGone);
                return;
            }
            if (obj != null && s == null)
            {
                if (retry)
                {
                    ctx.Block([], 0, TimeoutReply.NullArray);
                    return;
                }
                ctx.Error(Errors.WrongType);
                return;
            }
            streams[k] = s;
            if (groups != null)
            {
                var g = s?.Group(groupName);
                if (g == null)
                {
                    if (retry)
                    {
                        if (BlockedIds.TryGetValue(ctx, out var st) && !st.Signaled(k, s))
                        {
                            ctx.Block([], 0, TimeoutReply.NullArray);
                            return;
                        }
                        ctx.Error(Errors.StreamBlockedGroupGone);
                        return;
                    }
                    ctx.Error(Errors.StreamNoGroupRead(key, groupName));
                    return;
                }
                groups[k] = g;
            }
            if (idArg.Length == 1 && idArg[0] == '$')
            {
                if (xreadgroup)
                {
                    ctx.Error(Errors.StreamDollarInGroup);
                    return;
                }
                ids[k] = s?.LastId ?? StreamId.Min;
                continue;
            }
            if (idArg.Length == 1 && idArg[0] == '>')
            {
                if (!xreadgroup)
                {
                    ctx.Error(Errors.StreamGreaterOnlyGroup);
                    return;
                }
                ids[k] = StreamId.Max;
                continue;
            }
            if (!ParseIdOrReply(ctx, idArg, 0, true, out ids[k])) return;
        }
        BlockState? state = null;
        if (retry && BlockedIds.TryGetValue(ctx, out var saved) && saved.Ids.Length == streamsCount)
        {
            state = saved;
            if (!xreadgroup) ids = saved.Ids;
        }

        // Which streams can be served now.
        var serve = new bool[streamsCount];
        int arrayLen = 0;
        for (int k = 0; k < streamsCount; k++)
        {
            var s = streams[k];
            if (s == null) continue;
            bool sync = false;
            if (retry)
            {
                // A blocked client is served on one stream whose last ID moved past what it waits for.
                var gt = groups != null ? groups[k].LastId : ids[k];
                if (arrayLen == 0 && (state == null || state.Signaled(k, s)) && s.LastId > gt) sync = true;
            }
            else if (groups != null)
            {
                if (ids[k] != StreamId.Max) sync = true;
                else if (s.Length > 0 && s.EdgeId(false) > groups[k].LastId) sync = true;
            }
            else if (s.Length > 0 && s.EdgeId(false) > ids[k]) sync = true;
            serve[k] = sync;
            if (sync) arrayLen++;
        }
        if (arrayLen > 0)
        {
            if (retry)
            {
                BlockedIds.Remove(ctx);
                if (count == 0) count = BlockedDefaultCount;
            }
            if (ctx.Reply.Protocol == 2) ctx.Reply.ArrayHeader(arrayLen);
            else ctx.Reply.MapHeader(arrayLen);
            ReadOnlySpan<byte> consumerName = groupArg != 0 ? ctx.Arg(groupArg + 1) : default;
            for (int k = 0; k < streamsCount; k++)
            {
                if (!serve[k]) continue;
                var s = streams[k]!;
                var key = ctx.Arg(streamsArg + k);
                if (ctx.Reply.Protocol == 2) ctx.Reply.ArrayHeader(2);
                ctx.Reply.Bulk(key);
                if (groups == null)
                {
                    ids[k].TryIncrement(out var start);
                    ReplyRange(ctx.Reply, s, start, StreamId.Max, count, false);
                    continue;
                }
                var g = groups[k];
                var consumer = LookupOrCreateConsumer(ctx, g, consumerName, key, ctx.Now, refresh: true, out bool created);
                if (created && noack) PropagateCreateConsumer(ctx, key, groupName, consumerName);
                bool history = !retry && ids[k] != StreamId.Max;
                if (history)
                {
                    ids[k].TryIncrement(out var hstart);
                    ReplyFromConsumerPel(ctx, s, hstart, count, consumer);
                }
                else
                {
                    g.LastId.TryIncrement(out var start);
                    ReplyGroupRange(ctx, s, start, count, g, consumer, noack, key, groupName);
                }
            }
            // Redis propagates only the XCLAIM / XGROUP forms (preventCommandPropagation), never XREADGROUP itself.
            if (groups != null && ctx.Propagation.Commands == 0) ctx.Dirty = 0;
            return;
        }
        if (timeout != -1)
        {
            if (ctx.DenyBlocking)
            {
                ctx.Reply.NullArray();
                return;
            }
            if (!retry)
            {
                var sigs = new long[streamsCount];
                for (int k = 0; k < streamsCount; k++) sigs[k] = streams[k]?.Signals ?? 0;
                BlockedIds.AddOrUpdate(ctx, new BlockState(ids, streams, sigs));
            }
            Span<int> keyArgs = streamsCount <= 64 ? stackalloc int[streamsCount] : new int[streamsCount];
            for (int k = 0; k < streamsCount; k++) keyArgs[k] = streamsArg + k;
            long deadline = timeout == 0 ? 0 : ctx.Now + timeout;
            ctx.Block(keyArgs, deadline, TimeoutReply.NullArray);
            return;
        }
        ctx.Reply.NullArray();
    }

    private static StreamConsumer LookupOrCreateConsumer(CommandContext ctx, StreamGroup g, ReadOnlySpan<byte> name, ReadOnlySpan<byte> key, long now, bool refresh, out bool created)
    {
        int i = g.FindConsumer(name);
        if (i >= 0)
        {
            created = false;
            var c = g.Consumers[i];
            if (refresh) c.SeenTime = now;
            return c;
        }
        var nc = new StreamConsumer(name.ToArray(), now);
        g.Consumers.Insert(~i, nc);
        ctx.Dirty++;
        ctx.Notify(ServerConfig.Notify.Stream, "xgroup-createconsumer"u8, key);
        created = true;
        return nc;
    }

    private static void PropagateCreateConsumer(CommandContext ctx, ReadOnlySpan<byte> key, ReadOnlySpan<byte> group, ReadOnlySpan<byte> consumer)
    {
        var p = ctx.Propagation;
        p.Begin(5);
        p.Arg("XGROUP"u8);
        p.Arg("CREATECONSUMER"u8);
        p.Arg(key);
        p.Arg(group);
        p.Arg(consumer);
    }

    /// <summary>streamPropagateXCLAIM: XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID last.</summary>
    private static void PropagateXClaim(CommandContext ctx, ReadOnlySpan<byte> key, StreamGroup g, ReadOnlySpan<byte> groupName, StreamId id, StreamNack nack)
    {
        var p = ctx.Propagation;
        p.Begin(14);
        p.Arg("XCLAIM"u8);
        p.Arg(key);
        p.Arg(groupName);
        p.Arg(nack.Consumer!.Name);
        p.Arg("0"u8);
        PropId(ctx, id);
        p.Arg("TIME"u8);
        p.Arg(nack.DeliveryTime);
        p.Arg("RETRYCOUNT"u8);
        p.Arg(nack.DeliveryCount);
        p.Arg("FORCE"u8);
        p.Arg("JUSTID"u8);
        p.Arg("LASTID"u8);
        PropId(ctx, g.LastId);
    }

    /// <summary>streamPropagateGroupID: XGROUP SETID key group last ENTRIESREAD n.</summary>
    private static void PropagateGroupId(CommandContext ctx, ReadOnlySpan<byte> key, StreamGroup g, ReadOnlySpan<byte> groupName)
    {
        var p = ctx.Propagation;
        p.Begin(7);
        p.Arg("XGROUP"u8);
        p.Arg("SETID"u8);
        p.Arg(key);
        p.Arg(groupName);
        PropId(ctx, g.LastId);
        p.Arg("ENTRIESREAD"u8);
        p.Arg(g.EntriesRead);
    }

    /// <summary>streamReplyWithRange for a group's new entries: advances last-id, creates NACKs, propagates.</summary>
    private static void ReplyGroupRange(CommandContext ctx, StreamValue s, StreamId start, long count, StreamGroup g, StreamConsumer consumer, bool noack, ReadOnlySpan<byte> key, ReadOnlySpan<byte> groupName)
    {
        var list = new List<StreamEntry>();
        foreach (var e in s.Range(start, StreamId.Max, false))
        {
            list.Add(e);
            if (count != 0 && list.Count == count) break;
        }
        bool propagateLastId = false;
        ctx.Reply.ArrayHeader(list.Count);
        foreach (var e in list)
        {
            var id = e.Id;
            if (id > g.LastId)
            {
                if (g.EntriesRead != StreamGroup.InvalidEntriesRead && !s.RangeHasTombstones(id, StreamId.Max))
                    g.EntriesRead++;
                else if (s.EntriesAdded != 0)
                    g.EntriesRead = s.EstimateDistance(id);
                g.LastId = id;
                if (noack) propagateLastId = true;
            }
            ReplyEntry(ctx.Reply, e);
            if (!noack)
            {
                var nack = g.Pel.Get(id);
                if (nack == null)
                {
                    nack = new StreamNack(id, consumer, ctx.Now);
                    g.Pel.TryAdd(nack);
                    consumer.Pel.TryAdd(nack);
                }
                else
                {
                    nack.Consumer?.Pel.Remove(id);
                    nack.Consumer = consumer;
                    nack.DeliveryTime = ctx.Now;
                    nack.DeliveryCount = 1;
                    consumer.Pel.TryAdd(nack);
                }
                PropagateXClaim(ctx, key, g, groupName, id, nack);
            }
        }
        if (propagateLastId) PropagateGroupId(ctx, key, g, groupName);
        ctx.Dirty++;
    }

    /// <summary>streamReplyWithRangeFromConsumerPEL: the consumer's pending entries from <paramref name="start"/>.</summary>
    private static void ReplyFromConsumerPel(CommandContext ctx, StreamValue s, StreamId start, long count, StreamConsumer consumer)
    {
        var items = consumer.Pel.Items;
        int from = consumer.Pel.LowerBound(start);
        int n = items.Count - from;
        if (count != 0 && n > count) n = (int)count;
        ctx.Reply.ArrayHeader(n);
        for (int i = from; i < from + n; i++)
        {
            var nack = items[i];
            var e = s.Get(nack.Id);
            if (e == null)
            {
                ctx.Reply.ArrayHeader(2);
                ReplyId(ctx.Reply, nack.Id);
                ctx.Reply.NullArray();
            }
            else
            {
                ReplyEntry(ctx.Reply, e);
                nack.DeliveryTime = ctx.Now;
                nack.DeliveryCount++;
            }
        }
        ctx.Dirty++;
    }

    // ---- XGROUP -----------------------------------------------------------------------------------------

    private static readonly string[] XGroupHelpLines =
    [
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
    ];

    private static void XGroupHelp(CommandContext ctx) => KeyFamily.Help(ctx, XGroupHelpLines);

    private static void SubcommandSyntax(CommandContext ctx) => ctx.Error(Errors.SubcommandSyntax(ctx.Arg(1), ctx.Arg(0)));

    /// <summary>The shared start of xgroupCommand: options, key lookup, group lookup. Null after a reply.</summary>
    private static bool XGroupPrologue(CommandContext ctx, out StreamValue? s, out StreamGroup? g, out bool mkstream, out long entriesRead)
    {
        s = null;
        g = null;
        mkstream = false;
        entriesRead = StreamGroup.InvalidEntriesRead;
        var opt = ctx.Arg(1);
        bool create = Ascii.EqualsIgnoreCase(opt, "create"u8);
        bool setid = Ascii.EqualsIgnoreCase(opt, "setid"u8);
        int i = 5;
        while (i < ctx.ArgCount)
        {
            var a = ctx.Arg(i);
            if (create && Ascii.EqualsIgnoreCase(a, "mkstream"u8))
            {
                mkstream = true;
                i++;
            }
            else if ((create || setid) && Ascii.EqualsIgnoreCase(a, "entriesread"u8) && i + 1 < ctx.ArgCount)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(i + 1), out entriesRead))
                {
                    ctx.Error(Errors.NotInteger);
                    return false;
                }
                if (entriesRead < 0 && entriesRead != StreamGroup.InvalidEntriesRead)
                {
                    ctx.Error(Errors.StreamEntriesReadRange);
                    return false;
                }
                i += 2;
            }
            else
            {
                SubcommandSyntax(ctx);
                return false;
            }
        }
        var key = ctx.Arg(2);
        if (!Write(ctx, key, out s)) return false;
        var groupName = ctx.Arg(3);
        if (!mkstream)
        {
            if (s == null)
            {
                ctx.Error(Errors.StreamXGroupNeedsKey);
                return false;
            }
            g = s.Group(groupName);
            if (g == null && !create && !Ascii.EqualsIgnoreCase(opt, "destroy"u8))
            {
                ctx.Error(Errors.StreamNoGroupForKey(groupName, key));
                return false;
            }
        }
        else if (s != null) g = s.Group(groupName);
        return true;
    }

    // XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
    private static void XGroupCreate(CommandContext ctx)
    {
        if (!XGroupPrologue(ctx, out var s, out _, out _, out long entriesRead)) return;
        if (ctx.ArgCount > 8)
        {
            SubcommandSyntax(ctx);
            return;
        }
        var key = ctx.Arg(2);
        StreamId id;
        var idArg = ctx.Arg(4);
        if (idArg.Length == 1 && idArg[0] == '$') id = s?.LastId ?? StreamId.Min;
        else if (!ParseIdOrReply(ctx, idArg, 0, true, out id)) return;
        // Only a stream created by MKSTREAM counts as a modified key (signalModifiedKey in Redis).
        ctx.KeepWatches = s != null;
        if (s == null)
        {
            s = NewStream(ctx, key);
            ctx.Keyspace.Add(ctx.Db, s);
        }
        var name = ctx.Arg(3);
        s.Groups ??= [];
        int i = StreamValue.FindByName(s.Groups, name, static g => g.Name);
        if (i >= 0)
        {
            ctx.Error(Errors.StreamBusyGroup);
            return;
        }
        s.Groups.Insert(~i, new StreamGroup(name.ToArray(), id, entriesRead));
        ctx.Reply.Ok();
        ctx.Dirty++;
        ctx.Notify(ServerConfig.Notify.Stream, "xgroup-create"u8, key);
    }

    // XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
    private static void XGroupSetId(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        if (!XGroupPrologue(ctx, out var s, out var g, out _, out long entriesRead)) return;
        if (ctx.ArgCount != 5 && ctx.ArgCount != 7)
        {
            SubcommandSyntax(ctx);
            return;
        }
        StreamId id;
        var idArg = ctx.Arg(4);
        if (idArg.Length == 1 && idArg[0] == '$') id = s!.LastId;
        else if (!ParseIdOrReply(ctx, idArg, 0, false, out id)) return;
        g!.LastId = id;
        g.EntriesRead = entriesRead;
        ctx.Reply.Ok();
        ctx.Dirty++;
        ctx.Notify(ServerConfig.Notify.Stream, "xgroup-setid"u8, ctx.Arg(2));
    }

    // XGROUP DESTROY key group
    private static void XGroupDestroy(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        if (!XGroupPrologue(ctx, out var s, out var g, out _, out _)) return;
        if (g == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        s!.Groups!.Remove(g);
        s.Signals++;
        ctx.Reply.Integer(1);
        ctx.Dirty++;
        ctx.Notify(ServerConfig.Notify.Stream, "xgroup-destroy"u8, ctx.Arg(2));
    }

    // XGROUP CREATECONSUMER key group consumer
    private static void XGroupCreateConsumer(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        if (!XGroupPrologue(ctx, out _, out var g, out _, out _)) return;
        int i = g!.FindConsumer(ctx.Arg(4));
        if (i >= 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        LookupOrCreateConsumer(ctx, g, ctx.Arg(4), ctx.Arg(2), ctx.Now, false, out _);
        ctx.Reply.Integer(1);
    }

    // XGROUP DELCONSUMER key group consumer
    private static void XGroupDelConsumer(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        if (!XGroupPrologue(ctx, out _, out var g, out _, out _)) return;
        int i = g!.FindConsumer(ctx.Arg(4));
        long pending = 0;
        if (i >= 0)
        {
            var c = g.Consumers[i];
            pending = c.Pel.Count;
            foreach (var nack in c.Pel.Items) g.Pel.Remove(nack.Id);
            g.Consumers.RemoveAt(i);
            ctx.Dirty++;
            ctx.Notify(ServerConfig.Notify.Stream, "xgroup-delconsumer"u8, ctx.Arg(2));
        }
        ctx.Reply.Integer(pending);
    }

    // ---- XSETID / XACK / XPENDING -----------------------------------------------------------------------

    // XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
    private static void XSetId(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        if (!ParseIdOrReply(ctx, ctx.Arg(2), 0, true, out var id)) return;
        long entriesAdded = -1;
        StreamId maxXdel = StreamId.Min;
        int i = 3;
        while (i < ctx.ArgCount)
        {
            int more = ctx.ArgCount - 1 - i;
            var opt = ctx.Arg(i);
            if (Ascii.EqualsIgnoreCase(opt, "entriesadded"u8) && more > 0)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(i + 1), out entriesAdded))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (entriesAdded < 0)
                {
                    ctx.Error(Errors.StreamEntriesAddedNegative);
                    return;
                }
                i += 2;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "maxdeletedid"u8) && more > 0)
            {
                if (!ParseIdOrReply(ctx, ctx.Arg(i + 1), 0, true, out maxXdel)) return;
                if (id < maxXdel)
                {
                    ctx.Error(Errors.StreamXSetIdBelowMaxDeleted);
                    return;
                }
                i += 2;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var key = ctx.Arg(1);
        var o = ctx.LookupWrite(key);
        if (o == null)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        if (o is not StreamValue s)
        {
            ctx.Error(Errors.WrongType);
            return;
        }
        if (s.Length > 0)
        {
            if (id < s.EdgeId(false))
            {
                ctx.Error(Errors.StreamXSetIdTooSmall);
                return;
            }
            if (entriesAdded != -1 && s.Length > entriesAdded)
            {
                ctx.Error(Errors.StreamXSetIdEntriesAdded);
                return;
            }
        }
        s.LastId = id;
        if (entriesAdded != -1) s.EntriesAdded = entriesAdded;
        if (!maxXdel.IsZero) s.MaxDeletedId = maxXdel;
        ctx.Reply.Ok();
        ctx.Dirty++;
        ctx.Notify(ServerConfig.Notify.Stream, "xsetid"u8, key);
    }

    // XACK key group id [id ...]
    private static void XAck(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        if (!Read(ctx, ctx.Arg(1), out var s)) return;
        var g = s?.Group(ctx.Arg(2));
        if (g == null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        int n = ctx.ArgCount - 3;
        var ids = new StreamId[n];
        for (int j = 0; j < n; j++)
            if (!ParseIdOrReply(ctx, ctx.Arg(j + 3), 0, true, out ids[j])) return;
        long acked = 0;
        foreach (var id in ids)
        {
            var nack = g.Pel.Get(id);
            if (nack == null) continue;
            g.Pel.Remove(id);
            nack.Consumer?.Pel.Remove(id);
            acked++;
        }
        ctx.Dirty += acked;
        ctx.Reply.Integer(acked);
    }

    // XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
    private static void XPending(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        bool justinfo = argc == 3;
        if (argc != 3 && (argc < 6 || argc > 9))
        {
            ctx.SyntaxError();
            return;
        }
        StreamId start = default, end = default;
        long count = 0, minIdle = 0;
        int consumerArg = 0;
        if (argc >= 6)
        {
            int startIdx = 3;
            if (Ascii.EqualsIgnoreCase(ctx.Arg(3), "idle"u8))
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(4), out minIdle))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (argc < 8)
                {
                    ctx.SyntaxError();
                    return;
                }
                startIdx += 2;
            }
            if (!RespNumber.TryParseInt64(ctx.Arg(startIdx + 2), out count))
            {
                ctx.Error(Errors.NotInteger);
                return;
            }
            if (count < 0) count = 0;
            if (!ParseIntervalOrReply(ctx, ctx.Arg(startIdx), 0, out start, out bool sx)) return;
            if (sx && !start.TryIncrement(out start))
            {
                ctx.Error(Errors.StreamInvalidStart);
                return;
            }
            if (!ParseIntervalOrReply(ctx, ctx.Arg(startIdx + 1), ulong.MaxValue, out end, out bool ex)) return;
            if (ex && !end.TryDecrement(out end))
            {
                ctx.Error(Errors.StreamInvalidEnd);
                return;
            }
            if (startIdx + 3 < argc) consumerArg = startIdx + 3;
        }
        if (!Read(ctx, ctx.Arg(1), out var s)) return;
        var g = s?.Group(ctx.Arg(2));
        if (g == null)
        {
            ctx.Error(Errors.StreamNoGroupKey(ctx.Arg(1), ctx.Arg(2)));
            return;
        }
        var r = ctx.Reply;
        if (justinfo)
        {
            r.ArrayHeader(4);
            r.Integer(g.Pel.Count);
            if (g.Pel.Count == 0)
            {
                r.Null();
                r.Null();
                r.NullArray();
                return;
            }
            ReplyId(r, g.Pel.Items[0].Id);
            ReplyId(r, g.Pel.Items[^1].Id);
            int withPending = 0;
            foreach (var c in g.Consumers) if (c.Pel.Count > 0) withPending++;
            r.ArrayHeader(withPending);
            foreach (var c in g.Consumers)
            {
                if (c.Pel.Count == 0) continue;
                r.ArrayHeader(2);
                r.Bulk(c.Name);
                r.BulkInteger(c.Pel.Count);
            }
            return;
        }
        StreamPel pel = g.Pel;
        if (consumerArg != 0)
        {
            var c = g.Consumer(ctx.Arg(consumerArg));
            if (c == null)
            {
                r.EmptyArray();
                return;
            }
            pel = c.Pel;
        }
        long now = ctx.Now;
        var picked = new List<StreamNack>();
        for (int i = pel.LowerBound(start); count > 0 && i < pel.Count; i++)
        {
            var nack = pel.Items[i];
            if (nack.Id > end) break;
            if (minIdle != 0 && now - nack.DeliveryTime < minIdle) continue;
            picked.Add(nack);
            count--;
        }
        r.ArrayHeader(picked.Count);
        foreach (var nack in picked)
        {
            r.ArrayHeader(4);
            ReplyId(r, nack.Id);
            r.Bulk(nack.Consumer!.Name);
            long elapsed = now - nack.DeliveryTime;
            r.Integer(elapsed < 0 ? 0 : elapsed);
            r.Integer(nack.DeliveryCount);
        }
    }

    // ---- XCLAIM / XAUTOCLAIM ----------------------------------------------------------------------------

    // XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
    private static void XClaim(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        var key = ctx.Arg(1);
        var groupName = ctx.Arg(2);
        if (!Read(ctx, key, out var s)) return;
        var g = s?.Group(groupName);
        if (g == null)
        {
            ctx.Error(Errors.StreamNoGroupKey(key, groupName));
            return;
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(4), out long minIdle))
        {
            ctx.Error(Errors.StreamXClaimMinIdle);
            return;
        }
        if (minIdle < 0) minIdle = 0;
        int argc = ctx.ArgCount;
        var ids = new List<StreamId>();
        int j = 5;
        for (; j < argc; j++)
        {
            if (!ParseId(ctx.Arg(j), 0, true, false, out var id, out _)) break;
            ids.Add(id);
        }
        long now = Clock.UnixMs();
        long deliveryTime = -1, retryCount = -1;
        bool force = false, justId = false;
        StreamId lastId = StreamId.Min;
        for (; j < argc; j++)
        {
            int more = argc - 1 - j;
            var opt = ctx.Arg(j);
            if (Ascii.EqualsIgnoreCase(opt, "force"u8)) force = true;
            else if (Ascii.EqualsIgnoreCase(opt, "justid"u8)) justId = true;
            else if (Ascii.EqualsIgnoreCase(opt, "idle"u8) && more > 0)
            {
                j++;
                if (!RespNumber.TryParseInt64(ctx.Arg(j), out deliveryTime))
                {
                    ctx.Error(Errors.StreamXClaimIdle);
                    return;
                }
                deliveryTime = now - deliveryTime;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "time"u8) && more > 0)
            {
                j++;
                if (!RespNumber.TryParseInt64(ctx.Arg(j), out deliveryTime))
                {
                    ctx.Error(Errors.StreamXClaimTime);
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(opt, "retrycount"u8) && more > 0)
            {
                j++;
                if (!RespNumber.TryParseInt64(ctx.Arg(j), out retryCount))
                {
                    ctx.Error(Errors.StreamXClaimRetryCount);
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(opt, "lastid"u8) && more > 0)
            {
                j++;
                if (!ParseIdOrReply(ctx, ctx.Arg(j), 0, true, out lastId)) return;
            }
            else
            {
                ctx.Error(Errors.StreamXClaimOption(opt));
                return;
            }
        }
        bool propagateLastId = false;
        if (lastId > g.LastId)
        {
            g.LastId = lastId;
            propagateLastId = true;
        }
        if (deliveryTime != -1)
        {
            if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
        }
        else deliveryTime = now;
        StreamConsumer? consumer = null;
        var name = ctx.Arg(3);
        var replies = new List<(StreamId Id, StreamEntry Entry)>();
        for (int k = 0; k < ids.Count; k++)
        {
            var id = ids[k];
            var nack = g.Pel.Get(id);
            var entry = s!.Get(id);
            if (entry == null)
            {
                if (nack != null)
                {
                    PropagateXClaimArg(ctx, key, g, groupName, ctx.Arg(5 + k), nack);
                    propagateLastId = false;
                    ctx.Dirty++;
                    g.Pel.Remove(id);
                    nack.Consumer?.Pel.Remove(id);
                }
                continue;
            }
            if (force && nack == null)
            {
                nack = new StreamNack(id, null, now);
                g.Pel.TryAdd(nack);
            }
            if (nack == null) continue;
            if (nack.Consumer != null && minIdle != 0 && now - nack.DeliveryTime < minIdle) continue;
            consumer ??= LookupOrCreateConsumer(ctx, g, name, key, now, true, out _);
            if (nack.Consumer != consumer) nack.Consumer?.Pel.Remove(id);
            nack.DeliveryTime = deliveryTime;
            if (retryCount >= 0) nack.DeliveryCount = retryCount;
            else if (!justId) nack.DeliveryCount++;
            if (nack.Consumer != consumer)
            {
                consumer.Pel.TryAdd(nack);
                nack.Consumer = consumer;
            }
            replies.Add((id, entry));
            PropagateXClaimArg(ctx, key, g, groupName, ctx.Arg(5 + k), nack);
            propagateLastId = false;
            ctx.Dirty++;
        }
        if (propagateLastId)
        {
            PropagateGroupId(ctx, key, g, groupName);
            ctx.Dirty++;
        }
        ctx.Reply.ArrayHeader(replies.Count);
        foreach (var (id, e) in replies)
        {
            if (justId) ReplyId(ctx.Reply, id);
            else ReplyEntry(ctx.Reply, e);
        }
    }

    /// <summary>streamPropagateXCLAIM with the ID argument as the client wrote it.</summary>
    private static void PropagateXClaimArg(CommandContext ctx, ReadOnlySpan<byte> key, StreamGroup g, ReadOnlySpan<byte> groupName, ReadOnlySpan<byte> idArg, StreamNack nack)
    {
        var p = ctx.Propagation;
        p.Begin(14);
        p.Arg("XCLAIM"u8);
        p.Arg(key);
        p.Arg(groupName);
        p.Arg(nack.Consumer?.Name ?? []);
        p.Arg("0"u8);
        p.Arg(idArg);
        p.Arg("TIME"u8);
        p.Arg(nack.DeliveryTime);
        p.Arg("RETRYCOUNT"u8);
        p.Arg(nack.DeliveryCount);
        p.Arg("FORCE"u8);
        p.Arg("JUSTID"u8);
        p.Arg("LASTID"u8);
        PropId(ctx, g.LastId);
    }

    // XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
    private static void XAutoClaim(CommandContext ctx)
    {
        ctx.KeepWatches = true; // no signalModifiedKey in Redis for this write
        var key = ctx.Arg(1);
        var groupName = ctx.Arg(2);
        if (!RespNumber.TryParseInt64(ctx.Arg(4), out long minIdle))
        {
            ctx.Error(Errors.StreamXAutoClaimMinIdle);
            return;
        }
        if (minIdle < 0) minIdle = 0;
        if (!ParseIntervalOrReply(ctx, ctx.Arg(5), 0, out var startId, out bool startEx)) return;
        if (startEx && !startId.TryIncrement(out startId))
        {
            ctx.Error(Errors.StreamInvalidStart);
            return;
        }
        long count = 100;
        bool justId = false;
        for (int j = 6; j < ctx.ArgCount; j++)
        {
            int more = ctx.ArgCount - 1 - j;
            var opt = ctx.Arg(j);
            if (Ascii.EqualsIgnoreCase(opt, "count"u8) && more > 0)
            {
                long maxCount = long.MaxValue / 16;
                if (!RespNumber.TryParseInt64(ctx.Arg(j + 1), out count) || count < 1 || count > maxCount)
                {
                    ctx.Error(Errors.CountMustBePositive);
                    return;
                }
                j++;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "justid"u8)) justId = true;
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (!Read(ctx, key, out var s)) return;
        var g = s?.Group(groupName);
        if (g == null)
        {
            ctx.Error(Errors.StreamNoGroupKey(key, groupName));
            return;
        }
        StreamConsumer? consumer = null;
        long attempts = count * 10;
        long now = Clock.UnixMs();
        var name = ctx.Arg(3);
        var claimed = new List<(StreamId Id, StreamEntry Entry)>();
        var deletedIds = new List<StreamId>();
        var cursor = startId;
        bool eof = false;
        int idx = g.Pel.LowerBound(cursor);
        while (true)
        {
            if (attempts-- == 0 || count == 0) break;
            if (idx >= g.Pel.Count)
            {
                eof = true;
                break;
            }
            var nack = g.Pel.Items[idx];
            var id = nack.Id;
            var entry = s!.Get(id);
            if (entry == null)
            {
                PropagateXClaim(ctx, key, g, groupName, id, nack);
                ctx.Dirty++;
                g.Pel.Items.RemoveAt(idx);
                nack.Consumer?.Pel.Remove(id);
                deletedIds.Add(id);
                count--;
                continue;
            }
            idx++;
            if (minIdle != 0 && now - nack.DeliveryTime < minIdle) continue;
            consumer ??= LookupOrCreateConsumer(ctx, g, name, key, now, true, out _);
            if (nack.Consumer != consumer) nack.Consumer?.Pel.Remove(id);
            nack.DeliveryTime = now;
            if (!justId) nack.DeliveryCount++;
            if (nack.Consumer != consumer)
            {
                consumer.Pel.TryAdd(nack);
                nack.Consumer = consumer;
            }
            claimed.Add((id, entry));
            count--;
            PropagateXClaim(ctx, key, g, groupName, id, nack);
            ctx.Dirty++;
        }
        // The cursor: the PEL entry after the last one looked at, or 0-0 at the end.
        StreamId endId = !eof && idx < g.Pel.Count ? g.Pel.Items[idx].Id : StreamId.Min;
        var r = ctx.Reply;
        r.ArrayHeader(3);
        ReplyId(r, endId);
        r.ArrayHeader(claimed.Count);
        foreach (var (id, e) in claimed)
        {
            if (justId) ReplyId(r, id);
            else ReplyEntry(r, e);
        }
        r.ArrayHeader(deletedIds.Count);
        foreach (var id in deletedIds) ReplyId(r, id);
    }

    // ---- XINFO ------------------------------------------------------------------------------------------

    private static readonly string[] XInfoHelpLines =
    [
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
    ];

    private static void XInfoHelp(CommandContext ctx) => KeyFamily.Help(ctx, XInfoHelpLines);

    private static bool XInfoLookup(CommandContext ctx, out StreamValue s)
    {
        s = null!;
        var o = ctx.LookupRead(ctx.Arg(2));
        if (o == null)
        {
            ctx.Error(Errors.NoSuchKey);
            return false;
        }
        if (o is not StreamValue v)
        {
            ctx.Error(Errors.WrongType);
            return false;
        }
        s = v;
        return true;
    }

    // XINFO CONSUMERS key group
    private static void XInfoConsumers(CommandContext ctx)
    {
        if (!XInfoLookup(ctx, out var s)) return;
        var g = s.Group(ctx.Arg(3));
        if (g == null)
        {
            ctx.Error(Errors.StreamNoGroupForKey(ctx.Arg(3), ctx.Arg(2)));
            return;
        }
        var r = ctx.Reply;
        long now = Clock.UnixMs();
        r.ArrayHeader(g.Consumers.Count);
        foreach (var c in g.Consumers)
        {
            long idle = now - c.SeenTime;
            if (idle < 0) idle = 0;
            r.MapHeader(3);
            r.Bulk("name"u8);
            r.Bulk(c.Name);
            r.Bulk("pending"u8);
            r.Integer(c.Pel.Count);
            r.Bulk("idle"u8);
            r.Integer(idle);
        }
    }

    private static void ReplyLag(ReplyWriter r, StreamValue s, StreamGroup g)
    {
        long? lag = s.Lag(g);
        if (lag.HasValue) r.Integer(lag.Value);
        else r.Null();
    }

    private static void ReplyEntriesRead(ReplyWriter r, StreamGroup g)
    {
        if (g.EntriesRead != StreamGroup.InvalidEntriesRead) r.Integer(g.EntriesRead);
        else r.Null();
    }

    // XINFO GROUPS key
    private static void XInfoGroups(CommandContext ctx)
    {
        if (!XInfoLookup(ctx, out var s)) return;
        var r = ctx.Reply;
        var groups = s.Groups;
        if (groups == null)
        {
            r.EmptyArray();
            return;
        }
        r.ArrayHeader(groups.Count);
        foreach (var g in groups)
        {
            r.MapHeader(6);
            r.Bulk("name"u8);
            r.Bulk(g.Name);
            r.Bulk("consumers"u8);
            r.Integer(g.Consumers.Count);
            r.Bulk("pending"u8);
            r.Integer(g.Pel.Count);
            r.Bulk("last-delivered-id"u8);
            ReplyId(r, g.LastId);
            r.Bulk("entries-read"u8);
            ReplyEntriesRead(r, g);
            r.Bulk("lag"u8);
            ReplyLag(r, s, g);
        }
    }

    /// <summary>Node count of Redis's rax holding the nodes' master IDs as 16-byte big-endian keys.</summary>
    private static long RaxNodes(StreamValue s)
    {
        int n = s.Nodes.Count;
        if (n == 0) return 1;
        var keys = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            var k = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(k, s.Nodes[i].Master.Ms);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(k.AsSpan(8), s.Nodes[i].Master.Seq);
            keys[i] = k;
        }
        return RaxCount(keys, 0, n, 0);
    }

    private static long RaxCount(byte[][] keys, int lo, int hi, int depth)
    {
        if (hi - lo == 1 && depth == 16) return 1;
        int l = depth;
        var a = keys[lo];
        var b = keys[hi - 1];
        while (l < 16 && a[l] == b[l]) l++;
        if (l > depth) return 1 + RaxCount(keys, lo, hi, l);
        long total = 1;
        int i = lo;
        while (i < hi)
        {
            int j = i + 1;
            while (j < hi && keys[j][depth] == keys[i][depth]) j++;
            total += RaxCount(keys, i, j, depth + 1);
            i = j;
        }
        return total;
    }

    private static void ReplyRawEdge(ReplyWriter r, StreamValue s, bool last)
    {
        foreach (var e in s.Range(StreamId.Min, StreamId.Max, last))
        {
            ReplyEntry(r, e);
            return;
        }
        r.Null();
    }

    // XINFO STREAM key [FULL [COUNT count]]
    private static void XInfoStream(CommandContext ctx)
    {
        // Redis looks the key up before parsing the options.
        if (!XInfoLookup(ctx, out var s)) return;
        bool full = true;
        long count = 10;
        int optc = ctx.ArgCount - 3;
        if (optc == 0) full = false;
        else
        {
            if ((optc != 1 && optc != 3) || !Ascii.EqualsIgnoreCase(ctx.Arg(3), "full"u8))
            {
                SubcommandSyntax(ctx);
                return;
            }
            if (optc == 3)
            {
                if (!Ascii.EqualsIgnoreCase(ctx.Arg(4), "count"u8))
                {
                    SubcommandSyntax(ctx);
                    return;
                }
                if (!RespNumber.TryParseInt64(ctx.Arg(5), out count))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (count < 0) count = 10;
            }
        }
        var r = ctx.Reply;
        r.MapHeader(full ? 9 : 10);
        r.Bulk("length"u8);
        r.Integer(s.Length);
        r.Bulk("radix-tree-keys"u8);
        r.Integer(s.Nodes.Count);
        r.Bulk("radix-tree-nodes"u8);
        r.Integer(RaxNodes(s));
        r.Bulk("last-generated-id"u8);
        ReplyId(r, s.LastId);
        r.Bulk("max-deleted-entry-id"u8);
        ReplyId(r, s.MaxDeletedId);
        r.Bulk("entries-added"u8);
        r.Integer(s.EntriesAdded);
        r.Bulk("recorded-first-entry-id"u8);
        ReplyId(r, s.FirstId);
        if (!full)
        {
            r.Bulk("groups"u8);
            r.Integer(s.Groups?.Count ?? 0);
            r.Bulk("first-entry"u8);
            ReplyRawEdge(r, s, false);
            r.Bulk("last-entry"u8);
            ReplyRawEdge(r, s, true);
            return;
        }
        r.Bulk("entries"u8);
        ReplyRange(r, s, StreamId.Min, StreamId.Max, count, false);
        r.Bulk("groups"u8);
        var groups = s.Groups;
        if (groups == null)
        {
            r.EmptyArray();
            return;
        }
        r.ArrayHeader(groups.Count);
        foreach (var g in groups)
        {
            r.MapHeader(7);
            r.Bulk("name"u8);
            r.Bulk(g.Name);
            r.Bulk("last-delivered-id"u8);
            ReplyId(r, g.LastId);
            r.Bulk("entries-read"u8);
            ReplyEntriesRead(r, g);
            r.Bulk("lag"u8);
            ReplyLag(r, s, g);
            r.Bulk("pel-count"u8);
            r.Integer(g.Pel.Count);
            r.Bulk("pending"u8);
            int pn = count == 0 ? g.Pel.Count : (int)Math.Min(count, g.Pel.Count);
            r.ArrayHeader(pn);
            for (int i = 0; i < pn; i++)
            {
                var nack = g.Pel.Items[i];
                r.ArrayHeader(4);
                ReplyId(r, nack.Id);
                r.Bulk(nack.Consumer?.Name ?? []);
                r.Integer(nack.DeliveryTime);
                r.Integer(nack.DeliveryCount);
            }
            r.Bulk("consumers"u8);
            r.ArrayHeader(g.Consumers.Count);
            foreach (var c in g.Consumers)
            {
                r.MapHeader(4);
                r.Bulk("name"u8);
                r.Bulk(c.Name);
                r.Bulk("seen-time"u8);
                r.Integer(c.SeenTime);
                r.Bulk("pel-count"u8);
                r.Integer(c.Pel.Count);
                r.Bulk("pending"u8);
                int cn = count == 0 ? c.Pel.Count : (int)Math.Min(count, c.Pel.Count);
                r.ArrayHeader(cn);
                for (int i = 0; i < cn; i++)
                {
                    var nack = c.Pel.Items[i];
                    r.ArrayHeader(3);
                    ReplyId(r, nack.Id);
                    r.Integer(nack.DeliveryTime);
                    r.Integer(nack.DeliveryCount);
                }
            }
        }
    }

    public static void Register(CommandTable t)
    {
        t.Add("xadd", XAdd);
        t.Add("xlen", XLen);
        t.Add("xrange", XRange);
        t.Add("xrevrange", XRevRange);
        t.Add("xdel", XDel);
        t.Add("xtrim", XTrim);
        t.Add("xread", XRead, keys: XReadKeys);
        t.Add("xreadgroup", XReadGroup, keys: XReadKeys);
        t.Add("xgroup|create", XGroupCreate);
        t.Add("xgroup|setid", XGroupSetId);
        t.Add("xgroup|destroy", XGroupDestroy);
        t.Add("xgroup|createconsumer", XGroupCreateConsumer);
        t.Add("xgroup|delconsumer", XGroupDelConsumer);
        t.Add("xgroup|help", XGroupHelp);
        t.Add("xsetid", XSetId);
        t.Add("xack", XAck);
        t.Add("xpending", XPending);
        t.Add("xclaim", XClaim);
        t.Add("xautoclaim", XAutoClaim);
        t.Add("xinfo|stream", XInfoStream);
        t.Add("xinfo|groups", XInfoGroups);
        t.Add("xinfo|consumers", XInfoConsumers);
        t.Add("xinfo|help", XInfoHelp);
    }
}
