using System.Globalization;

namespace Tern.Server.Configuration;

/// <summary>The replica-side replication parameters, with Redis 7.0's names, aliases, defaults and bounds (config.c).</summary>
public sealed partial class ServerConfig
{
    /// <summary>The primary this server replicates from (replicaof), null when it is a primary.</summary>
    public string? ReplicaOfHost;
    public int ReplicaOfPort;

    public bool ReplicaServeStaleData = true;
    public string ReplicaAnnounceIp = "";
    public long ReplicaAnnouncePort;
    public long ReplTimeout = 60;
    public long ReplPingReplicaPeriod = 10;
    public long ReplicaPriority = 100;
    public bool ReplicaAnnounced = true;

    /// <summary>
    /// repl-diskless-load: every Redis value is accepted, but Tern always loads as "swapdb" does: the RDB streams
    /// from the socket into a staging keyspace while the old data keeps serving reads, and replaces it only when
    /// the load succeeded.
    /// </summary>
    public string ReplDisklessLoad = "disabled";

    /// <summary>repl-diskless-sync: full syncs stream the RDB to replicas that announced "capa eof" ($EOF: framing).</summary>
    public bool ReplDisklessSync = true;

    /// <summary>repl-diskless-sync-delay: accepted; Tern starts each full sync at once (its snapshot is per replica).</summary>
    public long ReplDisklessSyncDelay = 5;

    public long MinReplicasToWrite;
    public long MinReplicasMaxLag = 10;

    private void RegisterReplication()
    {
        Add(new ConfigParam("replicaof", ConfigType.Special, GetReplicaOf, SetReplicaOf,
            ConfigFlags.Immutable | ConfigFlags.MultiArg, alias: "slaveof") { Rewrite = RewriteReplicaOf });
        Add(new ConfigParam("masterauth", ConfigType.String, () => MasterAuth, a => { MasterAuth = a[0]; return null; },
            ConfigFlags.Sensitive) { EmptyIsNull = true });
        Add(new ConfigParam("masteruser", ConfigType.String, () => MasterUser, a => { MasterUser = a[0]; return null; },
            ConfigFlags.Sensitive) { EmptyIsNull = true });
        Add(new ConfigParam("replica-announce-ip", ConfigType.String, () => ReplicaAnnounceIp,
            a => { ReplicaAnnounceIp = a[0]; return null; }, alias: "slave-announce-ip") { EmptyIsNull = true });
        Int("replica-announce-port", () => ReplicaAnnouncePort, v => ReplicaAnnouncePort = v, 0, 65535, alias: "slave-announce-port");
        Bool("replica-serve-stale-data", () => ReplicaServeStaleData, v => ReplicaServeStaleData = v, alias: "slave-serve-stale-data");
        Int("replica-priority", () => ReplicaPriority, v => ReplicaPriority = v, 0, int.MaxValue, alias: "slave-priority");
        Bool("replica-announced", () => ReplicaAnnounced, v => ReplicaAnnounced = v);
        Int("repl-timeout", () => ReplTimeout, v => ReplTimeout = v, 1, int.MaxValue);
        Int("repl-ping-replica-period", () => ReplPingReplicaPeriod, v => ReplPingReplicaPeriod = v, 1, int.MaxValue, alias: "repl-ping-slave-period");
        // Redis accepts 1 and raises it to 16 KB when it applies the size (resizeReplicationBacklog).
        Memory("repl-backlog-size", () => ReplBacklogSize, v => ReplBacklogSize = Math.Max(v, Replication.ReplicationLog.MinBacklogSize), 1, long.MaxValue);
        Bool("repl-diskless-sync", () => ReplDisklessSync, v => ReplDisklessSync = v);
        Int("repl-diskless-sync-delay", () => ReplDisklessSyncDelay, v => ReplDisklessSyncDelay = v, 0, int.MaxValue);
        Int("min-replicas-to-write", () => MinReplicasToWrite, v => MinReplicasToWrite = v, 0, int.MaxValue, alias: "min-slaves-to-write");
        Int("min-replicas-max-lag", () => MinReplicasMaxLag, v => MinReplicasMaxLag = v, 0, int.MaxValue, alias: "min-slaves-max-lag");
        Enum("repl-diskless-load", () => ReplDisklessLoad, v => ReplDisklessLoad = v, ConfigFlags.None, "disabled", "on-empty-db", "swapdb");
    }

    private string GetReplicaOf() =>
        ReplicaOfHost == null ? "" : ReplicaOfHost + " " + ReplicaOfPort.ToString(CultureInfo.InvariantCulture);

    // setConfigReplicaOfOption: "no one" clears it; the port must be a whole number in 0..65535.
    private string? SetReplicaOf(string[] args)
    {
        if (args.Length != 2) return "wrong number of arguments";
        ReplicaOfHost = null;
        if (args[0].Equals("no", StringComparison.OrdinalIgnoreCase) && args[1].Equals("one", StringComparison.OrdinalIgnoreCase))
            return null;
        if (!long.TryParse(args[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long port) || port < 0 || port > 65535)
            return "Invalid master port";
        ReplicaOfHost = args[0];
        ReplicaOfPort = (int)port;
        return null;
    }

    // A primary writes no replicaof line (and removes any); a replica writes its current primary.
    private void RewriteReplicaOf(ConfigRewriter state, ConfigParam p)
    {
        if (ReplicaOfHost == null)
        {
            state.MarkProcessed(p.Name);
            return;
        }
        state.RewriteLine(p.Name, $"{p.Name} {ReplicaOfHost} {ReplicaOfPort.ToString(CultureInfo.InvariantCulture)}", force: true);
    }
}
