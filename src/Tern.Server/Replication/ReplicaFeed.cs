using System.Net.Sockets;
using System.Text;
using Tern.Server.Network;

namespace Tern.Server.Replication;

/// <summary>The states INFO replication prints for a replica (Redis's SLAVE_STATE_*).</summary>
public enum FeedState : byte { WaitBgsave, SendBulk, Online }

/// <summary>
/// One replica attached to this server (a client after SYNC/PSYNC, Redis's CLIENT_SLAVE): its announced address,
/// ACKs and an output queue that the replication log fills with every byte of the stream (fan-out) and a sender
/// thread drains to the socket. The queue is bounded by client-output-buffer-limit replica: a replica that cannot
/// keep up is dropped and will full-sync again, as in Redis. Its connection keeps reading the replica's
/// REPLCONF ACKs; replies to the replica are dropped.
/// </summary>
public sealed class ReplicaFeed
{
    private readonly TernServer _server;
    private readonly object _lock = new();
    // Stream bytes not yet handed to the sender: appended by writers under _lock, taken whole by the sender, so a
    // burst of writes costs one socket send and one wake-up instead of one per command.
    private byte[] _pending = new byte[16 * 1024];
    private int _pendingLen;
    private byte[] _spare = new byte[16 * 1024];
    private long _queued;
    private long _softSinceMs;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private volatile bool _closed;
    private Socket? _socket;

    public ReplicaFeed(TernServer server, Client client)
    {
        _server = server;
        Client = client;
        AckTimeMs = Storage.Clock.UnixMs();
    }

    public Client Client { get; }

    /// <summary>REPLCONF listening-port (0 until announced) and ip-address (null: the connection's address).</summary>
    public int ListeningPort;
    public string? AnnouncedIp;
    public bool CapaEof;
    public bool CapaPsync2;

    /// <summary>REPLCONF rdb-only 1: the replica wants the RDB only and is disconnected after it.</summary>
    public bool RdbOnly;

    /// <summary>REPLCONF rdb-filter-only: no keys in the RDB (and no functions unless "functions" was named).</summary>
    public bool FilterData;
    public bool FilterFunctions;

    /// <summary>SYNC (the pre-PSYNC protocol): the RDB follows without a +FULLRESYNC line.</summary>
    public bool PrePsync;

    /// <summary>How logs name the replica (replicationGetSlaveName).</summary>
    public string Name => ListeningPort != 0 ? $"{Ip}:{ListeningPort}" : $"client id #{Client.Id}";

    public volatile FeedState State = FeedState.WaitBgsave;

    /// <summary>The highest offset the replica acknowledged (repl_ack_off) and when (repl_ack_time, ms).</summary>
    public long AckOffset;
    public long AckTimeMs;

    /// <summary>A diskless transfer ended: the stream is held until the replica's first REPLCONF ACK.</summary>
    private readonly TaskCompletionSource _firstAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _waitingFirstAck;

    /// <summary>Full sync parameters decided by PSYNC (null for a partial resync).</summary>
    internal bool FullSync;
    internal bool Started;

    public string Ip
    {
        get
        {
            if (AnnouncedIp != null) return AnnouncedIp;
            var a = Client.Addr;
            int colon = a.LastIndexOf(':');
            return colon > 0 ? a[..colon] : a;
        }
    }

    public bool IsClosed => _closed;

    /// <summary>Bytes waiting to be sent (INFO/CLIENT LIST omem, output limits).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queued);

    /// <summary>REPLCONF ACK: the offset never goes back.</summary>
    public void Ack(long offset)
    {
        AckTimeMs = Storage.Clock.UnixMs();
        long cur;
        while ((cur = Interlocked.Read(ref AckOffset)) < offset && Interlocked.CompareExchange(ref AckOffset, offset, cur) != cur)
        {
        }
        if (_waitingFirstAck) _firstAck.TrySetResult();
        _server.Replication.AckReceived();
    }

    /// <summary>A bare newline from the replica (sent while it loads): it is alive.</summary>
    public void Touch() => AckTimeMs = Storage.Clock.UnixMs();

