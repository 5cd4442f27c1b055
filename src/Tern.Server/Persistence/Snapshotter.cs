using System.Collections.Concurrent;
using Tern.Rdb;
using Tern.Server.Commands;
using Tern.Server.Info;
using Tern.Server.Storage;

namespace Tern.Server.Persistence;

/// <summary>What a snapshot writes besides the keys, and how.</summary>
public sealed class SnapshotOptions
{
    /// <summary>The replication offset, evaluated under all shard locks at the cut (null: 0, no repl AUX).</summary>
    public Func<long>? OffsetAtCut;

    /// <summary>repl-id AUX; with <see cref="OffsetAtCut"/> the repl-stream-db/repl-id/repl-offset fields are written.</summary>
    public string? ReplId;

    public int ReplStreamDb;

    /// <summary>rdbcompression.</summary>
    public bool Compress = true;

    /// <summary>rdbchecksum: off writes 8 zero bytes, which loaders accept without checking.</summary>
    public bool Checksum = true;
}

/// <summary>How a snapshot went.</summary>
public sealed record SnapshotResult(bool Ok, string? Error, long Offset, long CutUnixMs, long Bytes, long Keys,
    long PeakExtraBytes);

/// <summary>
/// The forkless point-in-time snapshot (ARCHITECTURE.md "Snapshots and replication"). At the cut every shard
/// lock is taken, the replication offset is read, every shard is marked pending, and the locks are released:
/// clients go on at once. A writer thread then serializes the shards one at a time, each under its lock, into a
/// chunk (SELECTDB + keys, RDB without checksum) that it appends to the output. Before anyone changes a key of a
/// shard still pending (the <see cref="ISnapshotHook"/> that <see cref="Shard"/>'s Enter methods call), the
/// key's value as of the cut is serialized into the shard's side buffer and the key is marked done, so the
/// writer skips it later; a change of the whole shard (FLUSHALL, SWAPDB, a command over too many keys)
/// serializes the whole shard first. The file is therefore exactly the keyspace at the cut.
/// <para>
/// Extra memory: the chunk of the shard being written, the side buffers (values as of the cut of keys changed
/// since, not yet written: what a fork's copy-on-write would copy), and the done-key sets. Its peak is reported
/// (INFO rdb_last_cow_size).
/// </para>
/// </summary>
public sealed class Snapshotter : ISnapshotHook
{
    private sealed class ShardState
    {
        /// <summary>
        /// Per database, one bit per table slot: the slot held a key at the cut that is not written yet. Taken at
        /// the shard's first pre-write hook, when the shard is still exactly as at the cut (null until then: then
        /// every occupied slot is to be written). Slots never move in a <see cref="Table"/>, a key changed after
        /// the cut had its bit cleared when the hook wrote it, and a key created after the cut sits in a slot whose
        /// bit is clear (free at the cut, or past the bitmap), so the writer writes exactly the keys of the cut.
        /// </summary>
        public ulong[]?[]? AtCut;

        /// <summary>Values as of the cut of keys changed since, serialized by the hook, not yet queued.</summary>
        public MemoryStream? Side;
    }

    /// <summary>A side buffer this big is queued for the writer at once rather than held until its shard's turn.</summary>
    private const int SideFlushBytes = 32 * 1024;

    private readonly TernServer _server;
    private readonly Keyspace _keyspace;
    private readonly RdbWriterOptions _writerOptions;
    private readonly SnapshotOptions _options;
    private readonly ShardState[] _state;
    private readonly ConcurrentQueue<MemoryStream> _ready = new();
    private readonly bool _saveLru, _saveLfu;
    private long _extra, _peakExtra, _keys;
    private volatile string? _hookError;

