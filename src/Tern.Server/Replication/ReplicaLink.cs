using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Network;

namespace Tern.Server.Replication;

/// <summary>The replica link's states, named as ROLE names them (Redis's repl_state, handshake states folded).</summary>
public enum LinkState { None, Connect, Connecting, Handshake, Transfer, Connected }

/// <summary>
/// The link from this server to its primary, on a thread of its own: connect, handshake (PING; AUTH, REPLCONF
/// listening-port / ip-address / capa pipelined; PSYNC after every reply), then either +CONTINUE or a full sync
/// (the RDB parsed as it streams in, into a staging keyspace: the old data serves reads until the new one
/// replaces it), then the command stream applied through the dispatcher with replies discarded, the offset
/// counted as Redis counts it, and REPLCONF ACK every second. Any failure closes the socket, logs why, keeps the
/// data, and reconnects (at once after a lost stream, then with back-off).
/// </summary>
public sealed class ReplicaLink
{
    private static readonly byte[] AckPrefix = "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n"u8.ToArray();

    private readonly TernServer _server;
    private readonly ReplicationManager _repl;
    private readonly Client _client;
    private readonly CommandContext _ctx;
    private readonly ReplyWriter _reply = new(1024);
    private readonly CommandArgs _args = new();
    private readonly RequestParser _parser = new() { IsPrimaryLink = true, MaxBulkLength = long.MaxValue };
    private readonly object _applyLock = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private Thread? _thread;
    private Thread? _previous;
    private volatile bool _stop;
    private volatile LinkIO? _io;

    // What INFO and ROLE read (single writer: the link thread).
    private volatile LinkState _state = LinkState.Connect;
    private long _lastIoMs;
    private long _transferSize = -1;
    private long _transferRead;
    private long _transferLastIoMs;
    private long _downSinceMs;
    private long _readOffset;
    private volatile bool _masterClient;
    private volatile bool _hasCached;
    private long _lastErrorLogMs;

    public ReplicaLink(TernServer server, ReplicationManager repl, string host, int port, bool cacheMyself)
    {
        _server = server;
        _repl = repl;
        Host = host;
        Port = port;
        _client = new Client($"{host}:{port}", "") { IsPrimaryLink = true, Authenticated = true };
        _ctx = new CommandContext(server, _client, _reply);
        // A primary that becomes a replica offers its own history for PSYNC (replicationCacheMasterUsingMyself).
        _hasCached = cacheMyself;
        _readOffset = repl.Log.Offset;
    }

    public string Host { get; }
    public int Port { get; }
    public LinkState State => _state;

    /// <summary>
    /// Runs <paramref name="f"/> between two applied commands of the primary's stream, with the database the stream
    /// is in: a sub-replica's snapshot cut then matches the proxied offset exactly.
    /// </summary>
    public T BetweenCommands<T>(Func<int, T> f)
    {
        lock (_applyLock) return f(_client.Db);
    }

    /// <summary>Why the last failed attempt failed (also logged); kept after a later success, null if none failed.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Starts the link's thread. <paramref name="previous"/>: the link this one replaces; its thread may still be
    /// finishing a command (see <see cref="Stop"/>), so this one waits for it before asking for a PSYNC offset.
    /// </summary>
    public void Start(ReplicaLink? previous = null)
    {
        _previous = previous?._thread;
        _thread = new Thread(Run) { IsBackground = true, Name = "tern-replica-link" };
        _thread.Start();
    }

    /// <summary>Stops the link: no command is applied after this returns; waits for the thread (bounded).</summary>
    public void Stop()
    {
        // REPLICAOF inside MULTI/EXEC runs with every shard lock held: the link thread may be waiting for one of
        // them in the middle of a command, holding the apply lock. Then do not wait for it: it finishes that one
        // command when EXEC ends (data and offset both include it, so it simply belongs to the new history) and
        // stops before the next.
        bool holdsKeyspace = HoldsAnyShardLock();
        if (holdsKeyspace) _stop = true;
        else
        {
            lock (_applyLock) _stop = true;
        }
        _wake.Set();
        _io?.Abort();
        if (!holdsKeyspace && _thread != null && _thread != Thread.CurrentThread) _thread.Join(TimeSpan.FromSeconds(10));
        _state = LinkState.None;
    }

