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
        if (client.InMulti && (flags & CommandFlags.NoMulti) != 0)
        {
            Reject(ctx, cmd, Errors.NotAllowedInMulti);
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
        Call(ctx, cmd);
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
        _server.Stats.Local.Rejected[cmd.Id]++;
    }

    private void Reject(CommandContext ctx, CommandDef cmd, string error)
    {
        ctx.Error(error);
        _server.Stats.Local.Rejected[cmd.Id]++;
    }

    /// <summary>Runs a checked command: locks, handler, propagation, statistics.</summary>
    public void Call(CommandContext ctx, CommandDef cmd)
    {
        ctx.Command = cmd;
        ctx.Now = Clock.UnixMs();
        ctx.Dirty = 0;
        ctx.ErrorReplies = 0;
        ctx.Propagation.Clear();
        long start = Stopwatch.GetTimestamp();
        try
        {
            if (cmd.LocksAll) RunLockedAll(ctx, cmd);
            else if (cmd.HasKeys) RunLockedKeys(ctx, cmd);
            else
            {
                cmd.Handler!(ctx);
                if (ctx.Dirty != 0) Propagate(ctx);
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
    }

    private void RunLockedAll(CommandContext ctx, CommandDef cmd)
    {
        _keyspace.LockAll();
        try
        {
            cmd.Handler!(ctx);
            if (ctx.Dirty != 0) Propagate(ctx);
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
        Span<int> shards = stackalloc int[MaxKeyLocks];
        int n = CollectShards(cmd, args, shards);
        if (n < 0)
        {
            RunLockedAll(ctx, cmd);
            return;
        }
        var all = _keyspace.Shards;
        if (n == 1)
        {
            var lk = all[shards[0]].Lock;
            lk.Enter();
            try
            {
                cmd.Handler!(ctx);
                if (ctx.Dirty != 0) Propagate(ctx);
            }
            finally
            {
                lk.Exit();
            }
            return;
        }
        for (int i = 0; i < n; i++) all[shards[i]].Lock.Enter();
        try
        {
            cmd.Handler!(ctx);
            if (ctx.Dirty != 0) Propagate(ctx);
        }
        finally
        {
            for (int i = n - 1; i >= 0; i--) all[shards[i]].Lock.Exit();
        }
    }

    /// <summary>
    /// Sorted, distinct shard indexes of the command's keys; -1 when there are too many to lock one by one
    /// (then every shard is locked). 0 keys (an optional-keys command called without keys) locks nothing.
    /// </summary>
    private static int CollectShards(CommandDef cmd, Tern.Protocol.CommandArgs args, Span<int> shards)
    {
        int n = 0;
        if (cmd.KeyExtractor != null)
        {
            Span<int> pos = stackalloc int[MaxKeyLocks];
            int k = cmd.KeyExtractor(args, pos);
            if (k < 0) return 0;
            if (k > MaxKeyLocks) return -1;
            for (int i = 0; i < k; i++) n = AddShard(shards, n, Keyspace.ShardIndex(Keyspace.Hash(args[pos[i]])));
            return n;
        }
        int last = cmd.LastKey < 0 ? args.Count + cmd.LastKey : cmd.LastKey;
        if (last >= args.Count) last = args.Count - 1;
        int step = cmd.Step <= 0 ? 1 : cmd.Step;
        if ((last - cmd.FirstKey) / step + 1 > MaxKeyLocks) return -1;
        for (int i = cmd.FirstKey; i <= last; i += step)
            n = AddShard(shards, n, Keyspace.ShardIndex(Keyspace.Hash(args[i])));
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

    private void Propagate(CommandContext ctx)
    {
        var sink = _server.PropagationSink;
        if (sink == null) return;
        var p = ctx.Propagation;
        if (p.Commands == 0) p.Verbatim(ctx.Args);
        sink.Append(ctx.Db, p.Bytes, p.Commands);
    }
}
