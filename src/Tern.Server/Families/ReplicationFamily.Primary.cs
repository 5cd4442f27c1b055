using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Replication;

namespace Tern.Server.Families;

/// <summary>
/// The commands replicas send to their primary (replication.c replconfCommand, syncCommand): REPLCONF, PSYNC and
/// SYNC. After PSYNC/SYNC the connection is a replica feed (<see cref="ReplicaFeed"/>).
/// </summary>
public static class ReplicationPrimaryFamily
{
    private static ReplicaFeed FeedOf(CommandContext ctx) =>
        ctx.Client.ReplicaFeed ??= new ReplicaFeed(ctx.Server, ctx.Client);

    // REPLCONF option value [option value ...]
    private static void ReplConf(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0)
        {
            ctx.SyntaxError();
            return;
        }
        for (int j = 1; j < ctx.ArgCount; j += 2)
        {
            var opt = ctx.Arg(j);
            var val = ctx.Arg(j + 1);
            if (Ascii.EqualsIgnoreCase(opt, "listening-port"u8))
            {
                if (!RespNumber.TryParseInt64(val, out long port))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                FeedOf(ctx).ListeningPort = (int)port;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "ip-address"u8))
            {
                // NET_HOST_STR_LEN is 256 including the terminator.
                if (val.Length >= 256)
                {
                    ctx.Error($"ERR REPLCONF ip-address provided by replica instance is too long: {val.Length} bytes");
                    return;
                }
                FeedOf(ctx).AnnouncedIp = Encoding.Latin1.GetString(val);
            }
            else if (Ascii.EqualsIgnoreCase(opt, "capa"u8))
            {
                // Unknown capabilities (e.g. Dragonfly's "capa dragonfly") are ignored.
                if (Ascii.EqualsIgnoreCase(val, "eof"u8)) FeedOf(ctx).CapaEof = true;
                else if (Ascii.EqualsIgnoreCase(val, "psync2"u8)) FeedOf(ctx).CapaPsync2 = true;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "ack"u8))
            {
                // From a replica only, and never answered.
                if (!ctx.Client.IsReplica || ctx.Client.ReplicaFeed is not { } feed) return;
                if (!RespNumber.TryParseInt64(val, out long off)) return;
                feed.Ack(off);
                return;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "getack"u8))
            {
                // Only a replica answers GETACK (on its primary link); a primary ignores it silently.
                return;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "rdb-only"u8))
            {
                if (!RespNumber.TryParseInt64(val, out long only) || only < 0 || only > 1)
                {
                    ctx.Error(RespNumber.TryParseInt64(val, out _) ? "ERR value is out of range, value must between 0 and 1"u8 : Errors.NotInteger);
                    return;
                }
                FeedOf(ctx).RdbOnly = only == 1;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "rdb-filter-only"u8))
            {
                // Only "functions" is a known filter: the RDB then carries the function libraries and no keys.
                var parts = Encoding.Latin1.GetString(val).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                bool functions = false;
                foreach (var p in parts)
                {
                    if (p.Equals("functions", StringComparison.OrdinalIgnoreCase)) functions = true;
                    else
                    {
                        ctx.Error($"ERR Unsupported rdb-filter-only option: {p}");
                        return;
                    }
                }
                var f = FeedOf(ctx);
                f.FilterData = true;
                f.FilterFunctions = !functions;
            }
            else
            {
                ctx.Error($"ERR Unrecognized REPLCONF option: {Encoding.Latin1.GetString(opt)}");
                return;
            }
        }
        ctx.Reply.Ok();
    }

    // PSYNC replicationid offset | SYNC
    private static void Sync(CommandContext ctx)
    {
        var client = ctx.Client;
        if (client.IsReplica) return;
        var server = ctx.Server;
        var repl = server.Replication;
        if (repl.Link is { } link && link.State != LinkState.Connected)
        {
            ctx.Error(Errors.NoMasterLink);
            return;
        }
        // Replies of earlier pipelined commands not yet written (Redis's clientHasPendingReplies).
        if (ctx.Reply.Length > 0)
        {
            ctx.Error(Errors.SyncPendingOutput);
            return;
        }
        var feed = FeedOf(ctx);
        if (feed.FilterData && !feed.CapaEof)
        {
            ctx.Error("ERR Filtered replica requires EOF capability"u8);
            return;
        }
        server.Log.Notice($"Replica {feed.Name} asks for synchronization");
        bool psync = Ascii.EqualsIgnoreCase(ctx.Arg(0), "psync"u8);
        if (psync)
        {
            if (!RespNumber.TryParseInt64(ctx.Arg(2), out long offset))
            {
                ctx.Error(Errors.NotInteger);
                server.Log.Warning($"Replica {feed.Name} asks for synchronization but with a wrong offset");
                return;
            }
            var replid = ctx.Arg(1);
            string reason = "";
            if (!feed.RdbOnly && !feed.FilterData && repl.Log.TryContinue(replid, offset, feed, feed.CapaPsync2, out reason))
            {
                client.IsReplica = true;
                feed.FullSync = false;
                feed.State = FeedState.Online;
                feed.AckTimeMs = Storage.Clock.UnixMs();
                Interlocked.Increment(ref repl.SyncPartialOk);
                server.Log.Notice($"Partial resynchronization request from {feed.Name} accepted. Sending {repl.Log.Offset + 1 - offset} bytes of backlog starting from offset {offset}.");
                return;
            }
            if (replid.Length != 1 || replid[0] != (byte)'?')
            {
                Interlocked.Increment(ref repl.SyncPartialErr);
                if (reason.Length > 0) server.Log.Notice($"Partial resynchronization not accepted: {reason}");
            }
            else
            {
                server.Log.Notice($"Full resync requested by replica {feed.Name}");
            }
        }
        else
        {
            feed.PrePsync = true;
        }
        Interlocked.Increment(ref repl.SyncFull);
        client.IsReplica = true;
        feed.FullSync = true;
        feed.State = FeedState.WaitBgsave;
        if (repl.Log.PrepareFullSync())
        {
            var st = repl.Log.Snapshot();
            server.Log.Notice($"Replication backlog created, my new replication IDs are '{st.ReplId}' and '{st.ReplId2}'");
            if (!repl.IsReplica && server.PropagationSink == null) server.PropagationSink = repl.Log;
        }
        // The feed's thread takes the snapshot cut, answers +FULLRESYNC and sends the RDB once the replies before
        // this command are written (the connection starts it).
    }

    public static void Register(CommandTable t)
    {
        t.Add("replconf", ReplConf);
        t.Add("psync", Sync);
        t.Add("sync", Sync);
    }
}
