using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Network;

namespace Tern.Server.Blocking;

/// <summary>What a blocked command answers when its timeout passes.</summary>
public enum TimeoutReply : byte
{
    /// <summary>BLPOP, BRPOP, BZPOPMIN, BLMPOP, XREAD ...: *-1 in RESP2, _ in RESP3.</summary>
    NullArray,
    /// <summary>$-1 in RESP2, _ in RESP3. (Redis 7.0 times BLMOVE and BRPOPLPUSH out with a null array too.)</summary>
    NullBulk,
}

/// <summary>
/// A client waiting on keys. Its command (copied) is run again, in the client's own context, when one of its
/// keys is written; if it still finds nothing it keeps its place in line. It plugs into the connection's
/// <see cref="BlockedWait"/> protocol: the serving writer writes the reply, a timeout or CLIENT UNBLOCK lets the
/// connection write the null reply or the UNBLOCKED error.
/// </summary>
public sealed class BlockedClient : BlockedWait
{
    /// <summary>
    /// Parking: registered but the connection has not yet stopped using its reply buffer; Waiting: parked;
    /// Serving: a writer is running the command again; Served/Finished: answered.
    /// </summary>
    internal const int Waiting = 0, Served = 1, Finished = 2, Serving = 3, Parking = 4;
    internal int State = Parking;

    /// <summary>A key was written while the client was still parking: serve it once parked.</summary>
    internal int WakePending;

    private readonly BlockingCoordinator _coordinator;

    internal BlockedClient(BlockingCoordinator coordinator, CommandContext ctx, CommandArgs args, CommandDef command, (int Db, byte[] Key)[] keys, long deadlineMs, TimeoutReply timeoutReply)
    {
        _coordinator = coordinator;
        Context = ctx;
        Args = args;
        Command = command;
        Keys = keys;
        DeadlineMs = deadlineMs;
        TimeoutReply = timeoutReply;
    }

    public CommandContext Context { get; }
    public CommandArgs Args { get; }
    public CommandDef Command { get; }
    public (int Db, byte[] Key)[] Keys { get; }

    /// <summary>Unix ms when it times out; 0 waits forever.</summary>
    public long DeadlineMs { get; }

    public TimeoutReply TimeoutReply { get; }

    internal Timer? Timer;

    public override void OnParked() => _coordinator.Park(this);

    /// <summary>A timeout, CLIENT UNBLOCK or the connection closing: leave the wait lists first.</summary>
    public override bool TryComplete(UnblockReason reason) => _coordinator.EndWait(this, reason);

    internal bool Complete(UnblockReason reason) => CompleteCore(reason);

    /// <summary>Served: the serving writer already wrote the reply. Timed out: the null reply of the command.</summary>
    protected override void Reply(CommandContext ctx, UnblockReason reason)
    {
        if (reason != UnblockReason.Timeout) return;
        if (TimeoutReply == TimeoutReply.NullBulk) ctx.Reply.Null();
        else ctx.Reply.NullArray();
    }
}

/// <summary>One entry of a shard's wait list: a blocked client waiting on (db, key).</summary>
public readonly record struct BlockedEntry(int Db, byte[] Key, BlockedClient Client);
