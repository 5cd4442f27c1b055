namespace Tern.Server.Storage;

/// <summary>What the keyspace tells the server about keys it removes by itself (the shard lock is held).</summary>
public interface IKeyspaceEvents
{
    /// <summary>A key expired (lazily or by the active cycle) and was deleted.</summary>
    void OnExpired(int db, ReadOnlySpan<byte> key);

    /// <summary>A key was created (Redis's dbAdd): the "new" keyspace notification.</summary>
    void OnAdded(int db, ReadOnlySpan<byte> key);
}
