namespace Tern.Server.Commands;

/// <summary>Error texts of REPLICAOF / SLAVEOF, as Redis 7.0 words them (replication.c), plus Tern's self check.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> InvalidMasterPort => "ERR Invalid master port"u8;
    public static ReadOnlySpan<byte> ReplicaOfFromReplica => "ERR Command is not valid when client is a replica."u8;

    public static ReadOnlySpan<byte> WaitOnReplica => "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."u8;

    /// <summary>
    /// Tern refuses to replicate from its own address (Redis would start a sync with itself and fail later).
    /// </summary>
    public static ReadOnlySpan<byte> ReplicaOfSelf => "ERR Can't replicate from myself: that host and port are this server's own address"u8;
}
