namespace Tern.Server.Replication;

/// <summary>What loading the primary's RDB gave: success or the reason, the aux fields, bytes read past the RDB.</summary>
internal readonly record struct FullSyncResult(bool Ok, string? Error, IReadOnlyDictionary<string, byte[]> Aux,
    ReadOnlyMemory<byte> Unconsumed, long KeysLoaded);

/// <summary>
/// The one place the replica link calls the persistence code: the RDB streams from the socket into a staging
/// keyspace and replaces the live dataset only when the whole load succeeded (Redis's swapdb diskless load).
/// </summary>
internal static class FullSyncLoader
{
    public static FullSyncResult Load(TernServer server, Stream input, long totalBytes, Action<long> progress)
    {
        var outcome = Persistence.RdbLoading.LoadReplacing(server, input, asReplica: true, totalBytes, progress);
        return new FullSyncResult(outcome.Result.Ok, outcome.Result.Ok ? null : Persistence.RdbLoading.Describe(outcome.Result),
            outcome.Aux, outcome.Unconsumed, outcome.KeysLoaded);
    }
}
