namespace Tern.Server.Storage;

/// <summary>
/// A slice of the keyspace with its own lock: every database's keys whose hash falls in this shard.
/// A key's shard does not depend on the database, so MOVE and COPY DB stay within one lock.
/// Statistics live here too and are updated under the lock, so counting costs no atomic operation.
/// </summary>
public sealed class Shard
{
    private Table?[] _dbs;

    public Shard(int databases)
    {
        _dbs = new Table?[databases];
        Index = -1;
    }

    public readonly Lock Lock = new();

    public int Index { get; internal set; }

    /// <summary>Slot of the active expiry cycle's cursor, per database.</summary>
    internal int[] ExpireCursor = [];

    public long Hits;
    public long Misses;
    public long ExpiredKeys;
    /// <summary>Writes since the last save (Redis's "dirty").</summary>
    public long Dirty;

    /// <summary>WATCHed keys of this shard (null while nobody watches; guarded by the shard lock).</summary>
    internal List<WatchEntry>? Watchers;

    /// <summary>Clients blocked on keys of this shard, in the order they blocked (shard lock).</summary>
    public List<Blocking.BlockedEntry>? Blocked;

    public int DatabaseCount => _dbs.Length;

    /// <summary>The table of database <paramref name="db"/>, created on first use.</summary>
    public Table Db(int db) => _dbs[db] ??= new Table();

    /// <summary>The table of database <paramref name="db"/> if it was ever used.</summary>
    public Table? DbIfExists(int db) => _dbs[db];

    /// <summary>SWAPDB within this shard (all shard locks held).</summary>
    internal void Swap(int a, int b) => (_dbs[a], _dbs[b]) = (_dbs[b], _dbs[a]);

    /// <summary>Empties one database (lock held).</summary>
    internal void Flush(int db) => _dbs[db] = null;
}
