using Tern.Server.Commands;
using Tern.Server.Network;
using Tern.Server.Storage;

namespace Tern.Server.Blocking;

/// <summary>
/// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK ...). Each shard keeps its waiters in the order
/// they blocked. After a write releases its locks, the dispatcher hands the written keys that have waiters to
/// <see cref="ServeReady"/>, which runs the first waiter's command again in its own context (taking locks as any
/// command does); the waiter either gets its reply or keeps its place. Served in Redis's order: first blocked,
/// first served, whichever thread wrote. The connection side is the <see cref="BlockedWait"/> protocol.
/// </summary>
public sealed class BlockingCoordinator
{
    private readonly TernServer _server;

    public BlockingCoordinator(TernServer server) => _server = server;

    /// <summary>
    /// Blocks the current command of <paramref name="ctx"/> on <paramref name="keyArgs"/> (argument indexes). Call it
    /// from a handler that found nothing to serve; the dispatcher holds the keys' shard locks.
    /// </summary>
    public void Block(CommandContext ctx, ReadOnlySpan<int> keyArgs, long deadlineMs, TimeoutReply timeoutReply)
    {
        var keys = new (int, byte[])[keyArgs.Length];
        for (int i = 0; i < keyArgs.Length; i++) keys[i] = (ctx.Db, ctx.Args[keyArgs[i]].ToArray());
        var bc = new BlockedClient(this, ctx, ctx.Args.Clone(), ctx.Command, keys, deadlineMs, timeoutReply);
        foreach (var (db, key) in keys)
        {
            var shard = _server.Keyspace.ShardOf(key);
            (shard.Blocked ??= []).Add(new BlockedEntry(db, key, bc));
        }
        ctx.Client.Blocked = bc;
        if (deadlineMs > 0)
        {
            long due = Math.Max(0, deadlineMs - Clock.UnixMs());
            bc.Timer = new Timer(static s => ((BlockedClient)s!).TryComplete(UnblockReason.Timeout), bc, due, Timeout.Infinite);
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
                // Only the blocking lists change here: no snapshot hook.
                shard.EnterRead();
                try
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
                finally
                {
                    shard.Exit();
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
        // Being served right now: by this thread when the served command itself wrote a key it waits on (a list pop,
        // XREADGROUP) and the dispatcher serves that key's waiters again from inside, or by another writer. Either
        // way move on to the next waiter instead of finding this one again.
        if (was == BlockedClient.Serving) return false;
        if (was != BlockedClient.Waiting) return true;
        var ctx = bc.Context;
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
            Volatile.Write(ref bc.State, BlockedClient.Waiting);
            return false;
        }
        Leave(bc);
        Volatile.Write(ref bc.State, BlockedClient.Served);
        bc.Complete(UnblockReason.Served);
        return true;
    }

    /// <summary>
    /// Called by the blocked client's connection once it no longer touches its reply buffer. From here on
    /// writers may answer it; a write that came in meanwhile is served now.
    /// </summary>
    public void Park(BlockedClient bc)
    {
        if (Interlocked.CompareExchange(ref bc.State, BlockedClient.Waiting, BlockedClient.Parking) != BlockedClient.Parking) return;
        if (Interlocked.Exchange(ref bc.WakePending, 0) == 1) ServeReady([.. bc.Keys]);
    }

    /// <summary>
    /// Ends a wait from outside (timeout, CLIENT UNBLOCK, connection closed). Waits for a serving writer to finish
    /// first; false when the client was already answered.
    /// </summary>
    internal bool EndWait(BlockedClient bc, UnblockReason reason)
    {
        while (true)
        {
            int s = Volatile.Read(ref bc.State);
            if (s == BlockedClient.Served || s == BlockedClient.Finished) return false;
            if (s == BlockedClient.Serving || (s == BlockedClient.Parking && reason != UnblockReason.Closed))
            {
                // A writer is answering it, or its connection is still sending: both take microseconds.
                Thread.Sleep(0);
                continue;
            }
            if (Interlocked.CompareExchange(ref bc.State, BlockedClient.Finished, s) == s) break;
        }
        Leave(bc);
        return bc.Complete(reason);
    }

    private void Leave(BlockedClient bc)
    {
        bc.Timer?.Dispose();
        foreach (var (_, key) in bc.Keys)
        {
            var shard = _server.Keyspace.ShardOf(key);
            // Only the blocking lists change here: no snapshot hook.
            shard.EnterRead();
            try
            {
                var list = shard.Blocked;
                if (list == null) continue;
                list.RemoveAll(e => e.Client == bc);
                if (list.Count == 0) shard.Blocked = null;
            }
            finally
            {
                shard.Exit();
            }
        }
    }
}