    /// <summary>Stream bytes from the log (called under the log's lock, in stream order).</summary>
    internal void Enqueue(ReadOnlySpan<byte> data)
    {
        if (_closed || data.Length == 0) return;
        bool drop = false;
        bool wake;
        lock (_lock)
        {
            wake = _pendingLen == 0;
            long need = (long)_pendingLen + data.Length;
            if (need > Array.MaxLength)
            {
                // Even with no configured limit, a replica this far behind cannot be buffered: drop it.
                drop = true;
            }
            else
            {
                if (_pending.Length < need) Array.Resize(ref _pending, (int)Math.Min(Array.MaxLength, Math.Max(_pending.Length * 2L, need)));
                data.CopyTo(_pending.AsSpan(_pendingLen));
                _pendingLen += data.Length;
                _queued += data.Length;
            }
            var lim = _server.Config.ReplicaLimit;
            if (drop || (lim.Hard > 0 && _queued >= lim.Hard)) drop = true;
            else if (lim.Soft > 0 && _queued >= lim.Soft)
            {
                long now = Storage.Clock.UnixMs();
                if (_softSinceMs == 0) _softSinceMs = now;
                else if (now - _softSinceMs > lim.SoftSeconds * 1000) drop = true;
            }
            else
            {
                _softSinceMs = 0;
            }
        }
        if (drop)
        {
            _server.Log.Warning($"Client {Client.InfoLine()} scheduled to be closed ASAP for overcoming of output buffer limits.");
            ThreadPool.QueueUserWorkItem(static f => f.Close(), this, false);
            return;
        }
        // The sender takes everything pending each time it runs: only the first bytes after it emptied need a wake-up.
        if (wake) _signal.Release();
    }

    /// <summary>Starts the sender once the replies before PSYNC have been written (called by the connection).</summary>
    internal void Start(Socket socket)
    {
        if (Started) return;
        Started = true;
        _socket = socket;
        var t = new Thread(Run) { IsBackground = true, Name = "tern-replica-feed" };
        t.Start();
    }

