using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// MIGRATE (cluster.c migrateCommand). Redis blocks the whole server while it talks to the target; Tern blocks only
/// the calling connection's thread and holds no shard lock meanwhile: the values are serialized under the keys'
/// locks, sent and acknowledged without locks, and the acknowledged keys are then deleted (unless COPY) under the
/// locks again, where their DEL is propagated. Connections to targets are cached per "host:port" (with the last
/// database selected on them) and closed after 10 seconds unused, as Redis's migrate socket cache.
/// </summary>
public static partial class DumpFamily
{
    // MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password] [AUTH2 username password]
    //   [KEYS key [key ...]]
    private static void Migrate(CommandContext ctx)
    {
        bool copy = false, replace = false;
        int userArg = -1, passArg = -1, firstKey = 3, numKeys = 1;
        int argc = ctx.ArgCount;
        for (int j = 6; j < argc; j++)
        {
            var opt = ctx.Arg(j);
            int more = argc - 1 - j;
            if (Ascii.EqualsIgnoreCase(opt, "COPY"u8)) copy = true;
            else if (Ascii.EqualsIgnoreCase(opt, "REPLACE"u8)) replace = true;
            else if (Ascii.EqualsIgnoreCase(opt, "AUTH"u8))
            {
                if (more == 0)
                {
                    ctx.SyntaxError();
                    return;
                }
                passArg = ++j;
                Redact(ctx, j);
            }
            else if (Ascii.EqualsIgnoreCase(opt, "AUTH2"u8))
            {
                if (more < 2)
                {
                    ctx.SyntaxError();
                    return;
                }
                userArg = ++j;
                Redact(ctx, j);
                passArg = ++j;
                Redact(ctx, j);
            }
            else if (Ascii.EqualsIgnoreCase(opt, "KEYS"u8))
            {
                if (ctx.Arg(3).Length != 0)
                {
                    ctx.Error(Errors.MigrateKeysNeedEmptyKey);
                    return;
                }
                firstKey = j + 1;
                numKeys = argc - j - 1;
                break;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (!RespNumber.TryParseInt64(ctx.Arg(5), out long timeout) || !RespNumber.TryParseInt64(ctx.Arg(4), out long dbid))
        {
            ctx.Error(Errors.NotInteger);
            return;
        }
        if (timeout <= 0) timeout = 1000;
        int timeoutMs = (int)Math.Min(timeout, int.MaxValue);

        // 1. Under the keys' locks: the keys that exist, their expiry and their payload.
        var found = new List<MigratedKey>(numKeys);
        var shards = ShardsOf(ctx, firstKey, numKeys);
        LockShards(ctx, shards);
        try
        {
            for (int j = 0; j < numKeys; j++)
            {
                var o = ctx.LookupRead(ctx.Arg(firstKey + j));
                if (o == null) continue;
                found.Add(new MigratedKey(firstKey + j, Entry.ExpireAt(o), CreatePayload(ctx.Server.Config, o)));
            }
        }
        finally
        {
            UnlockShards(ctx, shards);
        }
        if (found.Count == 0)
        {
            ctx.Reply.Raw("+NOKEY\r\n"u8);
            return;
        }

        // 2. Without locks: send AUTH, SELECT and one RESTORE per key, read the replies.
        var cache = Cache(ctx.Server);
        string name = Encoding.Latin1.GetString(ctx.Arg(1)) + ":" + Encoding.Latin1.GetString(ctx.Arg(2));
        bool mayRetry = true;
        var acked = new List<int>(found.Count);
        while (true)
        {
            acked.Clear();
            var link = cache.Take(name) ?? MigrateLink.Connect(ctx.Arg(1), ctx.Arg(2), timeoutMs);
            link.SetTimeout(timeoutMs);
            bool select = link.LastDb != dbid;
            var cmd = new ArrayBufferWriter<byte>();
            if (passArg > 0)
            {
                Resp.Array(cmd, userArg > 0 ? 3 : 2);
                Resp.Bulk(cmd, "AUTH"u8);
                if (userArg > 0) Resp.Bulk(cmd, ctx.Arg(userArg));
                Resp.Bulk(cmd, ctx.Arg(passArg));
            }
            if (select)
            {
                Resp.Array(cmd, 2);
                Resp.Bulk(cmd, "SELECT"u8);
                Resp.Bulk(cmd, dbid);
            }
            // Keys that expired since the lookup are skipped; the others carry their remaining TTL (at least 1 ms).
            var sent = new List<MigratedKey>(found.Count);
            long now = Clock.UnixMs();
            foreach (var k in found)
            {
                long ttl = 0;
                if (k.ExpireAt != 0)
                {
                    ttl = k.ExpireAt - now;
                    if (ttl < 0) continue;
                    if (ttl < 1) ttl = 1;
                }
                sent.Add(k);
                Resp.Array(cmd, replace ? 5 : 4);
                Resp.Bulk(cmd, "RESTORE"u8);
                Resp.Bulk(cmd, ctx.Arg(k.Arg));
                Resp.Bulk(cmd, ttl);
                Resp.Bulk(cmd, k.Payload);
                if (replace) Resp.Bulk(cmd, "REPLACE"u8);
            }

            if (!link.Write(cmd.WrittenSpan))
            {
                link.Dispose();
                if (!link.TimedOut && mayRetry)
                {
                    mayRetry = false;
                    continue;
                }
                ctx.Error(Errors.MigrateIoWriting);
                return;
            }
            string? authReply = null, selectReply = null;
            if ((passArg > 0 && (authReply = link.ReadLine()) == null) || (select && (selectReply = link.ReadLine()) == null))
            {
                link.Dispose();
                if (!link.TimedOut && mayRetry)
                {
                    mayRetry = false;
                    continue;
                }
                ctx.Error(Errors.MigrateIoReading);
                return;
            }

            string? targetError = null;
            bool socketError = false;
            int j = 0;
            for (; j < sent.Count; j++)
            {
                var reply = link.ReadLine();
                if (reply == null)
                {
                    socketError = true;
                    break;
                }
                if (authReply is ['-', ..] || selectReply is ['-', ..] || reply is ['-', ..])
                {
                    if (targetError == null)
                    {
                        link.LastDb = -1;
                        targetError = authReply is ['-', ..] ? authReply : selectReply is ['-', ..] ? selectReply : reply;
                    }
                }
                else if (!copy) acked.Add(sent[j].Arg);
            }
            // Nothing was processed and the first reply never came: the cached connection may just have been closed
            // by the target, so try once more on a fresh one (not after a timeout).
            if (targetError == null && socketError && j == 0 && mayRetry && !link.TimedOut)
            {
                link.Dispose();
                mayRetry = false;
                continue;
            }
            if (socketError) link.Dispose();

            // 3. Under the locks again: delete what the target acknowledged, propagated as one DEL.
            if (acked.Count > 0) DeleteMoved(ctx, acked);

            if (targetError == null && socketError)
            {
                ctx.Error(Errors.MigrateIoReading);
                return;
            }
            if (targetError == null)
            {
                link.LastDb = dbid;
                cache.Return(name, link);
                ctx.Reply.Ok();
                return;
            }
            if (!socketError) cache.Return(name, link);
            var err = new byte[Errors.MigrateTargetErrorPrefix.Length + targetError.Length - 1];
            Errors.MigrateTargetErrorPrefix.CopyTo(err);
            Encoding.Latin1.GetBytes(targetError.AsSpan(1), err.AsSpan(Errors.MigrateTargetErrorPrefix.Length));
            ctx.Error(err);
            return;
        }
    }

    private readonly record struct MigratedKey(int Arg, long ExpireAt, byte[] Payload);

    /// <summary>MONITOR shows AUTH/AUTH2 credentials as "(redacted)", as Redis's redactClientCommandArgument.</summary>
    private static void Redact(CommandContext ctx, int arg)
    {
        if (arg < 64) ctx.Client.RedactedArgs |= 1UL << arg;
    }

    private static void DeleteMoved(CommandContext ctx, List<int> args)
    {
        var shards = new List<int>(args.Count);
        foreach (int a in args) AddShard(shards, Keyspace.ShardIndex(Keyspace.Hash(ctx.Arg(a))));
        // Taken to change these keys: a running snapshot first serializes them.
        var all = ctx.Keyspace.Shards;
        foreach (int s in shards) all[s].EnterKeys(ctx.Args, CollectionsMarshal.AsSpan(args));
        try
        {
            var ks = ctx.Keyspace;
            var deleted = new List<int>(args.Count);
            foreach (int a in args)
            {
                var key = ctx.Arg(a);
                // A key that vanished since the lookup (expired, deleted by another client) is not in the DEL.
                if (!ks.Delete(ctx.Db, key, Clock.UnixMs())) continue;
                ks.Touch(ctx.Db, key);
                ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
                deleted.Add(a);
            }
            if (deleted.Count == 0) return;
            var p = ctx.Propagation;
            p.Clear();
            p.Begin(deleted.Count + 1);
            p.Arg("DEL"u8);
            foreach (int a in deleted) p.Arg(ctx.Arg(a));
            ctx.Dirty += deleted.Count;
            ctx.Server.Dispatcher.PropagateNow(ctx);
        }
        finally
        {
            UnlockShards(ctx, shards);
        }
    }

    /// <summary>The sorted distinct shards of the keys at arguments first .. first+count-1.</summary>
    private static List<int> ShardsOf(CommandContext ctx, int first, int count)
    {
        var shards = new List<int>(Math.Min(count, Keyspace.ShardCount));
        for (int i = 0; i < count; i++) AddShard(shards, Keyspace.ShardIndex(Keyspace.Hash(ctx.Arg(first + i))));
        return shards;
    }

    private static void AddShard(List<int> shards, int s)
    {
        int i = shards.BinarySearch(s);
        if (i < 0) shards.Insert(~i, s);
    }

    /// <summary>
    /// Ascending order, as the dispatcher locks, so MIGRATE never deadlocks with other commands. For reading: lazy
    /// expiry tells a running snapshot itself.
    /// </summary>
    private static void LockShards(CommandContext ctx, List<int> shards)
    {
        var all = ctx.Keyspace.Shards;
        foreach (int s in shards) all[s].EnterRead();
    }

    private static void UnlockShards(CommandContext ctx, List<int> shards)
    {
        var all = ctx.Keyspace.Shards;
        for (int i = shards.Count - 1; i >= 0; i--) all[shards[i]].Exit();
    }

    /// <summary>Redis's migrateGetKeys: the key argument, or the keys after KEYS when the key argument is empty.</summary>
    private static int MigrateKeys(CommandArgs args, Span<int> positions)
    {
        int first = 3, num = 1, argc = args.Count;
        for (int i = 6; i < argc; i++)
        {
            var a = args[i];
            if (Ascii.EqualsIgnoreCase(a, "KEYS"u8))
            {
                if (args[3].Length > 0) num = 0;
                else
                {
                    first = i + 1;
                    num = argc - first;
                }
                break;
            }
            if (Ascii.EqualsIgnoreCase(a, "AUTH"u8)) i += 1;
            else if (Ascii.EqualsIgnoreCase(a, "AUTH2"u8)) i += 2;
        }
        if (num > positions.Length) return num;
        for (int i = 0; i < num; i++) positions[i] = first + i;
        return num;
    }

    // ---- the connection cache ----

    private static readonly ConditionalWeakTable<TernServer, MigrateCache> Caches = new();

    private static MigrateCache Cache(TernServer server) => Caches.GetValue(server, static _ => new MigrateCache());

    /// <summary>
    /// Connections to MIGRATE targets by "host:port". A connection is taken out while a MIGRATE uses it (two clients
    /// migrating to one target at once use two connections) and put back after; at most 64 are kept, and one unused
    /// for more than 10 seconds is closed (Redis's MIGRATE_SOCKET_CACHE_ITEMS and _TTL).
    /// </summary>
    private sealed class MigrateCache
    {
        private const int MaxItems = 64;
        private const long IdleMs = 10_000;
        private readonly Dictionary<string, MigrateLink> _links = new(StringComparer.Ordinal);
        private Timer? _timer;

        public MigrateLink? Take(string name)
        {
            lock (_links)
            {
                if (!_links.Remove(name, out var link)) return null;
                return link;
            }
        }

        public void Return(string name, MigrateLink link)
        {
            link.LastUseMs = Clock.UnixMs();
            lock (_links)
            {
                if (_links.ContainsKey(name))
                {
                    link.Dispose();
                    return;
                }
                if (_links.Count >= MaxItems)
                {
                    // Too many: drop one (Redis drops a random one).
                    foreach (var (k, v) in _links)
                    {
                        v.Dispose();
                        _links.Remove(k);
                        break;
                    }
                }
                _links[name] = link;
                _timer ??= new Timer(static s => ((MigrateCache)s!).CloseIdle(), this, 1000, 1000);
            }
        }

        private void CloseIdle()
        {
            long now = Clock.UnixMs();
            lock (_links)
            {
                List<string>? idle = null;
                foreach (var (k, v) in _links)
                    if (now - v.LastUseMs > IdleMs) (idle ??= []).Add(k);
                if (idle != null)
                    foreach (var k in idle)
                    {
                        _links.Remove(k, out var v);
                        v!.Dispose();
                    }
                if (_links.Count == 0)
                {
                    _timer?.Dispose();
                    _timer = null;
                }
            }
        }
    }

    /// <summary>A blocking connection to a MIGRATE target with Redis's syncWrite/syncReadLine semantics.</summary>
    private sealed class MigrateLink : IDisposable
    {
        private readonly Socket? _socket;
        private readonly byte[] _buf = new byte[16 * 1024];
        private int _start, _end;

        private MigrateLink(Socket? socket) => _socket = socket;

        /// <summary>The database last selected on this connection; -1 unknown.</summary>
        public long LastDb { get; set; } = -1;

        public long LastUseMs { get; set; }

        /// <summary>The last failure was a timeout (Redis does not retry after ETIMEDOUT).</summary>
        public bool TimedOut { get; private set; }

        /// <summary>
        /// Connects within <paramref name="timeoutMs"/>. A failed connect gives a link whose first write fails: Redis's
        /// blocking connect reports success either way and the error shows at the first write.
        /// </summary>
        public static MigrateLink Connect(ReadOnlySpan<byte> host, ReadOnlySpan<byte> port, int timeoutMs)
        {
            string h = Encoding.Latin1.GetString(host);
            int p = AtoI(port);
            Socket? s = null;
            try
            {
                // Resolved and connected synchronously (no thread-pool continuation to wait for), the connect bounded
                // by the timeout through a non-blocking connect and a poll, as Redis's connBlockingConnect.
                var address = IPAddress.TryParse(h, out var ip) ? ip : Dns.GetHostAddresses(h)[0];
                s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
                try
                {
                    s.Connect(new IPEndPoint(address, p));
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    if (!s.Poll(TimeSpan.FromMilliseconds(timeoutMs), SelectMode.SelectWrite))
                    {
                        s.Dispose();
                        return new MigrateLink(null) { TimedOut = true };
                    }
                    if (s.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int err && err != 0)
                    {
                        s.Dispose();
                        return new MigrateLink(null);
                    }
                }
                s.Blocking = true;
                return new MigrateLink(s);
            }
            catch (Exception e) when (e is SocketException or ArgumentException or IndexOutOfRangeException)
            {
                s?.Dispose();
                return new MigrateLink(null);
            }
        }

        /// <summary>C's atoi: leading blanks and sign, digits up to the first other character, 0 when none.</summary>
        private static int AtoI(ReadOnlySpan<byte> s)
        {
            int i = 0;
            while (i < s.Length && (s[i] == ' ' || (s[i] >= 9 && s[i] <= 13))) i++;
            bool neg = false;
            if (i < s.Length && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
            long v = 0;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9' && v < 1_000_000) v = v * 10 + (s[i++] - '0');
            v = neg ? -v : v;
            return v is < 0 or > 65535 ? -1 : (int)v;
        }

        public void SetTimeout(int ms)
        {
            if (_socket == null) return;
            _socket.SendTimeout = ms;
            _socket.ReceiveTimeout = ms;
        }

        public bool Write(ReadOnlySpan<byte> data)
        {
            if (_socket == null) return false;
            try
            {
                while (data.Length > 0)
                {
                    int n = _socket.Send(data);
                    if (n <= 0) return false;
                    data = data[n..];
                }
                return true;
            }
            catch (SocketException e)
            {
                TimedOut = e.SocketErrorCode == SocketError.TimedOut;
                return false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }

        /// <summary>
        /// One reply line without its CR LF, cut at 1023 bytes as Redis's 1024-byte line buffers; null on a socket
        /// error, end of stream or timeout.
        /// </summary>
        public string? ReadLine()
        {
            if (_socket == null) return null;
            var line = new List<byte>(64);
            while (true)
            {
                if (_start == _end)
                {
                    try
                    {
                        int n = _socket.Receive(_buf);
                        if (n <= 0) return null;
                        _start = 0;
                        _end = n;
                    }
                    catch (SocketException e)
                    {
                        TimedOut = e.SocketErrorCode == SocketError.TimedOut;
                        return null;
                    }
                    catch (ObjectDisposedException)
                    {
                        return null;
                    }
                }
                byte b = _buf[_start++];
                if (b == '\n')
                {
                    if (line.Count > 0 && line[^1] == '\r') line.RemoveAt(line.Count - 1);
                    if (line.Count > 1023) line.RemoveRange(1023, line.Count - 1023);
                    return Encoding.Latin1.GetString(line.ToArray());
                }
                line.Add(b);
            }
        }

        public void Dispose() => _socket?.Dispose();
    }

    /// <summary>RESP request encoding for the commands MIGRATE sends.</summary>
    private static class Resp
    {
        public static void Array(ArrayBufferWriter<byte> w, int n) => Header(w, (byte)'*', n);

        public static void Bulk(ArrayBufferWriter<byte> w, ReadOnlySpan<byte> s)
        {
            Header(w, (byte)'$', s.Length);
            w.Write(s);
            w.Write("\r\n"u8);
        }

        public static void Bulk(ArrayBufferWriter<byte> w, long n)
        {
            Span<byte> tmp = stackalloc byte[24];
            n.TryFormat(tmp, out int len, default, System.Globalization.CultureInfo.InvariantCulture);
            Bulk(w, tmp[..len]);
        }

        private static void Header(ArrayBufferWriter<byte> w, byte type, long n)
        {
            Span<byte> tmp = stackalloc byte[24];
            tmp[0] = type;
            n.TryFormat(tmp[1..], out int len, default, System.Globalization.CultureInfo.InvariantCulture);
            tmp[len + 1] = (byte)'\r';
            tmp[len + 2] = (byte)'\n';
            w.Write(tmp[..(len + 3)]);
        }
    }
}
