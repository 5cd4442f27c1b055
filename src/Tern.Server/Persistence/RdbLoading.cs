using System.Diagnostics;
using System.Text;
using Tern.Rdb;
using Tern.Server.Storage;

namespace Tern.Server.Persistence;

/// <summary>What a load did: the reader's result (or the loader's own error), counts, AUX fields and the bytes read past the RDB.</summary>
public sealed record RdbLoadOutcome(RdbReadResult Result, long KeysLoaded, long KeysExpiredSkipped,
    IReadOnlyDictionary<string, byte[]> Aux, ReadOnlyMemory<byte> Unconsumed);

/// <summary>
/// Loads an RDB into the server: start-up load, DEBUG RELOAD, the replica's full sync. The file is read into a
/// staging keyspace; only when the whole read succeeded (checksum included) does it replace the live dataset,
/// under all shard locks, so a truncated or corrupt input leaves the live data untouched and the server serving.
/// </summary>
public static class RdbLoading
{
    /// <summary>
    /// Reads an RDB from <paramref name="input"/> into a staging keyspace; only when the whole read succeeded,
    /// replaces the live dataset (all databases, function libraries, lua aux) with it under all shard locks
    /// (WATCHed keys touched as FLUSHALL does). A failure leaves the live data untouched. <paramref name="asReplica"/>:
    /// keys already expired are kept (expiry belongs to the primary). <paramref name="totalBytes"/> (-1 unknown)
    /// and <paramref name="progress"/> (bytes read so far) feed INFO's loading_* fields and let the replica link
    /// send keep-alive newlines.
    /// </summary>
    public static RdbLoadOutcome LoadReplacing(TernServer server, Stream input, bool asReplica,
        long totalBytes = -1, Action<long>? progress = null) =>
        Load(server, input, asReplica, totalBytes, progress, merge: false, replaceExisting: false);

    /// <summary>
    /// DEBUG RELOAD NOFLUSH [MERGE]: adds the file's keys to the live dataset. A key that exists in both is
    /// replaced with <paramref name="replaceExisting"/> (MERGE), else the whole load is refused (Redis kills the
    /// server on such a duplicate; Tern keeps its data and says so). Nothing changes unless the read succeeded.
    /// </summary>
    public static RdbLoadOutcome LoadMerging(TernServer server, Stream input, bool replaceExisting, long totalBytes = -1) =>
        Load(server, input, asReplica: false, totalBytes, null, merge: true, replaceExisting);

