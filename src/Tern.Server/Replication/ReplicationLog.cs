using System.Security.Cryptography;
using Tern.Server.Commands;

namespace Tern.Server.Replication;

/// <summary>
/// The replication identity and history of this server, as Redis keeps it in server.replid, replid2,
/// master_repl_offset, second_replid_offset and the backlog: the last <c>repl-backlog-size</c> bytes of the
/// replication stream, so a replica that lost its link can continue with PSYNC instead of a full sync.
/// <para>
/// As a primary it is the propagation sink: every propagated write arrives here (from many threads, under
/// different shard locks), a <c>SELECT n</c> is inserted when the database changes (Redis's slaveseldb), and the
/// bytes are counted and kept. As in Redis (replicationFeedSlaves / feedReplicationBuffer) the offset only moves
/// while a backlog exists. As a replica it proxies: the backlog gets the exact bytes applied from the primary
/// (replicationFeedStreamFromMasterStream) and local propagation is ignored, so nothing is counted twice.
/// </para>
/// One short lock guards everything; appends are a copy into a ring.
/// </summary>
public sealed class ReplicationLog : IPropagationSink
{
    /// <summary>Redis's CONFIG_REPL_BACKLOG_MIN_SIZE.</summary>
    public const long MinBacklogSize = 16 * 1024;

    /// <summary>replid2 when unset: 40 '0' characters.</summary>
    public const string ZeroId = "0000000000000000000000000000000000000000";

    private static readonly byte[][] SelectCommands = BuildSelects();

    private readonly object _lock = new();
    private string _replid = NewId();
    private string _replid2 = ZeroId;
    private long _offset;
    private long _secondOffset = -1;
    private int _selDb = -1;
    private bool _proxying;

    // Replicas attached to the stream (fan-out): each gets every byte written after it attached.
    private readonly List<ReplicaFeed> _feeds = [];

    /// <summary>The offset after the last append made on this thread (the client's woff, read by WAIT).</summary>
    [ThreadStatic]
    private static long t_appendEnd;

    private static readonly byte[] PingCommand = "*1\r\n$4\r\nping\r\n"u8.ToArray();
    private static readonly byte[] GetAckCommand = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"u8.ToArray();

    // The ring: _histlen bytes end at _writeIdx (exclusive), wrapping around _ring.Length.
    private byte[]? _ring;
    private long _backlogSize = 1024 * 1024;
    private int _writeIdx;
    private long _histlen;
    private long _firstByte;

    /// <summary>40 random lowercase hex characters (Redis's getRandomHexChars for run and replication ids).</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    private static byte[][] BuildSelects()
    {
        var a = new byte[16][];
        for (int i = 0; i < a.Length; i++) a[i] = SelectBytes(i);
        return a;
    }

    private static byte[] SelectBytes(int db)
    {
        var n = db.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return System.Text.Encoding.ASCII.GetBytes($"*2\r\n$6\r\nSELECT\r\n${n.Length}\r\n{n}\r\n");
    }

    /// <summary>The replication offset (master_repl_offset): the snapshotter's cut reads it under all shard locks.</summary>
    public long Offset
    {
        get
        {
            lock (_lock) return _offset;
        }
    }

    public string ReplId
    {
        get
        {
            lock (_lock) return _replid;
        }
    }

    /// <summary>True while this server is a replica: the backlog is fed by the primary's stream, not by local writes.</summary>
    public bool Proxying
    {
        get
        {
            lock (_lock) return _proxying;
        }
        set
        {
            lock (_lock) _proxying = value;
        }
    }

    public bool HasBacklog
    {
        get
        {
            lock (_lock) return _ring != null;
        }
    }

    /// <summary>Everything INFO replication prints about the log, read at one instant.</summary>
    public readonly record struct State(string ReplId, string ReplId2, long Offset, long SecondOffset, bool BacklogActive,
        long BacklogSize, long FirstByte, long Histlen);

    public State Snapshot()
    {
        lock (_lock)
        {
            return new State(_replid, _replid2, _offset, _secondOffset, _ring != null, _backlogSize,
                _ring != null ? _firstByte : 0, _ring != null ? _histlen : 0);
        }
    }

    /// <summary>repl-backlog-size changed: keep the most recent bytes that still fit (resizeReplicationBacklog).</summary>
    public void Resize(long size)
    {
        if (size < MinBacklogSize) size = MinBacklogSize;
        lock (_lock)
        {
            _backlogSize = size;
            if (_ring == null) return;
            var old = CopyTail(Math.Min(_histlen, size));
            _ring = new byte[size];
            old.CopyTo(_ring, 0);
            _writeIdx = old.Length % _ring.Length;
            _histlen = old.Length;
            _firstByte = _offset - _histlen + 1;
        }
    }

