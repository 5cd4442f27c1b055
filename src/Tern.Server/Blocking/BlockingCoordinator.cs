using Tern.Server.Commands;
using Tern.Server.Storage;

namespace Tern.Server.Blocking;

/// <summary>
/// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK ...). Each shard keeps its waiters in the order
/// they blocked. After a write releases its locks, the dispatcher hands the written keys that have waiters to
/// <see cref="ServeReady"/>, which runs the first waiter's command again in its own context (taking locks as any
/// command does); the waiter either gets its reply or keeps its place. Served in Redis's order: first blocked,
/// first served, whichever thread wrote.
/// </summary>
public sealed class BlockingCoordinator
{
    private readonly TernServer _server;
    private int _blockedCount;

    public BlockingCoordinator(TernServer server) => _server = server;

    /// <summary>Clients blocked right now (INFO clients blocked_clients).</summary>
    public int BlockedCount => Volatile.Read(ref _blockedCount);

    /// <summary>
    /// Blocks the current command of <paramref name="ctx"/> on <paramref name="keys"/> (argument indexes). Call it
    /// from a handler that found nothing to serve; the dispatcher holds the keys' shard locks. When the command is
    /// being retried for a waiter that is already blocked, nothing new is registered.
    /// </summary>
    public void Block(CommandContext ctx, ReadOnlySpan<int> keyArgs, long deadlineMs, TimeoutReply timeoutReply)
    {
        if (ctx.RetryingBlocked) return;
        var keys = new (int, byte[])[keyArgs.Length];
        for (int i = 0; i < keyArgs.Length; i++) keys[i] = (ctx.Db, ctx.Args[keyArgs[i]].ToArray());
        var bc = new BlockedClient(ctx, ctx.Args.Clone(), ctx.Command, keys, deadlineMs, timeoutReply);
        foreach (var (db, key) in keys)
        {
            var shard = _server.Keyspace.ShardOf(key);
            (shard.Blocked ??= []).Add(new BlockedEntry(db, key, bc));
        }
        Interlocked.Increment(ref _blockedCount);
        ctx.Blocked = bc;
        if (deadlineMs > 0)
        {
            long due = Math.Max(0, deadlineMs - Clock.UnixMs());
            bc.Timer = new Timer(static s => ((BlockingCoordinator)((object[])s!)[0]).Expire((BlockedClient)((object[])s!)[1]),
                new object[] { this, bc }, due, Timeout.Infinite);
        }
    }

    /// <summary>True when a write to (db, key) should wake someone (shard lock held).</summary>
    public static bool HasWaiters(Shard shard, int db, ReadOnlySpan<byte> key)
    {
        var list = shard.Blocked;
        if (list == null) return false;
        foreach (var e in list)
            if (e.Db == db && key.SequenceEqual(e.Key)) return true;
        return false;
    }

    /// <summary>Serves the waiters of keys that were written (no locks held by the caller).</summary>
    public void ServeReady(List<(int Db, byte[] Key)> ready)
    {
        for (int i = 0; i < ready.Count; i++)
        {
            var (db, key) = ready[i];
            var shard = _server.Keyspace.ShardOf(key);
            int skip = 0;
            while (true)
            {
                BlockedClient? next = null;
                lock (shard.Lock)
                {
                    var list = shard.Blocked;
                    if (list == null) break;
                    int seen = 0;
                    foreach (var e in list)
                    {
                        if (e.Db != db || !key.AsSpan().SequenceEqual(e.Key)) continue;
                        if (seen++ < skip) continue;
                        next = e.Client;
                        break;
                    }
                }
                if (next == null) break;
                if (!TryServe(next, key)) skip++;
            }
        }
    }

