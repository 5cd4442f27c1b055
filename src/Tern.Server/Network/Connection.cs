using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Tern.Protocol;
using Tern.Server.Commands;

namespace Tern.Server.Network;

/// <summary>
/// One client socket: read into a pooled buffer, parse every complete command in it, execute them all, send
/// the replies once per batch. Pushes from other threads (MONITOR, pub/sub) go through
/// <see cref="Push"/> and are sent between batches, never inside another reply.
/// </summary>
public sealed class Connection
{
    private const int InitialBuffer = 16 * 1024;
    private const int FlushThreshold = 64 * 1024;

    private readonly TernServer _server;
    private readonly Socket _socket;
    private readonly RequestParser _parser = new();
    private readonly CommandArgs _args = new();
    private readonly ReplyWriter _reply = new();
    private readonly CommandContext _ctx;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly object _pushLock = new();
    private ReplyWriter? _pushBuffer;
    private bool _pushFlushScheduled;
    private long _softLimitSinceMs;
    private int _closed;
    private TaskCompletionSource? _closedSignal;

    /// <summary>
    /// A receive started while the connection waits in a blocking command, so a peer that leaves is noticed (Redis
    /// keeps reading blocked clients and frees them on EOF; a dead waiter must not take an element). Bytes it gets
    /// are queued behind the blocked command; the read loop consumes it before reading again.
    /// </summary>
    private Task<int>? _probe;
    private byte[]? _probeBuf;
    private ArrayBufferWriter<byte>? _stash;

    public Connection(TernServer server, Socket socket, int fd)
    {
        _server = server;
        _socket = socket;
        Fd = fd;
        Client = new Client(FormatEndPoint(socket.RemoteEndPoint), FormatEndPoint(socket.LocalEndPoint))
        {
            Authenticated = server.Config.RequirePass.Length == 0,
        };
        Client.Connection = this;
        _ctx = new CommandContext(server, Client, _reply);
    }

    public Client Client { get; }
    public int Fd { get; }

    /// <summary>Waiting in a blocking command (not closed by the idle timeout; CLIENT LIST flag "b").</summary>
    public bool IsBlocked => Client.Blocked != null;

    /// <summary>The command context of this connection (CLIENT UNBLOCK reaches the blocked command through it).</summary>
    public CommandContext Context => _ctx;

    /// <summary>The RESP protocol in use (HELLO changes it).</summary>
    public int Protocol
    {
        get => _reply.Protocol;
        set
        {
            _reply.Protocol = value;
            Client.Protocol = value;
        }
    }

