using Tern.Server.Commands;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>MULTI EXEC DISCARD WATCH UNWATCH (multi.c). EXEC holds the locks of every shard its commands and
/// WATCHed keys touch for the whole run, so no client ever observes half of a transaction.</summary>
public static class TransactionFamily
{
    // MULTI
    private static void Multi(CommandContext ctx)
    {
        if (ctx.Transaction.Active)
        {
            ctx.Error("ERR MULTI calls can not be nested");
            return;
        }
        ctx.Transaction.Active = true;
        ctx.Client.InMulti = true;
        ctx.Reply.Ok();
    }

    // DISCARD
    private static void Discard(CommandContext ctx)
    {
        if (!ctx.Transaction.Active)
        {
            ctx.Error("ERR DISCARD without MULTI");
            return;
        }
        End(ctx);
        ctx.Reply.Ok();
    }

    private static void End(CommandContext ctx)
    {
        ctx.Transaction.ClearQueue();
        ctx.Transaction.Unwatch(ctx.Keyspace);
        ctx.Client.InMulti = false;
    }

    // WATCH key [key ...]
    private static void Watch(CommandContext ctx)
    {
        if (ctx.Transaction.Active)
        {
            ctx.Error("ERR WATCH inside MULTI is not allowed");
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            ctx.Keyspace.Watch(ctx.Db, key, ctx.Transaction);
            ctx.Transaction.WatchedShards.Add(Keyspace.ShardIndex(Keyspace.Hash(key)));
        }
        ctx.Reply.Ok();
    }

    // UNWATCH
    private static void Unwatch(CommandContext ctx)
    {
        ctx.Transaction.Unwatch(ctx.Keyspace);
        ctx.Reply.Ok();
    }

    // EXEC
    private static void Exec(CommandContext ctx)
    {
        var tx = ctx.Transaction;
        if (!tx.Active)
        {
            ctx.Error("ERR EXEC without MULTI");
            return;
        }
        if (tx.QueueError)
        {
            End(ctx);
            ctx.Error(Errors.ExecAbort);
            return;
        }
        var shards = LockSet(ctx, out bool all);
        var keyspace = ctx.Keyspace;
        var shardArray = keyspace.Shards;
        // Held for atomicity only: each queued command takes its own keys' locks again (re-entrantly) through the
        // dispatcher, which is where a running snapshot is told about the keys about to change.
        if (all) keyspace.LockAllRead();
        else foreach (int s in shards) shardArray[s].EnterRead();
        var execArgs = ctx.Args;
        var execCmd = ctx.Command;
        try
        {
            // The WATCH check happens under the locks: a writer touches watched keys under the same locks.
            if (tx.WatchTouched)
            {
                End(ctx);
                ctx.Reply.NullArray();
                return;
            }
            var queue = tx.Queue.ToArray();
            End(ctx);
            ctx.Reply.ArrayHeader(queue.Length);
            ctx.InExec = true;
            ctx.ExecPropagationOpen = false;
            foreach (var (args, cmd) in queue)
            {
                ctx.Args = args;
                ctx.Server.Dispatcher.Call(ctx, cmd);
            }
            if (ctx.ExecPropagationOpen)
                ctx.Server.PropagationSink?.Append(ctx.Db, "*1\r\n$4\r\nEXEC\r\n"u8, 1);
        }
        finally
        {
            ctx.InExec = false;
            ctx.ExecPropagationOpen = false;
            ctx.Args = execArgs;
            ctx.Command = execCmd;
            // The queued commands propagated themselves; EXEC itself must not be propagated again.
            ctx.Dirty = 0;
            ctx.ForcePropagate = false;
            ctx.ErrorReplies = 0;
            if (all) keyspace.UnlockAll();
            else
            {
                for (int i = shards.Count - 1; i >= 0; i--) shardArray[shards[i]].Exit();
            }
        }
    }

    /// <summary>Shards to hold during EXEC: those of every queued command's keys and of the WATCHed keys.</summary>
    private static List<int> LockSet(CommandContext ctx, out bool all)
    {
        all = false;
        var set = new SortedSet<int>(ctx.Transaction.WatchedShards);
        Span<int> positions = stackalloc int[64];
        foreach (var (args, cmd) in ctx.Transaction.Queue)
        {
            // A keyless command may walk the keyspace taking shard locks in its own order; with some locks held
            // that could deadlock, so any keyless command makes EXEC hold them all.
            if (cmd.LocksAll || !cmd.HasKeys)
            {
                all = true;
                break;
            }
            int n = Dispatcher.KeyPositions(cmd, args, positions);
            if (n > positions.Length)
            {
                all = true;
                break;
            }
            for (int i = 0; i < n; i++) set.Add(Keyspace.ShardIndex(Keyspace.Hash(args[positions[i]])));
        }
        return [.. set];
    }

    public static void Register(CommandTable t)
    {
        t.Add("multi", Multi);
        t.Add("exec", Exec);
        t.Add("discard", Discard);
        t.Add("watch", Watch);
        t.Add("unwatch", Unwatch);
    }
}