    private bool HoldsAnyShardLock()
    {
        foreach (var shard in _server.Keyspace.Shards)
            if (shard.Lock.IsHeldByCurrentThread) return true;
        return false;
    }

    /// <summary>The figures INFO replication prints for the replica side, read at one instant.</summary>
    public readonly record struct Info(LinkState State, bool HasMasterClient, bool HasCached, long LastIoSecondsAgo,
        long ReadOffset, long AppliedOffset, long TransferSize, long TransferRead, long TransferLastIoSecondsAgo,
        long DownSinceSecondsAgo);

    public Info Snapshot()
    {
        long now = Storage.Clock.UnixMs();
        bool master = _masterClient;
        long applied = _repl.Log.Offset;
        long read = Math.Max(Interlocked.Read(ref _readOffset), applied);
        long down = Interlocked.Read(ref _downSinceMs);
        return new Info(_state, master, _hasCached,
            master ? (now - Interlocked.Read(ref _lastIoMs)) / 1000 : -1,
            read, applied,
            Interlocked.Read(ref _transferSize), Interlocked.Read(ref _transferRead),
            (now - Interlocked.Read(ref _transferLastIoMs)) / 1000,
            down == 0 ? -1 : (now - down) / 1000);
    }

    private void Run()
    {
        _previous?.Join(TimeSpan.FromSeconds(30));
        _previous = null;
        int failures = 0;
        while (!_stop)
        {
            bool wasConnected = false;
            try
            {
                RunOnce(ref wasConnected);
            }
            catch (LinkException e)
            {
                Fail(e.Message);
            }
            catch (Exception e)
            {
                // Never let the link's thread die with an exception (it would end the process).
                if (!_stop)
                {
                    Fail("Replication link error: " + e.Message);
                    _server.Log.Warning(e.ToString());
                }
            }
            finally
            {
                _io?.Dispose();
                _io = null;
                if (_masterClient)
                {
                    // The master client becomes the cached master: its transaction and unread bytes are dropped,
                    // so PSYNC asks again from the first byte not applied (replicationCacheMaster).
                    _masterClient = false;
                    _ctx.OnDisconnect();
                    _client.InMulti = false;
                    _parser.Reset();
                    Interlocked.Exchange(ref _readOffset, _repl.Log.Offset);
                }
                if (wasConnected) Interlocked.Exchange(ref _downSinceMs, Storage.Clock.UnixMs());
            }
            if (_stop) break;
            _state = LinkState.Connect;
            // After losing an established link, reconnect at once (replicationHandleMasterDisconnection); after a
            // failed attempt, back off: 1 s, 2 s, 4 s, then every 5 s.
            if (wasConnected) failures = 0;
            else failures++;
            int delay = wasConnected ? 0 : Math.Min(5000, 1000 << Math.Min(failures - 1, 3));
            if (delay > 0 && _wake.Wait(delay)) break;
        }
    }

    private void Fail(string why)
    {
        if (_stop) return;
        LastError = why;
        _server.Log.Warning($"MASTER <-> REPLICA sync with {Host}:{Port} failed: {why}");
    }