    /// <summary>Creates the backlog if there is none (createReplicationBacklog): it virtually starts at offset+1.</summary>
    public void EnsureBacklog()
    {
        lock (_lock)
        {
            if (_ring == null) CreateBacklogLocked();
        }
    }

    private void CreateBacklogLocked()
    {
        _ring = new byte[_backlogSize];
        _writeIdx = 0;
        _histlen = 0;
        _firstByte = _offset + 1;
    }

    /// <summary>
    /// A full sync from a primary finished: our history becomes the primary's (replid, offset), the secondary id
    /// is cleared, and the backlog starts anew at offset+1 (readSyncBulkPayload after the load).
    /// </summary>
    public void AdoptPrimaryHistory(string replid, long offset)
    {
        lock (_lock)
        {
            _replid = replid;
            _replid2 = ZeroId;
            _secondOffset = -1;
            _offset = offset;
            _selDb = -1;
            CreateBacklogLocked();
        }
        DropReplicas();
    }

    /// <summary>
    /// +CONTINUE with another replication id: the old id stays valid up to our offset (replid2 /
    /// second_repl_offset = offset+1) and the primary's id becomes ours.
    /// </summary>
    public void ContinueWithNewId(string replid)
    {
        lock (_lock)
        {
            if (replid == _replid) return;
            _replid2 = _replid;
            _secondOffset = _offset + 1;
            _replid = replid;
        }
        DropReplicas();
    }

    /// <summary>
    /// REPLICAOF NO ONE (shiftReplicationId): the current id becomes the secondary one, valid up to offset+1, a new
    /// random id starts a new history; the next propagated write starts with a SELECT. Returns the state after.
    /// </summary>
    public State ShiftReplicationId()
    {
        lock (_lock)
        {
            _replid2 = _replid;
            _secondOffset = _offset + 1;
            _replid = NewId();
            _selDb = -1;
        }
        DropReplicas();
        return Snapshot();
    }

    /// <summary>Bytes from the primary's stream that were applied (the replica proxies them into its backlog).</summary>
    public void FeedFromPrimary(ReadOnlySpan<byte> applied)
    {
        if (applied.Length == 0) return;
        lock (_lock)
        {
            // Promoted meanwhile (REPLICAOF NO ONE inside EXEC while the link finished a command): the dispatcher
            // already propagated that command into the log as our own write.
            if (!_proxying) return;
            // Even without a backlog a replica follows the primary's offset (it adopted it at the sync).
            if (_ring == null)
            {
                _offset += applied.Length;
                foreach (var f in _feeds) f.Enqueue(applied);
            }
            else
            {
                WriteLocked(applied);
            }
        }
    }

    /// <summary>Commands that ran against <paramref name="db"/>, as a primary propagates them.</summary>
    public void Append(int db, ReadOnlySpan<byte> resp, int commandCount)
    {
        lock (_lock)
        {
            if (_ring == null || _proxying) return;
            if (db != _selDb && db >= 0)
            {
                WriteLocked(db < SelectCommands.Length ? SelectCommands[db] : SelectBytes(db));
                _selDb = db;
            }
            WriteLocked(resp);
            t_appendEnd = _offset;
        }
    }

    /// <summary>A MULTI ... EXEC block (with SELECTs inside when it spans databases), written contiguously.</summary>
    public void AppendBlock(int firstDb, int lastDb, ReadOnlySpan<byte> resp, int commandCount)
    {
        lock (_lock)
        {
            if (_ring == null || _proxying) return;
            if (firstDb != _selDb && firstDb >= 0)
            {
                WriteLocked(firstDb < SelectCommands.Length ? SelectCommands[firstDb] : SelectBytes(firstDb));
            }
            WriteLocked(resp);
            _selDb = lastDb;
            t_appendEnd = _offset;
        }
    }

    private void WriteLocked(ReadOnlySpan<byte> data)
    {
        var ring = _ring!;
        _offset += data.Length;
        foreach (var f in _feeds) f.Enqueue(data);
        // Only the last ring.Length bytes can survive.
        if (data.Length > ring.Length) data = data[^ring.Length..];
        int first = Math.Min(data.Length, ring.Length - _writeIdx);
        data[..first].CopyTo(ring.AsSpan(_writeIdx));
        data[first..].CopyTo(ring);
        _writeIdx = (_writeIdx + data.Length) % ring.Length;
        _histlen = Math.Min(_histlen + data.Length, ring.Length);
        _firstByte = _offset - _histlen + 1;
    }

    /// <summary>The last <paramref name="n"/> bytes of the backlog.</summary>
    private byte[] CopyTail(long n)
    {
        var ring = _ring!;
        var r = new byte[n];
        long start = ((_writeIdx - n) % ring.Length + ring.Length) % ring.Length;
        for (long i = 0; i < n; i++) r[i] = ring[(start + i) % ring.Length];
        return r;
    }

