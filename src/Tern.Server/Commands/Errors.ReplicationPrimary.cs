namespace Tern.Server.Commands;

/// <summary>Errors of the primary side of replication (replication.c syncCommand/replconfCommand, server.c).</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> NoReplicas => "NOREPLICAS Not enough good replicas to write."u8;
    public static ReadOnlySpan<byte> NoMasterLink => "NOMASTERLINK Can't SYNC while not connected with my master"u8;
    public static ReadOnlySpan<byte> SyncPendingOutput => "ERR SYNC and PSYNC are invalid with pending output"u8;
}
