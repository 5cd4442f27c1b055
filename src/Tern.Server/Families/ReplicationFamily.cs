using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Replication;

namespace Tern.Server.Families;

/// <summary>REPLICAOF / SLAVEOF and ROLE (replication.c replicaofCommand, roleCommand).</summary>
public static class ReplicationFamily
{
    // REPLICAOF host port | NO ONE
    private static void ReplicaOf(CommandContext ctx)
    {
        var repl = ctx.Server.Replication;
        var hostArg = ctx.Arg(1);
        var portArg = ctx.Arg(2);
        if (Ascii.EqualsIgnoreCase(hostArg, "no"u8) && Ascii.EqualsIgnoreCase(portArg, "one"u8))
        {
            if (repl.IsReplica)
            {
                repl.UnsetPrimary();
                ctx.Server.Log.Notice($"MASTER MODE enabled (user request from '{ctx.Client.InfoLine()}')");
            }
            ctx.Reply.Ok();
            return;
        }
        if (ctx.Client.IsReplica)
        {
            ctx.Error(Errors.ReplicaOfFromReplica);
            return;
        }
        if (!RespNumber.TryParseInt64(portArg, out long port) || port < 0 || port > 65535)
        {
            ctx.Error(Errors.InvalidMasterPort);
            return;
        }
        string host = Encoding.UTF8.GetString(hostArg);
        if (repl.Link is { } link && string.Equals(link.Host, host, StringComparison.OrdinalIgnoreCase) && link.Port == port)
        {
            ctx.Server.Log.Notice("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
            ctx.Reply.Raw("+OK Already connected to specified master\r\n"u8);
            return;
        }
        if (repl.IsSelf(host, (int)port))
        {
            ctx.Error(Errors.ReplicaOfSelf);
            return;
        }
        repl.SetPrimary(host, (int)port);
        ctx.Server.Log.Notice($"REPLICAOF {host}:{port} enabled (user request from '{ctx.Client.InfoLine()}')");
        ctx.Reply.Ok();
    }

    // WAIT numreplicas timeout
    private static void Wait(CommandContext ctx)
    {
        if (ctx.Server.Replication.IsReplica)
        {
            ctx.Error(Errors.WaitOnReplica);
            return;
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(1), out long numReplicas))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(2), out long timeout))
        {
            ctx.Error(Errors.TimeoutNotInteger);
            return;
        }
        if (timeout < 0)
        {
            ctx.Error(Errors.TimeoutNegative);
            return;
        }
        // The target is this client's own last write (a client that wrote nothing is answered at once).
        var repl = ctx.Server.Replication;
        long target = ctx.Client.WriteOffset;
        int acked = repl.CountAcked(target);
        if (acked >= numReplicas || ctx.InExec)
        {
            ctx.Reply.Integer(acked);
            return;
        }
        var wait = new ReplicaAckWait(repl, target, numReplicas, timeout);
        ctx.Client.Blocked = wait;
        repl.AddWaiter(wait);
    }

    /// <summary>A WAIT that blocks: served when enough replicas acked, or at its timeout; answers the count then.</summary>
    private sealed class ReplicaAckWait : ReplicationManager.AckWait
    {
        private readonly ReplicationManager _repl;
        private readonly Timer? _timer;

        public ReplicaAckWait(ReplicationManager repl, long target, long numReplicas, long timeoutMs)
        {
            _repl = repl;
            Target = target;
            NumReplicas = numReplicas;
            if (timeoutMs > 0) _timer = new Timer(static s => ((ReplicaAckWait)s!).TryComplete(Network.UnblockReason.Timeout), this, timeoutMs, Timeout.Infinite);
        }

        public override bool TryComplete(Network.UnblockReason reason)
        {
            bool done = base.TryComplete(reason);
            if (done)
            {
                _timer?.Dispose();
                _repl.RemoveWaiter(this);
            }
            return done;
        }

        protected override void Reply(CommandContext ctx, Network.UnblockReason reason) => ctx.Reply.Integer(_repl.CountAcked(Target));
    }

    // ROLE
    private static void Role(CommandContext ctx)
    {
        var r = ctx.Reply;
        var repl = ctx.Server.Replication;
        if (repl.Link is not { } link)
        {
            // Online replicas: ip, port and acked offset, the last two as bulk strings (roleCommand).
            var online = new List<ReplicaFeed>();
            foreach (var f in repl.Log.Feeds())
                if (f.State == FeedState.Online) online.Add(f);
            r.ArrayHeader(3);
            r.Bulk("master"u8);
            r.Integer(repl.Offset);
            r.ArrayHeader(online.Count);
            foreach (var f in online)
            {
                r.ArrayHeader(3);
                r.Bulk(Encoding.UTF8.GetBytes(f.Ip));
                r.Bulk(Encoding.ASCII.GetBytes(f.ListeningPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                r.Bulk(Encoding.ASCII.GetBytes(Interlocked.Read(ref f.AckOffset).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            return;
        }
        var info = link.Snapshot();
        r.ArrayHeader(5);
        r.Bulk("slave"u8);
        r.Bulk(Encoding.UTF8.GetBytes(link.Host));
        r.Integer(link.Port);
        r.Bulk(StateName(info.State));
        r.Integer(info.HasMasterClient ? info.AppliedOffset : -1);
    }

    /// <summary>The link state as ROLE names it.</summary>
    public static ReadOnlySpan<byte> StateName(LinkState s) => s switch
    {
        LinkState.None => "none"u8,
        LinkState.Connect => "connect"u8,
        LinkState.Connecting => "connecting"u8,
        LinkState.Handshake => "handshake"u8,
        LinkState.Transfer => "sync"u8,
        LinkState.Connected => "connected"u8,
        _ => "unknown"u8,
    };

    public static void Register(CommandTable t)
    {
        t.Add("replicaof", ReplicaOf);
        t.Add("slaveof", ReplicaOf);
        t.Add("role", Role);
        t.Add("wait", Wait);
    }
}