    private static RdbLoadOutcome Load(TernServer server, Stream input, bool asReplica, long totalBytes,
        Action<long>? progress, bool merge, bool replaceExisting)
    {
        var state = server.Persistence;
        bool wasLoading = server.Loading;
        state.LoadingStartTime = Clock.UnixMs() / 1000;
        state.LoadingStartTicks = Stopwatch.GetTimestamp();
        state.LoadingTotalBytes = totalBytes < 0 ? 0 : totalBytes;
        state.LoadingLoadedBytes = 0;
        state.LoadingRdbUsedMem = 0;
        // A replica's full sync loads "asynchronously" (Redis's swapdb diskless load): the old dataset keeps serving
        // reads until the new one replaces it, so clients do not get -LOADING (INFO async_loading:1 instead).
        if (!asReplica) server.Loading = true;
        try
        {
            var staging = new Keyspace(server.Config.Databases) { Lfu = server.Keyspace.Lfu };
            var sink = new StagingSink(staging, server, asReplica, state);
            var counted = new ProgressStream(input, n =>
            {
                state.LoadingLoadedBytes = n;
                progress?.Invoke(n);
            });
            var reader = new RdbReader(counted, new RdbReaderOptions { Databases = server.Config.Databases });
            sink.Reader = reader;
            RdbReadResult result;
            try
            {
                result = reader.Read(sink);
            }
            finally
            {
                sink.Finish();
            }
            if (result.Ok && sink.Failure is { } failure) result = failure;
            if (!result.Ok)
            {
                server.Log.Warning($"Failed loading RDB: {Describe(result)}. The current dataset is kept.");
                return new RdbLoadOutcome(result, sink.Loaded, sink.Expired, sink.Aux, reader.Unconsumed);
            }
            if (!merge)
            {
                server.Keyspace.ReplaceAllFrom(staging);
                state.SetScripts(sink.Functions, sink.LuaAux);
            }
            else
            {
                var dup = server.Keyspace.MergeFrom(staging, replaceExisting);
                if (dup != null)
                {
                    var r = new RdbReadResult(false, $"duplicate key '{Printable(dup)}' in the RDB and in memory", reader.Position, 0, dup, -1);
                    server.Log.Warning($"Failed loading RDB: {r.Error}. The current dataset is kept.");
                    return new RdbLoadOutcome(r, sink.Loaded, sink.Expired, sink.Aux, reader.Unconsumed);
                }
                var libs = new List<byte[]>(state.Functions);
                libs.AddRange(sink.Functions);
                var lua = new List<byte[]>(state.LuaAux);
                lua.AddRange(sink.LuaAux);
                state.SetScripts(libs, lua);
            }
            state.LastLoadKeysLoaded = sink.Loaded;
            state.LastLoadKeysExpired = sink.Expired;
            if (sink.EmptySkipped > 0)
                server.Log.Notice($"Done loading RDB, keys loaded: {sink.Loaded}, keys expired: {sink.Expired}, empty keys skipped: {sink.EmptySkipped}.");
            else
                server.Log.Notice($"Done loading RDB, keys loaded: {sink.Loaded}, keys expired: {sink.Expired}.");
            return new RdbLoadOutcome(result, sink.Loaded, sink.Expired, sink.Aux, reader.Unconsumed);
        }
        finally
        {
            server.Loading = wasLoading;
        }
    }

    /// <summary>The error in one line, with offset, database, key and type when known.</summary>
    public static string Describe(RdbReadResult r) => r.Ok ? "ok" : r.Describe();

    /// <summary>
    /// Receives the reader's keys into the staging keyspace. Errors of its own (a duplicate key, a corrupt value
    /// the model carried) are kept in <see cref="Failure"/>; later keys are then ignored, and the load fails.
    /// </summary>
    private sealed class StagingSink : IRdbSink
    {
        private readonly long _now = Clock.UnixMs();
        private readonly Keyspace staging;
        private readonly TernServer server;
        private readonly bool asReplica;
        private readonly PersistenceState state;
        private int _db;

        // Reading and inserting overlap: the reader's thread parses, a second thread inserts the values into the
        // staging keyspace in file order (duplicate check, counts, the first failure). Building a key's value (the
        // bulk of the work, independent per key) is done by whichever thread has room: the reader builds a batch
        // when the queue is backing up (the inserting thread is the slower one), else leaves it to the inserting
        // thread; so the two threads stay about equally busy on two cores. Batches go through a bounded queue
        // (memory stays bounded).
        private const int BatchSize = 256;
        private readonly System.Collections.Concurrent.BlockingCollection<List<Prepared>>? _queue;
        private readonly Thread? _inserter;
        private List<Prepared> _batch = new(BatchSize);
        // Emptied batches come back for reuse, so that queueing allocates nothing per key.
        private readonly System.Collections.Concurrent.ConcurrentQueue<List<Prepared>> _spare = new();
        private volatile bool _failed;
        private bool _buildHere;
        private const int BuildHereDepth = 2;

        /// <summary>What the reader's thread made of one key: a value to insert, or why not.</summary>
        private enum Outcome : byte
        {
            Add,
            Expired,
            Empty,
            Module,
            Fail,

            /// <summary>Not built yet: the inserting thread builds it.</summary>
            Pending,
        }