    private static string FormatEndPoint(EndPoint? ep) => ep switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => $"{ip.Address.MapToIPv4()}:{ip.Port}",
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"{ip.Address}:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => "?:0",
    };

    /// <summary>The read loop. Returns when the client leaves or is killed.</summary>
    public async Task RunAsync()
    {
        byte[] buf = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        int start = 0, end = 0;
        try
        {
            while (!Client.KillRequested)
            {
                if (end == buf.Length)
                {
                    if (start > 0)
                    {
                        Buffer.BlockCopy(buf, start, buf, 0, end - start);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        buf = GrowBuffer(buf, end, buf.Length * 2);
                    }
                }
                int n;
                try
                {
                    if (_probe != null)
                    {
                        // A receive started while blocked is still pending: it is the next read.
                        n = await _probe.ConfigureAwait(false);
                        _probe = null;
                        if (n > 0) AppendProbe(ref buf, ref start, ref end, n);
                    }
                    else
                    {
                        n = await _socket.ReceiveAsync(buf.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                        end += n;
                    }
                }
                catch (SocketException)
                {
                    break;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                if (n == 0) break;
                Interlocked.Add(ref _server.Stats.NetInputBytes, n);

                bool protocolError = false;
                bool peerGone = false;
                await _sendGate.WaitAsync().ConfigureAwait(false);
                try
                {
                    // proto-max-bulk-len may change at runtime (CONFIG SET).
                    _parser.MaxBulkLength = _server.Config.ProtoMaxBulkLen;
                    // Replies are sent once per batch; a big batch is flushed early to bound memory, unless a hard
                    // output limit bounds it: then, as in Redis (which writes only after processing what it read),
                    // the batch's replies count against the limit together.
                    int flushAt = (Client.IsSubscribed ? _server.Config.PubSubLimit : _server.Config.NormalLimit).Hard > 0
                        ? int.MaxValue : FlushThreshold;
                    while (start < end && !Client.KillRequested)
                    {
                        // Before AUTH, Redis caps requests at 10 arguments of 16 KB (authRequired in networking.c).
                        _parser.AuthRequired = !Client.Authenticated;
                        var status = _parser.Parse(buf.AsSpan(start, end - start), _args, out int consumed);
                        if (status == ParseStatus.Command)
                        {
                            _args.Rebase(buf, start);
                            if (!Execute() && !await WaitWhileBlockedAsync().ConfigureAwait(false)) break;
                            if (_stash is { WrittenCount: > 0 }) AppendStash(ref buf, ref end);
                            start += consumed;
                            if (Client.CloseAfterReply) break;
                            if (_reply.Length >= flushAt) await SendReplyAsync().ConfigureAwait(false);
                        }
                        else if (status == ParseStatus.Empty)
                        {
                            start += consumed;
                            // A replica sends newlines while it loads: it is alive (repl_ack_time).
                            if (Client.IsReplica) Client.ReplicaFeed?.Touch();
                        }
                        else if (status == ParseStatus.Incomplete)
                        {
                            int need = _parser.NeededBytes;
                            if (need > buf.Length - start)
                            {
                                // A big argument: make room for the whole command once, so it is copied once.
                                var nb = ArrayPool<byte>.Shared.Rent(Math.Max(need, InitialBuffer));
                                Buffer.BlockCopy(buf, start, nb, 0, end - start);
                                ArrayPool<byte>.Shared.Return(buf);
                                buf = nb;
                                end -= start;
                                start = 0;
                            }
                            break;
                        }
                        else
                        {
                            // Redis sends "-ERR Protocol error: ..." (addReplyError adds the ERR), the offending
                            // byte of "expected '$', got 'x'" as is, then closes this connection after the reply.
                            _ctx.Error(System.Text.Encoding.Latin1.GetBytes("ERR " + _parser.Error));
                            Interlocked.Increment(ref _server.Stats.ProtocolErrors);
                            _server.Log.Verbose($"Protocol error ({_parser.Error}) from client: {Client.InfoLine()}");
                            protocolError = true;
                            break;
                        }
                    }
                    if (start == end)
                    {
                        start = end = 0;
                        if (buf.Length > 1024 * 1024)
                        {
                            ArrayPool<byte>.Shared.Return(buf);
                            buf = ArrayPool<byte>.Shared.Rent(InitialBuffer);
                        }
                    }
                    Client.QueryBufferLength = end - start;
                    Client.QueryBufferCapacity = buf.Length;
                    if (_reply.Length > 0 && !peerGone) await SendReplyAsync().ConfigureAwait(false);
                    // PSYNC/SYNC made this a replica: its stream starts after the replies written before it.
                    if (Client.IsReplica && Client.ReplicaFeed is { Started: false } feed) feed.Start(_socket);
                }
                finally
                {
                    _sendGate.Release();
                }
                if (protocolError || peerGone || Client.CloseAfterReply) break;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The peer went away mid-send.
        }
        finally
        {
            _ctx.OnDisconnect();
            Client.ReplicaFeed?.Close();
            // A receive still pending fails when the socket closes: observe it.
            _probe?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            ArrayPool<byte>.Shared.Return(buf);
            Close();
            _reply.Dispose();
        }
    }

    /// <summary>
    /// Keeps reading while a blocking command waits, as Redis does: a client that leaves releases its wait at once
    /// (otherwise a later push would pop an element for nobody), and bytes that arrive are kept to run after the
    /// blocking command.
    /// </summary>
    private async Task ReadWhileBlockedAsync(BlockedWait wait, Task waitTask)
    {
        while (!waitTask.IsCompleted && _closed == 0)
        {
            _probe ??= StartProbe();
            var first = await Task.WhenAny(waitTask, ClosedTask(), _probe).ConfigureAwait(false);
            if (first != _probe) return;
            int got = _probe.IsCompletedSuccessfully ? _probe.Result : 0;
            _probe = null;
            if (got <= 0)
            {
                Client.KillRequested = true;
                wait.TryComplete(UnblockReason.Closed);
                return;
            }
            Interlocked.Add(ref _server.Stats.NetInputBytes, got);
            (_stash ??= new ArrayBufferWriter<byte>()).Write(_probeBuf.AsSpan(0, got));
        }
    }

    /// <summary>
    /// Moves bytes read while blocked into the query buffer. Only grows the buffer (never moves what is in it), so
    /// the offsets of the command being finished stay valid.
    /// </summary>
    private void AppendStash(ref byte[] buf, ref int end)
    {
        var data = _stash!.WrittenSpan;
        if (buf.Length - end < data.Length) buf = GrowBuffer(buf, end, Math.Max(buf.Length * 2, end + data.Length));
        data.CopyTo(buf.AsSpan(end));
        end += data.Length;
        _stash.Clear();
    }

    private Task<int> StartProbe()
    {
        _probeBuf ??= new byte[4096];
        try
        {
            return _socket.ReceiveAsync(_probeBuf.AsMemory(), SocketFlags.None).AsTask();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return Task.FromResult(0);
        }
    }

    /// <summary>Appends <paramref name="n"/> bytes the probe received to the query buffer.</summary>
    private void AppendProbe(ref byte[] buf, ref int start, ref int end, int n)
    {
        if (buf.Length - end < n)
        {
            if (start > 0)
            {
                Buffer.BlockCopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            if (buf.Length - end < n) buf = GrowBuffer(buf, end, Math.Max(buf.Length * 2, end + n));
        }
        Buffer.BlockCopy(_probeBuf!, 0, buf, end, n);
        end += n;
    }

    private static byte[] GrowBuffer(byte[] buf, int used, int size)
    {
        var nb = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(buf, 0, nb, 0, used);
        ArrayPool<byte>.Shared.Return(buf);
        return nb;
    }

    /// <summary>Runs the parsed command; false when it did not finish (paused or blocked: see <see cref="WaitWhileBlockedAsync"/>).</summary>
    private bool Execute()
    {
        _ctx.Args = _args;
        int mark = _reply.Length;
        bool replica = Client.IsReplica;
        _server.Dispatcher.Execute(_ctx);
        long woff = Replication.ReplicationLog.TakeAppendEnd();
        if (woff > 0) Client.WriteOffset = woff;
        // A replica gets the replication stream, never replies (Redis's CLIENT_SLAVE).
        if (replica) _reply.Truncate(mark);
        if (Client.Blocked != null) return false;
        AfterCommand(mark);
        return true;
    }

    /// <summary>
    /// The slow path of a command that did not finish: postponed by CLIENT PAUSE, or blocked (BLPOP ...). Sends
    /// the replies of the commands before it (Redis writes them while the client waits), lets pushes through
    /// while waiting, and neither reads nor runs anything else for this client meanwhile. Then a postponed
    /// command runs again through every check (it may be postponed again); a blocked one writes its final
    /// reply. No thread is held while waiting. Returns false when the connection was closed meanwhile.
    /// </summary>
    private async ValueTask<bool> WaitWhileBlockedAsync()
    {
        var registry = _server.Clients;
        registry.BlockedChanged(1);
        try
        {
            while (Client.Blocked is { } wait)
            {
                if (_reply.Length > 0) await SendReplyAsync().ConfigureAwait(false);
                bool postponed = wait == ClientPause.Postponed;
                if (!postponed) wait.OnParked();
                Task waitTask = postponed ? registry.Pause.WhenEnded() : wait.Task;
                if (!waitTask.IsCompleted)
                {
                    _sendGate.Release();
                    try
                    {
                        if (postponed) await Task.WhenAny(waitTask, ClosedTask()).ConfigureAwait(false);
                        else await ReadWhileBlockedAsync(wait, waitTask).ConfigureAwait(false);
                    }
                    finally
                    {
                        await _sendGate.WaitAsync().ConfigureAwait(false);
                    }
                }
                if (_closed != 0 || Client.KillRequested)
                {
                    if (!postponed) wait.TryComplete(UnblockReason.Closed);
                    return false;
                }
                Client.Blocked = null;
                if (postponed)
                {
                    if (!Execute()) continue;
                }
                else
                {
                    int mark = _reply.Length;
                    wait.Resume(_ctx, ((Task<UnblockReason>)waitTask).Result);
                    long woff = Replication.ReplicationLog.TakeAppendEnd();
                    if (woff > 0) Client.WriteOffset = woff;
                    AfterCommand(mark);
                }
            }
            return true;
        }
        finally
        {
            registry.BlockedChanged(-1);
        }
    }

    /// <summary>Completes when <see cref="Close"/> runs (created on first use: only waiting clients need it).</summary>
    private Task ClosedTask()
    {
        var signal = Volatile.Read(ref _closedSignal);
        if (signal == null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = Interlocked.CompareExchange(ref _closedSignal, created, null) ?? created;
        }
        if (Volatile.Read(ref _closed) != 0) signal.TrySetResult();
        return signal.Task;
    }

    /// <summary>CLIENT REPLY and output limits, after a command wrote its reply from <paramref name="mark"/>.</summary>
    private void AfterCommand(int mark)
    {
        // CLIENT REPLY OFF/SKIP: the command ran, its reply is dropped.
        var mode = Client.ReplyMode;
        if (mode != ReplyMode.On)
        {
            if (mode == ReplyMode.Off) _reply.Truncate(mark);
            else if (mode == ReplyMode.Skip)
            {
                _reply.Truncate(mark);
                Client.ReplyMode = ReplyMode.On;
            }
            else if (mode == ReplyMode.SkipNext) Client.ReplyMode = ReplyMode.Skip;
        }
        CheckOutputLimits();
    }

    private void CheckOutputLimits()
    {
        var lim = Client.IsSubscribed ? _server.Config.PubSubLimit : _server.Config.NormalLimit;
        long used = _reply.Length;
        Client.OutputBufferLength = (int)Math.Min(used, int.MaxValue);
        if (lim.Hard > 0 && used >= lim.Hard)
        {
            LimitReached();
            return;
        }
        if (lim.Soft > 0 && used >= lim.Soft)
        {
            long now = Storage.Clock.UnixMs();
            if (_softLimitSinceMs == 0) _softLimitSinceMs = now;
            // Reached only when over the soft limit for longer than its seconds (checkClientOutputBufferLimits).
            else if (now - _softLimitSinceMs > lim.SoftSeconds * 1000) LimitReached();
        }
        else
        {
            _softLimitSinceMs = 0;
        }
    }

    private void LimitReached()
    {
        _server.Log.Warning($"Client {Client.InfoLine()} scheduled to be closed ASAP for overcoming of output buffer limits.");
        // Redis 7.0 counts no statistic for this (evicted_clients is maxmemory-clients eviction).
        _reply.Clear();
        Client.KillRequested = true;
    }

    private async ValueTask SendReplyAsync()
    {
        var data = _reply.Written;
        while (data.Length > 0)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            if (sent <= 0) break;
            data = data[sent..];
        }
        Interlocked.Add(ref _server.Stats.NetOutputBytes, _reply.Length);
        _reply.Clear();
        Client.OutputBufferLength = 0;
    }

    /// <summary>
    /// Queues bytes pushed by another thread (MONITOR lines, pub/sub messages) and sends them when no reply is
    /// being written. Returns false once the connection is closed.
    /// </summary>
    public bool Push(ReadOnlySpan<byte> resp)
    {
        // A client closing after its reply (QUIT, CLIENT KILL of itself) takes no more output, as in Redis.
        if (_closed != 0 || Client.CloseAfterReply) return false;
        bool schedule;
        lock (_pushLock)
        {
            _pushBuffer ??= new ReplyWriter(1024);
            _pushBuffer.Raw(resp);
            var lim = Client.IsSubscribed ? _server.Config.PubSubLimit : _server.Config.NormalLimit;
            if (lim.Hard > 0 && _pushBuffer.Length >= lim.Hard)
            {
                _pushBuffer.Clear();
                Client.KillRequested = true;
                Close();
                return false;
            }
            schedule = !_pushFlushScheduled;
            _pushFlushScheduled = true;
        }
        if (schedule) _ = FlushPushesAsync();
        return true;
    }

    private async Task FlushPushesAsync()
    {
        await _sendGate.WaitAsync().ConfigureAwait(false);
        try
        {
            while (true)
            {
                byte[] chunk;
                lock (_pushLock)
                {
                    if (_pushBuffer == null || _pushBuffer.Length == 0)
                    {
                        _pushFlushScheduled = false;
                        return;
                    }
                    chunk = _pushBuffer.WrittenSpan.ToArray();
                    _pushBuffer.Clear();
                }
                int off = 0;
                while (off < chunk.Length)
                {
                    int sent = await _socket.SendAsync(chunk.AsMemory(off), SocketFlags.None).ConfigureAwait(false);
                    if (sent <= 0) return;
                    off += sent;
                }
                Interlocked.Add(ref _server.Stats.NetOutputBytes, chunk.Length);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Close();
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Closes the socket (CLIENT KILL, timeout, shutdown); the read loop then ends.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        Client.KillRequested = true;
        Volatile.Read(ref _closedSignal)?.TrySetResult();
        if (Client.Blocked is { } blocked && blocked != ClientPause.Postponed) blocked.TryComplete(UnblockReason.Closed);
        if (Client.IsMonitor) _server.Monitors.Remove(this);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
        _server.Clients.Remove(this);
    }
}
