using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Tern.Server.Storage;

/// <summary>
/// All databases, split into <see cref="ShardCount"/> shards by key hash. Callers hold the lock of the key's
/// shard (the dispatcher takes it) while calling the key operations here.
/// </summary>
public sealed class Keyspace
{
    /// <summary>Shards: a power of two, several per core so that parallel clients rarely meet on one lock.</summary>
    public const int ShardBits = 8;
    public const int ShardCount = 1 << ShardBits;

    private static readonly ulong Seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    private readonly Shard[] _shards;

    public Keyspace(int databases)
    {
        Databases = databases;
        _shards = new Shard[ShardCount];
        for (int i = 0; i < ShardCount; i++)
        {
            _shards[i] = new Shard(databases) { Index = i };
            _shards[i].ExpireCursor = new int[databases];
        }
    }

    public int Databases { get; }

    public IKeyspaceEvents? Events { get; set; }

    /// <summary>
    /// On a replica, expired keys are not deleted locally (the primary sends the DEL); normal clients just
    /// do not see them, while the primary's link does, as Redis's lookupKey behaves.
    /// </summary>
    public bool IsReplica { get; set; }

    public ReadOnlySpan<Shard> Shards => _shards;

    /// <summary>
    /// The access clock holds an LFU counter instead of an LRU time (an LFU maxmemory-policy is selected): the
    /// 24 bits are Redis's layout, 16 bits of minutes and an 8-bit logarithmic counter.
    /// </summary>
    public bool Lfu { get; set; }

    /// <summary>lfu-log-factor and lfu-decay-time, read by <see cref="Lfu"/> accounting.</summary>
    public long LfuLogFactor { get; set; } = 10;

    public long LfuDecayTime { get; set; } = 1;

