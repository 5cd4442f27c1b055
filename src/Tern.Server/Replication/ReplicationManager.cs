using System.Net;
using System.Net.NetworkInformation;

namespace Tern.Server.Replication;

/// <summary>
/// This server's replication role (TernServer.Replication): the log (ids, offset, backlog) and, while it is a
/// replica, the link to its primary. REPLICAOF goes through <see cref="SetPrimary"/> and <see cref="UnsetPrimary"/>.
/// </summary>
public sealed class ReplicationManager
{
    private readonly TernServer _server;
    private readonly object _roleLock = new();
    private ReplicaLink? _link;

    public ReplicationManager(TernServer server)
    {
        _server = server;
        Log.Resize(server.Config.ReplBacklogSize);
        server.Config.Changed += name =>
        {
            if (name == "repl-backlog-size") Log.Resize(_server.Config.ReplBacklogSize);
        };
    }

    public ReplicationLog Log { get; } = new();

    /// <summary>master_repl_offset: the snapshotter reads it under all shard locks for its cut.</summary>
    public long Offset => Log.Offset;

    /// <summary>The link to the primary, null while this server is a primary.</summary>
    public ReplicaLink? Link => _link;

    public bool IsReplica => _link != null;

    /// <summary>True while a full sync's RDB loads (the old data keeps serving reads: INFO async_loading).</summary>
    public volatile bool Loading;

    /// <summary>Bytes read from the primary (INFO stats total_net_repl_input_bytes).</summary>
    public long NetReplInputBytes;

    /// <summary>Bytes sent to replicas (total_net_repl_output_bytes).</summary>
    public long NetReplOutputBytes;

    /// <summary>Full and partial syncs served to replicas (INFO stats sync_*).</summary>
    public long SyncFull, SyncPartialOk, SyncPartialErr;

    private readonly object _waitLock = new();
    private readonly List<AckWait> _waiters = [];
    private long _lastPingMs = Storage.Clock.UnixMs();

    /// <summary>
    /// A client blocked in WAIT: it is served once <see cref="NumReplicas"/> online replicas acknowledged
    /// <see cref="Target"/>.
    /// </summary>
    public abstract class AckWait : Network.BlockedWait
    {
        public long Target;
        public long NumReplicas;
    }

    /// <summary>Online replicas that acknowledged at least <paramref name="target"/> (replicationCountAcksByOffset).</summary>
    public int CountAcked(long target)
    {
        int n = 0;
        foreach (var f in Log.Feeds())
            if (f.State == FeedState.Online && Interlocked.Read(ref f.AckOffset) >= target) n++;
        return n;
    }

    /// <summary>WAIT blocks: register it and ask every replica for an ACK now (REPLCONF GETACK *).</summary>
    public void AddWaiter(AckWait w)
    {
        lock (_waitLock) _waiters.Add(w);
        Log.AppendGetAck();
        // An ACK may have arrived in between.
        AckReceived();
    }

    public void RemoveWaiter(AckWait w)
    {
        lock (_waitLock) _waiters.Remove(w);
    }

    /// <summary>A replica acknowledged an offset: serve the WAITs it satisfies (processClientsWaitingReplicas).</summary>
    public void AckReceived()
    {
        AckWait[] ws;
        lock (_waitLock)
        {
            if (_waiters.Count == 0) return;
            ws = _waiters.ToArray();
        }
        foreach (var w in ws)
            if (CountAcked(w.Target) >= w.NumReplicas && w.TryComplete(Network.UnblockReason.Served)) RemoveWaiter(w);
    }

    /// <summary>Replicas that are online and acked within min-replicas-max-lag seconds (repl_good_slaves_count).</summary>
    public int GoodReplicas()
    {
        long now = Storage.Clock.UnixMs();
        int n = 0;
        foreach (var f in Log.Feeds())
            if (f.State == FeedState.Online && (now - f.AckTimeMs) / 1000 <= _server.Config.MinReplicasMaxLag) n++;
        return n;
    }

    /// <summary>
    /// min-replicas-to-write: true when writes must be refused with -NOREPLICAS (a primary with both settings
    /// non-zero and too few good replicas).
    /// </summary>
    public bool DenyWrites => _link == null && _server.Config.MinReplicasToWrite > 0 && _server.Config.MinReplicasMaxLag > 0
        && GoodReplicas() < _server.Config.MinReplicasToWrite;