    /// <summary>
    /// Runs a waiter's command again for the written <paramref name="key"/>; true if it was answered (served, or
    /// finished meanwhile).
    /// </summary>
    private bool TryServe(BlockedClient bc, byte[] key)
    {
        int was = Interlocked.CompareExchange(ref bc.State, BlockedClient.Serving, BlockedClient.Waiting);
        if (was == BlockedClient.Parking)
        {
            // Its connection still owns the reply buffer: it serves itself once parked.
            Volatile.Write(ref bc.WakePending, 1);
            return false;
        }
        // Being served by this very thread: the waiter's own command wrote to a key it waits on (every list pop
        // does) and the dispatcher serves that key's waiters. Move on to the next waiter instead of finding this one
        // again forever. (Served by another thread: wait for it, as before.)
        if (was == BlockedClient.Serving && bc.ServingThread == Environment.CurrentManagedThreadId) return false;
        if (was != BlockedClient.Waiting) return true;
        bc.ServingThread = Environment.CurrentManagedThreadId;
        var ctx = bc.Context;
        var savedArgs = ctx.Args;
        int mark = ctx.Reply.Length;
        ctx.Args = bc.Args;
        ctx.RetryingBlocked = true;
        ctx.ServingKey = key;
        ctx.StillBlocked = false;
        try
        {
            _server.Dispatcher.Call(ctx, bc.Command);
        }
        finally
        {
            ctx.RetryingBlocked = false;
            ctx.ServingKey = null;
        }
        if (ctx.StillBlocked)
        {
            // Nothing for this waiter after all (another client took it): drop any partial output, keep its place.
            ctx.Reply.Truncate(mark);
            ctx.Args = savedArgs;
            Volatile.Write(ref bc.State, BlockedClient.Waiting);
            return false;
        }
        Finish(bc, BlockedClient.Served);
        return true;
    }

    /// <summary>
    /// Called by the blocked client's connection once it no longer touches its reply buffer. From here on
    /// writers may answer it; a write that came in meanwhile is served now.
    /// </summary>
    public void Park(BlockedClient bc)
    {
        if (Interlocked.CompareExchange(ref bc.State, BlockedClient.Waiting, BlockedClient.Parking) != BlockedClient.Parking) return;
        if (Interlocked.Exchange(ref bc.WakePending, 0) == 1)
        {
            var ready = new List<(int, byte[])>(bc.Keys);
            ServeReady(ready);
        }
    }

    private void Expire(BlockedClient bc)
    {
        while (true)
        {
            int s = Interlocked.CompareExchange(ref bc.State, BlockedClient.Finished, BlockedClient.Waiting);
            if (s == BlockedClient.Waiting) break;
            if (s != BlockedClient.Serving && s != BlockedClient.Parking) return;
            Thread.Sleep(0);
        }
        WriteTimeoutReply(bc);
        Finish(bc, BlockedClient.Finished);
    }

    private static void WriteTimeoutReply(BlockedClient bc)
    {
        if (bc.TimeoutReply == TimeoutReply.NullBulk) bc.Context.Reply.Null();
        else bc.Context.Reply.NullArray();
    }

    /// <summary>CLIENT UNBLOCK: answers the waiter as if it timed out, or with the UNBLOCKED error.</summary>
    public bool Unblock(CommandContext ctx, bool withError)
    {
        var bc = ctx.Blocked;
        if (bc == null) return false;
        while (true)
        {
            int s = Interlocked.CompareExchange(ref bc.State, BlockedClient.Finished, BlockedClient.Waiting);
            if (s == BlockedClient.Waiting) break;
            if (s != BlockedClient.Serving && s != BlockedClient.Parking) return false;
            Thread.Sleep(0);
        }
        if (withError) ctx.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
        else WriteTimeoutReply(bc);
        Finish(bc, BlockedClient.Finished);
        return true;
    }

    /// <summary>The connection closed while blocked.</summary>
    public void Cancel(CommandContext ctx)
    {
        var bc = ctx.Blocked;
        if (bc == null) return;
        while (true)
        {
            if (Interlocked.CompareExchange(ref bc.State, BlockedClient.Finished, BlockedClient.Parking) == BlockedClient.Parking) break;
            int s = Interlocked.CompareExchange(ref bc.State, BlockedClient.Finished, BlockedClient.Waiting);
            if (s == BlockedClient.Waiting) break;
            if (s != BlockedClient.Serving) return;
            Thread.SpinWait(20);
        }
        Finish(bc, BlockedClient.Finished);
    }

    private void Finish(BlockedClient bc, int state)
    {
        Volatile.Write(ref bc.State, state);
        bc.Timer?.Dispose();
        foreach (var (_, key) in bc.Keys)
        {
            var shard = _server.Keyspace.ShardOf(key);
            lock (shard.Lock)
            {
                var list = shard.Blocked;
                if (list == null) continue;
                list.RemoveAll(e => e.Client == bc);
                if (list.Count == 0) shard.Blocked = null;
            }
        }
        Interlocked.Decrement(ref _blockedCount);
        bc.Context.Blocked = null;
        bc.Done.TrySetResult();
    }
}