    private Snapshotter(TernServer server, SnapshotOptions options)
    {
        _server = server;
        _keyspace = server.Keyspace;
        _options = options;
        var c = server.Config;
        _writerOptions = RdbOptions.Writer(c, options.Compress);
        // As rdbSaveKeyValuePair: IDLE under an LRU policy, FREQ under an LFU one, neither otherwise.
        _saveLru = c.MaxMemoryPolicy.EndsWith("-lru", StringComparison.Ordinal);
        _saveLfu = c.MaxMemoryPolicy.EndsWith("-lfu", StringComparison.Ordinal);
        _state = new ShardState[Keyspace.ShardCount];
        for (int i = 0; i < _state.Length; i++) _state[i] = new ShardState();
    }

    /// <summary>The replication offset at the cut.</summary>
    public long Offset { get; private set; }

    /// <summary>Unix ms of the cut (the "ctime" AUX).</summary>
    public long CutUnixMs { get; private set; }

    /// <summary>Keys serialized so far.</summary>
    public long KeysWritten => Interlocked.Read(ref _keys);

    /// <summary>Ends a snapshot that will not be written (its output could not be opened).</summary>
    public void Cancel()
    {
        Abort();
        Interlocked.CompareExchange(ref _server.Persistence.RunningSnapshot, null, this);
    }

    /// <summary>The most extra bytes held so far.</summary>
    public long PeakExtraBytes => Interlocked.Read(ref _peakExtra);

    /// <summary>Extra bytes held right now (chunks and side buffers not yet written).</summary>
    public long ExtraBytes => Interlocked.Read(ref _extra);

    /// <summary>
    /// Takes the cut: the dataset as it is now is what <see cref="WriteTo"/> will write, whatever clients do in
    /// between. Null when another snapshot of this server is still running (one at a time).
    /// </summary>
    public static Snapshotter? Begin(TernServer server, SnapshotOptions options)
    {
        var s = new Snapshotter(server, options);
        if (Interlocked.CompareExchange(ref server.Persistence.RunningSnapshot, s, null) != null) return null;
        var ks = server.Keyspace;
        ks.LockAllRead();
        try
        {
            s.Offset = options.OffsetAtCut?.Invoke() ?? 0;
            s.CutUnixMs = Clock.UnixMs();
            foreach (var shard in ks.Shards) shard.PendingSnapshot = s;
        }
        finally
        {
            ks.UnlockAll();
        }
        return s;
    }

    /// <summary>
    /// Writes the whole RDB (header, AUX fields, function libraries, every key as of the cut, EOF and CRC) to
    /// <paramref name="output"/>. Runs on the caller's thread; clients keep working meanwhile. Always ends the
    /// snapshot (also on failure), so the next one may begin.
    /// </summary>
    public SnapshotResult WriteTo(Stream output)
    {
        var chunk = new MemoryStream();
        try
        {
            using var w = new RdbWriter(output, _writerOptions, _options.Checksum);
            w.WriteHeader();
            w.WriteAux("redis-ver", CommandTable.RedisVersion);
            w.WriteAux("redis-bits", 64);
            w.WriteAux("ctime", CutUnixMs / 1000);
            w.WriteAux("used-mem", MemoryFigures.UsedNow());
            if (_options.OffsetAtCut != null)
            {
                w.WriteAux("repl-stream-db", _options.ReplStreamDb);
                w.WriteAux("repl-id", _options.ReplId ?? new string('0', 40));
                w.WriteAux("repl-offset", Offset);
            }
            w.WriteAux("aof-base", 0);
            foreach (var lua in _server.Persistence.LuaAux) w.WriteAux("lua"u8, lua);
            foreach (var lib in _server.Persistence.Functions) w.WriteFunction(lib);
            foreach (var shard in _keyspace.Shards)
            {
                // Once a shard is not pending it never is again for this snapshot: skip it without its lock (a
                // thread holding every lock, DEBUG RELOAD waiting for this save, then does not block us).
                if (!EnterIfPending(shard))
                {
                    Drain(w);
                    continue;
                }
                try
                {
                    if (shard.PendingSnapshot == this)
                    {
                        chunk.SetLength(0);
                        SerializeShard(shard, chunk);
                    }
                }
                finally
                {
                    shard.Exit();
                }
                if (chunk.Length > 0)
                {
                    Account(chunk.Capacity);
                    w.WriteRaw(chunk.GetBuffer().AsSpan(0, (int)chunk.Length));
                    Account(-chunk.Capacity);
                    chunk.SetLength(0);
                }
                Drain(w);
                if (_hookError != null) throw new IOException(_hookError);
            }
            Drain(w);
            if (_hookError != null) throw new IOException(_hookError);
            w.WriteEnd();
            return new SnapshotResult(true, null, Offset, CutUnixMs, w.BytesWritten, Interlocked.Read(ref _keys), Interlocked.Read(ref _peakExtra));
        }
        catch (Exception e)
        {
            Abort();
            return new SnapshotResult(false, e.Message, Offset, CutUnixMs, 0, Interlocked.Read(ref _keys), Interlocked.Read(ref _peakExtra));
        }
        finally
        {
            Abort();
            Interlocked.CompareExchange(ref _server.Persistence.RunningSnapshot, null, this);
        }
    }