    /// <summary>
    /// Once a second from the server's cron (replicationCron's primary part): ping replicas every
    /// repl-ping-replica-period and drop online replicas silent for longer than repl-timeout.
    /// </summary>
    public void Cron()
    {
        long now = Storage.Clock.UnixMs();
        var feeds = Log.Feeds();
        if (feeds.Length == 0)
        {
            _lastPingMs = now;
            return;
        }
        if (_link == null && now - _lastPingMs >= _server.Config.ReplPingReplicaPeriod * 1000)
        {
            _lastPingMs = now;
            Log.AppendPing();
        }
        foreach (var f in feeds)
        {
            if (f.State != FeedState.Online) continue;
            if (now - f.AckTimeMs > _server.Config.ReplTimeout * 1000)
            {
                _server.Log.Warning($"Disconnecting timedout replica (streaming sync): {f.Ip}:{f.ListeningPort}");
                f.Close();
            }
        }
    }

    /// <summary>
    /// True when replica-serve-stale-data is no and the link is not up: commands without the "stale" flag then
    /// get -MASTERDOWN.
    /// </summary>
    public bool DenyStale => _link is { } l && l.State != LinkState.Connected && !_server.Config.ReplicaServeStaleData;

    /// <summary>
    /// Is host:port this server itself? True for our own port on a loopback, unspecified or local interface
    /// address (or a name resolving to one).
    /// </summary>
    public bool IsSelf(string host, int port)
    {
        if (port != _server.Port) return false;
        try
        {
            var addrs = IPAddress.TryParse(host, out var ip) ? [ip] : Dns.GetHostAddresses(host);
            var local = new HashSet<IPAddress>();
            foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
                foreach (var ua in ni.GetIPProperties().UnicastAddresses) local.Add(ua.Address);
            foreach (var a in addrs)
            {
                var x = a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
                if (IPAddress.IsLoopback(x) || x.Equals(IPAddress.Any) || x.Equals(IPAddress.IPv6Any) || local.Contains(x)) return true;
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException or NetworkInformationException)
        {
            // A name that does not resolve is not us; the link will report it.
        }
        return false;
    }

    /// <summary>REPLICAOF host port (replicationSetMaster): become a replica of host:port.</summary>
    /// <param name="atStartup">replicaof from the config file or command line: there is no history of our own to offer.</param>
    public void SetPrimary(string host, int port, bool atStartup = false)
    {
        lock (_roleLock)
        {
            bool wasPrimary = _link == null;
            var previous = _link;
            previous?.Stop();
            _server.Keyspace.IsReplica = true;
            _server.Log.Role = 'S';
            Log.Proxying = true;
            if (ReferenceEquals(_server.PropagationSink, Log)) _server.PropagationSink = null;
            _server.Config.ReplicaOfHost = host;
            _server.Config.ReplicaOfPort = port;
            // A primary offers its own history for PSYNC; a replica that changes primary keeps its cached state.
            var link = new ReplicaLink(_server, this, host, port, cacheMyself: !atStartup && (wasPrimary || _link!.Snapshot().HasCached));
            _link = link;
            link.Start(previous);
        }
    }

    /// <summary>REPLICAOF NO ONE (replicationUnsetMaster): keep the data, shift the replication id, accept writes.</summary>
    public void UnsetPrimary()
    {
        lock (_roleLock)
        {
            if (_link == null) return;
            _link.Stop();
            _link = null;
            _server.Config.ReplicaOfHost = null;
            // Under every shard lock: no write is half-way while the role and the propagation target change.
            _server.Keyspace.LockAll();
            try
            {
                var st = Log.ShiftReplicationId();
                _server.Log.Warning($"Setting secondary replication ID to {st.ReplId2}, valid up to offset: {st.SecondOffset}. New replication ID is {st.ReplId}");
                Log.Proxying = false;
                _server.Keyspace.IsReplica = false;
                _server.Log.Role = 'M';
                if (Log.HasBacklog && _server.PropagationSink == null) _server.PropagationSink = Log;
            }
            finally
            {
                _server.Keyspace.UnlockAll();
            }
        }
    }

    /// <summary>Stops the link (server shutdown).</summary>
    public void Shutdown()
    {
        lock (_roleLock) _link?.Stop();
    }
}
