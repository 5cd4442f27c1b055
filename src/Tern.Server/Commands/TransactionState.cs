using Tern.Protocol;
using Tern.Server.Storage;

namespace Tern.Server.Commands;

/// <summary>
/// One client's MULTI/WATCH state: the queued commands, whether queueing failed (EXEC then aborts with
/// EXECABORT), and whether a WATCHed key was touched (EXEC then answers a null array).
/// </summary>
public sealed class TransactionState : IKeyWatcher
{
    private volatile bool _watchTouched;

    public bool Active { get; internal set; }

    /// <summary>A command failed to queue (unknown, wrong arity, rejected): EXEC will answer EXECABORT.</summary>
    public bool QueueError { get; internal set; }

    public List<(CommandArgs Args, CommandDef Command)> Queue { get; } = [];

    /// <summary>Shards holding this client's WATCHed keys.</summary>
    public HashSet<int> WatchedShards { get; } = [];

    public bool WatchTouched => _watchTouched;

    public void OnWatchedKeyTouched() => _watchTouched = true;

    /// <summary>Forgets the queue (MULTI state ends).</summary>
    public void ClearQueue()
    {
        Active = false;
        QueueError = false;
        Queue.Clear();
    }

    /// <summary>Drops every WATCH (UNWATCH, EXEC, DISCARD, disconnect).</summary>
    public void Unwatch(Keyspace keyspace)
    {
        if (WatchedShards.Count > 0)
        {
            keyspace.UnwatchAll(this, WatchedShards);
            WatchedShards.Clear();
        }
        _watchTouched = false;
    }
}
