using System.Diagnostics;
using System.Runtime.CompilerServices;
using Tern.Server.Storage;

namespace Tern.Server.Commands;

/// <summary>
/// Runs commands. Owns the generic checks, in Redis's processCommand order: existence, arity, protected
/// commands, authentication, transaction state, read-only replica, loading. Then it takes the shard locks of
/// the command's keys in ascending order, runs the handler, records the propagated form before the locks are
/// released, and counts statistics. Handlers assume valid arity.
/// </summary>
public sealed class Dispatcher
{
    private const int MaxKeyLocks = 64;
    private readonly TernServer _server;
    private readonly CommandTable _table;
    private readonly Keyspace _keyspace;

    public Dispatcher(TernServer server)
    {
        _server = server;
        _table = server.Commands;
        _keyspace = server.Keyspace;
    }

    /// <summary>Looks up, checks and runs the command in <c>ctx.Args</c>.</summary>
    public void Execute(CommandContext ctx)
    {
        var args = ctx.Args;
        var client = ctx.Client;
        client.LastInteractionMs = Clock.UnixMs();
        var cmd = _table.Find(args[0]);
        if (cmd == null)
        {
            ctx.Error(Errors.UnknownCommand(args));
            FlagTransaction(ctx);
            return;
        }
        if (cmd.IsContainer && !(args.Count == 1 && cmd.Handler != null))
        {
            if (args.Count < 2)
            {
                Reject(ctx, cmd, Errors.WrongArgs(cmd.FullName));
                return;
            }
            var sub = CommandTable.FindSub(cmd, args[1]);
            if (sub == null)
            {
                ctx.Error(Errors.UnknownSubcommand(args[1], args[0]));
                FlagTransaction(ctx);
                return;
            }
            cmd = sub;
        }
        ctx.Command = cmd;
        if ((cmd.Arity > 0 && cmd.Arity != args.Count) || args.Count < -cmd.Arity)
        {
            Reject(ctx, cmd, Errors.WrongArgs(cmd.FullName));
            return;
        }
        var flags = cmd.Flags;
        if ((flags & CommandFlags.Protected) != 0 && !_server.Config.AllowsProtected(cmd, client))
        {
            string which = cmd.FullName.StartsWith("debug", StringComparison.Ordinal) ? "DEBUG" : "MODULE";
            string opt = which == "DEBUG" ? "enable-debug-command" : "enable-module-command";
            Reject(ctx, cmd, $"ERR {which} command not allowed. If the {opt} option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");
            return;
        }
        if (!client.Authenticated && (flags & CommandFlags.NoAuth) == 0)
        {
            Reject(ctx, cmd, Errors.NoAuth);
            return;
        }
        if (ctx.Transaction.Active && (flags & CommandFlags.NoMulti) != 0)
        {
            Reject(ctx, cmd, Errors.NotAllowedInMulti);
            return;
        }
        // min-replicas-to-write: a primary without enough good replicas refuses writes (processCommand).
        if ((flags & CommandFlags.Write) != 0 && _server.Replication.DenyWrites && !client.IsPrimaryLink)
        {
            Reject(ctx, cmd, Errors.NoReplicas);
            return;
        }
        if ((flags & CommandFlags.Write) != 0 && _server.IsReadOnlyReplica && !client.IsPrimaryLink)
        {
            Reject(ctx, cmd, Errors.ReadOnlyReplica);
            return;
        }
        if (client.Protocol == 2 && client.IsSubscribed && !AllowedWhileSubscribed(cmd))
        {
            Reject(ctx, cmd, $"ERR Can't execute '{cmd.FullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
            return;
        }
        // replica-serve-stale-data no and the link with the primary is not up: only "stale" commands run (for EXEC,
        // every queued command must be one).
        if (_server.Replication.DenyStale && !client.IsPrimaryLink && DeniedWhenStale(ctx, cmd))
        {
            Reject(ctx, cmd, Errors.MasterDown);
            return;
        }
        // While a replica's full sync loads in the background, commands flagged no_async_loading are refused as in
        // Redis (the old data still serves everything else).
        if (_server.Replication.Loading && (flags & CommandFlags.NoAsyncLoading) != 0 && !client.IsPrimaryLink)
        {
            Reject(ctx, cmd, Errors.Loading);
            return;
        }
        if (_server.Loading && (flags & CommandFlags.Loading) == 0)
        {
            Reject(ctx, cmd, Errors.Loading);
            return;
        }
        // MONITOR clients (flagged as replicas in Redis) and replicas may not touch the keyspace, which would
        // escape CLIENT PAUSE (they are never paused).
        if ((client.IsMonitor | client.IsReplica) && (flags & (CommandFlags.Write | CommandFlags.ReadOnly | CommandFlags.MayReplicate)) != 0)
        {
            Reject(ctx, cmd, Errors.ReplicaKeyspace);
            return;
        }
        // CLIENT PAUSE, last of Redis's checks: the connection waits for the pause to end and runs the command
        // again through every check.
        var pause = _server.Clients.Pause;
        if (pause.Type != Network.PauseType.Off && pause.Postpones(cmd, client))
        {
            client.Blocked = Network.ClientPause.Postponed;
            return;
        }
        if (ctx.Transaction.Active && !RunsInsideMulti(cmd))
        {
            // Inside MULTI everything but the transaction-control commands is queued, checked but not run.
            ctx.Transaction.Queue.Add((args.Clone(), cmd));
            ctx.Reply.Raw("+QUEUED\r\n"u8);
            return;
        }
        Call(ctx, cmd);
    }

    private static bool DeniedWhenStale(CommandContext ctx, CommandDef cmd)
    {
        if ((cmd.Flags & CommandFlags.Stale) == 0) return true;
        if (cmd.FullName != "exec" || !ctx.Transaction.Active) return false;
        foreach (var (_, queued) in ctx.Transaction.Queue)
            if ((queued.Flags & CommandFlags.Stale) == 0) return true;
        return false;
    }

    private static bool RunsInsideMulti(CommandDef cmd) =>
        cmd.Parent == null && cmd.FullName is "exec" or "discard" or "multi" or "watch" or "quit" or "reset";

    /// <summary>An error while queueing makes EXEC fail with EXECABORT (Redis's flagTransaction).</summary>
    private static void FlagTransaction(CommandContext ctx)
    {
        if (ctx.Transaction.Active) ctx.Transaction.QueueError = true;
    }

    private static bool AllowedWhileSubscribed(CommandDef cmd)
    {
        var n = cmd.Parent?.FullName ?? cmd.FullName;
        return n is "ping" or "subscribe" or "ssubscribe" or "unsubscribe" or "sunsubscribe" or "psubscribe"
            or "punsubscribe" or "quit" or "reset";
    }

    private void Reject(CommandContext ctx, CommandDef cmd, ReadOnlySpan<byte> error)
    {
        ctx.Error(error);
        FlagTransaction(ctx);
        _server.Stats.Local.Rejected[cmd.Id]++;
    }

    private void Reject(CommandContext ctx, CommandDef cmd, string error)
    {
        ctx.Error(error);
        FlagTransaction(ctx);
        _server.Stats.Local.Rejected[cmd.Id]++;
    }

    /// <summary>Runs a checked command: locks, handler, propagation, statistics.</summary>
    public void Call(CommandContext ctx, CommandDef cmd)
    {
        ctx.Command = cmd;
        ctx.Now = Clock.UnixMs();
        ctx.Dirty = 0;
        ctx.ForcePropagate = false;
        ctx.KeepWatches = false;
        ctx.ModifiedArgs = 0;
        ctx.ErrorReplies = 0;
        ctx.Propagation.Clear();
        long start = Stopwatch.GetTimestamp();
        try
        {
            if (cmd.LocksAll) RunLockedAll(ctx, cmd);
            else if (cmd.LocksOwnKeys) cmd.Handler!(ctx);
            else if (cmd.HasKeys) RunLockedKeys(ctx, cmd);
            else
            {
                cmd.Handler!(ctx);
                if (ctx.Dirty != 0 || ctx.ForcePropagate) Propagate(ctx);
            }
        }
        catch (Exception e)
        {
            // A bug in a handler must not take the server down: report it to this client and in the log.
            _server.Log.Warning($"Command '{cmd.FullName}' failed: {e}");
            ctx.Error("ERR internal error: " + e.GetType().Name);
        }
        // After the command, as Redis's call(): SELECT shows its new database, AUTH its redacted arguments.
        _server.Monitors.Feed(ctx);
        long elapsed = Stopwatch.GetTimestamp() - start;
        long usec = elapsed * 1_000_000 / Stopwatch.Frequency;
        var local = _server.Stats.Local;
        local.Calls[cmd.Id]++;
        local.Usec[cmd.Id] += usec;
        local.Commands++;
        local.Dirty += ctx.Dirty;
        if (ctx.ErrorReplies > 0) local.Failed[cmd.Id]++;
        ctx.Client.LastCommand = cmd.FullName;
        _server.SlowLog.Consider(ctx, usec);
        _server.Metrics.CommandDone(cmd, usec);
        // Waiters on written keys are served after the locks are gone (and after the whole EXEC).
        if (ctx.ReadyKeys.Count > 0 && !ctx.InExec) ServeReady(ctx);
    }

    private void ServeReady(CommandContext ctx)
    {
        var ready = new List<(int, byte[])>(ctx.ReadyKeys);
        ctx.ReadyKeys.Clear();
        _server.Blocking.ServeReady(ready);
    }

    private void RunLockedAll(CommandContext ctx, CommandDef cmd)
    {
        _keyspace.LockAll();
        try
        {
            cmd.Handler!(ctx);
            if (ctx.Dirty != 0 || ctx.ForcePropagate) Propagate(ctx);
        }
        finally
        {
            _keyspace.UnlockAll();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RunLockedKeys(CommandContext ctx, CommandDef cmd)
    {
        var args = ctx.Args;
        Span<int> positions = stackalloc int[MaxKeyLocks];
        int keys = KeyPositions(cmd, args, positions);
        if (keys > MaxKeyLocks)
        {
            RunLockedAll(ctx, cmd);
            return;
        }
        positions = positions[..keys];
        Span<int> shards = stackalloc int[MaxKeyLocks];
        int n = 0;
        foreach (int p in positions) n = AddShard(shards, n, Keyspace.ShardIndex(Keyspace.Hash(args[p])));
        var all = _keyspace.Shards;
        if (n == 1)
        {
            var lk = all[shards[0]];
            lk.EnterKeys(args, positions);
            try
            {
                cmd.Handler!(ctx);
                if (ctx.Dirty != 0) AfterWrite(ctx, positions);
                else if (ctx.ForcePropagate) Propagate(ctx);
            }
            finally
            {
                lk.Exit();
            }
            return;
        }
        for (int i = 0; i < n; i++) all[shards[i]].EnterKeys(args, positions);
        try
        {
            cmd.Handler!(ctx);
            if (ctx.Dirty != 0) AfterWrite(ctx, positions);
                else if (ctx.ForcePropagate) Propagate(ctx);
        }
        finally
        {
            for (int i = n - 1; i >= 0; i--) all[shards[i]].Exit();
        }
    }

    /// <summary>A write changed data: invalidate WATCHes on its keys and record its propagated form.</summary>
    /// <summary>
    /// A write changed data: invalidate WATCHes on its keys, note keys with blocked waiters, and record its
    /// propagated form. The keys are those the handler declared with <see cref="CommandContext.Modified"/> (as
    /// Redis's signalModifiedKey: SINTERSTORE touches only its destination), else every key argument.
    /// </summary>
    private void AfterWrite(CommandContext ctx, ReadOnlySpan<int> keyPositions)
    {
        if (ctx.ModifiedArgs != 0)
        {
            foreach (int p in keyPositions)
                if (p < 64 && (ctx.ModifiedArgs & (1UL << p)) != 0) Signal(ctx, ctx.Args[p]);
        }
        else
        {
            foreach (int p in keyPositions) Signal(ctx, ctx.Args[p]);
        }
        Propagate(ctx);
    }

    private void Signal(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        var shard = _keyspace.ShardOf(key);
        if (shard.Watchers != null && !ctx.KeepWatches) _keyspace.Touch(ctx.Db, key);
        if (shard.Blocked != null && Blocking.BlockingCoordinator.HasWaiters(shard, ctx.Db, key))
            ctx.ReadyKeys.Add((ctx.Db, key.ToArray()));
    }

    /// <summary>
    /// Writes the argument indexes of the command's keys into <paramref name="positions"/> and returns how many
    /// there are; a count above the span's length means "too many to lock one by one" (nothing written).
    /// Malformed arguments for a movable-keys command give 0 (the handler reports the error).
    /// </summary>
    public static int KeyPositions(CommandDef cmd, Tern.Protocol.CommandArgs args, Span<int> positions)
    {
        if (cmd.KeyExtractor != null)
        {
            int k = cmd.KeyExtractor(args, positions);
            return k < 0 ? 0 : k;
        }
        if (cmd.FirstKey <= 0) return 0;
        int last = cmd.LastKey < 0 ? args.Count + cmd.LastKey : cmd.LastKey;
        if (last >= args.Count) last = args.Count - 1;
        int step = cmd.Step <= 0 ? 1 : cmd.Step;
        if (last < cmd.FirstKey) return 0;
        int count = (last - cmd.FirstKey) / step + 1;
        if (count > positions.Length) return count;
        int n = 0;
        for (int i = cmd.FirstKey; i <= last; i += step) positions[n++] = i;
        return n;
    }

    private static int AddShard(Span<int> shards, int n, int s)
    {
        // Insertion into a small sorted set.
        int i = n;
        while (i > 0 && shards[i - 1] > s) i--;
        if (i > 0 && shards[i - 1] == s) return n;
        for (int j = n; j > i; j--) shards[j] = shards[j - 1];
        shards[i] = s;
        return n + 1;
    }

    /// <summary>
    /// For <see cref="CommandDef.LocksOwnKeys"/> handlers: records the command's propagated form now, while the handler
    /// holds the shard locks of the keys it wrote (so writes to a key reach replicas in execution order).
    /// </summary>
    public void PropagateNow(CommandContext ctx) => Propagate(ctx);

    private void Propagate(CommandContext ctx)
    {
        var sink = _server.PropagationSink;
        if (sink == null) return;
        var p = ctx.Propagation;
        if (p.Commands == 0) p.Verbatim(ctx.Args);
        if (ctx.InExec)
        {
            // A transaction reaches replicas wrapped in MULTI ... EXEC, as Redis propagates it; EXEC hands the
            // whole block to the sink at its end, so writes of other clients cannot land inside it.
            ctx.AddToExecBlock(p.Bytes, p.Commands);
            return;
        }
        sink.Append(ctx.Db, p.Bytes, p.Commands);
    }
}
