using Tern.Protocol;
using Tern.Server.Network;
using Tern.Server.Storage;

namespace Tern.Server.Commands;

/// <summary>
/// Everything a handler needs for one command: the arguments, the client, the keyspace, the reply writer and
/// the propagation buffer. One per connection, reused for every command (no allocation per command).
/// </summary>
public sealed class CommandContext
{
    public CommandContext(TernServer server, Client client, ReplyWriter reply)
    {
        Server = server;
        Keyspace = server.Keyspace;
        Client = client;
        Reply = reply;
    }

    public TernServer Server { get; }
    public Keyspace Keyspace { get; }
    public Client Client { get; }
    public ReplyWriter Reply { get; }

    public CommandArgs Args { get; internal set; } = null!;
    public CommandDef Command { get; internal set; } = null!;

    /// <summary>Unix ms at the start of the command (Redis caches the time per command too).</summary>
    public long Now { get; internal set; }

    /// <summary>Bit i set: argument i is a key this command wrote (see <see cref="Modified"/>).</summary>
    internal ulong ModifiedArgs;

    /// <summary>
    /// Declares that the key at argument <paramref name="argIndex"/> was written. Commands that read some keys and
    /// write others (SINTERSTORE, BITOP, SMOVE ...) call it so only written keys invalidate WATCHes and wake
    /// blocked clients, as Redis's signalModifiedKey; without any call every key argument counts as written.
    /// </summary>
    public void Modified(int argIndex)
    {
        if (argIndex < 64) ModifiedArgs |= 1UL << argIndex;
    }

    /// <summary>Propagate this command even though it changed no data (PUBLISH, an empty FLUSHDB), as Redis's
    /// forceCommandPropagation.</summary>
    public bool ForcePropagate { get; set; }

    /// <summary>
    /// This write does not invalidate WATCHes on its keys: Redis calls signalModifiedKey only for some writes
    /// (XACK, XCLAIM, XREADGROUP, XSETID and most of XGROUP change a stream without it).
    /// </summary>
    public bool KeepWatches { get; set; }

    /// <summary>Changes the command made (Redis's server.dirty delta); non-zero means propagate.</summary>
    public long Dirty { get; set; }

    /// <summary>The rewritten propagated form; empty means "propagate as received" when dirty.</summary>
    public PropagationBuffer Propagation { get; } = new();

    /// <summary>Error replies written by this command (for failed_calls and errorstats).</summary>
    public int ErrorReplies { get; internal set; }

    public int Db => Client.Db;

    /// <summary>MULTI/WATCH state of this client.</summary>
    public TransactionState Transaction { get; } = new();

    /// <summary>True while EXEC runs the queued commands: blocking commands must not block.</summary>
    public bool InExec { get; internal set; }

    /// <summary>During EXEC: the propagated block (MULTI and the writes so far) has been started.</summary>
    internal bool ExecPropagationOpen;

    /// <summary>During EXEC: the propagated MULTI ... block, handed to the sink whole when EXEC ends.</summary>
    internal PropagationBuffer? ExecBlock;

    /// <summary>Databases the EXEC block starts and (so far) ends in.</summary>
    internal int ExecFirstDb, ExecLastDb;

    /// <summary>Adds a propagated write to the EXEC block, opening it with MULTI and switching database with SELECT.</summary>
    internal void AddToExecBlock(ReadOnlySpan<byte> resp, int commands)
    {
        var b = ExecBlock ??= new PropagationBuffer();
        if (!ExecPropagationOpen)
        {
            b.Clear();
            b.Raw("*1\r\n$5\r\nMULTI\r\n"u8, 1);
            ExecFirstDb = ExecLastDb = Db;
            ExecPropagationOpen = true;
        }
        else if (Db != ExecLastDb)
        {
            b.Begin(2);
            b.Arg("SELECT"u8);
            b.Arg(Db);
            ExecLastDb = Db;
        }
        b.Raw(resp, commands);
    }

    /// <summary>Blocking commands answer at once instead of blocking (inside MULTI/EXEC, scripts).</summary>
    public bool DenyBlocking => InExec;

    /// <summary>True while a blocked command is run again because one of its keys was written.</summary>
    public bool RetryingBlocked { get; internal set; }

    /// <summary>
    /// While <see cref="RetryingBlocked"/>: the written key that woke the waiter. Redis serves a waiter from the key
    /// that became ready (not from the first of its keys that has data), and leaves it blocked when that key holds
    /// another type.
    /// </summary>
    public byte[]? ServingKey { get; internal set; }

    /// <summary>Set when a retried blocked command still found nothing (it keeps waiting).</summary>
    internal bool StillBlocked;

    /// <summary>Keys written by this command that have blocked waiters; served once the locks are released.</summary>
    internal readonly List<(int Db, byte[] Key)> ReadyKeys = [];

    /// <summary>
    /// Blocks the current command on the keys at <paramref name="keyArgs"/> until <paramref name="deadlineMs"/>
    /// (0 = forever). Handlers call this when they found nothing and <see cref="DenyBlocking"/> is false.
    /// </summary>
    public void Block(ReadOnlySpan<int> keyArgs, long deadlineMs, Blocking.TimeoutReply timeoutReply)
    {
        if (RetryingBlocked)
        {
            StillBlocked = true;
            return;
        }
        Server.Blocking.Block(this, keyArgs, deadlineMs, timeoutReply);
    }

    /// <summary>Called when the connection closes: releases WATCHes and Pub/Sub subscriptions.</summary>
    public void OnDisconnect()
    {
        Transaction.ClearQueue();
        Transaction.Unwatch(Keyspace);
        Server.PubSub.UnsubscribeAll(Client);
    }

    public int ArgCount => Args.Count;

    public ReadOnlySpan<byte> Arg(int i) => Args[i];

    /// <summary>Writes an error reply (Redis text, without '-').</summary>
    public void Error(ReadOnlySpan<byte> text)
    {
        Reply.Error(text);
        ErrorReplies++;
        Server.Stats.CountError(text);
    }

    public void Error(string text)
    {
        Reply.Error(text);
        ErrorReplies++;
        Server.Stats.CountError(System.Text.Encoding.Latin1.GetBytes(text));
    }

    /// <summary>The wrong-arity error for the current command.</summary>
    public void WrongArgs() => Error(Errors.WrongArgs(Command.FullName));

    public void SyntaxError() => Error(Errors.Syntax);

    /// <summary>
    /// Emits a keyspace notification for a change this command made, as Redis's notifyKeyspaceEvent:
    /// <paramref name="notifyClass"/> is a <see cref="Configuration.ServerConfig.Notify"/> class, <paramref name="evt"/>
    /// the event name Redis uses ("set", "lpush", "expire" ...). Costs one flag test when notifications are off.
    /// </summary>
    public void Notify(int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key)
    {
        int flags = Server.Config.NotifyKeyspaceEvents;
        if ((flags & notifyClass) == 0) return;
        Server.KeyspaceNotifier?.Publish(Db, notifyClass, evt, key, this);
    }

    /// <summary>Looks a key up for reading: lazy expiry, hit/miss statistics, LRU touch.</summary>
    public object? LookupRead(ReadOnlySpan<byte> key) =>
        Keyspace.LookupRead(Db, key, Now, touch: !Client.NoTouch);

    /// <summary>Looks a key up for writing: lazy expiry and LRU touch, no statistics.</summary>
    public object? LookupWrite(ReadOnlySpan<byte> key) =>
        Keyspace.LookupWrite(Db, key, Now, Client.IsPrimaryLink, touch: !Client.NoTouch);
}
