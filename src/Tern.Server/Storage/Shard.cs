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

    /// <summary>
    /// The shard's lock. Take it only through <see cref="Enter()"/>, <see cref="EnterKey"/>, <see cref="EnterKeys"/>
    /// or <see cref="EnterRead"/> (never directly), so that a running snapshot sees every change before it happens.
    /// </summary>
    public readonly Lock Lock = new();

    /// <summary>
    /// The snapshot whose cut this shard has not been serialized for yet (null almost always). Set and cleared
    /// under the lock, read under the lock: one field read on the hot path.
    /// </summary>
    internal ISnapshotHook? PendingSnapshot;

    /// <summary>Locks the shard to change any of its keys: a pending snapshot first serializes the whole shard.</summary>
    public void Enter()
    {
        Lock.Enter();
        var p = PendingSnapshot;
        if (p != null) p.BeforeShardChange(this);
    }

    /// <summary>Locks the shard to access <paramref name="key"/> (in any database) only.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void EnterKey(ReadOnlySpan<byte> key)
    {
        Lock.Enter();
        var p = PendingSnapshot;
        if (p != null) p.BeforeKeyChange(this, key);
    }

    /// <summary>
    /// Locks the shard for a command whose keys are <paramref name="args"/> at <paramref name="positions"/>: a
    /// pending snapshot first serializes those of them that live in this shard.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void EnterKeys(Tern.Protocol.CommandArgs args, ReadOnlySpan<int> positions)
    {
        Lock.Enter();
        // The hot path: one field read, and no key is looked at, while no snapshot runs.
        var p = PendingSnapshot;
        if (p != null) BeforeKeys(p, args, positions);
    }

    private void BeforeKeys(ISnapshotHook p, Tern.Protocol.CommandArgs args, ReadOnlySpan<int> positions)
    {
        foreach (int pos in positions)
        {
            var key = args[pos];
            if (Keyspace.ShardIndex(Keyspace.Hash(key)) == Index) p.BeforeKeyChange(this, key);
        }
    }

    /// <summary>
    /// Locks the shard without the snapshot hook: the caller reads keys, or changes only bookkeeping (WATCH and
    /// blocking lists, statistics). A key it then decides to change must go through <see cref="BeforeWrite"/>.
    /// </summary>
    public void EnterRead() => Lock.Enter();

    /// <summary><see cref="EnterRead"/> that gives up after <paramref name="milliseconds"/>.</summary>
    public bool TryEnterRead(int milliseconds) => Lock.TryEnter(milliseconds);

    public void Exit() => Lock.Exit();

    /// <summary>Lock held (via <see cref="EnterRead"/>): about to change <paramref name="key"/> after all.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void BeforeWrite(ReadOnlySpan<byte> key)
    {
        var p = PendingSnapshot;
        if (p != null) p.BeforeKeyChange(this, key);
    }

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

    /// <summary>Takes every table of <paramref name="other"/> (a staging shard filled by a load), leaving it empty.</summary>
    internal void TakeTables(Shard other)
    {
        _dbs = other._dbs;
        other._dbs = new Table?[_dbs.Length];
        Array.Clear(ExpireCursor);
    }

    /// <summary>Empties one database (lock held).</summary>
    internal void Flush(int db) => _dbs[db] = null;
}

/// <summary>
/// A point-in-time snapshot that has not yet serialized some shards (see Persistence/Snapshotter). Called with the
/// shard lock held, before the caller changes anything; must not throw.
/// </summary>
public interface ISnapshotHook
{
    /// <summary>Any key of the shard may change: serialize the whole shard now.</summary>
    void BeforeShardChange(Shard shard);

    /// <summary><paramref name="key"/> may change (in any database): serialize its values now unless done.</summary>
    void BeforeKeyChange(Shard shard, ReadOnlySpan<byte> key);
}