        /// <summary>One key in a batch: <paramref name="Payload"/> is the built value for <see cref="Outcome.Add"/>,
        /// else the error text.</summary>
        private readonly record struct Prepared(Outcome Outcome, RdbKey Key, RdbValue Model, object? Payload, long Offset)
        {
            public int Db => Key.Db;
            public byte[] Name => Key.Name;
            public string? Error => Payload as string;
        }

        public StagingSink(Keyspace staging, TernServer server, bool asReplica, PersistenceState state)
        {
            this.staging = staging;
            this.server = server;
            this.asReplica = asReplica;
            this.state = state;
            if (Environment.ProcessorCount < 2) return;
            _queue = new(boundedCapacity: 16);
            _inserter = new Thread(InsertBatches) { IsBackground = true, Name = "tern-rdb-load" };
            _inserter.Start();
        }

        private void InsertBatches()
        {
            foreach (var batch in _queue!.GetConsumingEnumerable())
            {
                foreach (var p in batch)
                {
                    if (_failed) continue;
                    if (p.Outcome == Outcome.Pending) Insert(Prepare(p.Key, p.Model, p.Offset));
                    else Insert(p);
                }
                batch.Clear();
                _spare.Enqueue(batch);
            }
        }

        /// <summary>After the read: hands over the last batch and waits for the inserting thread.</summary>
        public void Finish()
        {
            if (_queue == null) return;
            if (_batch.Count > 0) _queue.Add(_batch);
            _batch = [];
            _queue.CompleteAdding();
            _inserter!.Join();
            _queue.Dispose();
        }

        public RdbReader? Reader;
        public RdbReadResult? Failure;
        public long Loaded, Expired, EmptySkipped, ModulesSkipped;
        public readonly Dictionary<string, byte[]> Aux = new(StringComparer.Ordinal);
        public readonly List<byte[]> Functions = [];
        public readonly List<byte[]> LuaAux = [];

        public void OnHeader(int version)
        {
        }

        public void OnAux(byte[] name, byte[] value)
        {
            string n = Encoding.UTF8.GetString(name);
            Aux[n] = value;
            if (n == "lua") LuaAux.Add(value);
            else if (n == "used-mem" && Tern.Protocol.RespNumber.TryParseInt64(value, out long m)) state.LoadingRdbUsedMem = m;
        }

        public void OnSelectDb(int db) => _db = db;

        public void OnResizeDb(ulong keys, ulong expires)
        {
        }

        public void OnFunction(byte[] librarySource) => Functions.Add(librarySource);

        public void OnKey(in RdbKey key, RdbValue value)
        {
            if (_failed) return;
            long offset = Reader?.Position ?? -1;
            if (_queue == null || _buildHere) Enqueue(Prepare(key, value, offset));
            else Enqueue(new Prepared(Outcome.Pending, key, value, null, offset));
        }

        private void Enqueue(in Prepared p)
        {
            if (_queue == null)
            {
                Insert(p);
                return;
            }
            _batch.Add(p);
            if (_batch.Count < BatchSize) return;
            _queue.Add(_batch);
            _batch = _spare.TryDequeue(out var spare) ? spare : new(BatchSize);
            _buildHere = _queue.Count >= BuildHereDepth;
        }