    /// <summary>Stops the hooks: no shard stays pending (after an error, or at the end).</summary>
    private void Abort()
    {
        foreach (var shard in _keyspace.Shards)
        {
            if (!EnterIfPending(shard)) continue;
            try
            {
                if (shard.PendingSnapshot == this) shard.PendingSnapshot = null;
            }
            finally
            {
                shard.Exit();
            }
        }
        while (_ready.TryDequeue(out var m)) Account(-m.Capacity);
    }

    /// <summary>
    /// Takes the shard's lock if the shard is still pending. A thread that holds every lock (DEBUG RELOAD) may
    /// serialize the shard itself and then wait for this snapshot to end: so never block on the lock of a shard
    /// that stopped being pending meanwhile.
    /// </summary>
    private bool EnterIfPending(Shard shard)
    {
        while (Volatile.Read(ref shard.PendingSnapshot) == this)
        {
            if (!shard.TryEnterRead(5)) continue;
            if (shard.PendingSnapshot == this) return true;
            shard.Exit();
            return false;
        }
        return false;
    }

    /// <summary>Writes the chunks client threads serialized (whole shards before a shard-wide change).</summary>
    private void Drain(RdbWriter w)
    {
        while (_ready.TryDequeue(out var m))
        {
            w.WriteRaw(m.GetBuffer().AsSpan(0, (int)m.Length));
            Account(-m.Capacity);
        }
    }