    private void RunOnce(ref bool wasConnected)
    {
        _state = LinkState.Connecting;
        _server.Log.Notice($"Connecting to MASTER {Host}:{Port}");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(1, _server.Config.ReplTimeout)));
            // An address needs no name lookup.
            var connect = (System.Net.IPAddress.TryParse(Host, out var address)
                ? socket.ConnectAsync(address, Port, cts.Token) : socket.ConnectAsync(Host, Port, cts.Token)).AsTask();
            while (!connect.Wait(100))
            {
                if (_stop)
                {
                    socket.Dispose();
                    throw new LinkException("Replication link stopped.");
                }
            }
        }
        catch (AggregateException e) when (e.InnerException is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw new LinkException($"Error condition on socket for SYNC: {(e.InnerException is OperationCanceledException ? "Connection timed out" : e.InnerException!.Message)}");
        }
        var io = new LinkIO(socket, () => _stop, OnReceived);
        _io = io;
        if (_stop) throw new LinkException("Replication link stopped.");
        _server.Log.Notice("MASTER <-> REPLICA sync started");
        Interlocked.Exchange(ref _lastIoMs, Storage.Clock.UnixMs());

        // Step 1: PING alone.
        _state = LinkState.Handshake;
        io.TimeoutMs = 5000;
        io.Send(Resp("PING"));
        string pong = io.ReadLine();
        if (pong.Length == 0 || (pong[0] != '+' && !pong.StartsWith("-NOAUTH", StringComparison.Ordinal) &&
            !pong.StartsWith("-NOPERM", StringComparison.Ordinal) && !pong.StartsWith("-ERR operation not permitted", StringComparison.Ordinal)))
            throw new LinkException($"Error reply to PING from master: '{pong}'");
        _server.Log.Notice("Master replied to PING, replication can continue...");

        // Step 2: AUTH and the REPLCONFs in one write; then every reply in order.
        var cfg = _server.Config;
        var batch = new List<byte>();
        bool auth = cfg.MasterAuth.Length > 0;
        if (auth) batch.AddRange(cfg.MasterUser.Length > 0 ? Resp("AUTH", cfg.MasterUser, cfg.MasterAuth) : Resp("AUTH", cfg.MasterAuth));
        long announcePort = cfg.ReplicaAnnouncePort != 0 ? cfg.ReplicaAnnouncePort : _server.Port;
        batch.AddRange(Resp("REPLCONF", "listening-port", announcePort.ToString(CultureInfo.InvariantCulture)));
        bool ip = cfg.ReplicaAnnounceIp.Length > 0;
        if (ip) batch.AddRange(Resp("REPLCONF", "ip-address", cfg.ReplicaAnnounceIp));
        batch.AddRange(Resp("REPLCONF", "capa", "eof", "capa", "psync2"));
        io.Send(batch.ToArray());
        if (auth)
        {
            string r = io.ReadLine();
            if (r.StartsWith('-')) throw new LinkException($"Unable to AUTH to MASTER: {r}");
        }
        string portReply = io.ReadLine();
        if (portReply.StartsWith('-')) _server.Log.Notice($"(Non critical) Master does not understand REPLCONF listening-port: {portReply}");
        if (ip)
        {
            string r = io.ReadLine();
            if (r.StartsWith('-')) _server.Log.Notice($"(Non critical) Master does not understand REPLCONF ip-address: {r}");
        }
        string capa = io.ReadLine();
        if (capa.StartsWith('-')) _server.Log.Notice($"(Non critical) Master does not understand REPLCONF capa: {capa}");

        // Step 3: PSYNC, only now that every earlier reply was read.
        string psyncId = "?";
        long psyncOffset = -1;
        if (_hasCached)
        {
            var st = _repl.Log.Snapshot();
            psyncId = st.ReplId;
            psyncOffset = st.Offset + 1;
            _server.Log.Notice($"Trying a partial resynchronization (request {psyncId}:{psyncOffset}).");
        }
        else
        {
            _server.Log.Notice("Partial resynchronization not possible (no cached master)");
        }
        io.Send(Resp("PSYNC", psyncId, psyncOffset.ToString(CultureInfo.InvariantCulture)));
        io.TimeoutMs = Math.Max(1, cfg.ReplTimeout) * 1000;
        string reply;
        do reply = io.ReadLine();
        while (reply.Length == 0); // newline keep-alives while the primary prepares the RDB

        if (reply.StartsWith("+CONTINUE", StringComparison.Ordinal))
        {
            string newId = reply.Length > 10 ? reply[10..].Trim() : "";
            lock (_applyLock)
            {
                if (_stop) throw new LinkException("Replication link stopped.");
                if (newId.Length == 40 && newId != _repl.Log.ReplId)
                {
                    _repl.Log.ContinueWithNewId(newId);
                    _server.Log.Notice($"Master replication ID changed to {newId}");
                }
                _repl.Log.EnsureBacklog();
            }
            _server.Log.Notice("Successful partial resynchronization with master.");
            _server.Log.Notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
            Connected(io, ref wasConnected, sendAck: false);
            Stream(io);
            return;
        }
        if (reply.StartsWith("+FULLRESYNC", StringComparison.Ordinal))
        {
            var parts = reply.Split(' ');
            if (parts.Length < 3 || parts[1].Length != 40 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long initial))
                throw new LinkException($"Master replied with wrong +FULLRESYNC syntax: '{reply}'");
            // From here on the cached history is not ours to continue (replicationDiscardCachedMaster): if this sync
            // fails, the next attempt asks for a full sync again.
            _hasCached = false;
            _server.Log.Notice($"Full resync from master: {parts[1]}:{initial}");
            FullSync(io, parts[1], initial, ref wasConnected);
            return;
        }
        if (reply.StartsWith("-NOMASTERLINK", StringComparison.Ordinal) || reply.StartsWith("-LOADING", StringComparison.Ordinal))
            throw new LinkException($"Master is currently unable to PSYNC but should be in the future: {reply}");
        throw new LinkException($"Unexpected reply to PSYNC from master: {reply}");
    }

    private void FullSync(LinkIO io, string replid, long initial, ref bool wasConnected)
    {
        _state = LinkState.Transfer;
        Interlocked.Exchange(ref _transferSize, -1);
        Interlocked.Exchange(ref _transferRead, 0);
        Interlocked.Exchange(ref _transferLastIoMs, Storage.Clock.UnixMs());
        string header;
        do header = io.ReadLine();
        while (header.Length == 0);
        if (header[0] == '-') throw new LinkException($"MASTER aborted replication with an error: {header[1..]}");
        if (header[0] != '$') throw new LinkException($"Bad protocol from MASTER, the first byte is not '$' (we received '{header}'), are you sure the host and port are right?");
        string? eofMark = null;
        long length = -1;
        if (header.StartsWith("$EOF:", StringComparison.Ordinal) && header.Length >= 45)
        {
            eofMark = header.Substring(5, 40);
            Interlocked.Exchange(ref _transferSize, 0);
            _server.Log.Notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser");
        }
        else if (long.TryParse(header.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out length))
        {
            Interlocked.Exchange(ref _transferSize, length);
            _server.Log.Notice($"MASTER <-> REPLICA sync: receiving {length} bytes from master to parser");
        }
        else
        {
            throw new LinkException($"Bad protocol from MASTER, invalid bulk length: '{header}'");
        }

        var payload = new PayloadStream(io, length, read => Interlocked.Exchange(ref _transferRead, read));
        _server.Log.Notice("MASTER <-> REPLICA sync: Loading DB in memory (the old data keeps serving reads)");
        FullSyncResult result;
        _repl.Loading = true;
        try
        {
            result = FullSyncLoader.Load(_server, payload, length, _ => payload.KeepAlive());
        }
        catch (Exception e) when (e is not LinkException || !_stop)
        {
            throw new LinkException($"Failed trying to load the MASTER synchronization DB from socket, the old data is kept: {e.Message}");
        }
        finally
        {
            _repl.Loading = false;
        }
        if (!result.Ok)
            throw new LinkException($"Failed trying to load the MASTER synchronization DB from socket, the old data is kept: {result.Error}");
        if (eofMark != null)
        {
            // The 40 bytes after the RDB must be the marker.
            io.Unread(result.Unconsumed.Span);
            Span<byte> mark = stackalloc byte[40];
            int got = 0;
            while (got < 40) got += io.Read(mark[got..]);
            if (!mark.SequenceEqual(Encoding.ASCII.GetBytes(eofMark)))
                throw new LinkException("Replication stream EOF marker is broken");
        }
        else
        {
            io.Unread(result.Unconsumed.Span);
            // Bytes the reader did not need inside the announced length are skipped to stay aligned.
            Span<byte> skip = stackalloc byte[4096];
            while (payload.BytesRead < length)
            {
                if (payload.Read(skip) == 0) break;
            }
        }
        lock (_applyLock)
        {
            if (_stop) throw new LinkException("Replication link stopped.");
            _repl.Log.AdoptPrimaryHistory(replid, initial);
            int db = 0;
            if (result.Aux.TryGetValue("repl-stream-db", out var dbBytes) &&
                RespNumber.TryParseInt64(dbBytes, out long d) && d >= 0 && d < _server.Keyspace.Databases)
                db = (int)d;
            _ctx.OnDisconnect();
            _client.InMulti = false;
            _client.Db = db;
            _parser.Reset();
        }
        _server.Log.Notice($"MASTER <-> REPLICA sync: Finished with success ({result.KeysLoaded} keys)");
        Connected(io, ref wasConnected, sendAck: true);
        Stream(io);
    }

    private void Connected(LinkIO io, ref bool wasConnected, bool sendAck)
    {
        Interlocked.Exchange(ref _readOffset, _repl.Log.Offset);
        Interlocked.Exchange(ref _lastIoMs, Storage.Clock.UnixMs());
        Interlocked.Exchange(ref _downSinceMs, 0);
        _masterClient = true;
        _hasCached = true;
        _state = LinkState.Connected;
        wasConnected = true;
        // The primary streams nothing after an EOF transfer until this first ACK.
        if (sendAck) SendAck(io);
    }

    private void OnReceived(int n)
    {
        long now = Storage.Clock.UnixMs();
        Interlocked.Exchange(ref _lastIoMs, now);
        Interlocked.Exchange(ref _transferLastIoMs, now);
        Interlocked.Add(ref _repl.NetReplInputBytes, n);
        if (_state == LinkState.Connected) Interlocked.Add(ref _readOffset, n);
    }

    private void SendAck(LinkIO io)
    {
        var off = _repl.Log.Offset.ToString(CultureInfo.InvariantCulture);
        var msg = new byte[AckPrefix.Length + 16 + off.Length];
        AckPrefix.CopyTo(msg, 0);
        int p = AckPrefix.Length;
        p += Encoding.ASCII.GetBytes($"${off.Length}\r\n{off}\r\n", msg.AsSpan(p));
        io.Send(msg.AsSpan(0, p));
    }

    /// <summary>
    /// Applies the command stream. The offset (and the backlog) advance by the bytes of each applied command,
    /// keep-alive newlines before it included; inside MULTI nothing advances until EXEC (networking.c
    /// commandProcessed). REPLCONF GETACK is answered with the offset before its own bytes.
    /// </summary>
    private void Stream(LinkIO io)
    {
        long lastAck = Environment.TickCount64;
        int applied = io.Start; // bytes before this are counted in the offset
        io.Compacted = shift => applied -= shift;
        long timeoutMs = Math.Max(1, _server.Config.ReplTimeout) * 1000;
        Process(io, ref applied);
        while (!_stop)
        {
            if (io.Poll(100_000))
            {
                io.ReceiveOnce(applied);
                Process(io, ref applied);
            }
            long now = Environment.TickCount64;
            if (now - lastAck >= 1000)
            {
                lastAck = now;
                SendAck(io);
            }
            if (Storage.Clock.UnixMs() - Interlocked.Read(ref _lastIoMs) > timeoutMs)
                throw new LinkException("MASTER timeout: no data nor PING received...");
        }
    }

    private void Process(LinkIO io, ref int applied)
    {
        while (io.Start < io.End)
        {
            var buf = io.Buffer;
            byte first = buf[io.Start];
            if (!_parser.InProgress && first != (byte)'*')
            {
                // A bare newline (or CRLF) is a keep-alive; any other inline data means the stream is corrupt.
                if (first == (byte)'\n') { io.Start++; continue; }
                if (first == (byte)'\r')
                {
                    if (io.End - io.Start < 2) return;
                    if (buf[io.Start + 1] == (byte)'\n') { io.Start += 2; continue; }
                }
                _hasCached = false;
                throw new LinkException("Receiving inline protocol from master, master stream corruption? Closing the master connection and discarding the cached master.");
            }
            var status = _parser.Parse(buf.AsSpan(io.Start, io.End - io.Start), _args, out int consumed);
            if (status == ParseStatus.Incomplete)
            {
                int need = _parser.NeededBytes;
                if (need > buf.Length - io.Start)
                {
                    // Room for the whole command, keeping the bytes not yet counted in the offset.
                    int keep = io.End - applied;
                    int size = Math.Max(need + (io.Start - applied), keep) + 16 * 1024;
                    var nb = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
                    System.Buffer.BlockCopy(buf, applied, nb, 0, keep);
                    System.Buffers.ArrayPool<byte>.Shared.Return(buf);
                    io.Buffer = nb;
                    io.Start -= applied;
                    io.End -= applied;
                    applied = 0;
                }
                return;
            }
            if (status == ParseStatus.Empty)
            {
                io.Start += consumed;
                continue;
            }
            if (status == ParseStatus.Error)
            {
                _hasCached = false;
                throw new LinkException($"Protocol error from master ({_parser.Error}), closing the link and discarding the cached master.");
            }
            _args.Rebase(buf, io.Start);
            lock (_applyLock)
            {
                if (_stop) return;
                if (IsReplconf(_args)) Replconf(io);
                else Apply();
                // Counted even if a stop came meanwhile (REPLICAOF inside EXEC): the data has it, so must the log.
                io.Start += consumed;
                if (!_ctx.Transaction.Active)
                {
                    _repl.Log.FeedFromPrimary(buf.AsSpan(applied, io.Start - applied));
                    applied = io.Start;
                }
            }
        }
        if (io.Start == io.End && applied == io.Start)
        {
            io.Start = io.End = 0;
            applied = 0;
        }
    }

    private static bool IsReplconf(CommandArgs args) => args.Count > 0 && args[0].Length == 8 &&
        Ascii.EqualsIgnoreCase(args[0], "replconf"u8);

    /// <summary>REPLCONF from the primary: GETACK is answered at once with the offset applied so far; the rest is ignored.</summary>
    private void Replconf(LinkIO io)
    {
        if (_args.Count >= 2 && Ascii.EqualsIgnoreCase(_args[1], "getack"u8)) SendAck(io);
    }

    private void Apply()
    {
        _ctx.Args = _args;
        _reply.Clear();
        _server.Dispatcher.Execute(_ctx);
        // Replies to the primary are never sent; errors are logged (rate-limited) since they mean divergence.
        if (_reply.Length > 0 && _reply.WrittenSpan[0] == (byte)'-')
        {
            long now = Environment.TickCount64;
            if (now - _lastErrorLogMs > 1000)
            {
                _lastErrorLogMs = now;
                var text = Encoding.Latin1.GetString(_reply.WrittenSpan[..Math.Min(_reply.Length, 200)]).TrimEnd();
                _server.Log.Warning($"== CRITICAL == This replica got an error applying '{Encoding.Latin1.GetString(_args[0])}' from its master: {text}");
            }
        }
        _reply.Clear();
        _client.Blocked = null;
    }

    private static byte[] Resp(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args)
        {
            int len = Encoding.UTF8.GetByteCount(a);
            sb.Append('$').Append(len).Append("\r\n").Append(a).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