    /// <summary>DEBUG SET-ACTIVE-EXPIRE: when false the background cycle leaves expired keys to lazy expiry.</summary>
    public bool ActiveExpireEnabled { get; set; } = true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key, (long)Seed);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ShardIndex(ulong hash) => (int)(hash >> (64 - ShardBits));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Shard ShardOf(ReadOnlySpan<byte> key) => _shards[ShardIndex(Hash(key))];

    /// <summary>
    /// Locks every shard in ascending order to change anything (FLUSHALL, SWAPDB, a command with too many keys);
    /// a running snapshot first serializes the shards it has not written yet.
    /// </summary>
    public void LockAll()
    {
        foreach (var s in _shards) s.Enter();
    }

    /// <summary>
    /// Locks every shard in ascending order without the snapshot hook: the caller only reads, or changes keys
    /// through commands that take their own key locks (EXEC), or is the snapshot's cut itself.
    /// </summary>
    public void LockAllRead()
    {
        foreach (var s in _shards) s.EnterRead();
    }

    public void UnlockAll()
    {
        for (int i = _shards.Length - 1; i >= 0; i--) _shards[i].Exit();
    }

    /// <summary>
    /// Replaces every database with those of <paramref name="staging"/> (a keyspace a load filled, left empty),
    /// under all shard locks. WATCHes on keys present before or after are touched, as Redis's swapdb-style load.
    /// </summary>
    public void ReplaceAllFrom(Keyspace staging)
    {
        LockAll();
        try
        {
            for (int i = 0; i < _shards.Length; i++)
            {
                var s = _shards[i];
                for (int db = 0; db < Databases; db++) TouchWatchersOfDb(s, db);
                s.TakeTables(staging._shards[i]);
                for (int db = 0; db < Databases; db++) TouchWatchersOfDb(s, db);
            }
        }
        finally
        {
            UnlockAll();
        }
    }

    /// <summary>
    /// Adds every key of <paramref name="staging"/> to this keyspace under all shard locks (DEBUG RELOAD NOFLUSH).
    /// A key present in both is replaced when <paramref name="replaceExisting"/>; otherwise nothing changes and
    /// that key's name is returned. Null when merged.
    /// </summary>
    public byte[]? MergeFrom(Keyspace staging, bool replaceExisting)
    {
        LockAll();
        try
        {
            if (!replaceExisting)
            {
                for (int i = 0; i < _shards.Length; i++)
                    for (int db = 0; db < Databases; db++)
                    {
                        var t = staging._shards[i].DbIfExists(db);
                        if (t == null) continue;
                        for (int slot = 0; slot < t.SlotCount; slot++)
                            if (t.At(slot) is { } o && Peek(db, Entry.Key(o)) != null) return Entry.Key(o).ToArray();
                    }
            }
            for (int i = 0; i < _shards.Length; i++)
                for (int db = 0; db < Databases; db++)
                {
                    var t = staging._shards[i].DbIfExists(db);
                    if (t == null) continue;
                    for (int slot = 0; slot < t.SlotCount; slot++)
                    {
                        if (t.At(slot) is not { } o) continue;
                        Touch(db, Entry.Key(o));
                        Set(db, o);
                    }
                }
            return null;
        }
        finally
        {
            UnlockAll();
        }
    }

    // ---- key operations (shard lock held) ----

    /// <summary>
    /// The live object under <paramref name="key"/>, or null. An expired key is deleted here (lazy expiry)
    /// unless this is a replica. <paramref name="primaryLink"/>: the caller applies the primary's stream and must
    /// see logically expired keys.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public object? Lookup(int db, ReadOnlySpan<byte> key, long now, bool primaryLink = false) =>
        Lookup(db, key, now, primaryLink, out _);

    private object? Lookup(int db, ReadOnlySpan<byte> key, long now, bool primaryLink, out Shard shard)
    {
        ulong h = Hash(key);
        shard = _shards[ShardIndex(h)];
        var table = shard.DbIfExists(db);
        if (table == null) return null;
        int slot = table.Find(key, (uint)h);
        if (slot < 0) return null;
        object o = table.Get(slot);
        long exp = Entry.ExpireAt(o);
        if (exp != 0 && exp <= now && !primaryLink)
        {
            if (IsReplica) return null;
            ExpireSlot(shard, table, db, slot);
            return null;
        }
        return o;
    }

    /// <summary>Like <see cref="Lookup"/> but counts keyspace hits and misses and updates the LRU clock.</summary>
    public object? LookupRead(int db, ReadOnlySpan<byte> key, long now, bool touch = true)
    {
        var o = Lookup(db, key, now, false, out var shard);
        if (o == null) shard.Misses++;
        else
        {
            shard.Hits++;
            if (touch) TouchAccess(o);
        }
        return o;
    }

    /// <summary>
    /// Looks a key up for writing: lazy expiry, no hit/miss statistics, but the access clock is updated, as
    /// Redis's lookupKeyWrite does (OBJECT IDLETIME after EXPIRE or APPEND reads 0).
    /// </summary>
    public object? LookupWrite(int db, ReadOnlySpan<byte> key, long now, bool primaryLink = false, bool touch = true)
    {
        var o = Lookup(db, key, now, primaryLink, out _);
        if (o != null && touch) TouchAccess(o);
        return o;
    }

    /// <summary>
    /// The object under <paramref name="key"/> even when logically expired, without side effects (DEBUG OBJECT
    /// and DEBUG DIGEST-VALUE look at the dictionary directly).
    /// </summary>
    public object? Peek(int db, ReadOnlySpan<byte> key)
    {
        ulong h = Hash(key);
        var table = _shards[ShardIndex(h)].DbIfExists(db);
        if (table == null) return null;
        int slot = table.Find(key, (uint)h);
        return slot < 0 ? null : table.Get(slot);
    }

    /// <summary>Records an access: the LRU time, or under an LFU policy Redis's updateLFU.</summary>
    public void TouchAccess(object o)
    {
        int shared = SharedInteger(o);
        uint clock;
        if (!Lfu) clock = LruClock.Now;
        else
        {
            uint counter = LfuCounter(shared >= 0 ? _sharedClock[shared] : Entry.Lru(o));
            if (counter < 255)
            {
                // LFULogIncr: the more hits a key has, the less likely one more counts.
                double baseval = counter > LfuInitVal ? counter - LfuInitVal : 0;
                if (Random.Shared.NextDouble() < 1.0 / (baseval * LfuLogFactor + 1)) counter++;
            }
            clock = (LfuMinutes() << 8) | counter;
        }
        // Written only when it changes: a popular small value would otherwise bounce this line between cores.
        if (shared >= 0 && _sharedClock[shared] != clock) _sharedClock[shared] = clock;
        Entry.Touch(o, clock);
    }

    /// <summary>Redis keeps the integers 0..SharedIntegers-1 as shared objects (OBJ_SHARED_INTEGERS).</summary>
    public const int SharedIntegers = 10000;

    /// <summary>
    /// The access clock of each shared integer object. In Redis every key holding, say, "5" points at one
    /// object, so OBJECT IDLETIME, OBJECT FREQ and DEBUG OBJECT read that object's clock, which any access to
    /// any of those keys updates, and which starts when the server starts.
    /// </summary>
    private readonly uint[] _sharedClock = new uint[SharedIntegers];

    /// <summary>
    /// False when maxmemory is set with an LRU or LFU policy: Redis then gives every value its own object so
    /// that eviction can tell keys apart.
    /// </summary>
    public bool ShareIntegers { get; set; } = true;

    /// <summary>Sets every shared integer's clock to "created now" (server start).</summary>
    public void ResetSharedClocks(long now) => Array.Fill(_sharedClock, NewAccessClock(now));

    /// <summary>The shared integer <paramref name="o"/> stands for (0..9999), or -1 when it has its own object.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SharedInteger(object o)
    {
        if (o is not byte[] a || !ShareIntegers || (a[0] & (PackedString.FlagRaw | PackedString.FlagUnshared)) != 0) return -1;
        return PackedString.SmallInteger(a, SharedIntegers);
    }

    /// <summary>The access clock that OBJECT IDLETIME/FREQ and DEBUG OBJECT read for <paramref name="o"/>.</summary>
    public uint AccessClock(object o)
    {
        int shared = SharedInteger(o);
        return shared >= 0 ? _sharedClock[shared] : Entry.Lru(o);
    }

    /// <summary>
    /// Applies an access hint (RESTORE IDLETIME/FREQ, the RDB's IDLE/FREQ opcodes) as Redis's objectSetLRUOrLFU:
    /// under an LFU policy a <paramref name="lfuFreq"/> &gt;= 0 becomes the counter; otherwise an
    /// <paramref name="lruIdleSeconds"/> &gt;= 0 sets the access time that many seconds before
    /// <paramref name="lruClock"/> (the LRU clock when the hint was read). The other hint is ignored. A shared integer
    /// gets the hint on its shared clock, as the shared object does in Redis. False when nothing was set.
    /// </summary>
    public bool SetLruOrLfu(object o, long lfuFreq, long lruIdleSeconds, uint lruClock)
    {
        if (!TryHintedClock(lfuFreq, lruIdleSeconds, lruClock, out uint clock)) return false;
        int shared = SharedInteger(o);
        if (shared >= 0) _sharedClock[shared] = clock;
        Entry.Touch(o, clock);
        return true;
    }

    /// <summary>
    /// The access clock an IDLE/FREQ hint (RESTORE, an RDB's IDLE and FREQ opcodes) gives under the current
    /// policy, as Redis's objectSetLRUOrLFU computes it; false when the hint does not apply to this policy.
    /// </summary>
    public bool TryHintedClock(long lfuFreq, long lruIdleSeconds, uint lruClock, out uint clock)
    {
        clock = 0;
        if (Lfu)
        {
            if (lfuFreq < 0) return false;
            clock = (LfuMinutes() << 8) | (uint)(lfuFreq & 255);
        }
        else if (lruIdleSeconds >= 0)
        {
            // Seconds scaled by the LRU resolution (1000 ms: a no-op), wrapping as the 24-bit clock does.
            long abs = lruClock - unchecked(lruIdleSeconds * 1000) / 1000;
            if (abs < 0) abs += LruClock.Max;
            clock = (uint)abs & LruClock.Max;
        }
        else return false;
        return true;
    }

    /// <summary>The access clock a new object starts with (Redis's createObject).</summary>
    public uint NewAccessClock(long now) =>
        Lfu ? (LfuMinutes() << 8) | LfuInitVal : (uint)(now / 1000) & LruClock.Max;

    /// <summary>Counter given to new objects under LFU, so a new key is not evicted at once.</summary>
    public const uint LfuInitVal = 5;

    private static uint LfuMinutes() => (uint)(Clock.UnixMs() / 60000) & 0xFFFF;

    /// <summary>The LFU counter after decay by elapsed periods (Redis's LFUDecrAndReturn, OBJECT FREQ).</summary>
    public uint LfuCounter(uint clock)
    {
        uint ldt = clock >> 8, counter = clock & 255;
        uint now = LfuMinutes();
        uint elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
        long periods = LfuDecayTime > 0 ? elapsed / LfuDecayTime : 0;
        if (periods > 0) counter = periods > counter ? 0 : counter - (uint)periods;
        return counter;
    }

    private void ExpireSlot(Shard shard, Table table, int db, int slot)
    {
        object o = table.Get(slot);
        var key = Entry.Key(o);
        // Lazy and active expiry delete keys that a pending snapshot may still have to write.
        shard.BeforeWrite(key);
        shard.ExpiredKeys++;
        if (shard.Watchers != null) TouchWatchers(shard, db, key);
        // The event handler propagates DEL before the slot is freed so it can still read the key bytes.
        Events?.OnExpired(db, key);
        table.RemoveAt(slot);
    }

    /// <summary>
    /// Stores a string value, reusing the existing array when the new one has the same size (so overwriting a
    /// value with one of equal length allocates nothing). <paramref name="keepTtl"/> keeps the current expiry.
    /// Returns the stored array.
    /// </summary>
    public byte[] SetString(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAt, bool keepTtl, long now, bool raw = false)
    {
        ulong h = Hash(key);
        var table = _shards[ShardIndex(h)].Db(db);
        int slot = table.Find(key, (uint)h);
        uint lru = NewAccessClock(now);
        if (slot >= 0)
        {
            object old = table.Get(slot);
            // Under LFU an overwrite keeps the key's counter (Redis's dbOverwrite), which lands in the shared
            // object when the new value is a shared integer.
            if (Lfu)
            {
                lru = AccessClock(old);
                if (ShareIntegers && !raw && PackedString.ParseSmallInteger(value, SharedIntegers) is var v && v >= 0) _sharedClock[v] = lru;
            }
            if (keepTtl)
            {
                expireAt = Entry.ExpireAt(old);
                if (expireAt != 0 && expireAt <= now && !IsReplica) expireAt = 0;
            }
            int size = PackedString.SizeFor(key.Length, value.Length, expireAt != 0);
            if (old is byte[] a && a.Length == size)
            {
                bool hadTtl = PackedString.ExpireAt(a) != 0;
                PackedString.Write(a, key, value, expireAt, lru, raw);
                if (hadTtl != (expireAt != 0)) table.ExpiresCount += expireAt != 0 ? 1 : -1;
                return a;
            }
            var n = PackedString.Create(key, value, expireAt, lru, raw);
            table.Replace(slot, n);
            return n;
        }
        var created = PackedString.Create(key, value, expireAt, lru, raw);
        table.Insert((uint)h, created);
        Events?.OnAdded(db, key);
        return created;
    }

    /// <summary>Sets or removes (0) the expiry of an existing live key; false if the key is absent.</summary>
    public bool SetExpire(int db, ReadOnlySpan<byte> key, long expireAt)
    {
        ulong h = Hash(key);
        var table = _shards[ShardIndex(h)].DbIfExists(db);
        if (table == null) return false;
        int slot = table.Find(key, (uint)h);
        if (slot < 0) return false;
        object o = table.Get(slot);
        long old = Entry.ExpireAt(o);
        if (o is byte[] a)
        {
            if (old != 0 && expireAt != 0) PackedString.SetExpireInPlace(a, expireAt);
            else if (old != expireAt) table.Replace(slot, PackedString.WithExpire(a, expireAt));
        }
        else
        {
            var so = (StoredObject)o;
            so.ExpireAt = expireAt;
            if ((old != 0) != (expireAt != 0)) table.ExpiresCount += expireAt != 0 ? 1 : -1;
        }
        return true;
    }

    /// <summary>Stores <paramref name="obj"/> (whose key is inside it), replacing any value.</summary>
    public void Set(int db, object obj)
    {
        var key = Entry.Key(obj);
        ulong h = Hash(key);
        var shard = _shards[ShardIndex(h)];
        var table = shard.Db(db);
        int slot = table.Find(key, (uint)h);
        if (slot >= 0) table.Replace(slot, obj);
        else
        {
            table.Insert((uint)h, obj);
            Events?.OnAdded(db, key);
        }
    }

    /// <summary>
    /// Adds an object unless its key is present (even logically expired); false then, nothing changed. One hash
    /// for both the check and the insert (the loader adds a million keys this way).
    /// </summary>
    public bool TryAdd(int db, object obj)
    {
        var key = Entry.Key(obj);
        ulong h = Hash(key);
        var table = _shards[ShardIndex(h)].Db(db);
        if (table.Find(key, (uint)h) >= 0) return false;
        table.Insert((uint)h, obj);
        Events?.OnAdded(db, key);
        return true;
    }

    /// <summary>Adds an object whose key is known to be absent.</summary>
    public void Add(int db, object obj)
    {
        var key = Entry.Key(obj);
        ulong h = Hash(key);
        _shards[ShardIndex(h)].Db(db).Insert((uint)h, obj);
        Events?.OnAdded(db, key);
    }

    /// <summary>Replaces the object under an existing key (same key bytes).</summary>
    public void Replace(int db, object obj)
    {
        var key = Entry.Key(obj);
        ulong h = Hash(key);
        var table = _shards[ShardIndex(h)].Db(db);
        int slot = table.Find(key, (uint)h);
        if (slot >= 0) table.Replace(slot, obj);
        else
        {
            table.Insert((uint)h, obj);
            Events?.OnAdded(db, key);
        }
    }

    /// <summary>Deletes a key (live or not yet reaped); true if it existed and was live.</summary>
    public bool Delete(int db, ReadOnlySpan<byte> key, long now)
    {
        ulong h = Hash(key);
        var table = _shards[ShardIndex(h)].DbIfExists(db);
        if (table == null) return false;
        int slot = table.Find(key, (uint)h);
        if (slot < 0) return false;
        long exp = Entry.ExpireAt(table.Get(slot));
        bool live = exp == 0 || exp > now || IsReplica;
        // A key past its TTL goes as an expiry (counted, DEL propagated), as Redis's expireIfNeeded before DEL.
        if (live) table.RemoveAt(slot);
        else ExpireSlot(_shards[ShardIndex(h)], table, db, slot);
        return live;
    }

    /// <summary>Number of keys in a database (approximate while writers run; no lock taken).</summary>
    public long DbSize(int db)
    {
        long n = 0;
        foreach (var s in _shards) n += s.DbIfExists(db)?.Count ?? 0;
        return n;
    }

    public long ExpiresCount(int db)
    {
        long n = 0;
        foreach (var s in _shards) n += s.DbIfExists(db)?.ExpiresCount ?? 0;
        return n;
    }

    /// <summary>FLUSHDB for one database (all locks held by the caller). Every WATCH on it is invalidated.</summary>
    public void FlushDb(int db)
    {
        foreach (var s in _shards)
        {
            TouchWatchersOfDb(s, db);
            s.Flush(db);
        }
    }

    /// <summary>SWAPDB (all locks held by the caller). WATCHes on both databases are invalidated.</summary>
    public void SwapDb(int a, int b)
    {
        foreach (var s in _shards)
        {
            TouchWatchersOfDb(s, a);
            TouchWatchersOfDb(s, b);
            s.Swap(a, b);
        }
    }

    // ---- WATCH (shard lock held) ----

    /// <summary>Registers a watch on a key (the key's shard lock is held).</summary>
    public void Watch(int db, ReadOnlySpan<byte> key, IKeyWatcher watcher)
    {
        var shard = ShardOf(key);
        var list = shard.Watchers ??= [];
        foreach (var w in list)
            if (w.Watcher == watcher && w.Db == db && key.SequenceEqual(w.Key)) return;
        list.Add(new WatchEntry(db, key.ToArray(), watcher));
    }

    /// <summary>Removes every watch of <paramref name="watcher"/> (takes each shard lock itself).</summary>
    public void UnwatchAll(IKeyWatcher watcher, IEnumerable<int> shardIndexes)
    {
        foreach (int i in shardIndexes)
        {
            var shard = _shards[i];
            shard.EnterRead();
            try
            {
                var list = shard.Watchers;
                if (list == null) continue;
                list.RemoveAll(w => w.Watcher == watcher);
                if (list.Count == 0) shard.Watchers = null;
            }
            finally
            {
                shard.Exit();
            }
        }
    }

    /// <summary>A write to <paramref name="key"/>: invalidates the WATCHes on it (shard lock held).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(int db, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        if (shard.Watchers != null) TouchWatchers(shard, db, key);
    }

    private static void TouchWatchers(Shard shard, int db, ReadOnlySpan<byte> key)
    {
        foreach (var w in shard.Watchers!)
            if (w.Db == db && key.SequenceEqual(w.Key)) w.Watcher.OnWatchedKeyTouched();
    }

    /// <summary>
    /// FLUSHDB/SWAPDB: invalidates the WATCHes on keys of <paramref name="db"/> that exist (as Redis's
    /// touchAllWatchedKeysInDb: a watched key that was absent stays untouched by a flush).
    /// </summary>
    private static void TouchWatchersOfDb(Shard shard, int db)
    {
        if (shard.Watchers == null) return;
        var table = shard.DbIfExists(db);
        foreach (var w in shard.Watchers)
        {
            if (w.Db != db) continue;
            if (table != null && table.Find(w.Key, (uint)Hash(w.Key)) >= 0) w.Watcher.OnWatchedKeyTouched();
        }
    }

    /// <summary>
    /// One step of active expiry: visits up to <paramref name="budget"/> slots per shard, deleting expired
    /// keys, so memory comes back without access. Returns keys expired.
    /// </summary>
    public long ActiveExpireCycle(int budget, long now)
    {
        if (IsReplica || !ActiveExpireEnabled) return 0;
        long expired = 0;
        foreach (var shard in _shards)
        {
            // Reading only; each expiry goes through ExpireSlot, which tells a pending snapshot first.
            shard.EnterRead();
            try
            {
                for (int db = 0; db < Databases; db++)
                {
                    var table = shard.DbIfExists(db);
                    if (table == null || table.ExpiresCount == 0) continue;
                    int cursor = shard.ExpireCursor[db];
                    int n = table.SlotCount;
                    if (cursor >= n) cursor = 0;
                    int visited = 0;
                    while (visited < budget && cursor < n)
                    {
                        var o = table.At(cursor);
                        if (o != null)
                        {
                            long exp = Entry.ExpireAt(o);
                            if (exp != 0 && exp <= now)
                            {
                                ExpireSlot(shard, table, db, cursor);
                                expired++;
                                if (table.SlotCount == 0) break;
                            }
                        }
                        cursor++;
                        visited++;
                    }
                    shard.ExpireCursor[db] = cursor >= table.SlotCount ? 0 : cursor;
                }
            }
            finally
            {
                shard.Exit();
            }
        }
        return expired;
    }
}