    private void Run()
    {
        try
        {
            if (FullSync && !SendFullSync()) return;
            if (RdbOnly || FilterData)
            {
                _server.Log.Notice($"RDB transfer completed, rdb only replica ({Name}) should be disconnected asap");
                return;
            }
            State = FeedState.Online;
            Drain();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The replica left.
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Sends queued stream bytes until the replica leaves.</summary>
    private void Drain()
    {
        while (!_closed)
        {
            _signal.Wait(1000);
            while (!_closed)
            {
                byte[] batch;
                int len;
                lock (_lock)
                {
                    if (_pendingLen == 0) break;
                    batch = _pending;
                    len = _pendingLen;
                    _pending = _spare;
                    _pendingLen = 0;
                }
                Send(batch.AsSpan(0, len));
                lock (_lock)
                {
                    _queued -= len;
                    if (_queued < _server.Config.ReplicaLimit.Soft) _softSinceMs = 0;
                    // Keep a modest buffer for the next swap; one that grew during a burst goes back to the GC.
                    _spare = batch.Length <= 1024 * 1024 ? batch : new byte[16 * 1024];
                }
            }
        }
    }

    private readonly object _sendLock = new();

    private void Send(ReadOnlySpan<byte> data)
    {
        lock (_sendLock)
        {
            while (data.Length > 0)
            {
                if (_closed) throw new ObjectDisposedException("replica");
                int n = _socket!.Send(data, SocketFlags.None);
                if (n <= 0) throw new ObjectDisposedException("replica");
                data = data[n..];
                Interlocked.Add(ref _server.Replication.NetReplOutputBytes, n);
                Interlocked.Add(ref _server.Stats.NetOutputBytes, n);
            }
        }
    }

    /// <summary>
    /// The full resync: take the snapshot's cut (attaching this feed to the log at exactly that offset), answer
    /// +FULLRESYNC, then the RDB with disk ($len) or diskless (EOF marker) framing. False when it failed.
    /// </summary>
    private bool SendFullSync()
    {
        var repl = _server.Replication;
        string replid = "";
        long cutOffset = 0;
        Persistence.Snapshotter? snap = null;
        long lastNewline = Storage.Clock.UnixMs();
        while (!_closed)
        {
            Persistence.Snapshotter? Begin(int streamDb) => Persistence.Snapshotter.Begin(_server, new Persistence.SnapshotOptions
            {
                Compress = _server.Config.RdbCompression,
                Checksum = _server.Config.RdbChecksum,
                ReplStreamDb = streamDb,
                OffsetAtCut = () =>
                {
                    (replid, cutOffset) = repl.Log.AttachAtCut(this);
                    return cutOffset;
                },
            });
            // A replica proxies its primary's stream: cut between two applied commands, in the stream's database
            // (a primary forces a SELECT after the cut instead).
            var link = repl.Link;
            snap = link != null && repl.Log.Proxying ? link.BetweenCommands(Begin) : Begin(0);
            if (snap != null) break;
            // Another snapshot (BGSAVE) is running: wait for it, keeping the replica's read alive with newlines.
            Thread.Sleep(50);
            long now = Storage.Clock.UnixMs();
            if (now - lastNewline >= 1000)
            {
                Send("\n"u8);
                lastNewline = now;
            }
        }
        if (snap == null) return false;
        bool written = false;
        try
        {
            return Transfer(snap, replid, cutOffset, ref written);
        }
        finally
        {
            if (!written) snap.Cancel();
        }
    }

    private bool Transfer(Persistence.Snapshotter snap, string replid, long cutOffset, ref bool written)
    {
        bool diskless = CapaEof && _server.Config.ReplDisklessSync;
        _server.Log.Notice($"Starting BGSAVE for SYNC with target: {(diskless ? "replicas sockets" : "disk")}");
        State = FeedState.SendBulk;
        if (!PrePsync) Send(Encoding.ASCII.GetBytes($"+FULLRESYNC {replid} {cutOffset}\r\n"));
        if (diskless)
        {
            string mark = ReplicationLog.NewId();
            Send(Encoding.ASCII.GetBytes($"$EOF:{mark}\r\n"));
            written = true;
            _waitingFirstAck = true;
            var result = FilterData ? WriteFiltered(snap, new SendStream(this)) : snap.WriteTo(new SendStream(this));
            if (!result.Ok)
            {
                _server.Log.Warning($"Diskless sync to replica {Name} failed: {result.Error}");
                return false;
            }
            Send(Encoding.ASCII.GetBytes(mark));
            _server.Log.Notice($"Synchronization with replica {Name} succeeded");
            // Nothing more until the replica's first ACK: stream bytes would hide the EOF marker.
            while (!_closed && !_firstAck.Task.Wait(500))
            {
            }
            return !_closed;
        }
        string path = Path.Combine(Path.GetTempPath(), $"tern-sync-{Environment.ProcessId}-{Client.Id}.rdb");
        try
        {
            SnapshotResultHolder res;
            using (var fs = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                // The replica waits for "$len": keep it alive with a newline every second meanwhile.
                written = true;
                using var keepAlive = new Timer(_ => { try { Send("\n"u8); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { } }, null, 1000, 1000);
                res = new SnapshotResultHolder(FilterData ? WriteFiltered(snap, fs) : snap.WriteTo(fs));
            }
            if (!res.Result.Ok)
            {
                _server.Log.Warning($"Sync to replica {Name} failed: {res.Result.Error}");
                return false;
            }
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            {
                Send(Encoding.ASCII.GetBytes($"${fs.Length}\r\n"));
                var buf = new byte[1 << 16];
                int n;
                while ((n = fs.Read(buf, 0, buf.Length)) > 0) Send(buf.AsSpan(0, n));
            }
            _server.Log.Notice($"Synchronization with replica {Name} succeeded");
            return true;
        }
        finally
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>rdb-filter-only: an RDB with the function libraries (when asked for) and no keys.</summary>
    private Persistence.SnapshotResult WriteFiltered(Persistence.Snapshotter snap, Stream output)
    {
        snap.Cancel();
        using var w = new Tern.Rdb.RdbWriter(output, null, _server.Config.RdbChecksum);
        w.WriteHeader();
        w.WriteAux("redis-ver", Commands.CommandTable.RedisVersion);
        w.WriteAux("redis-bits", 64);
        w.WriteAux("ctime", Storage.Clock.UnixMs() / 1000);
        if (!FilterFunctions)
            foreach (var lib in _server.Persistence.Functions) w.WriteFunction(lib);
        w.WriteEnd();
        return new Persistence.SnapshotResult(true, null, snap.Offset, snap.CutUnixMs, w.BytesWritten, 0, 0);
    }

    private readonly record struct SnapshotResultHolder(Persistence.SnapshotResult Result);

    /// <summary>Drops the replica: detaches it from the log and closes its connection.</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        _firstAck.TrySetResult();
        _signal.Release();
        _server.Replication.Log.Detach(this);
        Client.Connection?.Close();
    }

    /// <summary>The RDB written straight to the replica's socket (diskless framing).</summary>
    private sealed class SendStream(ReplicaFeed feed) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => feed.Send(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => feed.Send(buffer);
    }
}