    /// <summary>
    /// The backlog's bytes from offset <paramref name="from"/> to the end (what a primary sends after
    /// +CONTINUE), or null when that offset is not in the backlog (masterTryPartialResynchronization's range test).
    /// </summary>
    public byte[]? ReadFrom(long from)
    {
        lock (_lock)
        {
            if (_ring == null || from < _firstByte || from > _offset + 1) return null;
            return CopyTail(_offset + 1 - from);
        }
    }

    /// <summary>The offset after this thread's last append since the previous call, 0 if none (Redis's c->woff).</summary>
    public static long TakeAppendEnd()
    {
        long v = t_appendEnd;
        t_appendEnd = 0;
        return v;
    }

    /// <summary>The replicas attached now.</summary>
    public ReplicaFeed[] Feeds()
    {
        lock (_lock) return _feeds.ToArray();
    }

    public int FeedCount
    {
        get
        {
            lock (_lock) return _feeds.Count;
        }
    }

    public void Detach(ReplicaFeed feed)
    {
        lock (_lock) _feeds.Remove(feed);
    }

    /// <summary>Disconnects every replica (our history changed: they reconnect and PSYNC; disconnectSlaves).</summary>
    public void DropReplicas()
    {
        foreach (var f in Feeds()) f.Close();
    }

    /// <summary>
    /// A full sync begins and there is no backlog: create it with a new replication id and no secondary id, as
    /// syncCommand does (a history without a backlog cannot be continued by anyone). Returns true when created.
    /// </summary>
    public bool PrepareFullSync()
    {
        lock (_lock)
        {
            if (_ring != null) return false;
            if (!_proxying)
            {
                _replid = NewId();
                _replid2 = ZeroId;
                _secondOffset = -1;
            }
            CreateBacklogLocked();
            return true;
        }
    }

    /// <summary>
    /// The snapshot's cut (called under all shard locks): the replica gets every byte after this offset, and the
    /// next propagated write starts with a SELECT (slaveseldb = -1). Returns the id and offset for +FULLRESYNC.
    /// </summary>
    public (string ReplId, long Offset) AttachAtCut(ReplicaFeed feed)
    {
        lock (_lock)
        {
            if (_ring == null) CreateBacklogLocked();
            _selDb = -1;
            if (!feed.IsClosed) _feeds.Add(feed);
            return (_replid, _offset);
        }
    }

    /// <summary>
    /// PSYNC replid offset (masterTryPartialResynchronization): when the history continues ours and the offset is
    /// in the backlog, queue "+CONTINUE" and the backlog from the offset for the replica and attach it, atomically
    /// with respect to appends. Otherwise false.
    /// </summary>
    public bool TryContinue(ReadOnlySpan<byte> replid, long from, ReplicaFeed feed, bool psync2, out string reason)
    {
        lock (_lock)
        {
            bool ours = replid.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(_replid));
            bool second = !ours && replid.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(_replid2)) && from <= _secondOffset;
            if (!ours && !second)
            {
                reason = replid.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(_replid2))
                    ? $"Requested offset for second ID was {from}, but I can reply up to {_secondOffset}"
                    : $"Replication ID mismatch (Replica asked for '{System.Text.Encoding.ASCII.GetString(replid)}', my replication IDs are '{_replid}' and '{_replid2}')";
                return false;
            }
            if (_ring == null || from < _firstByte || from > _offset + 1)
            {
                reason = _ring == null ? "no backlog" : $"Unable to partial resync with replica: lack of backlog (Replica request was: {from}).";
                return false;
            }
            var tail = CopyTail(_offset + 1 - from);
            feed.Enqueue(System.Text.Encoding.ASCII.GetBytes(psync2 ? $"+CONTINUE {_replid}\r\n" : "+CONTINUE\r\n"));
            feed.Enqueue(tail);
            _feeds.Add(feed);
            reason = "";
            return true;
        }
    }

    /// <summary>The periodic "ping" to replicas (a primary only; counted in the offset; no SELECT needed).</summary>
    public void AppendPing() => AppendControl(PingCommand);

    /// <summary>
    /// REPLCONF GETACK * for WAIT (counted in the offset and kept in the backlog). As replicationFeedSlaves, it
    /// goes into an existing backlog even when no replica is attached.
    /// </summary>
    public void AppendGetAck()
    {
        lock (_lock)
        {
            if (_ring == null || _proxying) return;
            WriteLocked(GetAckCommand);
        }
    }

    private void AppendControl(byte[] cmd)
    {
        lock (_lock)
        {
            // Pings only while replicas are attached (replicationCron).
            if (_ring == null || _proxying || _feeds.Count == 0) return;
            WriteLocked(cmd);
        }
    }
}