    private void Account(long delta)
    {
        long now = Interlocked.Add(ref _extra, delta);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peakExtra)) && Interlocked.CompareExchange(ref _peakExtra, now, peak) != peak)
        {
        }
    }

    /// <summary>
    /// Serializes the shard as of the cut into <paramref name="into"/>: its side buffer, then every key not done
    /// yet, database by database; then the shard stops being pending. Lock held.
    /// </summary>
    private void SerializeShard(Shard shard, MemoryStream into)
    {
        var st = _state[shard.Index];
        if (st.Side != null)
        {
            Account(-st.Side.Capacity);
            st.Side.WriteTo(into);
            st.Side = null;
        }
        var atCut = st.AtCut;
        using (var w = new RdbWriter(into, _writerOptions, checksum: false))
        {
            for (int db = 0; db < shard.DatabaseCount; db++)
            {
                var table = shard.DbIfExists(db);
                if (table == null || table.Count == 0) continue;
                ulong[]? bits = atCut?[db];
                if (atCut != null && bits == null) continue;
                bool selected = false;
                for (int i = 0; i < table.SlotCount; i++)
                {
                    if (bits != null && (i >> 6 >= bits.Length || (bits[i >> 6] & (1UL << i)) == 0)) continue;
                    var o = table.At(i);
                    if (o == null) continue;
                    if (!selected)
                    {
                        w.WriteSelectDb(db);
                        selected = true;
                    }
                    WriteKey(w, o);
                }
            }
            w.Flush();
        }
        if (atCut != null)
            foreach (var b in atCut)
                if (b != null) Account(-(long)b.Length * 8);
        st.AtCut = null;
        shard.PendingSnapshot = null;
    }

    private void WriteKey(RdbWriter w, object o)
    {
        long exp = Entry.ExpireAt(o);
        long expire = exp == 0 ? -1 : exp;
        long idle = -1;
        int freq = -1;
        if (_saveLru) idle = LruClock.IdleSeconds(_keyspace.AccessClock(o));
        else if (_saveLfu) freq = (int)_keyspace.LfuCounter(_keyspace.AccessClock(o));
        if (o is byte[] a) w.WriteStringKey(PackedString.Key(a), PackedString.Value(a), expire, idle, freq);
        else w.WriteKey(Entry.Key(o), RdbValues.ToRdb(o), expire, idle, freq);
        Interlocked.Increment(ref _keys);
    }

    void ISnapshotHook.BeforeShardChange(Shard shard)
    {
        try
        {
            var m = new MemoryStream();
            SerializeShard(shard, m);
            Account(m.Capacity);
            _ready.Enqueue(m);
        }
        catch (Exception e)
        {
            Fail(shard, e);
        }
    }

    void ISnapshotHook.BeforeKeyChange(Shard shard, ReadOnlySpan<byte> key)
    {
        try
        {
            var st = _state[shard.Index];
            var atCut = st.AtCut ??= Capture(shard);
            uint hash = (uint)Keyspace.Hash(key);
            RdbWriter? w = null;
            long before = st.Side?.Capacity ?? 0;
            try
            {
                for (int db = 0; db < atCut.Length; db++)
                {
                    var bits = atCut[db];
                    if (bits == null) continue;
                    var table = shard.DbIfExists(db);
                    if (table == null) continue;
                    int slot = table.Find(key, hash);
                    if (slot < 0 || slot >> 6 >= bits.Length || (bits[slot >> 6] & (1UL << slot)) == 0) continue;
                    bits[slot >> 6] &= ~(1UL << slot);
                    w ??= new RdbWriter(st.Side ??= new MemoryStream(), _writerOptions, checksum: false);
                    w.WriteSelectDb(db);
                    WriteKey(w, table.Get(slot));
                }
                w?.Flush();
            }
            finally
            {
                w?.Dispose();
            }
            var side = st.Side;
            if (side == null) return;
            Account(side.Capacity - before);
            if (side.Length >= SideFlushBytes)
            {
                // Written out by the writer thread soon: the copies do not wait for the shard's turn.
                _ready.Enqueue(side);
                st.Side = null;
            }
        }
        catch (Exception e)
        {
            Fail(shard, e);
        }
    }

    /// <summary>Which slots hold keys now (the shard is still as at the cut: no hook has let a change through).</summary>
    private ulong[]?[] Capture(Shard shard)
    {
        var atCut = new ulong[]?[shard.DatabaseCount];
        long bytes = 0;
        for (int db = 0; db < atCut.Length; db++)
        {
            var table = shard.DbIfExists(db);
            if (table == null || table.Count == 0) continue;
            var bits = new ulong[(table.SlotCount + 63) >> 6];
            for (int i = 0; i < table.SlotCount; i++)
                if (table.At(i) != null) bits[i >> 6] |= 1UL << i;
            atCut[db] = bits;
            bytes += bits.Length * 8L;
        }
        Account(bytes);
        return atCut;
    }

    /// <summary>A hook failed (a bug): the snapshot fails rather than write a wrong file; the client goes on.</summary>
    private void Fail(Shard shard, Exception e)
    {
        _hookError ??= "snapshot serialization failed: " + e.Message;
        _server.Log.Warning($"Snapshot failed while serializing shard {shard.Index}: {e}");
        shard.PendingSnapshot = null;
    }
}