        /// <summary>Either thread: checks that need no keyspace, and builds the value. Touches no counter.</summary>
        private Prepared Prepare(in RdbKey key, RdbValue value, long offset)
        {
            int db = key.Db;
            if ((uint)db >= (uint)staging.Databases)
                return new(Outcome.Fail, key, value, $"database {db} out of range (databases {staging.Databases})", offset);
            long expireAt = 0;
            if (key.HasExpire)
            {
                // Tern's "no expiry" is 0: a file's expiry at or before the epoch is simply long past.
                expireAt = key.ExpireAtMs <= 0 ? 1 : key.ExpireAtMs;
                // As rdbLoad on a primary: a key already expired is not loaded (a replica keeps it for the
                // primary's DEL).
                if (!asReplica && expireAt < _now) return new(Outcome.Expired, key, value, null, offset);
            }
            uint lru = RdbValues.AccessClock(staging, key.IdleSeconds, key.Freq, _now);
            var o = RdbValues.FromRdb(key.Name, value, expireAt, lru, server.Config, out var status, out var error);
            if (o != null) return new(Outcome.Add, key, value, o, offset);
            var outcome = status switch
            {
                RdbConvertStatus.Empty => Outcome.Empty,
                RdbConvertStatus.Module => Outcome.Module,
                _ => Outcome.Fail,
            };
            return new(outcome, key, value, error ?? "invalid value", offset);
        }

        /// <summary>The inserting thread, in file order: the staging keyspace, the counts, the first failure.</summary>
        private void Insert(in Prepared p)
        {
            switch (p.Outcome)
            {
                case Outcome.Add:
                    // Redis panics on a duplicate ("Duplicated key"); Tern refuses the load and keeps serving.
                    if (!staging.TryAdd(p.Db, p.Payload!))
                    {
                        Fail("duplicate key", p);
                        return;
                    }
                    Loaded++;
                    return;
                case Outcome.Empty or Outcome.Module or Outcome.Fail when (uint)p.Db < (uint)staging.Databases
                                                                          && staging.Peek(p.Db, p.Name) != null:
                    // As before the value was looked at: a key seen twice is reported as such first.
                    Fail("duplicate key", p);
                    return;
                case Outcome.Expired:
                    Expired++;
                    return;
                case Outcome.Empty:
                    EmptySkipped++;
                    return;
                case Outcome.Module:
                    ModulesSkipped++;
                    if (ModulesSkipped == 1) server.Log.Warning($"Skipping keys holding module values (first: '{Printable(p.Name)}', {p.Error}).");
                    return;
                default:
                    Fail(p.Error!, p);
                    return;
            }
        }

        public void OnEnd(ulong checksum)
        {
        }

        private void Fail(string what, in Prepared p)
        {
            _failed = true;
            Failure = new RdbReadResult(false, $"{what} at offset {p.Offset} (db {p.Db}, key '{Printable(p.Name)}', {TypeName(p.Model)})",
                p.Offset, p.Db, p.Name, TypeOf(p.Model));
        }
    }

    private static string TypeName(RdbValue v) => v switch
    {
        RdbString => "string",
        RdbList => "list",
        RdbSet => "set",
        RdbZSet => "zset",
        RdbHash => "hash",
        RdbStream => "stream",
        RdbSkippedModule m => "module " + m.ModuleName,
        _ => v.GetType().Name,
    };

    private static int TypeOf(RdbValue v) => v switch
    {
        RdbString => RdbFormat.TypeString,
        RdbList => RdbFormat.TypeListQuicklist2,
        RdbSet => RdbFormat.TypeSet,
        RdbZSet => RdbFormat.TypeZSet2,
        RdbHash => RdbFormat.TypeHash,
        RdbStream => RdbFormat.TypeStreamListpacks2,
        _ => RdbFormat.TypeModule2,
    };

    /// <summary>A key for a log line: printable ASCII kept, other bytes as \xNN, long keys cut.</summary>
    public static string Printable(ReadOnlySpan<byte> key)
    {
        var sb = new StringBuilder();
        foreach (byte b in key[..Math.Min(key.Length, 128)])
        {
            if (b >= 32 && b < 127 && b != '\\') sb.Append((char)b);
            else sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        if (key.Length > 128) sb.Append("...");
        return sb.ToString();
    }
}

/// <summary>A read-only pass-through stream that reports how many bytes were read from it.</summary>
internal sealed class ProgressStream(Stream inner, Action<long> progress) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        if (n > 0)
        {
            _read += n;
            progress(_read);
        }
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
